"""Gunicorn access lines without report references or secrets (issue #15, item 16).

Kept apart from core/logging.py so that Django's logging set-up never
imports gunicorn (the worker and the commands do not run under it).
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger as GunicornLogger

from karpear.core.logging import redact

# Access-log atoms that carry the request's path, query string or referrer.
_URL_ATOMS = ("r", "U", "q", "f")


class RedactingAccessLogger(GunicornLogger):  # type: ignore[misc]
    """Gunicorn's logger with report references and secrets masked in access lines.

    `make run` and deployments pass `--logger-class
    karpear.core.accesslog.RedactingAccessLogger`; the status page and
    GET /api/v1/reports/{reference} put a reference in the path, and an access
    log is kept longer and read by more people than the database.
    """

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for name in _URL_ATOMS:
            if isinstance(atoms.get(name), str):
                atoms[name] = redact(atoms[name])
        return atoms
