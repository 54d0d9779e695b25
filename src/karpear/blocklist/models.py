"""The ISP URL blocklist (issue #7): registered sources, entries, versions, subscriptions, appeals.

Guidelines 2.6 and checklist item 28: block ONLY what Cambodian authorities,
international law enforcement or a recognised hotline (IWF, NCMEC, ICCAM) have
confirmed, and keep to one common list. So every entry points at a registered
Source and carries that source's reference; the database refuses anything else
(NOT NULL foreign key and a CHECK constraint), whatever path tries to add it.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from karpear.orgs.models import Organisation


class SourceKind(models.TextChoices):
    HOTLINE = "hotline", _("Registered hotline")
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
    DATABASE_HOLDER = "database_holder", _("International CSAM database holder")


class Subscription(models.Model):
    """A published Karpear list this instance enforces (an ISP subscribing to a list holder)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    name = models.SlugField(max_length=50)
    url = models.URLField(help_text="Base address of the publishing Karpear, e.g. https://hotline")
    token_enc = models.TextField(help_text="The publisher's isp API key, encrypted.")
    public_key = models.CharField(max_length=60, help_text="Publisher's Ed25519 key, base64.")
    version = models.PositiveIntegerField(default=0)
    pulled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="subscription_name")
        ]

    def __str__(self) -> str:
        return self.name


class Source(models.Model):
    """A body whose confirmations may be blocked: registered by a person, or by a subscription."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=SourceKind.choices)
    agreement = models.CharField(
        max_length=300, help_text="Licence or agreement under which the list is used."
    )
    appeals_email = models.EmailField(blank=True)
    subscription = models.ForeignKey(Subscription, null=True, blank=True, on_delete=models.CASCADE)
    registered_by = models.CharField(max_length=150)
    registered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"],
                condition=Q(subscription__isnull=True),
                name="source_code_local",
            ),
            models.UniqueConstraint(
                fields=["subscription", "code"],
                condition=Q(subscription__isnull=False),
                name="source_code_subscribed",
            ),
            models.CheckConstraint(condition=~Q(agreement=""), name="source_has_agreement"),
        ]

    def __str__(self) -> str:
        return self.code


class EntryKind(models.TextChoices):
    URL = "url", _("Exact page")
    DOMAIN = "domain", _("Whole site")


class Entry(models.Model):
    """One listed page (by the SHA-256 of its canonical expression) or one whole domain."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    source = models.ForeignKey(Source, on_delete=models.PROTECT)
    reference = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=EntryKind.choices)
    # Hex SHA-256 of the canonical lookup expression (url) or the domain name.
    value = models.CharField(max_length=253)
    # The canonical URL, encrypted; only at the list holder (never published).
    url_enc = models.TextField(blank=True)
    confirmed_on = models.DateField()
    imported_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    # Local entries: the version that added / removed them (removed rows stay
    # so deltas and the audit can be answered). Subscribed entries: the
    # publisher's id; they are deleted when the publisher removes them.
    added_in = models.PositiveIntegerField(null=True, blank=True)
    removed_in = models.PositiveIntegerField(null=True, blank=True)
    subscription = models.ForeignKey(Subscription, null=True, blank=True, on_delete=models.CASCADE)
    remote_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(reference=""), name="entry_has_reference"),
            models.CheckConstraint(condition=Q(kind__in=["url", "domain"]), name="entry_kind"),
            models.UniqueConstraint(
                fields=["organisation", "source", "kind", "value"],
                condition=Q(removed_in__isnull=True),
                name="entry_active_once",
            ),
            models.UniqueConstraint(
                fields=["subscription", "remote_id"],
                condition=Q(subscription__isnull=False),
                name="entry_remote_once",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "added_in"]),
            models.Index(fields=["organisation", "removed_in"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value[:16]}"


class ListVersion(models.Model):
    """One published state of an organisation's own list."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    added = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    digest = models.CharField(max_length=64)
    note = models.CharField(max_length=300, blank=True)
    created_by = models.CharField(max_length=150)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="list_version_once")
        ]
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"v{self.number}"


class AppealStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    FORWARDED = "forwarded", _("Forwarded to the source")
    KEPT = "kept", _("Source kept the entry")
    REMOVED = "removed", _("Source removed the entry")
    NOT_LISTED = "not_listed", _("Not on the list")


class Appeal(models.Model):
    """Someone says a page is wrongly blocked. Only the entry's source can change the list."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    reference = models.CharField(max_length=20, unique=True)
    url_enc = models.TextField()
    source = models.ForeignKey(Source, null=True, blank=True, on_delete=models.SET_NULL)
    entry_reference = models.CharField(max_length=200, blank=True)
    reason = models.TextField()
    contact_enc = models.TextField(blank=True)
    status = models.CharField(
        max_length=20, choices=AppealStatus.choices, default=AppealStatus.RECEIVED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    forwarded_at = models.DateTimeField(null=True, blank=True)
    forward_attempts = models.PositiveIntegerField(default=0)
    outcome_note = models.TextField(blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)
    outcome_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.reference
