"""CSV cells that a spreadsheet shows as text, never runs as a formula (OWASP CSV injection).

Exports the desk hands to people (the audit log) carry text typed by others: usernames
typed at sign-in, names chosen by an administrator. A cell starting with = + - @ or a
tab/carriage return is prefixed with an apostrophe, the OWASP recommendation.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """The value itself, or text starting with ' if a spreadsheet would evaluate it."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
