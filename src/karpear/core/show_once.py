"""A secret the desk shows once, after the POST that made it (an inbox key, a company's
submission key): POST-redirect-GET, so a reload of the answer issues nothing more.

The secret is held in the server-side session (core/sessions.py) only until the page about
the same object is shown, never in a URL (which access logs and browser history keep) or a
log; a page about another object leaves it where it is. It is held encrypted with the field
keys (core/crypto.py): Django signs session data but does not encrypt it, and a keeper whose
browser never followed the redirect left a live key readable in any copy of the database
(docs/operations.md, "What a copy reveals": API keys are stored hashed)."""

from __future__ import annotations

from collections.abc import Collection

from django.http import HttpRequest

from karpear.core.crypto import DecryptionError, decrypt_text, encrypt_text


def hold_once(request: HttpRequest, name: str, *, about: int, secret: str) -> None:
    """Keep `secret` (made for the object `about`) for one display."""
    request.session[name] = {"about": about, "sealed": encrypt_text(secret)}


def take_once(request: HttpRequest, name: str, *, shown: Collection[int]) -> tuple[int, str] | None:
    """The secret held under `name`, taken out of the session, if the page shows its object
    (`shown`: the pks this page is about); else None, and it stays held."""
    held = request.session.get(name)
    if not isinstance(held, dict) or held.get("about") not in shown:
        return None
    del request.session[name]
    try:
        return int(held["about"]), decrypt_text(str(held.get("sealed", "")))
    except DecryptionError:  # (sealed under a field key retired since: issue a new one)
        return None
