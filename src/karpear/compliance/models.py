"""Assessments against the frameworks, their versioned answers, and adopted policy documents.

Guidelines 2.1-2.5 and 3: companies assess themselves (COP checklist, CRIA, safety-by-design,
age-appropriate design), reassess every one to two years, and keep the results. An assessment is
a draft until a named person signs it off; then it is frozen, and the next one starts from a copy.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.core.models import AdoptedText


class Product(models.Model):
    """A product or service the company assesses with a CRIA (2.1: "all product and service")."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.CharField(_("description"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="one_product_name")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNED = "signed", _("Signed off")


class Assessment(models.Model):
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    framework_id = models.CharField(max_length=64)
    framework_version = models.CharField(max_length=32)
    framework_digest = models.CharField(max_length=64)
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT)
    # What the company said about itself (frameworks.PROFILE_FLAGS) when it started.
    profile = models.JSONField(default=dict)
    status = models.CharField(
        max_length=8, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reassess_months = models.PositiveSmallIntegerField(
        default=12, validators=[MinValueValidator(12), MaxValueValidator(24)]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_name = models.CharField(max_length=200, blank=True)
    signed_title = models.CharField(max_length=200, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    # At sign-off: the answers and live figures as they stood, and their SHA-256.
    frozen = models.JSONField(null=True, blank=True)
    frozen_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            # One open draft per framework and product: the next one starts from a copy.
            models.UniqueConstraint(
                fields=["organisation", "framework_id", "product"],
                condition=Q(status="draft", product__isnull=False),
                name="one_draft_per_framework_product",
            ),
            models.UniqueConstraint(
                fields=["organisation", "framework_id"],
                condition=Q(status="draft", product__isnull=True),
                name="one_draft_per_framework",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | (Q(signed_at__isnull=False) & ~Q(signed_name="")),
                name="signed_has_name_and_time",
            ),
            models.CheckConstraint(
                condition=Q(reassess_months__gte=12) & Q(reassess_months__lte=24),
                name="reassess_between_one_and_two_years",
            ),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.framework_id} {self.pk}"

    @property
    def is_frozen(self) -> bool:
        return self.status == AssessmentStatus.SIGNED

    @property
    def reassess_period(self) -> timedelta:
        return timedelta(days=30 * self.reassess_months)

    @property
    def reassess_by(self) -> date | None:
        """The day the next assessment is due (section 3: every one to two years)."""
        if self.signed_at is None:
            return None
        return timezone.localdate(self.signed_at) + self.reassess_period

    def frozen_outcomes(self) -> Counter[str]:
        """How many frozen answers are yes, partially, no, na (empty before sign-off)."""
        return Counter(row["outcome"] for row in (self.frozen or {}).get("answers", []))


class AnswerSource(models.TextChoices):
    OFFICER = "officer", _("Answered by the compliance officer")
    LIVE = "live", _("Filled from Karpear's own records")
    COPIED = "copied", _("Copied from the previous assessment")
    PROFILE = "profile", _("Not applicable to this company's services")


class Answer(models.Model):
    """One version of the answer to one item. Never updated: a change is a new version."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="answers")
    ref = models.CharField(max_length=32)
    version = models.PositiveIntegerField()
    not_applicable = models.BooleanField(default=False)
    value = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)  # why N/A (Appendix 2, note 3)
    note = models.TextField(blank=True)
    action = models.TextField(blank=True)  # planned action for Partially / No
    action_owner = models.CharField(max_length=200, blank=True)
    action_due = models.DateField(null=True, blank=True)
    action_done_on = models.DateField(null=True, blank=True)
    link = models.URLField(max_length=500, blank=True)  # stored, shown, never fetched
    source = models.CharField(max_length=8, choices=AnswerSource.choices)
    live = models.JSONField(null=True, blank=True)  # the live figure the answer rests on
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "ref", "version"], name="one_version"),
            models.CheckConstraint(
                condition=Q(not_applicable=False) | ~Q(reason=""), name="na_needs_reason"
            ),
        ]
        ordering = ["ref", "-version"]

    def __str__(self) -> str:
        return f"{self.ref} v{self.version}"


class AnswerFile(models.Model):
    """A document attached as evidence to an item (a policy, a screenshot). Not case evidence."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="files")
    ref = models.CharField(max_length=32)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    data = models.BinaryField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class PolicyKind(models.TextChoices):
    TAKEDOWN = "takedown", _("Notice-and-takedown procedure and evidence retention policy")
    REFERRAL = "referral", _("Reporting and referral process")


class PolicyDocument(AdoptedText):
    """A policy the company adopted from Karpear's draft (checklist items 29-32). Versioned."""

    kind = models.CharField(max_length=16, choices=PolicyKind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "version"], name="one_policy_version"
            )
        ]
        ordering = ["kind", "-version"]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version}"
