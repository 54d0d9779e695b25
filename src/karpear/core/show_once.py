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
    """Keep `secret` (made for the object `about`) for one display. Held per object: a key
    issued in a second tab before the first tab's page was shown no longer replaces the
    first one, which nobody would then ever see (attack atk4)."""
    held = request.session.get(name)
    held = dict(held) if isinstance(held, dict) and "about" not in held else {}
    held[str(about)] = encrypt_text(secret)
    request.session[name] = held


def take_once(request: HttpRequest, name: str, *, shown: Collection[int]) -> tuple[int, str] | None:
    """A secret held under `name` for one of the objects this page shows (`shown`: their
    pks), taken out of the session; else None. Secrets of other objects stay held."""
    held = request.session.get(name)
    if not isinstance(held, dict):
        return None
    for about in shown:
        sealed = held.get(str(about))
        if sealed is None:
            continue
        rest = {k: v for k, v in held.items() if k != str(about)}
        if rest:
            request.session[name] = rest
        else:
            del request.session[name]
        try:
            return about, decrypt_text(str(sealed))
        except DecryptionError:  # (sealed under a field key retired since: issue a new one)
            return None
    return None
