"""Answers and their evidence files: each save is a new version of the item's answer.

Appendix 2, notes 2 and 3: a "partially" or "no" needs a planned action, owner and date; N/A
needs a reason.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.compliance.common import (
    COP_CHOICES,
    FILE_TYPES,
    MAX_FILE_BYTES,
    MAX_TEXT,
    audit_assessment,
    framework_of,
    lock_draft,
    outcome,
    require_writer,
)
from karpear.compliance.frameworks import AGE_BANDS, Item
from karpear.compliance.live import live_figure
from karpear.compliance.models import Answer, AnswerFile, AnswerSource, Assessment
from karpear.core.dates import parse_day
from karpear.core.errors import ApplicationError, NotFound
from karpear.orgs.models import Organisation
from karpear.staff.models import StaffMember

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


@transaction.atomic
def answer_save(
    *,
    member: StaffMember,
    assessment_id: int,
    ref: str,
    data: AnswerInput,
    request: HttpRequest | None = None,
) -> Answer:
    require_writer(member)
    assessment = lock_draft(member.organisation, assessment_id)
    item = framework_of(assessment).item(ref)
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
    audit_assessment(
        member,
        "compliance_answer",
        assessment,
        {"ref": ref, "version": answer.version, "outcome": outcome(item, answer)},
        request,
    )
    return answer


def answer_history(assessment: Assessment, ref: str) -> list[Answer]:
    return list(assessment.answers.filter(ref=ref).select_related("answered_by"))


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
    require_writer(member)
    assessment = lock_draft(member.organisation, assessment_id)
    if framework_of(assessment).item(ref) is None:
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
    audit_assessment(
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
