"""A self-report from the take-it-down page (issue #22, items 5-8).

Nothing about the image but its hashes (in the self-report bank, without a link back here),
nothing about the device; the contact only if she chose to give one, encrypted, and erased with
the other contacts' rules.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Situation(models.TextChoices):
    """What is happening, in her words (Appendix 3: sextortion, self-generated imagery)."""

    SHARED = "shared", _("Someone shared it or posted it")
    THREATENED = "threatened", _("Someone is threatening to share it")
    WORRIED = "worried", _("I am worried it could be shared")


class SelfReport(models.Model):
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    reference = models.CharField(max_length=20, unique=True)
    situation = models.CharField(max_length=12, choices=Situation.choices)
    pictures = models.PositiveSmallIntegerField()
    hashes_added = models.PositiveSmallIntegerField()
    contact_enc = models.TextField(blank=True)  # Fernet (core.crypto), only if she asked
    # The form's one-time token, so a double tap or a reload gives the same receipt.
    submission_key = models.CharField(max_length=64, unique=True)
    received_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.reference
