"""Adopted versions of the documents children and parents read (issue #18, items 5-7)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    TERMS = "terms", _("Terms of use and acceptable use")
    CONDUCT = "conduct", _("Code of conduct")
    PRIVACY = "privacy", _("Privacy notice")


# The full text for everyone, and an easy-read version per band the service admits
# (guidelines 2.6: T&Cs children understand; 2.5: privacy information children can follow).
AUDIENCES = ("all", "10-12", "13-15", "16-17")


class DocumentVersion(models.Model):
    """One adopted version of one document, in both languages and for every audience. Never
    changed once stored: every version stays published at its own address with its date."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=DocumentKind.choices)
    version = models.PositiveIntegerField()
    texts = models.JSONField()  # audience -> language -> text
    readability = models.JSONField()  # audience -> language -> figures (documents.readability)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    adopted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "version"], name="document_version_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version}"
