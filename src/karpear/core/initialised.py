"""Refuse to work on a database nobody initialised (issue #23, item 8).

SQLite creates an empty file on first connection, so a command pointed at the wrong place
used to run against a new, empty database and report nothing wrong. Commands (cli.py) and the
WSGI application check first and say where they looked.
"""

from __future__ import annotations

from django.conf import settings
from django.db import DatabaseError, connection

# Commands that work without an initialised database (or create it).
NO_DATABASE_NEEDED = frozenset(
    {
        "migrate",
        "makemigrations",
        "showmigrations",
        "sqlmigrate",
        "check",
        "compilemessages",
        "makemessages",
        "collectstatic",
        "help",
        "version",
        "test",
        "dbshell",
        "diffsettings",
        "totp-code",
        "restore",
    }
)


def database_initialised() -> bool:
    """True when the database has Django's migration table (one catalogue query)."""
    try:
        with connection.cursor() as cursor:
            return "django_migrations" in connection.introspection.table_names(cursor)
    except DatabaseError:
        return False


def where() -> str:
    """The database in words, without a password."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"SQLite file {db['NAME']}"
    return f"PostgreSQL database {db.get('NAME')} on {db.get('HOST') or 'localhost'}"


def not_initialised_message() -> str:
    return (
        f"No initialised Karpear database at {where()} (data directory {settings.DATA_DIR}). "
        "Run `karpear migrate` to create one, or set KARPEAR_DATA_DIR / DATABASE_URL to the "
        "existing one."
    )
