"""Report references never reach the access log (issue #15, item 16).

A real gunicorn, started as `make run` starts it, with its access log in a
file; the status page and GET /api/v1/reports/{reference} are requested.
"""

from __future__ import annotations

import contextlib
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from karpear.core.logging import redact
from tests.platform_fixture import free_port
from tests.servers import BIN, fresh_environment

REFERENCE = "K7QM-2XPD-9RTV"


@pytest.mark.parametrize(
    "line",
    [
        f'"GET /api/v1/reports/{REFERENCE}" 404',
        '"GET /api/v1/reports/not-even-a-reference" 404',
        f'"GET /en/status/?reference={REFERENCE.lower()}" 200',
        f'"GET /status/{REFERENCE}/" 404',
    ],
)
def test_redact_masks_references_in_request_lines(line: str) -> None:
    masked = redact(line)
    assert REFERENCE not in masked.upper() and "not-even" not in masked
    assert "[reference]" in masked


def _get(url: str) -> None:
    with contextlib.suppress(urllib.error.HTTPError):  # 404s are fine: only the log matters
        urllib.request.urlopen(url, timeout=5).read()


@pytest.mark.slow
def test_gunicorns_access_log_carries_no_reference(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    with fresh_environment(tmp_path) as env:
        port = free_port()
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "karpear.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--access-logfile",
                str(log),
                "--logger-class",
                "karpear.core.accesslog.RedactingAccessLogger",
                "--access-logformat",
                '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(L)ss "%(r)s" "%(q)s"',
            ],
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            _get(f"{base}/api/v1/reports/{REFERENCE}")
            _get(f"{base}/en/status/?reference={REFERENCE}")
            _get(f"{base}/status/{REFERENCE}/")
            time.sleep(0.5)  # let the access lines reach the file
        finally:
            server.terminate()
            server.wait(timeout=10)
    text = log.read_text()
    assert "/api/v1/reports/[reference]" in text
    assert REFERENCE not in text
