"""Policy documents drafted from Karpear's own settings (checklist items 29-32, issue #8 point 5).

Karpear writes the notice-and-takedown procedure with its evidence-retention policy, and the
reporting and referral process, in Khmer and English from the settings the company actually runs
with. The company edits the draft and adopts it; each adoption is a new version.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.cases.receipt import receipt_policy
from karpear.cases.selectors import referral_counts
from karpear.cases.services import referral_services, sla_targets
from karpear.compliance.models import PolicyDocument, PolicyKind
from karpear.core.errors import ApplicationError
from karpear.core.versions import LANGUAGES, adopt_bilingual, draft_bilingual, latest_by_kind
from karpear.notices.selectors import active_issuers
from karpear.orgs.models import Organisation
from karpear.orgs.services import help_contacts
from karpear.reports.models import Category
from karpear.staff.models import Role, StaffMember


def _receipt_context(organisation: Organisation) -> dict[str, object]:
    """Isolation on receipt exactly as configured (issue #16, item 2): one line per category."""
    policy = receipt_policy(organisation)
    rows: dict[str, list[tuple[str, bool]]] = {}
    for lang in LANGUAGES:
        with translation.override(lang):
            rows[lang] = [
                (str(label), policy.isolates(str(code))) for code, label in Category.choices
            ]
    return {
        "rows_en": rows["en"],
        "rows_km": rows["km"],
        "clause": policy.clause,
        "per_reporter": policy.per_reporter,
        "per_hour": policy.per_hour,
    }


def policy_draft(organisation: Organisation) -> dict[str, dict[str, str]]:
    """{kind: {language: text}} for every policy Karpear can draft."""
    review, action = sla_targets(organisation)
    context = {
        "org_name": organisation.name,
        "today": timezone.localdate().isoformat(),
        "issuers": active_issuers(organisation),
        "notice_act_seconds": settings.KARPEAR_NOTICE_ACT_SECONDS,
        "review_hours": max(1, round(review / 60)),
        "action_hours": max(1, round(action / 60)),
        "retention_days": settings.KARPEAR_RETENTION_DAYS["default"],
        "contact_days": settings.KARPEAR_CONTACT_RETENTION_DAYS,
        "contacts": help_contacts(organisation),
        "services": referral_services(organisation),
        "referrals": referral_counts(organisation),
        "receipt": _receipt_context(organisation),
    }
    return draft_bilingual("compliance/policies/{kind}.{lang}.txt", PolicyKind.values, context)


@transaction.atomic
def policy_adopt(
    *,
    member: StaffMember,
    kind: str,
    body_en: str,
    body_km: str,
    request: HttpRequest | None = None,
) -> PolicyDocument:
    if member.role != Role.COMPLIANCE:
        raise ApplicationError(
            _("Only the compliance officer can adopt policies."), code="forbidden", status=403
        )
    if kind not in PolicyKind.values:
        raise ApplicationError(_("There is no such policy."), code="not_found", status=404)
    doc = adopt_bilingual(
        PolicyDocument,
        organisation=member.organisation,
        kind=kind,
        body_en=body_en,
        body_km=body_km,
        adopted_by=member.user,
    )
    audit_record(
        action="policy_adopt",
        organisation=member.organisation,
        actor=member.user,
        object_type="policy",
        object_id=doc.pk,
        detail={"kind": kind, "version": doc.version},
        request=request,
    )
    return doc


def adopted_policies(organisation: Organisation) -> dict[str, PolicyDocument]:
    return latest_by_kind(PolicyDocument.objects.filter(organisation=organisation))
