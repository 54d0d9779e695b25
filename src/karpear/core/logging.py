"""Keep secrets and personal data out of logs.

Bearer tokens, report references and e-mail addresses or phone numbers that
slip into a log message are masked before any handler sees them.
"""

from __future__ import annotations

import logging
import re

_PATTERNS = [
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1[redacted]"),
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
