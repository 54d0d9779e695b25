"""The reference platform (examples/reference_platform) run for real on loopback."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from karpear.orgs.models import Organisation
from karpear.platformlink.services import link_configure

APP = Path(__file__).resolve().parents[1] / "examples" / "reference_platform" / "app.py"


@contextmanager
def serve_on_loopback(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A small HTTP server standing in for a platform or a proxy, on a free loopback port, for
    the length of the block: its base URL (`http://127.0.0.1:PORT`)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RefPlatform:
    url: str
    secret_file: Path
    db: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self, posts: int = 10, extra: list[str] | None = None) -> None:
        port = self.url.rsplit(":", 1)[1]
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(APP),
                "--port",
                port,
                "--db",
                str(self.db),
                "--secret-file",
                str(self.secret_file),
                "--posts",
                str(posts),
                *(extra or []),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # A generous bound: on a busy 2-core machine the platform (numpy, Pillow) takes ~8 s.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                self.state()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("reference platform did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()

    def state(self) -> dict[str, Any]:
        # Generous: a loaded machine can keep the platform's answer waiting for seconds, and a
        # timeout here fails the test (only start() retries).
        with urllib.request.urlopen(self.url + "/api/state", timeout=15) as response:
            return dict(json.loads(response.read()))

    def mode(self, mode: str) -> None:
        request = urllib.request.Request(
            self.url + "/_control", method="POST", data=json.dumps({"mode": mode}).encode()
        )
        urllib.request.urlopen(request, timeout=15).read()

    @property
    def webhook_url(self) -> str:
        return self.url + "/webhooks/karpear"


@pytest.fixture
def ref_platform(tmp_path: Path, acme: Organisation) -> Iterator[RefPlatform]:
    """The platform, linked to Acme (content on social.example is Acme's)."""
    platform = RefPlatform(
        url=f"http://127.0.0.1:{free_port()}",
        secret_file=tmp_path / "secret",
        db=tmp_path / "ref.sqlite3",
    )
    _link, secret = link_configure(
        organisation=acme, webhook_url=platform.webhook_url, hosted_domains=["social.example"]
    )
    platform.secret_file.write_text(secret)
    platform.start()
    yield platform
    platform.stop()
