"""The report's rules, once, for the portal's form and the in-app API (issue #24, u2).

The page form (forms.ReportForm) and the JSON API (api.create_report) refuse exactly the same
inputs with the same translated messages because both call these functions: the form from
its clean_* methods and clean(), the API directly on the values pydantic has already checked
for type and size, without building a Django form per report (a Django form deep-copies its
fields and binds each one: a tenth of a report's CPU). Guidelines 2.6: URL or link, nature of
the material, date and time, optional contact, anonymous allowed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.links.canonical import MalformedURL, canonicalize_site

MAX_LINKS = 20
MAX_LINK_LENGTH = 2048
MAX_DESCRIPTION = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd\ufeff]")
_CONTROL_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\ufffd\ufeff]")
_PHONE = re.compile(r"^\+?[0-9 ()-]{6,20}$")
UNREADABLE = _("Some letters could not be read. Please type them again.")
BAD_EMAIL = _("Please check the email address.")
# Django's own "Ensure this value has at most…" has no Khmer translation and reads like a
# rule book; this one is ours, in both languages (issue #22, item 4).
TOO_LONG = _("Please make this shorter: at most %(limit_value)d letters (now %(show_value)d).")
# The form's fields' max_length, counted as the form counts: after the surrounding blanks are
# stripped (the API counted before, refusing what the page took, in English: atk5).
MAX_LENGTHS = {
    "links": MAX_LINKS * (MAX_LINK_LENGTH + 2),
    "app_name": 100,
    "account_name": 200,
    "description": MAX_DESCRIPTION,
    "contact_name": 100,
    "contact_phone": 20,
    "contact_email": 254,
}


@dataclass(frozen=True)
class LinkData:
    url: str = ""
    normalised_url: str = ""
    app_name: str = ""
    account_name: str = ""


@dataclass(frozen=True)
class ContactData:
    name: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class ReportData:
    items: list[LinkData]
    category: str
    seen_on: date | None
    seen_at_time: time | None
    seen_approximate: bool
    description: str
    reporter_is_child: bool | None
    contact: ContactData | None
    platform_content_id: str = ""


class ReportInvalid(Exception):
    """Some answers break the rules: `fields` maps each form field to its messages."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        super().__init__(fields)
        self.fields = fields


def clean_text(value: str, *, multiline: bool = False) -> str:
    """Refuse text that is not readable: control characters or bad encoding.

    Django decodes form bodies with errors="replace", so bytes that were not
    UTF-8 arrive as U+FFFD; JSON bodies are decoded strictly by the API.
    """
    pattern = _CONTROL if multiline else _CONTROL_SINGLE_LINE
    if pattern.search(value):
        raise ValidationError(UNREADABLE, code="encoding")
    return value.strip()


def links_check(raw: str) -> list[LinkData]:
    """The links, one a line, each canonicalised; a repeated link is kept once."""
    text = clean_text(raw, multiline=True)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_LINKS:
        raise ValidationError(
            _("Please send at most %(count)d links in one report.") % {"count": MAX_LINKS},
            code="too_many",
        )
    items: list[LinkData] = []
    for line in lines:
        if len(line) > MAX_LINK_LENGTH:
            raise ValidationError(_("One of the links is too long."), code="too_long")
        try:
            canonical = canonicalize_site(line)
        except MalformedURL as exc:
            raise ValidationError(
                _("This does not look like a link: %(link)s") % {"link": line[:80]},
                code="malformed_" + exc.reason.replace(" ", "_"),
            ) from exc
        normalised = str(canonical)
        if all(item.normalised_url != normalised for item in items):
            items.append(LinkData(url=line, normalised_url=normalised))
    return items


def phone_check(value: str) -> str:
    phone = clean_text(value)
    if phone and not _PHONE.match(phone):
        raise ValidationError(_("Please check the phone number."), code="phone")
    return phone


def email_check(value: str) -> str:
    """The form's EmailField: stripped, and Django's validator with our message."""
    email = value.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ValidationError(BAD_EMAIL, code="invalid") from exc
    return email


def seen_on_check(seen_on: date | None) -> date | None:
    if seen_on is None:
        return None
    today = timezone.localdate()
    # One day of slack for a phone whose clock or time zone is off.
    if seen_on > today + timedelta(days=1):
        raise ValidationError(_("This date is in the future."), code="future")
    if seen_on < date(2000, 1, 1):
        raise ValidationError(_("Please check the year."), code="too_old")
    return seen_on


def cross_check(data: Mapping[str, Any], failed: set[str]) -> list[tuple[str, ValidationError]]:
    """The rules between answers, on the answers that passed their own (`data`; `failed`
    names those that did not): a link or an app and account, and contact details only
    when the reporter chose to be contacted, and then a phone or an email."""
    errors: list[tuple[str, ValidationError]] = []
    if (
        "links" not in failed
        and not data.get("links")
        and not (data.get("app_name") and data.get("account_name"))
    ):
        message = _(
            "Please paste the link. If there is no link, write the app name and the "
            "username or group name."
        )
        errors.append(("links", ValidationError(message, code="required")))
    has_contact = any(data.get(k) for k in ("contact_name", "contact_phone", "contact_email"))
    if data.get("contact_choice") == "contact" and not (
        data.get("contact_phone") or data.get("contact_email")
    ):
        message = _("Please write a phone number or an email, or choose to stay anonymous.")
        errors.append(("contact_phone", ValidationError(message, code="contact_required")))
    elif data.get("contact_choice") != "contact" and has_contact:
        message = _(
            "You chose to stay anonymous but wrote contact details. Please choose "
            '"Yes, you may contact me" or clear those boxes.'
        )
        errors.append(("contact_choice", ValidationError(message, code="contact_conflict")))
    return errors


def fits(name: str, value: str) -> str:
    """`value` (stripped) if within the form's max_length for `name`, else the form's error."""
    limit = MAX_LENGTHS[name]
    if len(value) > limit:
        raise ValidationError(
            TOO_LONG, code="max_length", params={"limit_value": limit, "show_value": len(value)}
        )
    return value


def _email_fits(value: str) -> str:
    """The form's EmailField: its address check, then its length, both reported."""
    email = value.strip()
    errors: list[ValidationError] = []
    for check in (email_check, lambda v: fits("contact_email", v)):
        try:
            check(email)
        except ValidationError as exc:
            errors.append(exc)
    if errors:
        raise ValidationError(errors)
    return email


def report_data_check(
    *,
    links: list[str],
    app_name: str,
    account_name: str,
    category: str,
    seen_on: date | None,
    seen_at_time: time | None,
    seen_approximate: bool,
    description: str,
    reporter_is_child: bool | None,
    contact: ContactData | None,
    platform_content_id: str = "",
) -> ReportData:
    """The API's report, by the form's rules, from values of the right types and sizes
    (pydantic's): raises ReportInvalid with the form's field names and messages.

    As the form reads them: the links one a line, the time to the minute (the form's
    HH:MM), contact details only with `contact`.
    """
    checks: list[tuple[str, Any]] = [
        ("links", lambda: links_check(fits("links", "\n".join(links).strip()))),
        ("app_name", lambda: clean_text(fits("app_name", app_name.strip()))),
        ("account_name", lambda: clean_text(fits("account_name", account_name.strip()))),
        ("seen_on", lambda: seen_on_check(seen_on)),
        (
            "description",
            lambda: clean_text(fits("description", description.strip()), multiline=True),
        ),
        # The API's own field, one line of text as the form's are (kept as sent: an ID).
        ("platform_content_id", lambda: clean_text(platform_content_id) and platform_content_id),
    ]
    if contact is not None:
        checks += [
            ("contact_name", lambda: clean_text(fits("contact_name", contact.name.strip()))),
            ("contact_phone", lambda: phone_check(fits("contact_phone", contact.phone.strip()))),
            ("contact_email", lambda: _email_fits(contact.email)),
        ]
    data: dict[str, Any] = {"contact_choice": "contact" if contact is not None else "anonymous"}
    errors: dict[str, list[str]] = {}
    for name, check in checks:
        try:
            data[name] = check()
        except ValidationError as exc:
            errors.setdefault(name, []).extend(exc.messages)
    for name, error in cross_check(data, set(errors)):
        errors.setdefault(name, []).extend(error.messages)
    if errors:
        raise ReportInvalid(errors)
    items = data["links"] or [
        LinkData(app_name=data["app_name"], account_name=data["account_name"])
    ]
    return ReportData(
        items=items,
        category=category,
        seen_on=data["seen_on"],
        seen_at_time=None if seen_at_time is None else time(seen_at_time.hour, seen_at_time.minute),
        seen_approximate=seen_approximate,
        description=data["description"],
        reporter_is_child=reporter_is_child,
        contact=None
        if contact is None
        else ContactData(
            name=data["contact_name"], phone=data["contact_phone"], email=data["contact_email"]
        ),
        platform_content_id=data["platform_content_id"],
    )
