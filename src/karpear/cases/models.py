"""Cases worked by the CSAM desk (guidelines 2.6 and the box on agency roles).

One case per piece of reported content; reports of the same content join the
open case. A case moves through an explicit state machine (`cases.workflow`),
and every move, decision and referral is recorded with actor, time to the
second and reason.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from karpear.reports.models import Category


class State(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_REVIEW = "in_review", _("In review")
    ISOLATED = "isolated", _("Content isolated")
    REFERRED = "referred", _("Referred")
    CONFIRMED_ILLEGAL = "confirmed_illegal", _("Confirmed illegal: removed")
    NOT_ILLEGAL = "not_illegal", _("Not illegal: restored")
    OUTSIDE_SERVICE = "outside_service", _("Outside our service: forwarded to the hotline")
    NO_ACTION = "no_action", _("No action needed")
    CLOSED = "closed", _("Closed")


class LegalAssessment(models.TextChoices):
    """The analyst's legal assessment, after INHOPE's ICCAM classification (issue #16, item 9)."""

    BASELINE = "baseline", _("Baseline: illegal internationally (INTERPOL baseline CSAM)")
    NATIONAL = "national", _("Illegal under Cambodian law")
    NOT_ILLEGAL = "not_illegal", _("Not illegal")


class ContentType(models.TextChoices):
    IMAGE = "image", _("Image")
    VIDEO = "video", _("Video")
    LIVE_STREAM = "live_stream", _("Live stream")
    GROOMING = "grooming", _("Text or grooming")
    SEXTORTION = "sextortion", _("Sextortion")


class AgeBand(models.TextChoices):
    """The apparent age of the child, in the guidelines' Appendix 1 bands."""

    UNDER_6 = "0-5", _("0-5 years")
    AGE_6_9 = "6-9", _("6-9 years")
    AGE_10_12 = "10-12", _("10-12 years")
    AGE_13_15 = "13-15", _("13-15 years")
    AGE_16_17 = "16-17", _("16-17 years")
    UNKNOWN = "unknown", _("Cannot tell")


class Case(models.Model):
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(max_length=16, choices=Category.choices)
    state = models.CharField(max_length=20, choices=State.choices, default=State.RECEIVED)
    source = models.CharField(max_length=16, default="report")  # report | notice | hash_match
    group_key = models.CharField(max_length=80, db_index=True)
    opened_at = models.DateTimeField()
    review_due_at = models.DateTimeField()
    action_due_at = models.DateTimeField()
    # The deadline the queue sorts by: first review until reviewed, then action.
    next_due_at = models.DateTimeField()
    first_reviewed_at = models.DateTimeField(null=True, blank=True)
    first_action_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    priority = models.PositiveSmallIntegerField(default=0)  # notices jump the queue later
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    report_count = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=0)  # optimistic locking
    contacts_erased_at = models.DateTimeField(null=True, blank=True)
    # Preservation (guidelines 2.6, box on agency roles: preserve the material along with any
    # user data): when the platform was asked, and when the vault first received the content.
    preserve_requested_at = models.DateTimeField(null=True, blank=True)
    preserved_at = models.DateTimeField(null=True, blank=True)
    # The analyst's classification (issue #16, item 9). The reporter's category stays as
    # reported in `category`; figures count these where they are set.
    legal_assessment = models.CharField(max_length=16, choices=LegalAssessment.choices, blank=True)
    content_type = models.CharField(max_length=16, choices=ContentType.choices, blank=True)
    age_band = models.CharField(max_length=8, choices=AgeBand.choices, blank=True)
    classified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    classified_at = models.DateTimeField(null=True, blank=True)
    # Closed as a duplicate of another case (bulk join or close, issue #16 item 11).
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )

    class Meta:
        indexes = [
            # The queue: open cases of one organisation by nearest deadline.
            models.Index(
                fields=["organisation", "-priority", "next_due_at", "id"],
                condition=~Q(state="closed"),
                name="case_queue_idx",
            ),
            models.Index(fields=["organisation", "group_key"], name="case_group_idx"),
        ]
        constraints = [
            # One open case per piece of content and organisation: two first reports or notices
            # about one link arriving together must not open two cases for two analysts
            # (guidelines 2.6 b). The open-or-join statements insert with ON CONFLICT on this
            # index and join the case that won (cases/intake.py, cases/takedown.py).
            models.UniqueConstraint(
                fields=["organisation", "group_key"],
                condition=~Q(state="closed"),
                name="one_open_case_per_content",
            )
        ]

    def __str__(self) -> str:
        return f"Case {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state != State.CLOSED


class CaseReport(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="case_reports")
    report = models.OneToOneField("reports.Report", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=16)
    joined_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.case_id}:{self.report_id}"


class CaseEvent(models.Model):
    """The case timeline: state changes, assignments, decisions, referrals, notes."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.at}"


class DecisionKind(models.TextChoices):
    CONTENT_ISOLATE = "content_isolate", _("Content isolated")
    CONTENT_REMOVE = "content_remove", _("Content removed permanently")
    CONTENT_RESTORE = "content_restore", _("Content restored")
    ACCOUNT_WARNING = "account_warning", _("Account warning")
    ACCOUNT_SUSPENSION = "account_suspension", _("Temporary account suspension")
    ACCOUNT_BAN = "account_ban", _("Permanent account suspension")


class Ground(models.TextChoices):
    LAW = "law", _("Law")
    TERMS = "terms", _("Terms of service")


class Decision(models.Model):
    """A content or account decision (counted in the transparency report, section 2)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="decisions")
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=24, choices=DecisionKind.choices)
    ground = models.CharField(max_length=8, choices=Ground.choices)
    clause = models.CharField(max_length=200)
    account_id = models.CharField(max_length=200, blank=True)
    content_ref = models.CharField(max_length=300, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()
    # The second analyst who confirmed it, where the category needs four eyes (item 14).
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Set when the company's platform confirms it carried the decision out
    # (the platform link arrives with the notice-and-takedown issue).
    platform_confirmed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} on case {self.case_id}"


class Authority(models.TextChoices):
    ACU = "acu", _("Anti-Cybercrime Unit")
    HOTLINE = "hotline", _("Internet Hotline Cambodia (APLE)")
    OTHER = "other", _("Other authority")


class AuthorityReferral(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="authority_referrals")
    authority = models.CharField(max_length=16, choices=Authority.choices)
    reference = models.CharField(max_length=100, blank=True)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    referred_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.authority} {self.reference}"


class ReferralService(models.Model):
    """The editable directory of child-protection services (2.6 referral pathways)."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    name_en = models.CharField(max_length=200)
    name_km = models.CharField(max_length=200)
    phone = models.CharField(max_length=40, blank=True)
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.name_en


class VictimReferral(models.Model):
    """A referral of a child to help, only with consent; the desk never scores risk (2.6)."""

    class ConsentBy(models.TextChoices):
        CHILD = "child", _("The child")
        CARER = "carer", _("A parent or carer")
        NONE = "none", _("No consent: help information given only")

    class ConsentMethod(models.TextChoices):
        """How consent was obtained (issue #16, item 8): it must have been possible to ask."""

        PHONE = "phone", _("By phone, on the contact the reporter gave")
        MESSAGE = "message", _("By message or email, on the contact the reporter gave")
        IN_PERSON = "in_person", _("In person")
        HELPLINE = "helpline", _("Through the helpline, which spoke with the child")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="victim_referrals")
    consent_by = models.CharField(max_length=8, choices=ConsentBy.choices)
    service = models.ForeignKey(
        ReferralService, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    service_reference = models.CharField(max_length=100, blank=True)
    consent_method = models.CharField(max_length=12, choices=ConsentMethod.choices, blank=True)
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_obtained_by = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"referral {self.consent_by}"


class SlaPolicy(models.Model):
    """Targets per category. Defaults (1 h review, 24 h action) are Karpear's, not law."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    category = models.CharField(max_length=16, blank=True)  # "" = every other category
    review_minutes = models.PositiveIntegerField(default=60)
    action_minutes = models.PositiveIntegerField(default=24 * 60)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "category"], name="one_sla_per_category"
            )
        ]

    def __str__(self) -> str:
        return f"SLA {self.category or 'default'}"


class FourEyesRule(models.Model):
    """A category whose permanent removals and bans need a second analyst (issue #16, item 14).

    Off by default: a row exists only where the safeguarding lead turned it on.
    """

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    category = models.CharField(max_length=16, choices=Category.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "category"], name="one_four_eyes_rule_per_category"
            )
        ]

    def __str__(self) -> str:
        return f"four eyes {self.category}"


class PendingDecision(models.Model):
    """A removal or ban asked for by one analyst, waiting for a different one to confirm it.

    Nothing reaches the platform (no decision, no webhook) until it is confirmed.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="pending_decisions")
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=24, choices=DecisionKind.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    # What the first analyst asked for, replayed as it was on confirmation.
    reason = models.TextField(blank=True)
    ground = models.CharField(max_length=8, choices=Ground.choices)
    clause = models.CharField(max_length=200)
    account_id = models.CharField(max_length=200, blank=True)
    content_ref = models.CharField(max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    answer_reason = models.TextField(blank=True)

    class Meta:
        constraints = [
            # One open request per case: a second one would race the first.
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="pending"), name="one_pending_decision_per_case"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} pending on case {self.case_id}"
