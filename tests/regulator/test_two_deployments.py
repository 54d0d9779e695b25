"""Done when (issue #20), between two separate deployments over HTTP: the company's Karpear and
the regulator's, each a gunicorn server with its own database and data directory. The officer
signs in to the company's desk, sends the package and the transparency report from the
Compliance page; the regulator verifies and stores it; the reviewer asks for information; the
company fetches the request and answers with a file; the regulator has the answer."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from django_otp.oath import totp

from tests.servers import ROOT, Server, _psql, karpear

pytestmark = pytest.mark.slow
SCRIPTS = Path(__file__).with_name("scripts")


def _run(env: dict[str, str], script: str, **extra: str) -> dict[str, Any]:
    out = karpear(
        {**env, **extra, "PYTHONPATH": f"{env.get('PYTHONPATH', '')}:{ROOT}"},
        "shell",
        "-c",
        (SCRIPTS / script).read_text(encoding="utf-8"),
    )
    return dict(json.loads(out.strip().splitlines()[-1]))


@contextmanager
def two_environments(tmp_path: Path) -> Iterator[tuple[dict[str, str], dict[str, str]]]:
    """Two deployments with their own data directories and databases, migrated once: the
    second database is a copy of the first (a file copy on SQLite, a template on PostgreSQL)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    base["KARPEAR_RATELIMIT_ENABLED"] = "0"
    envs = []
    for name in ("company", "regulator"):
        (tmp_path / name).mkdir()
        envs.append({**base, "KARPEAR_DATA_DIR": str(tmp_path / name)})
    url = os.environ.get("DATABASE_URL", "")
    names = [f"reg_{uuid.uuid4().hex[:8]}" for _ in envs] if url.startswith("postgres") else []
    pg = url.rsplit("/", 1)[0] + "/postgres"  # the server's maintenance database
    if names:
        for env, name in zip(envs, names, strict=True):
            env["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + name
        _psql(pg, f"CREATE DATABASE {names[0]}")
    else:
        for env in envs:
            env.pop("DATABASE_URL", None)
    try:
        karpear(envs[0], "migrate", "-v0")
        if names:
            _psql(pg, f"CREATE DATABASE {names[1]} TEMPLATE {names[0]}")
        else:
            shutil.copy(tmp_path / "company" / "karpear.sqlite3", tmp_path / "regulator")
        yield envs[0], envs[1]
    finally:
        for name in names:
            _psql(pg, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


class Browser:
    """A cookie-keeping client that posts forms with the CSRF token, as a browser would."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=60) as response:
            return str(response.read().decode("utf-8"))

    def post(self, path: str, fields: dict[str, str], file: tuple[str, bytes] | None = None) -> str:
        token = next(c.value for c in self.jar if c.name == "csrftoken")
        fields = {**fields, "csrfmiddlewaretoken": token or ""}
        if file is None:
            body = urllib.parse.urlencode(fields).encode()
            ctype = "application/x-www-form-urlencoded"
        else:
            boundary = "karpear-test-boundary"
            head = f"--{boundary}\r\nContent-Disposition: form-data; name="
            parts = [f'{head}"{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()]
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
                f'filename="{file[0]}"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
                + file[1]
                + b"\r\n"
            )
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            ctype = f"multipart/form-data; boundary={boundary}"
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Content-Type": ctype, "Referer": self.base}
        )
        with self.opener.open(request, timeout=60) as response:
            return str(response.read().decode("utf-8"))


def test_submit_verify_ask_and_answer_between_two_deployments(tmp_path: Path) -> None:
    period = str(timezone.localdate().year)
    with two_environments(tmp_path) as (company_env, regulator_env):
        company = _run(company_env, "company_setup.py")
        issued = _run(
            regulator_env,
            "regulator_setup.py",
            COMPANY_PUBLIC_KEY=company["public_key"],
            PERIOD=period,
        )
        regulator_server, company_server = Server(regulator_env), Server(company_env)
        regulator_server.start()
        company_server.start()
        try:
            token_file = tmp_path / "token"
            token_file.write_text(issued["token"])
            karpear(
                company_env,
                "regulator",
                "connect",
                "--url",
                regulator_server.url,
                "--token-file",
                str(token_file),
            )
            desk = Browser(company_server.url)
            desk.get("/en/desk/login/")
            desk.post("/en/desk/login/", {"username": "chenda", "password": "p" * 20})
            code = f"{totp(bytes.fromhex(company['totp_key'])):06d}"
            desk.post("/en/desk/code/", {"code": code})
            page = desk.post(
                "/en/desk/compliance/regulator/submit/",
                {"assessment": str(company["assessment"])},
            )
            assert "The regulator verified and received the package." in page

            asked = _run(regulator_env, "regulator_ask.py")
            assert asked["summary"] > 0
            page = desk.post("/en/desk/compliance/regulator/pull/", {})
            assert "Send your takedown procedure." in page
            received = re.search(r"/en/desk/compliance/regulator/requests/(\d+)/", page)
            assert received is not None
            page = desk.post(
                received.group(0), {"answer": "Attached."}, ("procedure.pdf", b"%PDF-1.4 t")
            )
            assert "Your answer is with the regulator." in page
            answer = _run(regulator_env, "regulator_check.py")
            assert answer == {"answer": "Attached.", "files": ["procedure.pdf"]}
        finally:
            company_server.kill()
            regulator_server.kill()
