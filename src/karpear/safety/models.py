"""Safety policies per organisation, versioned, and what the apps report back (issue #18)."""

from __future__ import annotations

from django.conf import settings as django_settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PolicyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ADOPTED = "adopted", _("Adopted")


class SafetyPolicy(models.Model):
    """One version of an organisation's settings per age band. A draft is edited by the
    safeguarding lead; once adopted it never changes (a new draft starts from it)."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField()
    status = models.CharField(
        max_length=8, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT
    )
    # band -> feature -> {"value", "change", "assurance"}; checked by catalogue.check_settings.
    settings = models.JSONField()
    # The youngest Appendix 1 band the service admits: an unknown age is served this band.
    youngest_band = models.CharField(max_length=5)
    note = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    adopted_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    adopted_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "version"], name="safety_policy_version_once"
            ),
            # One draft at a time: two leads editing two drafts would adopt over each other.
            models.UniqueConstraint(
                fields=["organisation"],
                condition=models.Q(status="draft"),
                name="safety_policy_one_draft",
            ),
        ]

    def __str__(self) -> str:
        return f"safety policy v{self.version} ({self.status})"


class Attestation(models.Model):
    """How many accounts of one band are at the default of one setting, and how many changed
    it, as the app last reported for one policy version (0 = the shipped defaults). Counts
    only: nothing here identifies an account (guidelines 2.3, data minimisation)."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField()
    band = models.CharField(max_length=5)
    feature = models.CharField(max_length=64)
    at_default = models.PositiveBigIntegerField()
    changed = models.PositiveBigIntegerField()
    reported_at = models.DateTimeField()
    reported_by = models.CharField(max_length=200)  # the API key's name

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "version", "band", "feature"],
                name="safety_attestation_once",
            )
        ]

    def __str__(self) -> str:
        return f"v{self.version} {self.band} {self.feature}"
