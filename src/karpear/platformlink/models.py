"""The one channel through which Karpear makes the company's platform act.

Events are written to an outbox table in the same transaction as the decision
or notice that causes them (so nothing acknowledged is lost), then delivered
by the worker as Standard Webhooks: HMAC-SHA256 signed, with id and timestamp
headers, at least once, with exponential backoff and jitter.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from karpear.core.fields import EncryptedTextField


class PlatformLink(models.Model):
    organisation = models.OneToOneField(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    webhook_url = models.URLField(max_length=500)
    # Encrypted with the field keys (issue #15, item 11): a database copy cannot sign webhooks.
    secret = EncryptedTextField()  # whsec_… (signs)
    previous_secret = EncryptedTextField(blank=True)  # also signs while rotating
    previous_until = models.DateTimeField(null=True, blank=True)
    # Host names whose content lives on this company's service; notice items
    # elsewhere are answered "not hosted here".
    hosted_domains = models.TextField(blank=True)
    # Report categories whose content is isolated on receipt (issue #16, item 2), set by the
    # safeguarding lead; null follows the deployment's KARPEAR_ISOLATE_ON_RECEIPT.
    isolate_on_receipt = models.JSONField(null=True, blank=True)

    def __str__(self) -> str:
        return self.webhook_url

    def hosts(self) -> list[str]:
        return [
            d.strip().lower().rstrip(".")
            for d in self.hosted_domains.replace(",", "\n").splitlines()
            if d.strip()
        ]


class EventStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be delivered")
    DELIVERED = "delivered", _("Confirmed by the platform")
    DEAD = "dead", _("Gave up: needs attention")


class WebhookEvent(models.Model):
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    msg_id = models.CharField(max_length=40, unique=True)  # idempotency key for the platform
    event_type = models.CharField(max_length=32)
    payload = models.JSONField()
    subject_type = models.CharField(max_length=32, blank=True)
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    # The content item the event acts on ("case:<id>"): events with one key are delivered in
    # the order they were queued, a later one never before an earlier one (issue #24, item 5).
    order_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()
    status = models.CharField(
        max_length=12, choices=EventStatus.choices, default=EventStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=Q(status="pending"), name="webhook_due_idx"
            ),
            models.Index(fields=["subject_type", "subject_id"], name="webhook_subject_idx"),
            models.Index(
                fields=["order_key", "id"], condition=Q(status="pending"), name="webhook_order_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.msg_id}"
