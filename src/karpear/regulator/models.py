"""The regulator's records (issue #20; guidelines section 3: companies report on their
implementation, Appendix 2 is the form) and, on a company's deployment, its link to the regulator.

Every regulator-side row belongs to the regulator organisation through `RegisteredCompany`;
a submission is stored once, immutable, under the SHA-256 of the body the company sent.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from karpear.core.fields import EncryptedTextField


class Sector(models.TextChoices):
    # The guidelines' scope (section 1): the digital technology industry.
    ISP = "isp", _("Internet service provider")
    MOBILE = "mobile", _("Mobile operator")
    SOCIAL = "social", _("Social media and gaming")
    CONTENT = "content", _("Content provider")
    CLOUD = "cloud", _("Cloud and hosting")
    HARDWARE = "hardware", _("Hardware and IoT")


class Size(models.TextChoices):
    SMALL = "small", _("Small or start-up")
    MEDIUM = "medium", _("Medium")
    LARGE = "large", _("Large")


class RegisteredCompany(models.Model):
    regulator = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    name_km = models.CharField(max_length=200, blank=True)
    licence_number = models.CharField(max_length=100)
    # The `organisation.slug` the company's packages carry: a package naming another slug is
    # another company's and is refused.
    slug = models.SlugField()
    sector = models.CharField(max_length=16, choices=Sector.choices)
    size = models.CharField(max_length=16, choices=Size.choices)
    # A company served by this same deployment: requests for information reach it directly.
    local_organisation = models.ForeignKey(
        "orgs.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["regulator", "slug"], name="registry_one_slug"),
            models.UniqueConstraint(
                fields=["regulator", "licence_number"], name="registry_one_licence"
            ),
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CompanyKey(models.Model):
    """A company's package public key, registered out of band (Ed25519, base64 of 32 bytes).

    No one alone: a key registered by one head of unit or administrator verifies nothing until
    a different one confirms it (`confirmed_at`); only then does a rotation retire the keys in
    use before it, which stay valid until `retires_at` (the audited overlap). A revoked key
    stops at once."""

    company = models.ForeignKey(RegisteredCompany, on_delete=models.PROTECT, related_name="keys")
    public_key = models.CharField(max_length=64)
    key_id = models.CharField(max_length=16)
    registered_at = models.DateTimeField()
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    retires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "public_key"], name="company_key_once"),
            # The database keeps the rule too: a confirmation names its confirmer, who is never
            # the person who registered the key.
            models.CheckConstraint(
                condition=Q(confirmed_at__isnull=True)
                | (Q(confirmed_by__isnull=False) & ~Q(confirmed_by=models.F("registered_by"))),
                name="company_key_confirmed_by_another",
            ),
        ]
        ordering = ["-registered_at", "-id"]

    def __str__(self) -> str:
        return self.key_id


class SubmissionKey(models.Model):
    """The API key the regulator issued to one company (apikeys, scope "company")."""

    company = models.ForeignKey(RegisteredCompany, on_delete=models.PROTECT, related_name="+")
    api_key = models.OneToOneField("apikeys.ApiKey", on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self.company} {self.api_key_id}"


class ReportingPeriod(models.Model):
    regulator = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    label = models.CharField(max_length=16)  # "2026": the year the companies report on
    due = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["regulator", "label"], name="one_period_label")
        ]
        ordering = ["-label"]

    def __str__(self) -> str:
        return self.label


class Channel(models.TextChoices):
    API = "api", _("API")
    UPLOAD = "upload", _("Uploaded on the desk")
    LOCAL = "local", _("Same deployment")


class Submission(models.Model):
    """An accepted submission, kept as received; refusals are logged and audited, not stored."""

    company = models.ForeignKey(
        RegisteredCompany, on_delete=models.PROTECT, related_name="submissions"
    )
    period = models.ForeignKey(ReportingPeriod, on_delete=models.PROTECT, related_name="+")
    sha256 = models.CharField(max_length=64)  # of the canonical JSON of the package envelope
    envelope = models.JSONField()  # the signed package as received
    transparency = models.JSONField(null=True, blank=True)  # the published report's JSON
    key = models.ForeignKey(CompanyKey, on_delete=models.PROTECT, related_name="+")
    framework_id = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    summary = models.JSONField()  # counts, minimum met, gaps with actions and due dates
    channel = models.CharField(max_length=8, choices=Channel.choices)
    received_at = models.DateTimeField()
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "sha256"], name="submission_once")
        ]
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.company} {self.period} {self.sha256[:12]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Immutable: what a company sent is evidence; a correction is a new submission.
        if self.pk is not None and not self._state.adding:
            raise ValueError("A submission is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("A submission is never deleted.")


class InformationRequest(models.Model):
    """A regulator's question to a company about a submission, with a deadline (issue #20, 5)."""

    company = models.ForeignKey(
        RegisteredCompany, on_delete=models.PROTECT, related_name="requests"
    )
    submission = models.ForeignKey(
        Submission, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    item_ref = models.CharField(max_length=32, blank=True)
    question = models.TextField()
    deadline = models.DateField()
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField()
    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.CharField(max_length=200, blank=True)  # the company's signer, as sent

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | ~Q(answer=""), name="answer_has_text"
            )
        ]

    def __str__(self) -> str:
        return f"{self.company} {self.sent_at:%Y-%m-%d}"


class AnswerFile(models.Model):
    request = models.ForeignKey(InformationRequest, on_delete=models.PROTECT, related_name="files")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    data = models.BinaryField()

    def __str__(self) -> str:
        return self.name


# --- the company's side ------------------------------------------------------------------------


class RegulatorLink(models.Model):
    """A company's connection to a regulator on another deployment: its URL and the key the
    regulator issued (encrypted at rest: Karpear must send it again)."""

    organisation = models.OneToOneField(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    url = models.URLField(max_length=300)
    token = EncryptedTextField()
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.url


class ReceivedRequest(models.Model):
    """A request for information as the company sees it on its Compliance page."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    # Within one deployment the regulator's row itself; across deployments its id there.
    local_request = models.OneToOneField(
        InformationRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    remote_id = models.PositiveBigIntegerField(null=True, blank=True)
    item_ref = models.CharField(max_length=32, blank=True)
    question = models.TextField()
    deadline = models.DateField()
    sent_at = models.DateTimeField()
    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["answered_at", "deadline", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "remote_id"],
                condition=Q(remote_id__isnull=False),
                name="received_request_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.deadline}"


class SentSubmission(models.Model):
    """What the company sent its regulator, and the answer (shown on its Compliance page)."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    assessment_id = models.PositiveBigIntegerField()
    sent_at = models.DateTimeField()
    accepted = models.BooleanField()
    code = models.CharField(max_length=64)  # "accepted", "repeat" or the refusal's code
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.code}"
