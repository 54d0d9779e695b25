"""Keep secrets and personal data out of logs.

Bearer tokens, report references and e-mail addresses or phone numbers that
slip into a log message are masked before any handler sees them.
"""

from __future__ import annotations

import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

_PATTERNS = [
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1[redacted]"),
    # An API key's token wherever else it turns up (a message, a header without "Bearer"):
    # kp_<scope>_<prefix>_<secret>; the scope and prefix are kept, they name the key only.
    (re.compile(r"\b(kp_[a-z]+_[0-9a-f]+_)[A-Za-z0-9_-]+"), r"\1[redacted]"),
    (re.compile(r"(?i)(token|secret|password|key)=([^&\s]+)"), r"\1=[redacted]"),
    # A report reference is the reporter's only credential: whatever a client
    # put in the path or query where one belongs, it never reaches a log.
    (re.compile(r"(/api/v1/reports/)[^/?#\s\"]+"), r"\1[reference]"),
    (re.compile(r"(/status/)[^/?#\s\"]+"), r"\1[reference]"),
    # A staff member's personal acknowledgement link (issue #21) is a credential too.
    (re.compile(r"(/safeguarding/ack/)[^/?#\s\"]+"), r"\1[token]"),
    (re.compile(r"(?i)\b(reference|ref)=([^&\s\"]+)"), r"\1=[reference]"),
    (re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"), "[email]"),
    (
        re.compile(r"(?<![\w-])[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}"),
        "[reference]",
    ),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        return True


# Structured logs (issue #23, item 3). The request being served, set by
# monitoring.requests.RequestMetricsMiddleware, so every line logged while serving it carries
# its id and organisation, whichever logger wrote it.
current_request: ContextVar[Any] = ContextVar("karpear_current_request", default=None)
current_request_id: ContextVar[str] = ContextVar("karpear_current_request_id", default="")


def _organisation_of(request: Any) -> str:
    """The organisation a request is for, if something already resolved it (never a query)."""
    if request is None:
        return ""
    org = getattr(request, "_karpear_org", None)  # orgs.services.current_organisation's cache
    if org is not None:
        return str(org.slug)
    for holder_name in ("staff", "api_key"):  # set by desk_view and the API key check
        holder = getattr(request, holder_name, None)
        if holder is None:
            continue
        cached = holder._state.fields_cache.get("organisation")
        return str(cached.slug) if cached is not None else str(holder.organisation_id)
    return ""


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id, organisation.

    Only these fixed fields are written, never the record's arguments or extras, and the
    message and any exception text pass through `redact` (the filter runs on handlers, so
    records from any logger arrive here already redacted, but a formatter may be used alone).
    """

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        request_id = current_request_id.get()
        if request_id:
            line["request_id"] = request_id
            organisation = _organisation_of(current_request.get())
            if organisation:
                line["organisation"] = organisation
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


class PlainFormatter(logging.Formatter):
    """The plain format, with the request id when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        request_id = current_request_id.get()
        return f"[{request_id}] {text}" if request_id else text
