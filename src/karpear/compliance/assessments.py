"""Starting assessments (copied, prefilled from the records, ruled out by the profile) and the
products a per-product framework is about."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.compliance.common import audit_assessment, current_answers, require_writer
from karpear.compliance.frameworks import PROFILE_FLAGS, Item, get_framework
from karpear.compliance.live import Live, live_reader
from karpear.compliance.models import (
    Answer,
    AnswerSource,
    Assessment,
    AssessmentStatus,
    Product,
)
from karpear.core.errors import ApplicationError, NotFound
from karpear.orgs.models import Organisation
from karpear.staff.models import StaffMember

# --- starting ----------------------------------------------------------------------------------


def _profile_reason(item: Item) -> str:
    flags = ", ".join(item.applies_to)
    return (
        f"Does not apply: the company profile says none of these describe its services: {flags}. "
        f"/ មិនពាក់ព័ន្ធ៖ ទម្រង់ក្រុមហ៊ុនបញ្ជាក់ថាគ្មានលក្ខណៈទាំងនេះទេ៖ {flags}។"
    )


def applies(item: Item, profile: dict[str, Any]) -> bool:
    return not item.applies_to or any(profile.get(flag) for flag in item.applies_to)


@transaction.atomic
def assessment_start(
    *,
    member: StaffMember,
    framework_id: str,
    profile: dict[str, bool] | None = None,
    product_id: int | None = None,
    reassess_months: int | None = None,
    request: HttpRequest | None = None,
) -> Assessment:
    """Start a draft: copy the last signed answers, fill what Karpear can prove, mark what the
    company's profile rules out. Only one draft per framework (and product) at a time."""
    require_writer(member)
    org = member.organisation
    framework = get_framework(framework_id)
    if framework is None:
        raise NotFound(_("There is no such framework."))
    product = None
    if framework.per_product:
        product = Product.objects.filter(organisation=org, pk=product_id or 0).first()
        if product is None:
            raise ApplicationError(
                _("Choose the product or service this assessment is for."),
                fields={"product": [str(_("Choose a product."))]},
            )
    months = reassess_months or settings.KARPEAR_REASSESS_MONTHS
    if not 12 <= months <= 24:
        raise ApplicationError(
            _("Reassess between one and two years (12 to 24 months)."),
            fields={"reassess_months": [str(_("Between 12 and 24."))]},
        )
    clean_profile = {flag: bool((profile or {}).get(flag)) for flag in PROFILE_FLAGS}
    previous = (
        Assessment.objects.filter(
            organisation=org,
            framework_id=framework.id,
            product=product,
            status=AssessmentStatus.SIGNED,
        )
        .order_by("-signed_at")
        .first()
    )
    now = timezone.now()
    try:
        with transaction.atomic():
            assessment = Assessment.objects.create(
                organisation=org,
                framework_id=framework.id,
                framework_version=framework.version,
                framework_digest=framework.digest,
                product=product,
                profile=clean_profile,
                previous=previous,
                reassess_months=months,
                created_by=member.user,
                created_at=now,
            )
    except IntegrityError as exc:
        raise ApplicationError(
            _("There is already a draft of this assessment. Continue that one."),
            code="draft_exists",
            status=409,
        ) from exc
    copied = current_answers(previous) if previous else {}
    read = live_reader(org, now)
    rows = []
    for item in framework.items.values():
        base: dict[str, Any] = {
            "assessment": assessment,
            "ref": item.ref,
            "version": 1,
            "answered_at": now,
        }
        if not applies(item, clean_profile):
            rows.append(
                Answer(
                    **base,
                    not_applicable=True,
                    reason=_profile_reason(item),
                    source=AnswerSource.PROFILE,
                )
            )
            continue
        live = read(item.live) if item.live else None
        old = copied.get(item.ref)
        if live is not None and live.suggested and (old is None or old.source == AnswerSource.LIVE):
            rows.append(_live_answer(base, item, live))
        elif old is not None and old.source != AnswerSource.PROFILE:
            rows.append(
                Answer(
                    **base,
                    not_applicable=old.not_applicable,
                    value=old.value,
                    reason=old.reason,
                    note=old.note,
                    action=old.action,
                    action_owner=old.action_owner,
                    action_due=old.action_due,
                    action_done_on=old.action_done_on,
                    link=old.link,
                    source=AnswerSource.COPIED,
                    live=live.as_dict() if live else None,
                    answered_by=old.answered_by,
                )
            )
    Answer.objects.bulk_create(rows)
    audit_assessment(
        member,
        "compliance_start",
        assessment,
        {
            "framework": framework.id,
            "version": framework.version,
            "product": product.name if product else None,
            "copied_from": previous.pk if previous else None,
        },
        request,
    )
    return assessment


def _live_answer(base: dict[str, Any], item: Item, live: Live) -> Answer:
    # A "partially" or "no" from the records still needs the officer's planned action before
    # sign-off: Karpear cannot plan the company's action for it.
    return Answer(
        **base,
        value=live.suggested,
        source=AnswerSource.LIVE,
        live=live.as_dict(),
    )


# --- products ----------------------------------------------------------------------------------


def product_add(*, member: StaffMember, name: str, description: str = "") -> Product:
    require_writer(member)
    name = " ".join(name.split())
    if not name or len(name) > 200 or len(description) > 500:
        raise ApplicationError(
            _("Give the product a name."), fields={"name": [str(_("Give a name."))]}
        )
    try:
        with transaction.atomic():
            product = Product.objects.create(
                organisation=member.organisation, name=name, description=description.strip()
            )
    except IntegrityError as exc:
        raise ApplicationError(
            _("A product with this name is already listed."), code="duplicate", status=409
        ) from exc
    audit_record(
        action="compliance_product",
        organisation=member.organisation,
        actor=member.user,
        object_type="product",
        object_id=product.pk,
        detail={"name": name},
    )
    return product


def assessment_list(organisation: Organisation) -> list[Assessment]:
    return list(
        Assessment.objects.filter(organisation=organisation).select_related("product", "signed_by")[
            :200
        ]
    )


def products(organisation: Organisation) -> list[Product]:
    return list(Product.objects.filter(organisation=organisation))
