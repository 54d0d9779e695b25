"""Concerns raised in confidence (guidelines 2.2; issue #21, items 5-6).

Every text a person or the officer writes is encrypted at rest (EncryptedTextField). The person
holds a receipt code (stored, to find the concern) and a secret (only its password hash is
stored), in the manner of GlobaLeaks; with both they read replies and answer, still anonymous.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from karpear.core.fields import EncryptedTextField


class ConcernStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    UNDER_REVIEW = "under_review", _("Under review")
    ACTION_TAKEN = "action_taken", _("Action taken")
    NO_FURTHER_ACTION = "no_further_action", _("No further action")
    CLOSED = "closed", _("Closed")


class ConcernAbout(models.TextChoices):
    BEHAVIOUR = "behaviour", _("How a staff member behaves towards children")
    BREACH = "breach", _("A breach of the safeguarding policy or code of conduct")
    FAILURE = "failure", _("A report about a child that was not acted on")
    OTHER = "other", _("Something else")


class RaisedBy(models.TextChoices):
    STAFF = "staff", _("I work for the company")
    OUTSIDE = "outside", _("I do not work for the company")


class Concern(models.Model):
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(max_length=20, unique=True)
    secret_hash = models.CharField(max_length=200)
    about = models.CharField(max_length=12, choices=ConcernAbout.choices)
    raised_by = models.CharField(max_length=8, choices=RaisedBy.choices)
    # "This is about the safeguarding officer": only the deputy sees it (2.2: confidential).
    names_officer = models.BooleanField(default=False)
    text = EncryptedTextField(blank=True)
    contact = EncryptedTextField(blank=True)  # empty: anonymous
    status = models.CharField(
        max_length=20, choices=ConcernStatus.choices, default=ConcernStatus.RECEIVED
    )
    received_at = models.DateTimeField()
    acknowledge_by = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    # "action_taken" or "no_further_action" once decided; kept when the concern is closed.
    outcome = models.CharField(max_length=20, choices=ConcernStatus.choices, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The texts, messages and reasons are erased KARPEAR_CONCERN_RETENTION_DAYS after closing;
    # the dates and status stay for the figures.
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "received_at"], name="concern_period_idx"),
            models.Index(fields=["organisation", "status"], name="concern_status_idx"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_closed(self) -> bool:
        return self.status == ConcernStatus.CLOSED


class Side(models.TextChoices):
    REPORTER = "reporter", _("The person who raised it")
    OFFICER = "officer", _("The safeguarding officer")


class ConcernMessage(models.Model):
    """The first description, later answers from the person, and the officer's replies."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="messages")
    side = models.CharField(max_length=10, choices=Side.choices)
    author = models.ForeignKey(
        "staff.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    body = EncryptedTextField(blank=True)
    sent_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"message {self.pk} ({self.side})"


class ConcernStep(models.Model):
    """A move in the workflow, with its reason (encrypted: it may name people)."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="steps")
    status = models.CharField(max_length=20, choices=ConcernStatus.choices)
    reason = EncryptedTextField(blank=True)
    actor = models.ForeignKey(
        "staff.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.status} at {self.at}"
