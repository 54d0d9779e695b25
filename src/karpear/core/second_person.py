"""No one alone (PRODUCT principles): what one keeper registers is put in force only when a
different keeper of the same organisation confirms it. One rule, one place, for every register
that needs it: disclosure recipients (evidence/recipients.py; guidelines 2.6 b), a child
service's inbox key (referrals/inboxes.py; 2.6 referral pathways) and a company's package key
at the regulator (regulator/registry.py; section 3).

Core imports no capability app, so the callers pass plain values: who confirms (a staff
member, seen as its user, role and organisation), what is confirmed (a model row with
`confirmed_by` / `confirmed_at`), who registered it and whose it is, and the refusal in their
own words.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any, Protocol

from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from karpear.core.errors import ApplicationError, NotFound


class Confirmer(Protocol):
    """Who confirms: a staff member (karpear.staff), seen through what this rule needs."""

    @property
    def user(self) -> Any: ...
    @property
    def role(self) -> str: ...
    @property
    def organisation_id(self) -> int: ...


class OwnConfirmationRefused(ApplicationError):
    """The registrant tried to confirm what they registered. A subclass, so a caller that
    audits refusals can catch it outside its transaction (the refusal then stays recorded)."""

    status = 403


def confirm_by_another(
    *,
    thing: models.Model,
    by: Confirmer,
    roles: Collection[str],
    owner_id: int,
    registered_by_id: int | None,
    own_message: str | Promise,
    own_code: str,
    before: Callable[[datetime], None] | None = None,
    now: datetime | None = None,
) -> bool:
    """`by` confirms `thing`; True if it is confirmed now, False if it already was.

    The caller holds the row lock on `thing` (two confirmers take turns).
    1. Check: the confirmer's role is one of `roles` (403) and `thing` belongs to their
       organisation (`owner_id`; else 404, another organisation's rows do not exist here).
    2. Already confirmed: nothing changes, whoever asks (a double click or a replay).
    3. The confirmer is not who registered it (OwnConfirmationRefused, 403).
    4. `before(now)`, if given, may refuse (a revoked key) or do what the confirmation brings
       with it (retiring the keys it replaces), in the same transaction.
    5. Record who and when: `confirmed_by` / `confirmed_at`, saved with update_fields.
    """
    user = by.user
    if by.role not in roles:
        raise ApplicationError(_("Your role does not allow this."), code="forbidden", status=403)
    if owner_id != by.organisation_id:
        raise NotFound(_("There is no such record."))
    if getattr(thing, "confirmed_at", None) is not None:
        return False
    if registered_by_id is not None and registered_by_id == user.pk:
        raise OwnConfirmationRefused(own_message, code=own_code)
    now = now or timezone.now()
    if before is not None:
        before(now)
    thing.confirmed_by = user  # type: ignore[attr-defined]
    thing.confirmed_at = now  # type: ignore[attr-defined]
    thing.save(update_fields=["confirmed_by", "confirmed_at"])
    return True
