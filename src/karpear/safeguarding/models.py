"""Safeguarding inside the company (guidelines 2.2; checklist items 3, 7, 8).

Everyone in the company is on the directory, not only desk users: desk accounts (and through
them the personnel register of 2.6 b) are linked, not copied. Personal data is minimal: the
department is kept in clear to count acknowledgements per department; the e-mail address is
found by a keyed digest and kept encrypted to send links; name and role title are encrypted.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from karpear.core.fields import EncryptedTextField
from karpear.core.models import AdoptedText


class Employee(models.Model):
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    # HMAC-SHA256 of the lower-cased work address (safeguarding/directory.py): the import finds
    # a person again without the address being readable in the database. Empty once erased.
    email_digest = models.CharField(max_length=64, blank=True)
    email = EncryptedTextField(blank=True)
    name = EncryptedTextField(blank=True)
    role_title = EncryptedTextField(blank=True)
    department = models.CharField(max_length=100, blank=True)
    may_encounter_csam = models.BooleanField(default=False)
    works_with_children = models.BooleanField(default=False)
    # The desk account of this person, if any: its screening is on the personnel register.
    staff = models.OneToOneField(
        "staff.StaffMember",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="employee",
    )
    added_at = models.DateTimeField()
    left_on = models.DateField(null=True, blank=True)
    # Name, address and role title are erased KARPEAR_STAFF_ERASE_DAYS after leaving; the row
    # stays so past acknowledgements and training still count (without saying whose).
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "email_digest"],
                condition=Q(erased_at__isnull=True),
                name="employee_email_once",
            )
        ]
        indexes = [models.Index(fields=["organisation", "department"], name="employee_dept_idx")]

    def __str__(self) -> str:
        return f"employee {self.pk}"

    @property
    def is_current(self) -> bool:
        return self.left_on is None and self.erased_at is None


class Position(models.TextChoices):
    OFFICER = "officer", _("Safeguarding officer")
    DEPUTY = "deputy", _("Deputy safeguarding officer")


class Appointment(models.Model):
    """The designated safeguarding (child-rights) officer or deputy (2.2; checklist item 3).

    The person is a desk account, because they read concerns on the desk. One current
    appointment per position (ended_on empty), kept by a partial unique constraint.
    """

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    position = models.CharField(max_length=12, choices=Position.choices)
    member = models.ForeignKey("staff.StaffMember", on_delete=models.PROTECT, related_name="+")
    appointed_on = models.DateField()
    mandate = models.TextField()
    appointed_by = models.ForeignKey(
        "staff.StaffMember", null=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "position"],
                condition=Q(ended_on__isnull=True),
                name="appointment_current_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.position} {self.member_id}"


class DocumentKind(models.TextChoices):
    POLICY = "policy", _("Child safeguarding policy")
    CONDUCT = "conduct", _("Staff code of conduct")


class Document(AdoptedText):
    """One adopted version of the policy or the code of conduct, in Khmer and English."""

    kind = models.CharField(max_length=12, choices=DocumentKind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "version"], name="safeguarding_doc_version_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version}"


class Acknowledgement(models.Model):
    """One employee's acknowledgement of one version, and the personal link that asks for it.

    Only the SHA-256 of the link's token is kept. A reminder issues a new token (the old link
    stops working); acknowledging clears the digest, so every link is single-use.
    """

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="acks")
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="acks")
    token_digest = models.CharField(max_length=64, null=True, blank=True, unique=True)
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    reminders = models.PositiveSmallIntegerField(default=0)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["document", "employee"], name="ack_once_per_version")
        ]

    def __str__(self) -> str:
        return f"ack {self.document_id}/{self.employee_id}"


class Course(models.TextChoices):
    POLICY = "policy", _("Child safeguarding policy")
    CSAM_HANDLING = "csam_handling", _("Handling CSAM reports")
    WELLBEING = "wellbeing", _("Well-being and resilience")
    CHILD_CONTACT = "child_contact", _("Working safely with children")
    ONLINE_SAFETY = "online_safety", _("Online safety (Swipe Safe)")


class TrainingRecord(models.Model):
    """One course someone completed (checklist item 8; 2.6 b for people who handle CSAM)."""

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="training")
    course = models.CharField(max_length=20, choices=Course.choices)
    completed_on = models.DateField()
    provider = models.CharField(max_length=120)
    expires_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        "staff.StaffMember", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["employee", "course"], name="training_course_idx")]

    def __str__(self) -> str:
        return f"{self.course} {self.completed_on}"
