"""Published transparency reports (guidelines section 2 and 3; issue #9).

A report is computed from the records and frozen when the compliance officer publishes it;
previous years stay published, and a correction is a new version with a change note.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class TransparencyReport(models.Model):
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField()
    period_end = models.DateField()  # inclusive, in Asia/Phnom_Penh
    version = models.PositiveIntegerField()
    threshold = models.PositiveSmallIntegerField()
    # The figures as computed from the records at publication, before suppression (kept
    # private: only the suppressed form is ever served).
    figures = models.JSONField()
    # TRUST's three headings, in both languages: {"policies": {"en": .., "km": ..}, ...}
    narrative = models.JSONField(default=dict)
    change_note = models.TextField(blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "period_start", "period_end", "version"],
                name="one_report_version",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="period_in_order"
            ),
            models.CheckConstraint(
                condition=Q(version=1) | ~Q(change_note=""), name="correction_has_note"
            ),
        ]
        ordering = ["-period_start", "-version"]

    def __str__(self) -> str:
        return f"{self.period_start}..{self.period_end} v{self.version}"
