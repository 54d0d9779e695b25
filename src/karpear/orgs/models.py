"""Organisations: every record in Karpear belongs to exactly one.

Principle "several companies, one deployment" (PRODUCT.md; guidelines
section 2 on support for small companies and start-ups): a hosted Karpear may
serve many companies, and a single-company install is simply one
organisation marked as the default.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    class Kind(models.TextChoices):
        # A regulator (the MPTC or a body it names, guidelines section 3) receives companies'
        # compliance packages; its staff hold regulator roles only (issue #20).
        COMPANY = "company", _("Company")
        REGULATOR = "regulator", _("Regulator")

    name = models.CharField(_("name (English)"), max_length=200)
    name_km = models.CharField(_("name (Khmer)"), max_length=200, blank=True)
    slug = models.SlugField(unique=True)
    domain = models.CharField(
        _("portal host name"),
        max_length=253,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Requests for this host name are served as this organisation."),
    )
    is_default = models.BooleanField(
        default=False,
        help_text=_("Serves requests whose host name matches no organisation."),
    )
    response_hours = models.PositiveIntegerField(
        _("promised response time (hours)"),
        default=24,
        help_text=_("Shown to people on their receipt. Guidelines 2.6: a set time to act."),
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.COMPANY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_org"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_regulator(self) -> bool:
        return self.kind == self.Kind.REGULATOR

    @property
    def display_name(self) -> str:
        if get_language() == "km" and self.name_km:
            return self.name_km
        return self.name


class HelpContact(models.Model):
    """A place a child can get help, shown on every public page (2.6 referral pathways)."""

    class Kind(models.TextChoices):
        HELPLINE = "helpline", _("Child helpline")
        HOTLINE = "hotline", _("Internet hotline")
        POLICE = "police", _("Police")
        OTHER = "other", _("Other service")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="help_contacts"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    name_en = models.CharField(max_length=200)
    name_km = models.CharField(max_length=200)
    phone = models.CharField(max_length=40, blank=True)
    website = models.CharField(max_length=200, blank=True)
    note_en = models.CharField(max_length=200, blank=True)
    note_km = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name_en

    @property
    def name(self) -> str:
        return self.name_km if get_language() == "km" else self.name_en

    @property
    def note(self) -> str:
        return self.note_km if get_language() == "km" else self.note_en
