"""Desk pages for referrals: the report before sending, the overdue list with re-send, the
child referral's two people, and the services' inboxes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from karpear.cases.referrals import referral_services
from karpear.cases.services import access_case
from karpear.core.errors import ApplicationError
from karpear.core.show_once import hold_once, take_once
from karpear.desk.access import CASE_WORK, LEAD_ONLY, desk_view, int_or_none
from karpear.evidence.models import Recipient
from karpear.evidence.recipients import KEEPERS
from karpear.referrals.child import (
    access_proposal,
    child_referral_approve,
    child_referral_close,
    child_referral_propose,
)
from karpear.referrals.inboxes import (
    inbox_confirm,
    inbox_issue,
    inbox_unbind,
    service_bindings,
)
from karpear.referrals.mail import email_recipients, referral_email
from karpear.referrals.models import Referral
from karpear.referrals.report import report_build
from karpear.referrals.selectors import referrals_for_case
from karpear.referrals.services import (
    access_referral_staff,
    overdue,
    referral_follow_up,
    referral_resend,
)
from karpear.staff.models import StaffMember


@desk_view(*CASE_WORK)
def report_preview(request: HttpRequest, member: StaffMember, case_id: int) -> HttpResponse:
    """What a referral of this case would send now: filled fields, withheld ones and why
    (issue #17, item 1); viewing it is a case view, audited by access_case."""
    case = access_case(member=member, case_id=case_id, request=request)
    built = report_build(case=case)
    return render(
        request,
        "referrals/preview.html",
        {"case": case, "built": built, "referrals": referrals_for_case(case=case)},
    )


@desk_view(*CASE_WORK)
def inbox_status(request: HttpRequest, member: StaffMember) -> HttpResponse:
    """Referrals not acknowledged in time, to re-send; and the latest ones."""
    from django.conf import settings

    recent = (
        Referral.objects.filter(organisation=member.organisation)
        .select_related("recipient")
        .order_by("-created_at", "-pk")[:50]
    )
    rows = list(overdue(organisation=member.organisation))
    addresses: dict[tuple[str, str], list[Recipient]] = {}
    for r in rows:  # one register read per kind of referral, not per row
        kind = (r.recipient.kind, r.purpose)
        if kind not in addresses:
            addresses[kind] = email_recipients(referral=r)
    return render(
        request,
        "referrals/list.html",
        {
            "overdue": [(r, addresses[(r.recipient.kind, r.purpose)]) for r in rows],
            "recent": list(recent),
            "hours": settings.KARPEAR_REFERRAL_ACK_HOURS,
        },
    )


@require_POST
@desk_view(*CASE_WORK)
def resend(request: HttpRequest, member: StaffMember, referral_id: int) -> HttpResponse:
    referral = access_referral_staff(member=member, referral_id=referral_id)
    try:
        referral_resend(referral=referral, member=member, request=request)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Sent again."))
    return redirect("desk:referrals")


def _back(request: HttpRequest, case_id: int | None) -> HttpResponse:
    return redirect("desk:case", case_id=case_id) if case_id else redirect("desk:queue")


@require_POST
@desk_view(*CASE_WORK)
def follow_up(request: HttpRequest, member: StaffMember, referral_id: int) -> HttpResponse:
    """Refer the case again to the same recipient with the evidence that arrived since."""
    referral = access_referral_staff(member=member, referral_id=referral_id)
    try:
        referral_follow_up(member=member, referral_id=referral.pk, request=request)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Referred again, linked to the earlier referral."))
    return redirect("desk:case", case_id=referral.case_id)


@require_POST
@desk_view(*CASE_WORK)
def email(request: HttpRequest, member: StaffMember, referral_id: int) -> HttpResponse:
    """Send an unacknowledged referral's PDF to a registered recipient's e-mail address."""
    referral = access_referral_staff(member=member, referral_id=referral_id)
    try:
        referral_email(
            member=member,
            referral_id=referral.pk,
            recipient_id=int_or_none(request.POST.get("to")) or 0,
            request=request,
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Sent by e-mail."))
    return redirect("desk:referrals")


@require_POST
@desk_view(*CASE_WORK, post=LEAD_ONLY)
def child_send(request: HttpRequest, member: StaffMember, victim_referral_id: int) -> HttpResponse:
    """Propose a consented child referral with the fields ticked on the form; a second person
    approves before anything is sent (issue #17, item 5; PRODUCT "no one alone")."""
    try:
        proposal = child_referral_propose(
            victim_referral_id=victim_referral_id,
            member=member,
            fields=[str(f) for f in request.POST.getlist("share")],
            request=request,
        )
    except ApplicationError as exc:
        if exc.status == 404:
            raise
        messages.error(request, str(exc.message))
        return _back(request, int_or_none(request.POST.get("case")))
    messages.success(request, _("Proposed: a second person must approve before it is sent."))
    return _back(request, proposal.case_id)


@require_POST
@desk_view(*CASE_WORK)
def child_approve(request: HttpRequest, member: StaffMember, proposal_id: int) -> HttpResponse:
    """The second person approves: the referral reaches the service's inbox."""
    proposal = access_proposal(member=member, proposal_id=proposal_id)
    try:
        child_referral_approve(proposal_id=proposal.pk, member=member, request=request)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Approved and sent to the service."))
    return _back(request, proposal.case_id)


@require_POST
@desk_view(*CASE_WORK)
def child_close(request: HttpRequest, member: StaffMember, proposal_id: int) -> HttpResponse:
    """Decline (the second person) or record that consent was withdrawn (anyone on the case)."""
    proposal = access_proposal(member=member, proposal_id=proposal_id)
    try:
        child_referral_close(
            proposal_id=proposal.pk,
            member=member,
            status=str(request.POST.get("status", "")),
            reason=str(request.POST.get("reason", "")),
            request=request,
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Closed: nothing was sent."))
    return _back(request, proposal.case_id)


@desk_view(*CASE_WORK)
def report_pdf(request: HttpRequest, member: StaffMember, referral_id: int) -> HttpResponse:
    """The sent report on paper, Khmer and English, for a recipient without an inbox."""
    from karpear.referrals.paper import referral_pdf

    referral = access_referral_staff(member=member, referral_id=referral_id)
    response = HttpResponse(
        referral_pdf(referral=referral, member=member, request=request),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'attachment; filename="referral-{referral.pk}.pdf"'
    return response


# The key just issued, held for the one page that shows it (core/show_once.py).
_ISSUED = "referrals_issued_key"


@desk_view(*KEEPERS)
def inbox_services(request: HttpRequest, member: StaffMember) -> HttpResponse:
    """The referral directory with each service's inbox: which key, bound and confirmed by
    whom, when; the forms to issue, confirm and unbind (referrals/inboxes.py). A GET changes
    nothing; it shows a key issued by this person's last POST once."""
    rows = referral_services(member.organisation)
    bindings = service_bindings([s.pk for s in rows])
    # Held per binding: a key someone issued again since (a new binding) is not shown.
    by_pk = {b.pk: b for b in bindings.values()}
    held = take_once(request, _ISSUED, shown=by_pk)
    issued = (by_pk[held[0]], held[1]) if held else None
    return render(
        request,
        "referrals/services.html",
        {"rows": [(s, bindings.get(s.pk)) for s in rows], "issued": issued},
    )


def _inbox_step(request: HttpRequest, step: Any, done: str, **kwargs: Any) -> HttpResponse:
    try:
        step(request=request, **kwargs)
    except ApplicationError as exc:
        if exc.status == 404:
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done)
    return redirect("desk:inbox_services")


@require_POST
@desk_view(*KEEPERS)
def inbox_service_issue(request: HttpRequest, member: StaffMember, service_id: int) -> HttpResponse:
    """Issue a key for the service, then redirect: the token is shown on the next page only."""
    try:
        binding, token = inbox_issue(member=member, service_id=service_id, request=request)
    except ApplicationError as exc:
        if exc.status == 404:
            raise
        messages.error(request, str(exc.message))
    else:
        hold_once(request, _ISSUED, about=binding.pk, secret=token)
    return redirect("desk:inbox_services")


@require_POST
@desk_view(*KEEPERS)
def inbox_service_confirm(
    request: HttpRequest, member: StaffMember, service_id: int
) -> HttpResponse:
    return _inbox_step(
        request,
        inbox_confirm,
        _("Confirmed."),
        member=member,
        service_id=service_id,
        key_prefix=str(request.POST.get("key", "")),  # the key the button named
    )


@require_POST
@desk_view(*KEEPERS)
def inbox_service_unbind(
    request: HttpRequest, member: StaffMember, service_id: int
) -> HttpResponse:
    return _inbox_step(
        request,
        inbox_unbind,
        _("The inbox was taken away and its key revoked."),
        member=member,
        service_id=service_id,
    )
