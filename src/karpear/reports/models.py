"""Reports from the public portal and from the company's apps (guidelines 2.6).

2.6 "Establish reporting portals…": the portal asks for the URL or link, the
nature of the material, the date and time, and an optional contact name and
contact; anonymous reporting must be possible. Every field beyond the link is
optional, and contact details are encrypted at rest.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from karpear.orgs.models import Organisation


class Channel(models.TextChoices):
    WEB = "web", _("Web portal")
    IN_APP = "in_app", _("In-app report")


class Category(models.TextChoices):
    """Plain choices a child can tell apart (no jargon on child-facing pages)."""

    SEXUAL_IMAGE = "sexual_image", _("A sexual picture or video of a child")
    LIVE_STREAM = "live_stream", _("A live video showing sexual abuse of a child")
    GROOMING = "grooming", _("An adult asking a child for sexual pictures or messages")
    SEXTORTION = "sextortion", _("Someone threatening to share sexual pictures")
    OTHER = "other", _("Something else that worries me")


class PublicStatus(models.TextChoices):
    """The coarse status a reporter may see, and nothing more."""

    RECEIVED = "received", _("Received")
    CHECKING = "checking", _("Being checked")
    ACTION_TAKEN = "action_taken", _("Action taken")
    # Outside the company's service: the report went to the hotline (issue #17, item 3).
    PASSED_TO_HOTLINE = "to_hotline", _("Passed to the hotline")
    CLOSED = "closed", _("Closed")


class Report(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=14, unique=True)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    category = models.CharField(max_length=16, choices=Category.choices, blank=True)
    seen_on = models.DateField(null=True, blank=True)
    seen_at_time = models.TimeField(null=True, blank=True)
    seen_approximate = models.BooleanField(default=False)
    description = models.TextField(blank=True)
    reporter_is_child = models.BooleanField(null=True)
    # Fernet token of a JSON object {"name", "phone", "email"}; empty when
    # anonymous or once deleted after the case closed.
    contact_encrypted = models.TextField(blank=True)
    language = models.CharField(max_length=8)
    # Platform content ID sent by the company's app, for grouping duplicates.
    platform_content_id = models.CharField(max_length=200, blank=True)
    # SHA-256 of (caller, the form's one-time submission token or the API
    # Idempotency-Key): a double tap on a slow connection returns the same
    # receipt, not a copy, and only to the caller that sent it. The caller (API
    # key, or the keyed client hash of an anonymous app) is folded into the
    # hash rather than stored, so nothing here links an anonymous reporter's
    # reports together (guidelines 2.6: anonymous reporting).
    submission_key = models.CharField(max_length=64, blank=True)
    # HMAC-SHA256 (keyed: the body holds contact details) of the canonical API
    # request body sent with that key: the same key with another body is a
    # conflict (409), never the first report (IETF Idempotency-Key draft).
    # Empty for the portal and older rows.
    submission_fingerprint = models.CharField(max_length=64, blank=True)
    received_at = models.DateTimeField(db_index=True)
    status = models.CharField(
        max_length=16, choices=PublicStatus.choices, default=PublicStatus.RECEIVED
    )

    class Meta:
        indexes = [models.Index(fields=["organisation", "received_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "submission_key"],
                condition=~models.Q(submission_key=""),
                name="report_submission_once",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_anonymous(self) -> bool:
        return not self.contact_encrypted


class ReportedItem(models.Model):
    """One link (or, where no link is possible, an app and account) in a report."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="items")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    url = models.TextField(blank=True)
    # Safe Browsing canonical form, so reports of one page can be grouped;
    # indexed through its SHA-256 because canonical URLs can be long.
    normalised_url = models.TextField(blank=True)
    normalised_url_sha256 = models.CharField(max_length=64, blank=True)
    app_name = models.CharField(max_length=100, blank=True)
    account_name = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "normalised_url_sha256"])]

    def __str__(self) -> str:
        return self.url or f"{self.app_name}: {self.account_name}"
