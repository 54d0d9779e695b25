"""Two app servers and two workers on one database and one object store (issue #23, item 5).

Two separate gunicorn instances (as on two hosts) take reports and takedown notices, each
request sent to one and retried at the other, while one of the two workers is killed with
SIGKILL mid-stream. Preservation uploads go to an S3-compatible store (moto's server). Then:
the reference platform applied every webhook exactly once, every notice's post is hidden and
preserved once, a retried report or notice made no second case, and no job ran twice (one
vault object per preserved post, one event per action).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.platform_fixture import RefPlatform, free_port
from tests.servers import Server, Worker, fresh_environment, karpear

pytestmark = pytest.mark.slow
POSTS = 400
BUCKET = "karpear-two-hosts"


@pytest.fixture
def object_store() -> Iterator[tuple[str, Any]]:
    import boto3
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    yield endpoint, client
    server.stop()


def _post(url: str, body: dict[str, Any], headers: dict[str, str]) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return 0


def _stream(  # noqa: PLR0917 - a thread target
    servers: list[Server],
    token: str,
    numbers: itertools.count[int],
    stop: threading.Event,
    acked: set[int],
    lock: threading.Lock,
) -> None:
    """Notices for posts 1, 2, … and a report about post N+200, each sent to both hosts."""
    while not stop.is_set():
        n = next(numbers)
        if n > POSTS // 2:
            return
        first, second = (servers[0], servers[1]) if n % 2 else (servers[1], servers[0])
        notice = {
            "issuer_reference": f"ACU-{n}",
            "legal_basis": "Order 41",
            "items": [{"platform_content_id": f"post:{n}"}],
        }
        auth = {"Authorization": f"Bearer {token}"}
        statuses = [_post(f"{s.url}/api/v1/notices", notice, auth) for s in (first, second)]
        report = {
            "links": [f"https://social.example/p/{n + POSTS // 2}"],
            "category": "grooming",
            "seen_on": "2026-11-20",
        }
        key = {"Idempotency-Key": f"report-{n}"}
        reported = [_post(f"{s.url}/api/v1/reports", report, key) for s in (first, second)]
        if all(s in (200, 201) for s in statuses + reported):
            with lock:
                acked.add(n)


def test_two_hosts_deliver_exactly_once_while_a_worker_dies(
    tmp_path: Path, object_store: tuple[str, Any]
) -> None:
    endpoint, s3 = object_store
    with fresh_environment(tmp_path) as env:
        env.update(
            KARPEAR_EVIDENCE_BACKEND="s3",
            KARPEAR_EVIDENCE_S3_ENDPOINT=endpoint,
            KARPEAR_EVIDENCE_S3_BUCKET=BUCKET,
            KARPEAR_EVIDENCE_S3_ACCESS_KEY="test",
            KARPEAR_EVIDENCE_S3_SECRET_KEY="test",
        )
        platform = RefPlatform(
            url=f"http://127.0.0.1:{free_port()}",
            secret_file=tmp_path / "platform.secret",
            db=tmp_path / "platform.sqlite3",
        )
        # One process for the set-up (each `karpear` start costs seconds on a busy machine).
        setup = karpear(
            env,
            "shell",
            "-v0",
            "-c",
            "import json\n"
            "from karpear.apikeys.models import Scope\n"
            "from karpear.apikeys.services import apikey_create\n"
            "from karpear.orgs.models import Organisation\n"
            "from karpear.platformlink.services import link_configure\n"
            "org = Organisation.objects.get(slug='crash')\n"
            f"_, secret = link_configure(organisation=org, webhook_url='{platform.webhook_url}',"
            " hosted_domains=['social.example'])\n"
            "_, issuer = apikey_create(organisation=org, scope=Scope.ISSUER,"
            " name='Anti-Cybercrime Unit')\n"
            "_, own = apikey_create(organisation=org, scope=Scope.PLATFORM, name='Platform')\n"
            "print(json.dumps([secret, issuer, own]))",
        )
        secret, issuer, own_key = json.loads(setup.strip().splitlines()[-1])
        platform.secret_file.write_text(secret)
        platform_key = tmp_path / "platform.key"
        platform_key.write_text(own_key)
        hosts = [Server(env), Server(env)]
        workers = [Worker(env), Worker(env)]
        for worker in workers:
            worker.start()
        booting = [threading.Thread(target=host.start) for host in hosts]  # start side by side
        for thread in booting:
            thread.start()
        platform.start(
            posts=POSTS,
            extra=["--karpear-url", hosts[1].url, "--karpear-key-file", str(platform_key)],
        )
        for thread in booting:
            thread.join()
        for host in hosts:  # each answered /healthz (Server.start raises otherwise)
            assert host.proc is not None and host.proc.poll() is None
        acked: set[int] = set()
        lock = threading.Lock()
        stop = threading.Event()
        numbers = itertools.count(1)
        streams = [
            threading.Thread(target=_stream, args=(hosts, issuer, numbers, stop, acked, lock))
            for _ in range(2)
        ]
        for thread in streams:
            thread.start()
        try:
            time.sleep(2.0)
            workers[0].kill()  # SIGKILL mid-stream, never restarted: the other carries on
            time.sleep(3.0)
        finally:
            stop.set()
            for thread in streams:
                thread.join()
        assert len(acked) >= 10, len(acked)
        expected = 2 * len(acked)  # isolate + preserve per notice; reports send none
        # A worker killed after the platform applied an event but before recording it leaves
        # the event claimed: the other worker sends it again once its lock ends (same
        # webhook-id, applied once). Wait for the platform, then for the database.
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and platform.state()["applied"] < expected:
            time.sleep(0.2)
        while True:
            facts = json.loads(
                karpear(
                    env,
                    "shell",
                    "-v0",
                    "-c",
                    "import json\n"
                    "from karpear.cases.models import Case\n"
                    "from karpear.evidence.models import EvidenceItem\n"
                    "from karpear.notices.models import Notice\n"
                    "from karpear.platformlink.models import WebhookEvent\n"
                    "from karpear.reports.models import Report\n"
                    "print(json.dumps({'events': WebhookEvent.objects.count(),"
                    " 'pending': WebhookEvent.objects.exclude(status='delivered').count(),"
                    " 'cases': Case.objects.count(), 'notices': Notice.objects.count(),"
                    " 'reports': Report.objects.count(),"
                    " 'items': EvidenceItem.objects.count()}))",
                ).strip()
            )
            if facts["pending"] == 0 or time.monotonic() > deadline:
                break
            time.sleep(1.0)
        state = platform.state()
        for process in [*workers, *hosts]:
            process.kill()
        platform.stop()

    for n in acked:
        assert state["posts"][f"post:{n}"]["state"] == "hidden", n
        assert state["posts"][f"post:{n}"]["preserved"] == 1, n  # preserved once, never twice
    assert facts["pending"] == 0, (facts, len(acked))
    # each event applied once
    assert state["applied"] == facts["events"] == expected, (state["applied"], facts, expected)
    # A retried notice or report never made a second one (the last of each may be unacked).
    assert len(acked) <= facts["notices"] <= len(acked) + 2
    assert len(acked) <= facts["reports"] <= len(acked) + 2
    assert facts["cases"] == facts["notices"] + facts["reports"]  # one case per post
    stored = s3.list_objects_v2(Bucket=BUCKET).get("KeyCount", 0)
    assert facts["items"] == stored == len(acked), (facts, stored)  # one upload per post
