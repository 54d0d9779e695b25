"""Hash banks with provenance, their hashes, and every match (issue #6, items 3, 4 and 11)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class BankSource(models.TextChoices):
    NCMEC = "ncmec", "NCMEC"
    IWF = "iwf", "IWF"
    ICSE = "icse", _("INTERPOL ICSE (through the MPTC)")
    STOPNCII = "stopncii", "StopNCII"
    HOTLINE = "hotline", _("National hotline")
    OWN = "own", _("This company's confirmed cases")
    # Hashes a child (or her parent) made on her own phone of her own image (issue #22, item 6).
    SELF_REPORT = "self-report", _("Self-reports from the take-it-down page")


class BankPolicy(models.TextChoices):
    ACT = "act", _("Act at once: isolate, open a case at the top of the queue, preserve")
    REVIEW = "review", _("Queue for review")
    RECORD = "record", _("Record only")


class HashType(models.TextChoices):
    PDQ = "pdq", "PDQ"
    MD5 = "md5", "MD5"
    SHA256 = "sha256", "SHA-256"
    VPDQ = "vpdq", "vPDQ"


# A vPDQ hash is a list of frames; its value is the SHA-256 of their canonical JSON, the frames
# themselves are in `BankHash.frames`.
HEX_LENGTH = {HashType.PDQ: 64, HashType.MD5: 32, HashType.SHA256: 64, HashType.VPDQ: 64}


class Bank(models.Model):
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    name = models.SlugField(max_length=64)
    source = models.CharField(max_length=16, choices=BankSource.choices)
    agreement = models.CharField(max_length=300)  # licence or agreement reference
    policy = models.CharField(max_length=8, choices=BankPolicy.choices, default=BankPolicy.REVIEW)
    pdq_threshold = models.PositiveSmallIntegerField(default=31)
    # Keep the bytes of a matching upload in the evidence vault (item 7); otherwise they are
    # hashed in memory and dropped, and preservation goes through the platform link.
    preserve_uploads = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="one_bank_name"),
            models.CheckConstraint(
                condition=Q(pdq_threshold__lte=64), name="pdq_threshold_in_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BankHash(models.Model):
    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="hashes")
    kind = models.CharField(max_length=8, choices=HashType.choices)
    value = models.CharField(max_length=64)  # lower-case hex
    # vPDQ only: the frames as threatexchange serialises them (JSON list of "pdq,quality,seconds")
    frames = models.TextField(blank=True)
    source_id = models.CharField(max_length=200, blank=True)
    classification = models.CharField(max_length=16, blank=True)  # e.g. A1, A2, B1, B2
    added_at = models.DateTimeField()
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    false_positives = models.PositiveIntegerField(default=0)
    # Flood control (item 10): set when the hash matched too many distinct items too fast; it
    # still matches, but only queues for review until the lead releases it.
    quarantined_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bank", "kind", "value"], name="one_hash_per_bank"),
            models.CheckConstraint(
                condition=Q(disabled_at__isnull=True) | ~Q(disabled_reason=""),
                name="disabled_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "value"]),
            # The index reads each bank's new hashes in id order, and the few disabled ones,
            # without scanning 10M rows (issue #6, item 9).
            models.Index(fields=["bank", "kind", "id"], name="bankhash_bank_kind_id"),
            models.Index(
                fields=["disabled_at"],
                condition=Q(disabled_at__isnull=False),
                name="bankhash_disabled",
            ),
            # The desk lists quarantined hashes on every visit: a handful among millions.
            models.Index(
                fields=["quarantined_at"],
                condition=Q(quarantined_at__isnull=False),
                name="bankhash_quarantined",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value[:12]}"


class MatchStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the lead")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected: false positive")


class Match(models.Model):
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    bank_hash = models.ForeignKey(BankHash, on_delete=models.PROTECT, related_name="matches")
    content_id = models.CharField(max_length=200)
    distance = models.PositiveSmallIntegerField()
    action = models.CharField(max_length=8, choices=BankPolicy.choices)
    case_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=MatchStatus.choices, default=MatchStatus.PENDING
    )
    matched_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"match {self.content_id} ~ {self.bank_hash_id}"
