"""Staff of an organisation's CSAM desk and their roles (guidelines 2.6: a dedicated CSAM desk)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from karpear.orgs.models import Organisation


class Role(models.TextChoices):
    ANALYST = "analyst", _("Analyst")
    LEAD = "lead", _("Safeguarding lead")
    COMPLIANCE = "compliance", _("Compliance officer")
    ADMIN = "admin", _("Administrator")
    # The regulator's roles (issue #20): held only in a regulator organisation, never beside
    # company roles, so a regulator opens no company desk page and a company none of these.
    REVIEWER = "reviewer", _("Regulator reviewer")
    HEAD = "head", _("Head of unit")
    REGULATOR_ADMIN = "regulator_admin", _("Regulator administrator")

    # Runs Swipe Safe sessions and reads their figures, nothing else (issue #19; CNCC's
    # training of trainers): no case content, no compliance answers.
    TRAINER = "trainer", _("Trainer")


# Roles that may see case content. Compliance officers and administrators see
# aggregate figures and settings only (issue #3, item 2).
CASE_ROLES = frozenset({Role.ANALYST, Role.LEAD})
REGULATOR_ROLES = frozenset({Role.REVIEWER, Role.HEAD, Role.REGULATOR_ADMIN})
COMPANY_ROLES = frozenset(set(Role) - REGULATOR_ROLES)


def roles_for(organisation: Organisation) -> frozenset[Role]:
    """The roles staff of this organisation may hold (by its kind)."""
    return REGULATOR_ROLES if organisation.is_regulator else COMPANY_ROLES


class StaffMember(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff"
    )
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="staff"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    # Failed sign-ins since the last successful one, shown to administrators;
    # raised with one UPDATE … SET failed_sign_ins = failed_sign_ins + 1. It
    # decides nothing: throttling lives in SignInThrottle (a hard lock here let
    # strangers lock staff out at will).
    failed_sign_ins = models.PositiveIntegerField(default=0)
    # Bumped by "sign out everywhere": sessions carrying an older value end.
    session_epoch = models.PositiveIntegerField(default=0)
    # Who added this account on the desk (empty: the command line). They saw its first
    # password, so they never also clear its screening (issue #15: no one alone).
    created_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.role})"

    @property
    def can_see_cases(self) -> bool:
        return self.role in CASE_ROLES


class SignInThrottle(models.Model):
    """Sign-in failure budget of one account, client address or trusted device.

    `key` is an HMAC of the scope and its value (staff/throttle.py): neither the
    typed username nor the client's address is stored. Times are epoch seconds
    so one portable `INSERT … ON CONFLICT … RETURNING` updates the row on both
    SQLite and PostgreSQL.
    """

    key = models.CharField(max_length=64, primary_key=True)
    tries = models.PositiveIntegerField(default=0)
    # Tries count until this moment; past it a new window starts. When the
    # budget is spent the window is stretched (back-off), refusing until then.
    window_ends = models.BigIntegerField(db_index=True)
    # How many times the budget was spent recently: each doubles the next pause.
    strikes = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key[:8]}… {self.tries}"
