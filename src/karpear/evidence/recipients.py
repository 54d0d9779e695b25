"""The register of disclosure recipients (guidelines 2.6 b: disclose only to law
enforcement or for a legal process). Kept on the desk by the safeguarding lead or the
administrator of the organisation; every change is audited.

A new recipient is usable only once a second keeper confirms it (nobody confirms their own):
evidence and referrals leave only for usable recipients, so one insider cannot register an
address of their own and send a case to it."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.core.errors import ApplicationError, NotFound
from karpear.core.second_person import confirm_by_another
from karpear.evidence.models import Recipient, RecipientKind
from karpear.staff.models import Role, StaffMember

KEEPERS = frozenset({Role.LEAD, Role.ADMIN})


def clean_text(value: str, limit: int) -> str:
    """A single form value, stripped; control characters (NUL first: PostgreSQL refuses it
    in text) are refused rather than stored."""
    value = value.strip()
    if any(ord(ch) < 32 and ch not in "\t" for ch in value):
        raise ApplicationError(
            _("The text contains characters that are not allowed."), code="bad_characters"
        )
    return value[:limit]


def _require_keeper(member: StaffMember) -> None:
    if member.role not in KEEPERS:
        raise ApplicationError(
            _("Only the safeguarding lead or an administrator keeps the recipient register."),
            code="forbidden",
            status=403,
        )


@transaction.atomic
def recipient_add(
    *,
    member: StaffMember,
    name: str,
    agency: str,
    kind: str,
    contact: str = "",
    request: HttpRequest | None = None,
) -> Recipient:
    _require_keeper(member)
    name, agency, contact = clean_text(name, 200), clean_text(agency, 200), clean_text(contact, 300)
    if not (name and agency) or kind not in RecipientKind.values:
        raise ApplicationError(_("Give the recipient's name, agency and kind."))
    recipient = Recipient.objects.create(
        organisation=member.organisation,
        name=name,
        agency=agency,
        kind=kind,
        contact=contact,
        added_by=member.user,
    )
    audit_record(
        action="recipient_add",
        organisation=member.organisation,
        actor=member.user,
        object_type="recipient",
        object_id=recipient.pk,
        detail={"name": name, "agency": agency, "kind": kind},
        request=request,
    )
    return recipient


def _locked(member: StaffMember, recipient_id: int) -> Recipient:
    recipient = (
        Recipient.objects.select_for_update()
        .filter(pk=recipient_id, organisation=member.organisation)
        .first()
    )
    if recipient is None:
        raise NotFound(_("There is no such recipient."))
    return recipient


@transaction.atomic
def recipient_confirm(
    *, member: StaffMember, recipient_id: int, request: HttpRequest | None = None
) -> Recipient:
    """A second keeper confirms a recipient another keeper added; confirming again changes
    nothing."""
    _require_keeper(member)
    recipient = _locked(member, recipient_id)
    if not confirm_by_another(
        thing=recipient,
        by=member,
        roles=KEEPERS,
        owner_id=recipient.organisation_id,
        registered_by_id=recipient.added_by_id,
        own_message=_("You added this recipient, so another keeper must confirm it."),
        own_code="own_request",
    ):
        return recipient
    audit_record(
        action="recipient_confirm",
        organisation=member.organisation,
        actor=member.user,
        object_type="recipient",
        object_id=recipient.pk,
        detail={"added_by": recipient.added_by_id},
        request=request,
    )
    return recipient


@transaction.atomic
def recipient_set_active(
    *, member: StaffMember, recipient_id: int, active: bool, request: HttpRequest | None = None
) -> Recipient:
    """Take a recipient off the register (or back on). Pending disclosures to a recipient
    taken off can no longer be approved.

    One keeper may take a recipient off (it only stops sending). Putting it back is asking
    for it again: the keeper who does is its proposer and another keeper must confirm it,
    or one keeper could revive an address a colleague took off (guidelines 2.6 b)."""
    _require_keeper(member)
    recipient = _locked(member, recipient_id)
    before = recipient.active
    fields = ["active"]
    if active and not before:
        recipient.added_by, recipient.confirmed_by, recipient.confirmed_at = member.user, None, None
        fields += ["added_by", "confirmed_by", "confirmed_at"]
    recipient.active = active
    recipient.save(update_fields=fields)
    audit_record(
        action="recipient_active",
        organisation=member.organisation,
        actor=member.user,
        object_type="recipient",
        object_id=recipient.pk,
        detail={"before": before, "after": active},
        request=request,
    )
    return recipient


def recipient_choices(member: StaffMember) -> list[Recipient]:
    """Recipients a disclosure may name: on the register and confirmed."""
    return list(
        Recipient.objects.filter(organisation=member.organisation).usable().order_by("name")
    )
