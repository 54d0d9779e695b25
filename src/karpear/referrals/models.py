"""Referral reports delivered to a recipient's inbox (issue #17, items 1-3).

Guidelines 2.6 (item 31) ask for referral to the Anti-Cybercrime Unit and forwarding to the
hotline. A referral here is a delivery with an answer: a report built from the case and frozen
at sending, read by the recipient over the API with its own issuer key, and acknowledged with
the recipient's case number.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Purpose(models.TextChoices):
    REFERRED = "referred", _("Referred for investigation")
    OUTSIDE_SERVICE = "outside_service", _("Outside our service: passed to the hotline")
    CHILD = "child", _("Referral of the child to help, with consent")


class Outcome(models.TextChoices):
    """What a child-protection service reports back (issue #17, item 5). Never a risk score."""

    CONTACTED = "contacted", _("Contacted")
    COULD_NOT_REACH = "could_not_reach", _("Could not reach")
    DECLINED = "declined", _("Declined help")


class Referral(models.Model):
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    # The recipient is a registered issuer: its `issuer` keys read this inbox.
    recipient = models.ForeignKey(
        "notices.Issuer", on_delete=models.PROTECT, related_name="referrals"
    )
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    schema_version = models.CharField(max_length=16)
    # The report as sent, frozen: what the recipient reads is what the analyst saw.
    report = models.JSONField()
    withheld = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(db_index=True)
    last_sent_at = models.DateTimeField()
    send_count = models.PositiveSmallIntegerField(default=1)
    first_read_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    recipient_reference = models.CharField(max_length=100, blank=True)
    # Child referrals only: the consent record it rests on, and the service's outcome.
    victim_referral = models.OneToOneField(
        "cases.VictimReferral",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)
    # A follow-up: the same case referred again to the same recipient because new evidence
    # arrived after it acknowledged this one; one follow-up per referral (a chain).
    follows = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="followed_by"
    )

    class Meta:
        constraints = [
            # One first referral of a case per recipient: referring again re-sends it; later
            # ones are follow-ups, each linked to the one before (`follows`).
            models.UniqueConstraint(
                fields=["case", "recipient"],
                condition=Q(follows__isnull=True),
                name="referral_once_per_case_recipient",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | ~Q(recipient_reference=""),
                name="referral_ack_has_reference",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "created_at", "id"], name="referral_inbox_idx"),
        ]

    def __str__(self) -> str:
        return f"Referral {self.pk} of case {self.case_id}"


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("Waiting for a second person")
    APPROVED = "approved", _("Approved and sent")
    DECLINED = "declined", _("Declined by the second person")
    WITHDRAWN = "withdrawn", _("Consent withdrawn: not sent")


class ChildReferralProposal(models.Model):
    """A child's referral waiting for a second person (PRODUCT "no one alone"; guidelines 2.6,
    referral of the child with consent). Nothing about the child is in any inbox until a
    different, screened case worker approves; only the names of the chosen fields are kept
    here, never their values."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    victim_referral = models.ForeignKey(
        "cases.VictimReferral", on_delete=models.PROTECT, related_name="+"
    )
    fields = models.JSONField()
    status = models.CharField(
        max_length=12, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    referral = models.OneToOneField(
        Referral, null=True, blank=True, on_delete=models.PROTECT, related_name="proposal"
    )

    class Meta:
        constraints = [
            # One proposal at a time per consent record: a repeated form proposes once.
            models.UniqueConstraint(
                fields=["victim_referral"],
                condition=Q(status="proposed"),
                name="one_open_child_proposal",
            ),
            models.CheckConstraint(
                condition=Q(status="proposed") | Q(decided_at__isnull=False),
                name="child_proposal_decided_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Child referral proposal {self.pk} on case {self.case_id}"


class ServiceInbox(models.Model):
    """The recorded binding of a child-protection service in the directory to the one issuer
    key that receives its children's referrals. A name is never enough: one keeper issues the
    key for the service (which binds it), a different keeper confirms, and only a confirmed
    binding with a live key delivers, or lets a key read a child's referral."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    service = models.OneToOneField(
        "cases.ReferralService", on_delete=models.PROTECT, related_name="+"
    )
    key = models.OneToOneField("apikeys.ApiKey", on_delete=models.PROTECT, related_name="+")
    bound_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    bound_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Nobody confirms their own binding, even by a raw write.
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True) | ~Q(confirmed_by=models.F("bound_by")),
                name="service_inbox_confirmed_by_another",
            ),
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True, confirmed_at__isnull=True)
                | Q(confirmed_by__isnull=False, confirmed_at__isnull=False),
                name="service_inbox_confirmed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Inbox of service {self.service_id}"
