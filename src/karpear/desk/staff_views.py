"""Staff administration and the recipient register on the desk, scoped to the organisation.

This replaces the Django admin for per-organisation work (issue #15): every change goes
through a service that refuses changes to oneself and writes the audit log.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from karpear.desk.access import desk_view
from karpear.evidence import recipients as recipient_services
from karpear.evidence.models import Recipient, RecipientKind
from karpear.staff import administration
from karpear.staff.models import Role, StaffMember, roles_for

STAFF_ADMINS = (Role.ADMIN,)
RECIPIENT_KEEPERS = (Role.LEAD, Role.ADMIN)


def _staff_page(
    request: HttpRequest, member: StaffMember, *, created: tuple[str, str] | None = None
) -> HttpResponse:
    staff = (
        StaffMember.objects.filter(organisation=member.organisation)
        .select_related("user")
        .order_by("user__username")
    )
    return render(
        request,
        "desk/staff.html",
        {
            "staff": staff,
            "roles": [(r.value, r.label) for r in Role if r in roles_for(member.organisation)],
            "created": created,
            "me": member,
        },
    )


@never_cache
@desk_view(*STAFF_ADMINS)
def staff(request: HttpRequest, member: StaffMember) -> HttpResponse:
    return _staff_page(request, member)


@never_cache
@require_POST
@desk_view(*STAFF_ADMINS)
def staff_add(request: HttpRequest, member: StaffMember) -> HttpResponse:
    """The first password is shown once on this response, never stored in clear."""
    created, password = administration.staff_add(
        actor=member,
        username=str(request.POST.get("username", "")),
        role=str(request.POST.get("role", "")),
        email=str(request.POST.get("email", "")),
        request=request,
    )
    return _staff_page(request, member, created=(created.user.get_username(), password))


@require_POST
@desk_view(*STAFF_ADMINS)
def staff_change(request: HttpRequest, member: StaffMember, staff_id: int) -> HttpResponse:
    target = administration.access_staff_member(actor=member, staff_id=staff_id)
    change = request.POST.get("change", "")
    if change == "role":
        administration.staff_role_set(
            actor=member, target=target, role=str(request.POST.get("role", "")), request=request
        )
    elif change == "totp":
        administration.staff_totp_reset(actor=member, target=target, request=request)
    elif change == "unlock":
        administration.staff_unlock(actor=member, target=target, request=request)
    elif change in ("deactivate", "activate"):
        administration.staff_active_set(
            actor=member, target=target, active=change == "activate", request=request
        )
    else:
        messages.error(request, _("Choose a change."))
        return redirect("desk:staff")
    messages.success(request, _("Saved."))
    return redirect("desk:staff")


@desk_view(*RECIPIENT_KEEPERS)
def recipients(request: HttpRequest, member: StaffMember) -> HttpResponse:
    if request.method == "POST":
        recipient_services.recipient_add(
            member=member,
            name=str(request.POST.get("name", "")),
            agency=str(request.POST.get("agency", "")),
            kind=str(request.POST.get("kind", "")),
            contact=str(request.POST.get("contact", "")),
            request=request,
        )
        messages.success(
            request,
            _("Saved. Another keeper must confirm the recipient before anything is sent to it."),
        )
        return redirect("desk:recipients")
    rows = (
        Recipient.objects.filter(organisation=member.organisation)
        .select_related("added_by", "confirmed_by")
        .order_by("-active", "name")
    )
    return render(
        request, "desk/recipients.html", {"recipients": rows, "kinds": RecipientKind.choices}
    )


@require_POST
@desk_view(*RECIPIENT_KEEPERS)
def recipient_active(request: HttpRequest, member: StaffMember, recipient_id: int) -> HttpResponse:
    recipient_services.recipient_set_active(
        member=member,
        recipient_id=recipient_id,
        active=request.POST.get("active") == "1",
        request=request,
    )
    messages.success(request, _("Saved."))
    return redirect("desk:recipients")


@require_POST
@desk_view(*RECIPIENT_KEEPERS)
def recipient_confirm(request: HttpRequest, member: StaffMember, recipient_id: int) -> HttpResponse:
    """A second keeper confirms a recipient another keeper added (evidence/recipients.py)."""
    recipient_services.recipient_confirm(member=member, recipient_id=recipient_id, request=request)
    messages.success(request, _("Confirmed."))
    return redirect("desk:recipients")
