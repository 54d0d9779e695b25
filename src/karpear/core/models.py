from __future__ import annotations

from django.conf import settings
from django.db import models


class RateCounter(models.Model):
    """One fixed window of requests from one client for one action.

    `bucket` is a hash of (action, keyed client hash, window start): neither
    the address nor its hash alone is stored.
    """

    bucket = models.CharField(max_length=64, primary_key=True)
    hits = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.bucket[:8]}… {self.hits}"


class AdoptedText(models.Model):
    """One adopted version of a text in Khmer and English (core/versions.py numbers and stores
    them). A subclass adds its `kind` with its choices and a unique (organisation, kind,
    version) constraint."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField()
    body_en = models.TextField()
    body_km = models.TextField()
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    adopted_at = models.DateTimeField()

    class Meta:
        abstract = True
