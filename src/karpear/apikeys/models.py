"""API keys: how the company's platform, issuers and ISPs authenticate.

The token is shown once at creation; only its SHA-256 is stored (tokens carry
256 random bits, so a fast hash is enough and lookups stay cheap).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    PLATFORM = "platform", _("The company's platform")
    ISSUER = "issuer", _("Notice issuer (police or hotline)")
    ISP = "isp", _("Internet service provider")
    # Issued by a regulator to one registered company, for its submissions (issue #20).
    COMPANY = "company", _("Regulated company (submits to the regulator)")
    # Issued to a child-protection service for its referral inbox only (issue #17, 2.6
    # referral pathways): it reads the children's referrals bound to it and orders no takedown.
    SERVICE = "service", _("Child-protection service (reads its referral inbox)")


class ApiKey(models.Model):
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    scope = models.CharField(max_length=16, choices=Scope.choices)
    name = models.CharField(max_length=200)
    prefix = models.CharField(max_length=16, unique=True)
    secret_sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.scope}, {self.prefix})"
