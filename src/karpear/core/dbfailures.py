"""Database failures that are not the client's fault, told apart from bugs.

A full disk is an outage, not a bug: the request should be retried later, so
it is answered 503 with Retry-After (never a bare 500), and /healthz says that
writes fail. Values the database cannot hold (an integer beyond 64 bits, a
NUL that slipped past the input guard) are the client's input: 400.
"""

from __future__ import annotations

from django.db import DatabaseError, DataError

# PostgreSQL SQLSTATE 53100 disk_full; SQLite SQLITE_FULL's message; the
# operating system's ENOSPC text that either may pass on.
_DISK_FULL_SQLSTATE = "53100"
_DISK_FULL_TEXT = ("database or disk is full", "could not extend file", "no space left on device")
RETRY_AFTER_SECONDS = 60


def is_disk_full(exc: BaseException) -> bool:
    """True when `exc` (or what caused it) says the database has no room to write."""
    seen: BaseException | None = exc
    for _depth in range(8):  # a cause chain may loop; a few links are enough
        if seen is None:
            break
        if getattr(seen, "sqlstate", None) == _DISK_FULL_SQLSTATE:
            return True
        if isinstance(seen, DatabaseError | OSError) and any(
            text in str(seen).lower() for text in _DISK_FULL_TEXT
        ):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def is_bad_value(exc: BaseException) -> bool:
    """True for a value the database cannot store or compare: the client's input."""
    if isinstance(exc, OverflowError):  # SQLite: int too large to convert to INTEGER
        return True
    if isinstance(exc, DataError) and not is_disk_full(exc):
        return True
    return isinstance(exc, ValueError) and "NUL (0x00)" in str(exc)  # psycopg's refusal
