"""Staff of an organisation's CSAM desk and their roles (guidelines 2.6: a dedicated CSAM desk)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ANALYST = "analyst", _("Analyst")
    LEAD = "lead", _("Safeguarding lead")
    COMPLIANCE = "compliance", _("Compliance officer")
    ADMIN = "admin", _("Administrator")


# Roles that may see case content. Compliance officers and administrators see
# aggregate figures and settings only (issue #3, item 2).
CASE_ROLES = frozenset({Role.ANALYST, Role.LEAD})


class StaffMember(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff"
    )
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="staff"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    failed_sign_ins = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
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
