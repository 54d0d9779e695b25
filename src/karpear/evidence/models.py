"""The evidence vault (guidelines 2.6 a-c; checklist items 24, 29, 30).

Content taken down is kept encrypted, only as long as the law needs (draft
Cyber Crime law: up to 180 days), opened only by screened staff working the
case, disclosed only to law enforcement or for a legal process, and destroyed
on time with a certificate. Every touch is on the chain of custody.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EvidenceItem(models.Model):
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=16)  # platform | staff | hash_check
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    # Fixed at capture, never changed (item 2).
    sha256 = models.CharField(max_length=64)
    md5 = models.CharField(max_length=32)
    # PDQ of an image, fixed at capture (blank for other content or a PDQ too poor to match), so
    # content confirmed illegal can be caught again after edits (issue #6, item 6).
    pdq = models.CharField(max_length=64, blank=True)
    captured_at = models.DateTimeField()
    legal_basis = models.CharField(max_length=100, default="default")
    retention_until = models.DateTimeField(db_index=True)
    backend = models.CharField(max_length=16)  # local | s3
    object_key = models.CharField(max_length=100, unique=True)
    # The per-item AES-256-GCM data key, wrapped by a key-encryption key.
    # Emptied first on destruction (crypto-erasure).
    wrapped_key = models.TextField(blank=True)
    kek_id = models.CharField(max_length=16, blank=True)
    # Platform metadata and user data, encrypted with the field keys.
    metadata_encrypted = models.TextField(blank=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"evidence {self.pk} ({self.sha256[:12]})"

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class CustodyEntry(models.Model):
    """Who touched which item, when and why (on top of the audit log)."""

    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="custody")
    action = models.CharField(max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150)
    reason = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_label}"


class LegalHold(models.Model):
    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="holds")
    requester = models.CharField(max_length=200)
    reason = models.CharField(max_length=500)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"hold by {self.requester}"


class DestructionCertificate(models.Model):
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    item = models.OneToOneField(EvidenceItem, on_delete=models.PROTECT, related_name="certificate")
    sha256 = models.CharField(max_length=64)
    md5 = models.CharField(max_length=32)
    size = models.PositiveBigIntegerField()
    captured_at = models.DateTimeField()
    retention_until = models.DateTimeField()
    key_erased_at = models.DateTimeField()
    bytes_deleted_at = models.DateTimeField()
    run_id = models.CharField(max_length=40)
    policy = models.JSONField()

    def __str__(self) -> str:
        return f"certificate for item {self.item_id}"


class Screening(models.TextChoices):
    CLEAR = "clear", _("Clear")
    NOT_CLEAR = "not_clear", _("Not clear")


class PersonnelRecord(models.Model):
    """The register of staff who may handle CSAM (2.6 b). Dates only, never health details."""

    staff = models.OneToOneField(
        "staff.StaffMember", on_delete=models.CASCADE, related_name="personnel"
    )
    screened_on = models.DateField(null=True, blank=True)
    screening_result = models.CharField(max_length=12, choices=Screening.choices, blank=True)
    screening_expires_on = models.DateField(null=True, blank=True)
    verified_by = models.CharField(max_length=150, blank=True)
    trained_on = models.DateField(null=True, blank=True)
    wellness_support_offered_on = models.DateField(null=True, blank=True)
    # How this person prefers evidence shown before they click "show clearly".
    viewer_default = models.CharField(max_length=12, default="blur_grey")

    def __str__(self) -> str:
        return f"register: {self.staff}"


class DisclosureStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting for the safeguarding lead")
    APPROVED = "approved", _("Approved: package produced")
    REFUSED = "refused", _("Refused")


class Disclosure(models.Model):
    """Release to law enforcement or for a legal process only (2.6 b)."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    registered_recipient = models.ForeignKey(
        "evidence.Recipient", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recipient = models.CharField(max_length=200)  # the officer and unit
    agency = models.CharField(max_length=200)
    legal_basis = models.CharField(max_length=500)
    items = models.ManyToManyField(EvidenceItem, related_name="disclosures")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    status = models.CharField(
        max_length=12, choices=DisclosureStatus.choices, default=DisclosureStatus.REQUESTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    package_file = models.CharField(max_length=80, blank=True)
    manifest = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"disclosure {self.pk} to {self.agency}"


class RecipientKind(models.TextChoices):
    """Who may receive evidence (2.6 b: law enforcement or a legal process)."""

    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement (e.g. Anti-Cybercrime Unit)")
    COURT = "court", _("Court or prosecutor (legal process)")
    HOTLINE = "hotline", _("Recognised hotline (e.g. Internet Hotline Cambodia)")


class RecipientQuerySet(models.QuerySet["Recipient"]):
    def usable(self) -> RecipientQuerySet:
        """On the register and confirmed by a second keeper: the only recipients evidence or a
        referral may be sent to."""
        return self.filter(active=True, confirmed_at__isnull=False)


class Recipient(models.Model):
    """A registered recipient of disclosures (2.6 b), kept on the desk by the lead or admin.

    Added by one keeper and confirmed by another (nobody confirms their own): otherwise one
    insider could register an address of their own and send a case to it."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(max_length=200)  # officer or desk
    agency = models.CharField(max_length=200)
    kind = models.CharField(
        max_length=16, choices=RecipientKind.choices, default=RecipientKind.LAW_ENFORCEMENT
    )
    contact = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    objects = RecipientQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.name}, {self.agency}"

    @property
    def usable(self) -> bool:
        return self.active and self.confirmed_at is not None


class ViewerPreference(models.TextChoices):
    BLUR_GREY = "blur_grey", _("Blurred and grey (default)")
    GREY = "grey", _("Grey, not blurred")
