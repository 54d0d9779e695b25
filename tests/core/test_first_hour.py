"""A newcomer's first hour without surprises (issue #23, items 8-10)."""

from __future__ import annotations

import importlib.util
import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from karpear.core.datadir import NoDataDirectory, find_data_dir
from karpear.orgs.services import organisation_create
from karpear.platformlink.models import PlatformLink

ROOT = Path(__file__).resolve().parents[2]
KARPEAR = Path(sys.executable).parent / "karpear"


def test_the_data_directory_is_the_checkout_s_var_from_any_working_directory(
    tmp_path: Path,
) -> None:
    package = ROOT / "src" / "karpear"
    assert find_data_dir({}, package) == ROOT / "var"  # the working directory plays no part
    assert find_data_dir({"KARPEAR_DATA_DIR": str(tmp_path)}, package) == tmp_path


def test_an_installed_package_without_a_setting_says_so(tmp_path: Path) -> None:
    installed = tmp_path / "site-packages" / "karpear"
    installed.mkdir(parents=True)
    with pytest.raises(NoDataDirectory, match="KARPEAR_DATA_DIR"):
        find_data_dir({}, installed)


def _karpear(*args: str, data: Path, cwd: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    return _run([str(KARPEAR), *args], data=data, cwd=cwd, **extra)


def _run(
    command: list[str], data: Path, cwd: Path, **extra: str
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "KARPEAR_ENV"}}
    environment.update({"KARPEAR_DATA_DIR": str(data), "PYTHONPATH": str(ROOT / "src"), **extra})
    return subprocess.run(
        command,
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_command_on_an_empty_data_directory_says_so_instead_of_creating_a_database(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    result = _karpear("worker", "--once", data=data, cwd=tmp_path)
    assert result.returncode == 2
    assert "No initialised Karpear database" in result.stderr
    assert "karpear migrate" in result.stderr and str(data) in result.stderr
    assert not (tmp_path / "var").exists()  # nothing appears where the command was run
    database = data / "karpear.sqlite3"
    if database.exists():  # created empty and private by settings, but never given tables
        with sqlite3.connect(database) as conn:
            assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0


def test_the_app_server_refuses_to_start_on_an_empty_database(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = _run([sys.executable, "-c", "import karpear.wsgi"], data=data, cwd=tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "No initialised Karpear database" in result.stderr and str(data) in result.stderr


def test_help_works_without_a_database(tmp_path: Path) -> None:
    result = _karpear("worker", "--help", data=tmp_path / "data", cwd=tmp_path)
    assert result.returncode == 0 and "--once" in result.stdout


@pytest.mark.django_db
def test_the_demo_follows_the_ports_it_is_served_on(monkeypatch: Any) -> None:
    demo = organisation_create(name="Demo Telecom", slug="demo", is_default=True)
    monkeypatch.setenv("PORT", "18123")
    monkeypatch.setenv("PLATFORM_PORT", "18124")
    out = io.StringIO()
    call_command("demo", "--if-empty", stdout=out)
    printed = out.getvalue()
    assert "http://127.0.0.1:18123/en/desk/" in printed
    assert "http://127.0.0.1:18124/" in printed
    assert ":8000" not in printed and ":8001" not in printed
    link = PlatformLink.objects.get(organisation=demo)
    assert link.webhook_url == "http://127.0.0.1:18124/webhooks/karpear"
    secret = link.secret
    call_command(
        "demo", "--if-empty", "--platform-url", "http://platform.test:9000", stdout=io.StringIO()
    )
    link.refresh_from_db()
    assert link.webhook_url == "http://platform.test:9000/webhooks/karpear"
    assert link.secret == secret and link.hosts() == ["social.example"]


def _reference_platform() -> Any:
    spec = importlib.util.spec_from_file_location(
        "reference_platform_app", ROOT / "examples" / "reference_platform" / "app.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_reference_platform_shows_its_posts_hidden_ones_marked_and_its_inbox(
    tmp_path: Path,
) -> None:
    app = _reference_platform()
    platform = app.Platform(str(tmp_path / "p.sqlite3"), "whsec_x", posts=3)
    platform.apply(
        "msg_1",
        {"type": "content.isolate", "data": {"content": {"platform_content_ids": ["post:2"]}}},
    )
    platform.apply(
        "msg_2",
        {
            "type": "account.notice",
            "data": {
                "account_id": "u9",
                "text": {"en": {"message": "We hid your post <b>2</b>"}, "km": {"message": "ក"}},
            },
        },
    )
    page = app.home_page(platform.snapshot())
    rows = {line for line in page.split("<tr") if "post:" in line}
    assert any("post:2" in row and "HIDDEN" in row for row in rows)
    assert any("post:1" in row and "visible" in row and "HIDDEN" not in row for row in rows)
    assert "We hid your post &lt;b&gt;2&lt;/b&gt;" in page  # escaped, never markup
    assert "<script" not in page and 'http-equiv="refresh"' in page
