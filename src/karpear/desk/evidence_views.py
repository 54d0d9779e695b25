"""Evidence on the desk: shown blurred and greyscale by default, every opening recorded.

Guidelines 2.6 b: personnel handling CSAM are listed, screened, and offered
mental-health support; the viewer protects them by default (blur, greyscale,
no thumbnails, a break reminder).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from karpear.core.dates import parse_day
from karpear.core.errors import ApplicationError
from karpear.core.sniff import RASTER_TYPES, raster_image_type
from karpear.desk.access import CASE_WORK, desk_view, int_or_none
from karpear.evidence.models import (
    EvidenceItem,
    PersonnelRecord,
    Screening,
    ViewerPreference,
)
from karpear.evidence.recipients import recipient_choices
from karpear.evidence.services import (
    access_evidence,
    evidence_open,
    evidence_page_seen,
    record_cleared,
)
from karpear.staff.models import Role, StaffMember

REVEALS = "karpear_reveals"


@desk_view(*CASE_WORK, reveals_content=True)
def viewer(request: HttpRequest, member: StaffMember, item_id: int) -> HttpResponse:
    """The item's page. Showing it clearly takes a reason sent by POST (CSRF-checked).

    The page hands its <img> a one-time grant bound to the session and to the
    reason (the blurred view's reason is "view"); the bytes are served only
    against that grant, so no link or cross-site <img> can open evidence.
    """
    item = access_evidence(member=member, item_id=item_id)
    evidence_page_seen(item=item, member=member, request=request)
    reason = str(request.POST.get("reason", "")).strip()[:200]
    revealed = request.method == "POST" and request.POST.get("reveal") == "1" and bool(reason)
    if revealed:
        request.session[REVEALS] = int(request.session.get(REVEALS, 0)) + 1
    reveals = int(request.session.get(REVEALS, 0))
    # Only a declared raster picture gets an <img> (an SVG never does); the
    # bytes still decide at serving time, whatever was declared.
    picture = item.content_type in RASTER_TYPES
    grant = _grant(request, item, reason if revealed else "view") if picture else ""
    return render(
        request,
        "desk/evidence.html",
        {
            "item": item,
            "picture": picture,
            "revealed": revealed,
            "grant": grant,
            "take_a_break": reveals and reveals % settings.KARPEAR_REVEALS_BEFORE_BREAK == 0,
            "custody": item.custody.all()[:50],
            "holds": item.holds.filter(released_at__isnull=True),
            "recipients": recipient_choices(member),
            "grey_only": getattr(getattr(member, "personnel", None), "viewer_default", "")
            == ViewerPreference.GREY,
            "is_lead": member.role == Role.LEAD,
        },
    )


GRANTS = "karpear_evidence_grants"
_MAX_GRANTS = 8


def _grant(request: HttpRequest, item: EvidenceItem, reason: str) -> str:
    """A one-time token for this item and reason, kept in the session (newest few only)."""
    token = secrets.token_urlsafe(16)
    grants = dict(request.session.get(GRANTS, {}))
    grants[token] = [item.pk, reason]
    request.session[GRANTS] = dict(list(grants.items())[-_MAX_GRANTS:])
    return token


@never_cache
@desk_view(*CASE_WORK, reveals_content=True)
def content(request: HttpRequest, member: StaffMember, item_id: int) -> HttpResponse:
    """The decrypted bytes; each fetch is a custody entry with its reason.

    GET serves the viewer's <img> against the one-time grant its page issued;
    POST (a form with a reason, CSRF-checked) downloads. A reason in the query
    string is ignored: opening evidence is never a link. Only bytes that are a
    JPEG, PNG, GIF or WebP picture are shown inline, with that type; anything
    else (SVG included, whatever was declared) is an attachment.
    """
    item = access_evidence(member=member, item_id=item_id)
    if request.method == "POST":
        reason, action = str(request.POST.get("reason", "")).strip()[:200], "download"
    else:
        grants = dict(request.session.get(GRANTS, {}))
        granted = grants.pop(str(request.GET.get("grant", "")), None)
        if granted is None or granted[0] != item.pk:
            raise ApplicationError(
                _("Open the item from its page and say why."), code="grant_required"
            )
        request.session[GRANTS] = grants
        reason, action = str(granted[1]), "open"
    data = evidence_open(item=item, member=member, reason=reason, request=request, action=action)
    image_type = raster_image_type(data)
    inline = action == "open" and image_type is not None
    response = HttpResponse(
        data, content_type=image_type if inline and image_type else "application/octet-stream"
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = (
        "inline" if inline else "attachment"
    ) + f'; filename="evidence-{item.pk}"'
    return response


@desk_view(Role.LEAD, Role.ADMIN)
def personnel(request: HttpRequest, member: StaffMember) -> HttpResponse:
    staff = list(
        StaffMember.objects.filter(organisation=member.organisation)
        .select_related("user")
        .order_by("user__username")
    )
    records = {r.staff_id: r for r in PersonnelRecord.objects.filter(staff__in=staff)}
    today = timezone.localdate()
    rows = [(s, records.get(s.pk), record_cleared(records.get(s.pk), today)) for s in staff]
    return render(
        request,
        "desk/personnel.html",
        {
            "rows": rows,
            "results": Screening.choices,
            "viewer_choices": ViewerPreference.choices,
            "today": timezone.localdate(),
        },
    )


@require_POST
@desk_view(Role.LEAD, Role.ADMIN)
def personnel_save(request: HttpRequest, member: StaffMember) -> HttpResponse:
    from karpear.evidence.register import personnel_record_set

    target = StaffMember.objects.filter(
        pk=int_or_none(request.POST.get("staff")) or 0, organisation=member.organisation
    ).first()
    if target is None:
        messages.error(request, _("There is no such staff member."))
        return redirect("desk:personnel")
    personnel_record_set(
        staff=target,
        actor=member,
        values={
            name: parse_day(request.POST.get(name, ""))  # 2026-02-30 is None, not a 500
            for name in (
                "screened_on",
                "screening_expires_on",
                "trained_on",
                "wellness_support_offered_on",
            )
        },
        result=str(request.POST.get("screening_result", "")),
        viewer_default=str(request.POST.get("viewer_default", "")),
        request=request,
    )
    messages.success(request, _("Saved."))
    return redirect("desk:personnel")


def case_evidence(case_id: int) -> list[EvidenceItem]:
    """Items of a case for its page: facts only, never thumbnails."""
    return list(EvidenceItem.objects.filter(case_id=case_id).order_by("captured_at"))


@require_POST
@desk_view(*CASE_WORK)
def disclosure_new(request: HttpRequest, member: StaffMember, item_id: int) -> HttpResponse:
    from karpear.evidence.disclosure import disclosure_request

    item = access_evidence(member=member, item_id=item_id)
    disclosure_request(
        member=member,
        case=item.case,
        recipient_id=int_or_none(request.POST.get("registered_recipient")),
        legal_basis=str(request.POST.get("legal_basis", "")),
        item_ids=[item.pk],
    )
    messages.success(request, _("Disclosure requested; the safeguarding lead decides."))
    return redirect("desk:evidence", item_id=item.pk)


@desk_view(Role.LEAD)
def disclosures(request: HttpRequest, member: StaffMember) -> HttpResponse:
    from karpear.evidence.models import Disclosure

    return render(
        request,
        "desk/disclosures.html",
        {
            "disclosures": Disclosure.objects.filter(organisation=member.organisation)
            .select_related("requested_by")
            .prefetch_related("items")
            .order_by("-requested_at")[:100],
        },
    )


@require_POST
@desk_view(Role.LEAD)
def disclosure_approve_view(
    request: HttpRequest, member: StaffMember, disclosure_id: int
) -> HttpResponse:
    from karpear.evidence.disclosure import disclosure_approve

    disclosure, key = disclosure_approve(member=member, disclosure_id=disclosure_id)
    return render(request, "desk/disclosure_key.html", {"disclosure": disclosure, "key": key})


@desk_view(Role.LEAD)
def disclosure_package(
    request: HttpRequest, member: StaffMember, disclosure_id: int
) -> HttpResponse:
    """The encrypted package (useless without the key given once at approval); audited."""
    from karpear.evidence.disclosure import disclosure_package_read

    disclosure, data = disclosure_package_read(
        member=member, disclosure_id=disclosure_id, request=request
    )
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{disclosure.package_file}"'
    return response


@require_POST
@desk_view(Role.LEAD)
def hold(request: HttpRequest, member: StaffMember, item_id: int) -> HttpResponse:
    """Place or release a legal hold (safeguarding lead)."""
    from karpear.evidence.models import LegalHold
    from karpear.evidence.services import hold_place, hold_release

    item = access_evidence(member=member, item_id=item_id)
    release = LegalHold.objects.filter(
        item=item, pk=int_or_none(request.POST.get("release")) or 0, released_at__isnull=True
    ).first()
    if release is not None:
        hold_release(
            hold=release, member=member, reason=str(request.POST.get("reason", "released"))[:500]
        )
    else:
        hold_place(
            item=item,
            member=member,
            requester=str(request.POST.get("requester", "")),
            reason=str(request.POST.get("reason", "")),
        )
    messages.success(request, _("Saved."))
    return redirect("desk:evidence", item_id=item.pk)


@desk_view(Role.LEAD, Role.COMPLIANCE, Role.ADMIN)
def certificates(request: HttpRequest, member: StaffMember) -> HttpResponse:
    """Destruction certificates (checklist item 30): hashes and times, never content."""
    from karpear.evidence.models import DestructionCertificate

    rows = DestructionCertificate.objects.filter(organisation=member.organisation).order_by("-id")
    if request.GET.get("format") == "csv":
        from karpear.evidence.services import certificates_csv

        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="destruction-certificates.csv"'
        certificates_csv(response, organisation_id=member.organisation_id)
        return response
    return render(request, "desk/certificates.html", {"certificates": rows[:500]})
