"""Kill the server and the worker mid-notice: every acknowledged notice is acted on once.

Issue #4, item 12. Issuers stream takedown notices at a real gunicorn while
the server and the worker are each killed with SIGKILL at random moments and
restarted. Afterwards, from the reference platform's point of view, every
acknowledged notice's post is hidden and preserved, and every webhook was
applied exactly once (the platform counts distinct webhook-ids).
"""

from __future__ import annotations

import itertools
import json
import random
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.platform_fixture import RefPlatform, free_port
from tests.servers import Server, Worker, fresh_environment, karpear

pytestmark = pytest.mark.slow
POSTS = 2000


def _issuer(  # noqa: PLR0917 - a thread target
    server: Server,
    token: str,
    numbers: itertools.count[int],
    stop: threading.Event,
    acked: set[int],
    lock: threading.Lock,
) -> None:
    while not stop.is_set():
        n = next(numbers)
        if n > POSTS:
            return
        body = json.dumps(
            {
                "issuer_reference": f"ACU-{n}",
                "legal_basis": "Order 41",
                "items": [{"platform_content_id": f"post:{n}"}],
            }
        ).encode()
        request = urllib.request.Request(
            f"{server.url}/api/v1/notices",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )
        for _attempt in range(50):  # an issuer retries the same reference until acknowledged
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    if response.status in (200, 201):
                        with lock:
                            acked.add(n)
                        break
            except (OSError, urllib.error.HTTPError):
                time.sleep(0.05)


def test_acknowledged_notices_are_applied_exactly_once(tmp_path: Path) -> None:
    with fresh_environment(tmp_path) as env:
        platform = RefPlatform(
            url=f"http://127.0.0.1:{free_port()}",
            secret_file=tmp_path / "platform.secret",
            db=tmp_path / "platform.sqlite3",
        )
        secret = karpear(
            env,
            "platform",
            "configure",
            "--url",
            platform.webhook_url,
            "--hosted",
            "social.example",
        ).strip()
        platform.secret_file.write_text(secret)
        platform.start(posts=POSTS)
        token = karpear(
            env, "apikey", "create", "--scope", "issuer", "--name", "Anti-Cybercrime Unit"
        ).strip()
        server, worker = Server(env), Worker(env)
        server.start()
        worker.start()
        acked: set[int] = set()
        lock = threading.Lock()
        stop = threading.Event()
        numbers = itertools.count(1)
        issuers = [
            threading.Thread(target=_issuer, args=(server, token, numbers, stop, acked, lock))
            for _ in range(2)
        ]
        for thread in issuers:
            thread.start()
        rng = random.Random(4)
        try:
            for round_ in range(8):
                time.sleep(rng.uniform(0.3, 1.0))
                victim = server if round_ % 2 == 0 else worker
                victim.kill()
                victim.start()
        finally:
            stop.set()
            for thread in issuers:
                thread.join()
            server.kill()

        assert len(acked) > 30, len(acked)
        expected_events = 2 * len(acked)  # isolate + preserve per acknowledged notice
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and platform.state()["applied"] < expected_events:
            time.sleep(0.2)
        worker.kill()
        state = platform.state()
        platform.stop()

        for n in acked:
            post = state["posts"][f"post:{n}"]
            assert post["state"] == "hidden", n
            assert post["preserved"] == 1, n  # preserved once, never twice
        events = int(
            karpear(
                env,
                "shell",
                "-v0",
                "-c",
                "from karpear.platformlink.models import WebhookEvent as E; "
                "print(E.objects.count())",
            ).strip()
        )
        assert state["applied"] == events == expected_events
