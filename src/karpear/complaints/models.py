"""A complaint about one decision, and its review (guidelines section 2: account actions must be
fair; the DSA-style internal complaint handling the transparency report counts)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ComplaintChannel(models.TextChoices):
    PLATFORM = "platform", _("Through the platform")
    WEB = "web", _("Public page")


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("Waiting for review")
    UPHELD = "upheld", _("Decision upheld")
    REVERSED = "reversed", _("Decision reversed")


class Complaint(models.Model):
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    # One complaint per decision: a repeated complaint (a retry, a second click) returns the
    # first one instead of opening another review.
    decision = models.OneToOneField(
        "cases.Decision", on_delete=models.PROTECT, related_name="complaint"
    )
    reference = models.CharField(max_length=14, unique=True)
    channel = models.CharField(max_length=16, choices=ComplaintChannel.choices)
    # What the account holder wrote is personal data: encrypted with the field keys, like
    # reporters' contacts (core.crypto), and erased KARPEAR_COMPLAINT_RETENTION_DAYS after the
    # review (complaints.services.erase_expired_complaint_reasons). Read through
    # complaints.services.complaint_reason.
    reason_encrypted = models.TextField(blank=True)
    reason_erased_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField()
    due_at = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=ComplaintStatus.choices, default=ComplaintStatus.RECEIVED
    )
    outcome_reason = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # False when a reversal could not undo the action (content confirmed as CSAM is never put
    # back): the record says what really happened on the platform.
    action_reversed = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "status", "due_at"], name="complaint_queue_idx"),
            models.Index(fields=["organisation", "received_at"], name="complaint_period_idx"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status == ComplaintStatus.RECEIVED
