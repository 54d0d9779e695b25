"""Sign-in throttling that strangers cannot turn into a lockout (OWASP "device cookies").

A failed sign-in (wrong password or wrong code) costs a budget:

1. From a phone or computer that completed sign-in for this username before
   (it carries a signed device cookie set at that sign-in), it costs only that
   device's own budget. Strangers guessing elsewhere never touch it, so the
   member can always sign in from their usual device.
2. From anywhere else it costs both the client address's budget (keyed hash of
   the address, core/clients.py) and the username's budget for unknown devices.
   The username's budget is kept for any typed username, existing or not, so
   being throttled says nothing about which usernames exist.

A spent budget refuses further tries for a pause that doubles each time the
budget is spent again (capped), instead of a hard lock an administrator must
lift. Successful steps give their try back, so only failures count.

Atomicity: a try is taken *before* the password or code is checked, by one
`INSERT … ON CONFLICT DO UPDATE … RETURNING` that returns the new count; the
check runs only when that count is within the budget. So N concurrent wrong
guesses run the password hasher at most `limit` times, on SQLite and
PostgreSQL alike, across any number of server processes.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import connection
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from karpear.core.clients import client_key
from karpear.staff.models import SignInThrottle

DEVICE_COOKIE = "karpear_device"
_DEVICE_SALT = "karpear.staff.throttle.device"
_MAX_STRIKES = 16


@dataclass(frozen=True)
class Budget:
    """One budget a sign-in attempt spends: "device", "client" or "account"."""

    scope: str
    key: str
    limit: int


@dataclass(frozen=True)
class Refusal:
    """A spent budget: which one, and in how many seconds it may be tried again."""

    scope: str
    retry_after: int


def _now() -> int:
    return int(timezone.now().timestamp())


def _key(scope: str, value: str) -> str:
    """Keyed hash, so the table holds neither typed usernames nor addresses."""
    digest = hmac.new(
        settings.KARPEAR_CLIENT_HASH_KEY.encode("utf-8"),
        f"sign_in|{scope}|{value}".encode(),
        hashlib.sha256,
    )
    return digest.hexdigest()


def trusted_device(request: HttpRequest, username: str) -> str | None:
    """The nonce of a valid device cookie issued to `username`, else None."""
    raw = request.COOKIES.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        data = signing.loads(
            raw, salt=_DEVICE_SALT, max_age=settings.KARPEAR_SIGNIN_DEVICE_DAYS * 86400
        )
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("u") != username.casefold():
        return None
    nonce = data.get("n")
    return nonce if isinstance(nonce, str) and nonce else None


def remember_device(response: HttpResponse, *, username: str) -> None:
    """Set the device cookie after a completed sign-in (a new nonce each time)."""
    value = signing.dumps({"u": username.casefold(), "n": secrets.token_hex(16)}, salt=_DEVICE_SALT)
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=settings.KARPEAR_SIGNIN_DEVICE_DAYS * 86400,
        path="/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def budgets_for(request: HttpRequest, username: str) -> list[Budget]:
    """The budgets a sign-in attempt for `username` from this request spends."""
    nonce = trusted_device(request, username)
    if nonce is not None:
        device = settings.KARPEAR_SIGNIN_DEVICE_FAILURES
        return [Budget("device", _key("device", nonce), device)]
    client, account = (
        settings.KARPEAR_SIGNIN_CLIENT_FAILURES,
        settings.KARPEAR_SIGNIN_ACCOUNT_FAILURES,
    )
    return [
        Budget("client", _key("client", client_key(request)), client),
        # casefold: "Dara" and "dara" share one budget, so case games buy no tries.
        Budget("account", _key("account", username.casefold()), account),
    ]


def _take(budget: Budget) -> Refusal | None:
    """Take one try from `budget` atomically; a Refusal when it is spent.

    The (limit + 1)-th try of a window is seen by exactly one caller, which
    stretches the window into a pause of window * 2**strikes (capped).
    """
    now = _now()
    window = settings.KARPEAR_SIGNIN_WINDOW_SECONDS
    cap = settings.KARPEAR_SIGNIN_PAUSE_CAP_SECONDS
    qn = connection.ops.quote_name
    table, key = qn(SignInThrottle._meta.db_table), qn("key")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key}, tries, window_ends, strikes) "  # noqa: S608
            f"VALUES (%s, 1, %s, 0) ON CONFLICT ({key}) DO UPDATE SET "
            f"tries = CASE WHEN {table}.window_ends <= %s THEN 1 ELSE {table}.tries + 1 END, "
            f"window_ends = CASE WHEN {table}.window_ends <= %s THEN %s "
            f"ELSE {table}.window_ends END, "
            # Quiet for a whole cap after the last window: the back-off starts over.
            f"strikes = CASE WHEN {table}.window_ends + %s <= %s THEN 0 ELSE {table}.strikes END "
            "RETURNING tries, window_ends, strikes",
            [budget.key, now + window, now, now, now + window, cap, now],
        )
        row = cursor.fetchone()
    if random.random() < 0.01:  # noqa: S311 - housekeeping, not security
        SignInThrottle.objects.filter(window_ends__lt=now - cap).delete()
    tries, window_ends, strikes = (int(v) for v in row) if row else (1, now + window, 0)
    if tries <= budget.limit:
        return None
    if tries == budget.limit + 1:
        pause = min(window * 2 ** min(strikes, _MAX_STRIKES), cap)
        SignInThrottle.objects.filter(key=budget.key).update(
            window_ends=now + pause, strikes=min(strikes + 1, _MAX_STRIKES)
        )
        return Refusal(budget.scope, pause)
    return Refusal(budget.scope, max(window_ends - now, 1))


def spend(budgets: list[Budget]) -> Refusal | None:
    """Take one try from each budget in turn; stop at the first that is spent.

    A client over its budget therefore costs the account nothing more.
    """
    for budget in budgets:
        refusal = _take(budget)
        if refusal is not None:
            return refusal
    return None


def give_back(budgets: list[Budget]) -> None:
    """Return the try of a step that succeeded, so only failures count.

    Not once the budget is spent: the pause already began and stays.
    """
    for budget in budgets:
        SignInThrottle.objects.filter(key=budget.key, tries__gt=0, tries__lte=budget.limit).update(
            tries=F("tries") - 1
        )


def account_release(username: str) -> int:
    """End an account's pause early (an administrator's "unlock" on the desk): its budget row
    goes; client and device budgets stay, so a guessing client stays slowed."""
    from karpear.staff.models import SignInThrottle

    deleted, _rows = SignInThrottle.objects.filter(
        key=_key("account", username.casefold())
    ).delete()
    return deleted
