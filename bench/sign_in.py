"""Concurrent wrong guesses against real gunicorn workers (issue #15, item 12).

One staff account on a fresh PostgreSQL database, gunicorn with 4 workers
behind one trusted proxy hop. 100 wrong guesses for that username, each from
its own address (X-Forwarded-For) and its own browser session (CSRF cookie
and token), are released together. Counts how many reached the password check
(answer 403) and how many were paused before it (429). Then, one at a time,
the latency of a paused attempt and of a checked one (an unknown username:
Argon2 still runs): pausing must cost far less than checking, so guessing at a
paused username is not a way to load the server.
"""

from __future__ import annotations

import http.cookiejar
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BIN, server

GUESSES = 100
LIMIT = 5
SEQUENTIAL = 20
CREATE = (
    "from karpear.orgs.models import Organisation\n"
    "from karpear.staff.models import Role\n"
    "from karpear.staff.services import staff_create\n"
    "staff_create(organisation=Organisation.objects.get(slug='bench'), username='dara',\n"
    "             password='bench-password-1234', role=Role.ANALYST)\n"
)


def _session(url: str, address: str) -> tuple[urllib.request.OpenerDirector, str]:
    """A browser at `address` that has loaded the sign-in page (CSRF cookie and token)."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    opener.addheaders = [("X-Forwarded-For", address)]
    page = opener.open(url + "/en/desk/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    return opener, token.group(1)


def _guess(
    opener: urllib.request.OpenerDirector, token: str, url: str, i: int, username: str = "dara"
) -> tuple[int, float]:
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": f"guess {i}"}
    ).encode()
    start = time.perf_counter()
    try:
        status = opener.open(url + "/en/desk/login/", body, timeout=60).status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return status, (time.perf_counter() - start) * 1000


def main() -> None:
    env_extra = {"KARPEAR_TRUSTED_PROXIES": "1", "KARPEAR_SIGNIN_ACCOUNT_FAILURES": str(LIMIT)}
    with server(4, env_extra) as (url, env):
        subprocess.run(
            [BIN / "karpear", "shell", "-c", CREATE], env=env, check=True, capture_output=True
        )
        sessions = [_session(url, f"198.51.{i // 250}.{i % 250 + 1}") for i in range(GUESSES)]
        barrier = threading.Barrier(GUESSES)
        results: list[tuple[int, float]] = []
        lock = threading.Lock()

        def run(i: int) -> None:
            opener, token = sessions[i]
            barrier.wait()
            outcome = _guess(opener, token, url, i)
            with lock:
                results.append(outcome)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(GUESSES)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        one = [_session(url, f"203.0.113.{i + 1}") for i in range(2 * SEQUENTIAL)]
        paused_ms = [_guess(*one[i], url, i)[1] for i in range(SEQUENTIAL)]
        checked_ms = [
            _guess(*one[SEQUENTIAL + i], url, i, username=f"nobody{i}")[1]
            for i in range(SEQUENTIAL)
        ]
    statuses = [status for status, _ in results]
    checked, paused = statuses.count(403), statuses.count(429)
    print(f"sign-in: {GUESSES} concurrent wrong guesses, one username, 4 workers, PostgreSQL")
    print(
        f"  password checks: {checked} (budget {LIMIT}); paused: {paused}; "
        f"other: {len(statuses) - checked - paused}"
    )
    print(f"  one at a time, p50 of {SEQUENTIAL}:")
    print(f"    paused attempt             {statistics.median(paused_ms):7.1f} ms")
    print(f"    checked attempt (Argon2)   {statistics.median(checked_ms):7.1f} ms")


if __name__ == "__main__":
    main()
