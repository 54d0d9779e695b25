from __future__ import annotations

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
