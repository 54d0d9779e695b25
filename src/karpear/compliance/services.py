"""The compliance workflow: start an assessment, answer items, attach evidence, sign off, report.

One function per state change; the desk, the command line and the tests all call these. Writes
need the compliance role (checked here as well as in the views). Guidelines 2.1-2.5, 3 and
Appendix 2 (notes 2 and 3: minimum items; N/A only with a reason).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.compliance.frameworks import (
    AGE_BANDS,
    PROFILE_FLAGS,
    Framework,
    Item,
    frameworks,
    get_framework,
)
from karpear.compliance.live import Live, live_figure
from karpear.compliance.models import (
    Answer,
    AnswerFile,
    AnswerSource,
    Assessment,
    AssessmentStatus,
    PolicyDocument,
    Product,
)
from karpear.core import signing
from karpear.core.dates import parse_day
from karpear.core.errors import ApplicationError, NotFound
from karpear.orgs.models import Organisation
from karpear.staff.models import Role, StaffMember

COP_CHOICES = ("yes", "partially", "no", "na")
OUTCOMES = ("yes", "partially", "no", "na", "open")
MAX_TEXT = 10_000
MAX_FILE_BYTES = 5 * 1024 * 1024
FILE_TYPES = {
    "application/pdf": b"%PDF-",
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/jpeg": b"\xff\xd8\xff",
    "text/plain": b"",
}


class Frozen(ApplicationError):
    status = 409
    code = "signed_off"


def _require_writer(member: StaffMember) -> None:
    if member.role != Role.COMPLIANCE:
        raise ApplicationError(
            _("Only the compliance officer can change assessments."), code="forbidden", status=403
        )


def _framework(assessment: Assessment) -> Framework:
    framework = get_framework(assessment.framework_id)
    if framework is None:
        raise NotFound(_("This assessment's framework is no longer installed."))
    return framework


def _audit(
    member: StaffMember,
    action: str,
    assessment: Assessment,
    detail: dict[str, Any],
    request: HttpRequest | None,
) -> None:
    audit_record(
        action=action,
        organisation=member.organisation,
        actor=member.user,
        object_type="assessment",
        object_id=assessment.pk,
        detail=detail,
        request=request,
    )


def get_assessment(*, organisation: Organisation, assessment_id: int) -> Assessment:
    """An assessment of this organisation; another organisation's is simply not found."""
    found = (
        Assessment.objects.filter(organisation=organisation, pk=assessment_id)
        .select_related("product", "signed_by", "created_by")
        .first()
    )
    if found is None:
        raise NotFound(_("There is no such assessment."))
    return found


# --- answers -----------------------------------------------------------------------------------


@dataclass
class AnswerInput:
    """What the officer sent for one item, before checking."""

    choice: str = ""  # cop: yes / partially / no / na; yesno: yes / no / na
    value: Any = (
        None  # text, number, date, scale: the raw text; risk: {band: {likelihood, severity}}
    )
    not_applicable: bool = False
    reason: str = ""
    note: str = ""
    action: str = ""
    owner: str = ""
    due: str = ""
    done_on: str = ""
    link: str = ""


def risk_level(value: dict[str, Any]) -> int:
    """The highest likelihood x severity over the age groups (0 if no group uses the product)."""
    return max(
        (int(v.get("likelihood", 0)) * int(v.get("severity", 0)) for v in value.values()),
        default=0,
    )


def outcome(item: Item, answer: Answer | None) -> str:
    """The colour an answer shows: yes, partially, no, na or open (not answered)."""
    if answer is None:
        return "open"
    if answer.not_applicable:
        return "na"
    if item.answer in ("cop", "yesno"):
        return str(answer.value)
    if item.answer == "risk":
        level = risk_level(answer.value or {})
        return "no" if level >= 8 else "partially" if level >= 4 else "yes"
    return "yes"


def _int_in(raw: Any, low: int, high: int) -> int | None:
    try:
        number = int(str(raw).strip())
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


class _Bad(Exception):
    """An answer value of the wrong type; the argument is the message for the officer."""


def _parse_text(raw: Any, item: Item) -> str:
    text = str(raw or "").strip()
    if not text:
        raise _Bad(_("Write an answer."))
    if len(text) > MAX_TEXT:
        raise _Bad(_("The answer is too long."))
    return text


def _parse_number(raw: Any, item: Item) -> int | float:
    try:
        number = Decimal(str(raw).strip())
    except (InvalidOperation, TypeError) as exc:
        raise _Bad(_("Enter a number.")) from exc
    if not number.is_finite() or number < 0:
        raise _Bad(_("Enter a number."))
    return int(number) if number == number.to_integral_value() else float(number)


def _parse_scale(raw: Any, item: Item) -> int:
    number = _int_in(raw, *item.scale)
    if number is None:
        raise _Bad(_("Choose a value on the scale."))
    return number


def _parse_date(raw: Any, item: Item) -> str:
    day = parse_day(raw)
    if day is None:
        raise _Bad(_("Enter a date as YYYY-MM-DD."))
    return day.isoformat()


def _parse_risk(raw: Any, item: Item) -> dict[str, dict[str, int]]:
    """Every age group of Appendix 1 gets a likelihood (0 = does not use it) and a severity."""
    value: dict[str, dict[str, int]] = {}
    given = raw if isinstance(raw, dict) else {}
    for band in AGE_BANDS:
        row = given.get(band)
        row = row if isinstance(row, dict) else {}
        likelihood = _int_in(row.get("likelihood"), 0, 4)
        severity = _int_in(row.get("severity"), 1, 4)
        if likelihood is None or (likelihood and severity is None):
            raise _Bad(_("Rate likelihood and severity for every age group."))
        value[band] = {"likelihood": likelihood, "severity": (severity or 0) if likelihood else 0}
    return value


PARSERS = {
    "text": _parse_text,
    "number": _parse_number,
    "scale": _parse_scale,
    "date": _parse_date,
    "risk": _parse_risk,
}


def _check_value(item: Item, data: AnswerInput, errors: dict[str, list[str]]) -> tuple[bool, Any]:
    """Return (not_applicable, value) for the item's answer type, or note what is wrong."""
    if item.answer in ("cop", "yesno"):
        allowed = COP_CHOICES if item.answer == "cop" else ("yes", "no", "na")
        if data.choice not in allowed:
            errors["value"] = [str(_("Choose one of the answers."))]
            return False, None
        return (True, None) if data.choice == "na" else (False, data.choice)
    if data.not_applicable:
        return True, None
    try:
        return False, PARSERS[item.answer](data.value, item)
    except _Bad as exc:
        errors["value"] = [str(exc.args[0])]
        return False, None


def _validated(item: Item, data: AnswerInput) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    not_applicable, value = _check_value(item, data, errors)
    reason = data.reason.strip()
    if not_applicable and not reason:
        errors.setdefault("reason", []).append(
            str(_("Say why this item does not apply to your services."))
        )
    probe = Answer(not_applicable=not_applicable, value=value)
    needs_action = outcome(item, probe) in ("partially", "no")
    due = parse_day(data.due)
    if data.due.strip() and due is None:
        errors.setdefault("due", []).append(str(_("Enter a date as YYYY-MM-DD.")))
    done_on = parse_day(data.done_on)
    if data.done_on.strip() and done_on is None:
        errors.setdefault("done_on", []).append(str(_("Enter a date as YYYY-MM-DD.")))
    if needs_action:
        if not data.action.strip():
            errors.setdefault("action", []).append(str(_("Write the action you plan.")))
        if not data.owner.strip():
            errors.setdefault("owner", []).append(str(_("Name who owns the action.")))
        if due is None and "due" not in errors:
            errors.setdefault("due", []).append(str(_("Give the date the action is due.")))
    link = data.link.strip()
    if link and not link.startswith(("https://", "http://")):
        errors.setdefault("link", []).append(str(_("A link starts with https://")))
    for name, text, limit in (
        ("reason", reason, MAX_TEXT),
        ("note", data.note, MAX_TEXT),
        ("action", data.action, MAX_TEXT),
        ("owner", data.owner, 200),
        ("link", link, 500),
    ):
        if len(text) > limit:
            errors.setdefault(name, []).append(str(_("This is too long.")))
    errors = {k: v for k, v in errors.items() if v}
    if errors:
        raise ApplicationError(
            _("The answer was not saved. Please correct what is marked."), fields=errors
        )
    return {
        "not_applicable": not_applicable,
        "value": value,
        "reason": reason,
        "note": data.note.strip(),
        "action": data.action.strip() if needs_action or data.action.strip() else "",
        "action_owner": data.owner.strip(),
        "action_due": due,
        "action_done_on": done_on,
        "link": link,
    }


def _next_version(assessment: Assessment, ref: str) -> int:
    latest = assessment.answers.filter(ref=ref).aggregate(v=Max("version"))["v"]
    return (latest or 0) + 1


def _lock_draft(organisation: Organisation, assessment_id: int) -> Assessment:
    """Lock the assessment row, so a sign-off and an answer cannot cross."""
    assessment = (
        Assessment.objects.select_for_update()
        .filter(organisation=organisation, pk=assessment_id)
        .first()
    )
    if assessment is None:
        raise NotFound(_("There is no such assessment."))
    if assessment.is_frozen:
        raise Frozen(
            _("This assessment is signed off and can no longer change. Start the next one.")
        )
    return assessment


@transaction.atomic
def answer_save(
    *,
    member: StaffMember,
    assessment_id: int,
    ref: str,
    data: AnswerInput,
    request: HttpRequest | None = None,
) -> Answer:
    _require_writer(member)
    assessment = _lock_draft(member.organisation, assessment_id)
    item = _framework(assessment).item(ref)
    if item is None:
        raise NotFound(_("This framework has no such item."))
    fields = _validated(item, data)
    live = live_figure(item.live, member.organisation) if item.live else None
    answer = Answer.objects.create(
        assessment=assessment,
        ref=ref,
        version=_next_version(assessment, ref),
        source=AnswerSource.OFFICER,
        live=live.as_dict() if live else None,
        answered_by=member.user,
        answered_at=timezone.now(),
        **fields,
    )
    _audit(
        member,
        "compliance_answer",
        assessment,
        {"ref": ref, "version": answer.version, "outcome": outcome(item, answer)},
        request,
    )
    return answer


def current_answers(assessment: Assessment) -> dict[str, Answer]:
    """The latest version of each item's answer."""
    latest: dict[str, Answer] = {}
    for answer in assessment.answers.select_related("answered_by").order_by("ref", "-version"):
        latest.setdefault(answer.ref, answer)
    return latest


def answer_history(assessment: Assessment, ref: str) -> list[Answer]:
    return list(assessment.answers.filter(ref=ref).select_related("answered_by"))


# --- starting ----------------------------------------------------------------------------------


def _profile_reason(item: Item) -> str:
    flags = ", ".join(item.applies_to)
    return (
        f"Does not apply: the company profile says none of these describe its services: {flags}. "
        f"/ មិនពាក់ព័ន្ធ៖ ទម្រង់ក្រុមហ៊ុនបញ្ជាក់ថាគ្មានលក្ខណៈទាំងនេះទេ៖ {flags}។"
    )


def applies(item: Item, profile: dict[str, Any]) -> bool:
    return not item.applies_to or any(profile.get(flag) for flag in item.applies_to)


@transaction.atomic
def assessment_start(
    *,
    member: StaffMember,
    framework_id: str,
    profile: dict[str, bool] | None = None,
    product_id: int | None = None,
    reassess_months: int | None = None,
    request: HttpRequest | None = None,
) -> Assessment:
    """Start a draft: copy the last signed answers, fill what Karpear can prove, mark what the
    company's profile rules out. Only one draft per framework (and product) at a time."""
    _require_writer(member)
    org = member.organisation
    framework = get_framework(framework_id)
    if framework is None:
        raise NotFound(_("There is no such framework."))
    product = None
    if framework.per_product:
        product = Product.objects.filter(organisation=org, pk=product_id or 0).first()
        if product is None:
            raise ApplicationError(
                _("Choose the product or service this assessment is for."),
                fields={"product": [str(_("Choose a product."))]},
            )
    months = reassess_months or settings.KARPEAR_REASSESS_MONTHS
    if not 12 <= months <= 24:
        raise ApplicationError(
            _("Reassess between one and two years (12 to 24 months)."),
            fields={"reassess_months": [str(_("Between 12 and 24."))]},
        )
    clean_profile = {flag: bool((profile or {}).get(flag)) for flag in PROFILE_FLAGS}
    previous = (
        Assessment.objects.filter(
            organisation=org,
            framework_id=framework.id,
            product=product,
            status=AssessmentStatus.SIGNED,
        )
        .order_by("-signed_at")
        .first()
    )
    now = timezone.now()
    try:
        with transaction.atomic():
            assessment = Assessment.objects.create(
                organisation=org,
                framework_id=framework.id,
                framework_version=framework.version,
                framework_digest=framework.digest,
                product=product,
                profile=clean_profile,
                previous=previous,
                reassess_months=months,
                created_by=member.user,
                created_at=now,
            )
    except IntegrityError as exc:
        raise ApplicationError(
            _("There is already a draft of this assessment. Continue that one."),
            code="draft_exists",
            status=409,
        ) from exc
    copied = current_answers(previous) if previous else {}
    rows = []
    for item in framework.items.values():
        base: dict[str, Any] = {
            "assessment": assessment,
            "ref": item.ref,
            "version": 1,
            "answered_at": now,
        }
        if not applies(item, clean_profile):
            rows.append(
                Answer(
                    **base,
                    not_applicable=True,
                    reason=_profile_reason(item),
                    source=AnswerSource.PROFILE,
                )
            )
            continue
        live = live_figure(item.live, org, now) if item.live else None
        old = copied.get(item.ref)
        if live is not None and live.suggested and (old is None or old.source == AnswerSource.LIVE):
            rows.append(_live_answer(base, item, live))
        elif old is not None and old.source != AnswerSource.PROFILE:
            rows.append(
                Answer(
                    **base,
                    not_applicable=old.not_applicable,
                    value=old.value,
                    reason=old.reason,
                    note=old.note,
                    action=old.action,
                    action_owner=old.action_owner,
                    action_due=old.action_due,
                    action_done_on=old.action_done_on,
                    link=old.link,
                    source=AnswerSource.COPIED,
                    live=live.as_dict() if live else None,
                    answered_by=old.answered_by,
                )
            )
    Answer.objects.bulk_create(rows)
    _audit(
        member,
        "compliance_start",
        assessment,
        {
            "framework": framework.id,
            "version": framework.version,
            "product": product.name if product else None,
            "copied_from": previous.pk if previous else None,
        },
        request,
    )
    return assessment


def _live_answer(base: dict[str, Any], item: Item, live: Live) -> Answer:
    # A "partially" or "no" from the records still needs the officer's planned action before
    # sign-off: Karpear cannot plan the company's action for it.
    return Answer(
        **base,
        value=live.suggested,
        source=AnswerSource.LIVE,
        live=live.as_dict(),
    )


# --- evidence files ----------------------------------------------------------------------------


@transaction.atomic
def file_attach(
    *,
    member: StaffMember,
    assessment_id: int,
    ref: str,
    name: str,
    content_type: str,
    data: bytes,
    request: HttpRequest | None = None,
) -> AnswerFile:
    _require_writer(member)
    assessment = _lock_draft(member.organisation, assessment_id)
    if _framework(assessment).item(ref) is None:
        raise NotFound(_("This framework has no such item."))
    if not data:
        raise ApplicationError(_("The file is empty."), fields={"file": [str(_("Empty file."))]})
    if len(data) > MAX_FILE_BYTES:
        raise ApplicationError(_("The file is larger than 5 MB."), code="too_large", status=413)
    magic = FILE_TYPES.get(content_type)
    if magic is None or not data.startswith(magic):
        raise ApplicationError(
            _("Attach a PDF, PNG, JPEG or plain text file."),
            fields={"file": [str(_("This kind of file is not accepted."))]},
        )
    if content_type == "text/plain":
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ApplicationError(
                _("A text file must be in UTF-8."), fields={"file": [str(_("Not UTF-8."))]}
            ) from exc
    clean_name = "".join(c for c in name if c.isprintable() and c not in '/\\"')[:200] or "file"
    attached = AnswerFile.objects.create(
        assessment=assessment,
        ref=ref,
        name=clean_name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        uploaded_by=member.user,
        uploaded_at=timezone.now(),
    )
    _audit(
        member,
        "compliance_file",
        assessment,
        {"ref": ref, "sha256": attached.sha256, "size": attached.size},
        request,
    )
    return attached


def get_file(*, organisation: Organisation, file_id: int) -> AnswerFile:
    found = AnswerFile.objects.filter(assessment__organisation=organisation, pk=file_id).first()
    if found is None:
        raise NotFound(_("There is no such file."))
    return found


# --- the view of an assessment -----------------------------------------------------------------


@dataclass
class Row:
    item: Item
    answer: Answer | None
    outcome: str
    live: Live | None
    files: list[AnswerFile]


@dataclass
class Area:
    id: str
    title: str
    rows: list[Row]
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class Overview:
    assessment: Assessment
    framework: Framework
    areas: list[Area]
    counts: dict[str, int]
    minimum_total: int
    minimum_met: int
    gaps: list[Row]
    actions: list[Row]
    reassess_by: date | None

    @property
    def complete(self) -> bool:
        return self.counts.get("open", 0) == 0


def _row_live(row_answer: Answer | None, item: Item, assessment: Assessment) -> Live | None:
    if not item.live:
        return None
    if assessment.is_frozen:
        snapshot = row_answer.live if row_answer and row_answer.live else None
        frozen = (assessment.frozen or {}).get("live", {}).get(item.ref) or snapshot
        return Live.from_dict(frozen) if frozen else None
    return live_figure(item.live, assessment.organisation)


def _row(assessment: Assessment, item: Item, answer: Answer | None, files: list[AnswerFile]) -> Row:
    return Row(item, answer, outcome(item, answer), _row_live(answer, item, assessment), files)


def framework_title(assessment: Assessment) -> str:
    return str(_framework(assessment).title)


def item_row(assessment: Assessment, ref: str) -> Row:
    """One item with its answer, files and live figure (only that item's figure is read)."""
    item = _framework(assessment).item(ref)
    if item is None:
        raise NotFound(_("This framework has no such item."))
    answer = (
        assessment.answers.filter(ref=ref)
        .select_related("answered_by")
        .order_by("-version")
        .first()
    )
    files = list(assessment.files.defer("data").filter(ref=ref).order_by("uploaded_at"))
    return _row(assessment, item, answer, files)


def overview(assessment: Assessment) -> Overview:
    framework = _framework(assessment)
    answers = current_answers(assessment)
    files: dict[str, list[AnswerFile]] = {}
    for attached in assessment.files.defer("data").order_by("uploaded_at"):
        files.setdefault(attached.ref, []).append(attached)
    areas: list[Area] = []
    totals: Counter[str] = Counter()
    every: list[Row] = []
    for section in framework.sections:
        rows = [
            _row(assessment, item, answers.get(item.ref), files.get(item.ref, []))
            for item in section.items
        ]
        # Minimum expectations first (Appendix 2, note 2), then in checklist order.
        rows.sort(key=lambda r: not r.item.minimum)
        counts = Counter(r.outcome for r in rows)
        totals.update(counts)
        areas.append(Area(section.id, str(section.title), rows, {o: counts[o] for o in OUTCOMES}))
        every.extend(rows)
    minimum = [r for r in every if r.item.minimum]
    gaps = [r for r in every if r.outcome in ("partially", "no", "open")]
    gaps.sort(key=lambda r: (not r.item.minimum, OUTCOMES.index(r.outcome) * -1))
    actions = sorted(
        (r for r in every if r.answer and r.answer.action),
        key=lambda r: (r.answer.action_due or date.max) if r.answer else date.max,
    )
    return Overview(
        assessment=assessment,
        framework=framework,
        areas=areas,
        counts={o: totals[o] for o in OUTCOMES},
        minimum_total=len(minimum),
        minimum_met=sum(1 for r in minimum if r.outcome in ("yes", "na")),
        gaps=gaps,
        actions=actions,
        reassess_by=assessment.reassess_by,
    )


# --- sign-off and the package for the MPTC -----------------------------------------------------


def _answer_record(item: Item, answer: Answer, files: list[AnswerFile]) -> dict[str, Any]:
    return {
        "ref": item.ref,
        "minimum": item.minimum,
        "outcome": outcome(item, answer),
        "answer_type": item.answer,
        "not_applicable": answer.not_applicable,
        "value": answer.value,
        "reason": answer.reason,
        "note": answer.note,
        "action": answer.action,
        "action_owner": answer.action_owner,
        "action_due": answer.action_due.isoformat() if answer.action_due else None,
        "action_done_on": answer.action_done_on.isoformat() if answer.action_done_on else None,
        "link": answer.link,
        "source": answer.source,
        "version": answer.version,
        "answered_by": answer.answered_by.get_username() if answer.answered_by else None,
        "answered_at": answer.answered_at.isoformat(),
        "files": [{"name": f.name, "sha256": f.sha256, "size": f.size} for f in files],
    }


@transaction.atomic
def assessment_sign_off(
    *,
    member: StaffMember,
    assessment_id: int,
    name: str,
    title: str = "",
    request: HttpRequest | None = None,
) -> Assessment:
    """Freeze the answers and the live figures under a named person's sign-off."""
    _require_writer(member)
    assessment = _lock_draft(member.organisation, assessment_id)
    name = " ".join(name.split())
    if not name or len(name) > 200 or len(title) > 200:
        raise ApplicationError(
            _("Type your full name to sign off."),
            fields={"name": [str(_("Type your full name."))]},
        )
    view = overview(assessment)
    if not view.complete:
        missing = [r.item.ref for r in view.gaps if r.outcome == "open"]
        raise ApplicationError(
            _("Answer every item before signing off. Still open: %(refs)s")
            % {"refs": ", ".join(missing)},
            code="incomplete",
        )
    lacking = [
        r.item.ref
        for r in view.gaps
        if r.outcome in ("partially", "no")
        and not (r.answer and r.answer.action and r.answer.action_owner and r.answer.action_due)
    ]
    if lacking:
        raise ApplicationError(
            _("Give a planned action, owner and date for: %(refs)s") % {"refs": ", ".join(lacking)},
            code="incomplete",
        )
    now = timezone.now()
    records = []
    live: dict[str, Any] = {}
    for area in view.areas:
        for row in area.rows:
            assert row.answer is not None
            records.append(_answer_record(row.item, row.answer, row.files))
            if row.live is not None:
                live[row.item.ref] = row.live.as_dict()
    frozen = {"answers": records, "live": live}
    assessment.frozen = frozen
    assessment.frozen_sha256 = hashlib.sha256(signing.canonical_json(frozen)).hexdigest()
    assessment.status = AssessmentStatus.SIGNED
    assessment.signed_by = member.user
    assessment.signed_name = name
    assessment.signed_title = title.strip()
    assessment.signed_at = now
    assessment.save()
    _audit(
        member,
        "compliance_sign_off",
        assessment,
        {"name": name, "sha256": assessment.frozen_sha256},
        request,
    )
    return assessment


def signing_context(organisation: Organisation) -> str:
    """Each organisation signs its packages with its own key, derived from the deployment's."""
    return f"org:{organisation.slug}"


def package(assessment: Assessment) -> dict[str, Any]:
    """The machine-readable package for the MPTC (docs/compliance-package.schema.json)."""
    if not assessment.is_frozen or assessment.signed_at is None:
        raise ApplicationError(
            _("Only a signed-off assessment can be sent to the Ministry."), code="not_signed"
        )
    framework = _framework(assessment)
    view = overview(assessment)
    org = assessment.organisation
    frozen = assessment.frozen or {}
    return {
        "format": "karpear-compliance-package/1",
        "organisation": {"name": org.name, "name_km": org.name_km, "slug": org.slug},
        "framework": {
            "id": framework.id,
            "version": assessment.framework_version,
            "sha256": assessment.framework_digest,
            "title": framework.title.as_dict(),
        },
        "assessment": {
            "id": assessment.pk,
            "product": assessment.product.name if assessment.product else None,
            "profile": assessment.profile,
            "started_at": assessment.created_at.isoformat(),
            "signed_at": assessment.signed_at.isoformat(),
            "signed_by": {
                "name": assessment.signed_name,
                "title": assessment.signed_title,
                "username": assessment.signed_by.get_username() if assessment.signed_by else "",
            },
            "reassess_by": view.reassess_by.isoformat() if view.reassess_by else None,
            "previous": assessment.previous_id,
            "answers_sha256": assessment.frozen_sha256,
        },
        "summary": {
            **view.counts,
            "minimum_total": view.minimum_total,
            "minimum_met": view.minimum_met,
        },
        "answers": frozen.get("answers", []),
        "live_figures": frozen.get("live", {}),
    }


def package_signed(
    assessment: Assessment, *, request: HttpRequest | None = None, actor: Any = None
) -> dict[str, Any]:
    context = signing_context(assessment.organisation)
    envelope = signing.sign(package(assessment), context=context)
    envelope["public_key"] = signing.public_key_b64(context)
    audit_record(
        action="compliance_package",
        organisation=assessment.organisation,
        actor=actor,
        actor_label="" if actor else "cli",
        object_type="assessment",
        object_id=assessment.pk,
        detail={"sha256": assessment.frozen_sha256},
        request=request,
    )
    return envelope


# --- products ----------------------------------------------------------------------------------


def product_add(*, member: StaffMember, name: str, description: str = "") -> Product:
    _require_writer(member)
    name = " ".join(name.split())
    if not name or len(name) > 200 or len(description) > 500:
        raise ApplicationError(
            _("Give the product a name."), fields={"name": [str(_("Give a name."))]}
        )
    try:
        with transaction.atomic():
            product = Product.objects.create(
                organisation=member.organisation, name=name, description=description.strip()
            )
    except IntegrityError as exc:
        raise ApplicationError(
            _("A product with this name is already listed."), code="duplicate", status=409
        ) from exc
    audit_record(
        action="compliance_product",
        organisation=member.organisation,
        actor=member.user,
        object_type="product",
        object_id=product.pk,
        detail={"name": name},
    )
    return product


# --- reminders ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    kind: str  # reassess | never | action
    text: str
    due: date | None
    assessment_id: int | None = None


def reminders(organisation: Organisation, *, today: date | None = None) -> list[Reminder]:
    """Reassessments due within 30 days or late, never-done assessments, overdue actions."""
    today = today or timezone.localdate()
    found: list[Reminder] = []
    latest: dict[tuple[str, int | None], Assessment] = {}
    for assessment in Assessment.objects.filter(organisation=organisation).order_by(
        "created_at", "id"
    ):
        latest[(assessment.framework_id, assessment.product_id)] = assessment
    signed: dict[tuple[str, int | None], Assessment] = {}
    for assessment in Assessment.objects.filter(
        organisation=organisation, status=AssessmentStatus.SIGNED
    ).order_by("signed_at"):
        signed[(assessment.framework_id, assessment.product_id)] = assessment
    subjects: list[tuple[Framework, Product | None]] = []
    for framework in frameworks().values():
        if framework.per_product:
            subjects.extend(
                (framework, p) for p in Product.objects.filter(organisation=organisation)
            )
        else:
            subjects.append((framework, None))
    for framework, product in subjects:
        key = (framework.id, product.pk if product else None)
        label = f"{framework.title}" + (f": {product.name}" if product else "")
        last = signed.get(key)
        due = last.reassess_by if last else None
        if last is None or due is None:
            found.append(
                Reminder(
                    "never",
                    str(_("Never signed off: %(what)s") % {"what": label}),
                    None,
                    latest[key].pk if key in latest else None,
                )
            )
            continue
        if due <= today + timedelta(days=30):
            found.append(
                Reminder(
                    "reassess", str(_("Reassessment due: %(what)s") % {"what": label}), due, last.pk
                )
            )
    for assessment in latest.values():
        for answer in current_answers(assessment).values():
            if (
                answer.action
                and answer.action_due
                and answer.action_due < today
                and not answer.action_done_on
            ):
                found.append(
                    Reminder(
                        "action",
                        str(
                            _("Overdue action on %(ref)s: %(action)s")
                            % {"ref": answer.ref, "action": answer.action[:120]}
                        ),
                        answer.action_due,
                        assessment.pk,
                    )
                )
    found.sort(key=lambda r: r.due or date.min)
    return found


def assessment_list(organisation: Organisation) -> list[Assessment]:
    return list(
        Assessment.objects.filter(organisation=organisation).select_related("product", "signed_by")[
            :200
        ]
    )


def products(organisation: Organisation) -> list[Product]:
    return list(Product.objects.filter(organisation=organisation))


def adopted_policies(organisation: Organisation) -> dict[str, PolicyDocument]:
    latest: dict[str, PolicyDocument] = {}
    for doc in PolicyDocument.objects.filter(organisation=organisation).order_by(
        "kind", "-version"
    ):
        latest.setdefault(doc.kind, doc)
    return latest


def latest_signed_summary(organisation: Organisation, *, before: datetime) -> dict[str, Any] | None:
    """The last COP checklist signed before a moment, summarised (transparency, section 3)."""
    latest = (
        Assessment.objects.filter(
            organisation=organisation,
            framework_id="cop-checklist",
            status=AssessmentStatus.SIGNED,
            signed_at__lt=before,
        )
        .order_by("-signed_at")
        .first()
    )
    if latest is None or latest.signed_at is None:
        return None
    counts = latest.frozen_outcomes()
    minimum = [r for r in (latest.frozen or {}).get("answers", []) if r.get("minimum")]
    return {
        "framework": latest.framework_id,
        "framework_version": latest.framework_version,
        "signed_at": latest.signed_at.isoformat(),
        "signed_by": latest.signed_name,
        "outcomes": {o: counts.get(o, 0) for o in OUTCOMES},
        "minimum_total": len(minimum),
        "minimum_met": sum(1 for r in minimum if r["outcome"] in ("yes", "na")),
    }
