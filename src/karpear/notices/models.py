"""Takedown notices from law enforcement and the hotline (guidelines 2.6, box on agency roles).

"Any digital technology company within Cambodia is obliged to act immediately
on any Takedown Notice received from Hotline or national law enforcement, and
effect the takedown of the material, and preserve the material along with any
user data."
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class IssuerKind(models.TextChoices):
    ACU = "acu", _("Anti-Cybercrime Unit")
    HOTLINE = "hotline", _("Internet Hotline Cambodia (APLE)")
    OTHER = "other", _("Other authorised issuer")


class Issuer(models.Model):
    """An authorised issuer. Its API keys (scope `issuer`) carry its name."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=IssuerKind.choices)
    contact = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="one_issuer_name_per_org")
        ]

    def __str__(self) -> str:
        return self.name


class Action(models.TextChoices):
    TAKEDOWN = "takedown", _("Take down")
    PRESERVE = "preserve", _("Preserve with user data")
    DISCLOSE = "disclose", _("Disclose data")


class Notice(models.Model):
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="notices")
    issuer_reference = models.CharField(max_length=100)
    legal_basis = models.CharField(max_length=500)
    actions = models.JSONField(default=list)
    deadline = models.DateTimeField(null=True, blank=True)
    channel = models.CharField(max_length=16, default="api")  # api | desk
    # A letter or e-mail entered on the desk: its scan, encrypted on disk (core.filecrypt).
    scan_file = models.CharField(max_length=64, blank=True)
    scan_name = models.CharField(max_length=200, blank=True)
    entered_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField()
    acted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "issuer_reference"], name="notice_once_per_reference"
            )
        ]

    def __str__(self) -> str:
        return f"{self.issuer} {self.issuer_reference}"


class ItemStatus(models.TextChoices):
    ISOLATED = "isolated", _("Isolated from public access")
    NOT_HOSTED = "not_hosted", _("Not hosted on our service")


class NoticeItem(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    url = models.TextField(blank=True)
    normalised_url = models.TextField(blank=True)
    platform_content_id = models.CharField(max_length=200, blank=True)
    user_id = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=16, choices=ItemStatus.choices)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_id = models.PositiveBigIntegerField(null=True, blank=True)
    acted_at = models.DateTimeField(null=True, blank=True)
    platform_confirmed_at = models.DateTimeField(null=True, blank=True)
    # When an amendment added this item (issue #15, item 5); null for the
    # items the notice came with.
    added_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.url or self.platform_content_id
