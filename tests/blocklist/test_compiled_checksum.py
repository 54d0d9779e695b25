"""The compiled blocklist is verified on every load (issue #15, item 8).

A truncated, damaged, old-format or missing file is never used: the Squid helper keeps its last
good list, refuses to start without one and never answers "not listed" (ERR) for want of a list;
the check API and the splash page rebuild the file from the database, or answer from it.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_create
from karpear.blocklist import services, squid_helper
from karpear.blocklist.matcher import (
    MAGIC,
    Matcher,
    SourceInfo,
    compile_from,
    url_digest_hex,
    write_compiled,
)
from karpear.blocklist.services import check_url, compiled_path
from karpear.links.canonical import canonicalize
from karpear.orgs.models import Organisation
from tests.blocklist.helpers import import_text, register
from tests.conftest import Client

ROOT = Path(__file__).resolve().parents[2]
IWF = SourceInfo("IWF", "Internet Watch Foundation")
LISTED = "http://bad.example/gallery/1.html"
OTHER = "http://bad.example/gallery/2.html"


def _write(path: Path, urls: list[str], serial: int = 1) -> None:
    entries = [("url", url_digest_hex(canonicalize(u)), 0) for u in urls]
    write_compiled(path, compile_from(serial=serial, sources=[IWF], entries=entries))


def _flip_listed_digest(path: Path) -> None:
    """Damage the listed page's digest: an unchecked reader would then say "not listed"."""
    data = bytearray(path.read_bytes())
    data[data.index(_digest(LISTED))] ^= 0x01
    _replace(path, bytes(data))


def _digest(url: str) -> bytes:
    return bytes.fromhex(url_digest_hex(canonicalize(url)))


def _replace(path: Path, data: bytes) -> None:
    """A new file renamed over the old one, as a copy or a bad pull would leave it."""
    tmp = path.with_name("incoming")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _damaged(path: Path) -> Iterator[tuple[str, bytes]]:
    good = path.read_bytes()
    digest_area = len(good) - 32 - 34  # the first listed digest
    yield "truncated", good[:-1]
    yield "cut in half", good[: len(good) // 2]
    yield (
        "digest flipped",
        good[:digest_area] + bytes([good[digest_area] ^ 1]) + good[digest_area + 1 :],
    )
    yield "checksum flipped", good[:-1] + bytes([good[-1] ^ 1])
    yield "old format", b"KBL1\n" + good[len(MAGIC) : -32]
    yield "empty", b""


# --- The file and the matcher ----------------------------------------------------------


def test_every_kind_of_damage_is_refused_and_the_last_good_list_kept(tmp_path: Path) -> None:
    path = tmp_path / "list.kbl"
    _write(path, [LISTED])
    matcher = Matcher(path)
    for what, data in _damaged(path):
        _replace(path, data)
        with pytest.raises(ValueError, match="not a compiled Karpear blocklist"):
            matcher.refresh()
        assert matcher.lookup(LISTED) is not None, what
        with pytest.raises(ValueError):
            Matcher(path)  # and nothing starts from it
        _write(path, [LISTED])
        matcher.refresh()


def test_a_missing_file_is_no_list_not_an_empty_one(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        Matcher(tmp_path / "absent.kbl")
    path = tmp_path / "list.kbl"
    _write(path, [LISTED])
    matcher = Matcher(path)
    path.unlink()
    assert not matcher.refresh()
    assert matcher.lookup(LISTED) is not None


# --- The Squid helper ------------------------------------------------------------------


def _helper(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "karpear.blocklist.squid_helper", *args],
        input="0 http://bad.example/gallery/1.html -\n",
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        check=False,
    )


def test_the_helper_refuses_to_start_without_a_valid_list(tmp_path: Path) -> None:
    path = tmp_path / "list.kbl"
    absent = _helper("--list", str(path))
    assert absent.returncode != 0 and absent.stdout == ""
    assert "refusing to start without a valid list" in absent.stderr
    _write(path, [LISTED])
    good = path.read_bytes()
    for what, data in _damaged(path):
        _replace(path, data)
        broken = _helper("--list", str(path))
        assert broken.returncode != 0 and broken.stdout == "", what
        assert "refusing to start" in broken.stderr and "Traceback" not in broken.stderr
    _replace(path, good)
    started = _helper("--list", str(path))
    assert started.returncode == 0 and started.stdout == "0 OK message=IWF\n"


def test_the_helper_keeps_answering_from_its_last_good_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "list.kbl"
    _write(path, [LISTED])
    matcher = Matcher(path)
    clock = iter(range(0, 1000, 5))  # every line is "more than a second later"

    def requests() -> Iterator[str]:
        yield f"1 {LISTED} -\n"
        _flip_listed_digest(path)
        yield f"2 {LISTED} -\n"
        path.unlink()
        yield f"3 {LISTED} -\n"
        _write(path, [OTHER], serial=2)
        yield f"4 {LISTED} -\n"
        yield f"5 {OTHER} -\n"

    out = io.StringIO()
    with monkeypatch.context() as patched:
        patched.setattr(time, "monotonic", lambda: float(next(clock)))
        squid_helper.serve(matcher, requests(), out, None)  # type: ignore[arg-type]
    assert out.getvalue().splitlines() == [
        "1 OK message=IWF",
        "2 OK message=IWF",  # damaged file: the last good list answers
        "3 OK message=IWF",  # no file at all: still the last good list
        "4 ERR",  # a good new list: it replaces the old one
        "5 OK message=IWF",
    ]
    assert "keeping the last list" in capsys.readouterr().err


def test_a_lookup_that_fails_is_answered_bh_not_err(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "list.kbl"
    _write(path, [LISTED])
    matcher = Matcher(path)

    def broken(url: str | bytes) -> Any:
        raise MemoryError

    monkeypatch.setattr(matcher, "lookup", broken)
    assert squid_helper.answer(matcher, f"3 {LISTED} -", None).startswith("3 BH")
    assert squid_helper.answer(matcher, f"{LISTED}", False).startswith("BH")


# --- The web: check API, splash page, desk check -----------------------------------------


@pytest.fixture
def listed(acme: Organisation) -> Path:
    import_text(acme, register(acme), LISTED + "\n")
    path = compiled_path(acme)
    assert check_url(acme, LISTED) is not None  # this process has the good list cached
    return path


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_damaged_file_under_a_running_process_is_rebuilt_and_logged(
    acme: Organisation, listed: Path, caplog: pytest.LogCaptureFixture
) -> None:
    for what, data in _damaged(listed):
        _replace(listed, data)
        caplog.clear()
        assert check_url(acme, LISTED) is not None, what
        assert any("unusable" in m for m in _errors(caplog)), what
        assert Matcher(listed).lookup(LISTED) is not None  # the file is good again
    listed.unlink()
    assert check_url(acme, LISTED) is not None


def test_a_damaged_file_met_at_start_is_rebuilt(
    acme: Organisation, listed: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _flip_listed_digest(listed)
    services._matchers.clear()  # a process that has not loaded it yet
    assert check_url(acme, LISTED) is not None
    assert _errors(caplog)


def test_when_the_file_cannot_be_rebuilt_the_database_answers(
    acme: Organisation,
    listed: Path,
    settings: Any,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    settings.KARPEAR_BLOCKLIST_DIR = blocker / "blocklist"  # nothing can be written there
    hit = check_url(acme, LISTED)
    assert hit is not None and hit.source.code == "IWF"
    assert check_url(acme, OTHER) is None
    assert any("answering from the database" in m for m in _errors(caplog))


def test_the_check_api_and_the_splash_page_still_block_on_a_damaged_file(
    client: Client, acme: Organisation, bayon: Organisation, listed: Path
) -> None:
    token = apikey_create(organisation=acme, scope=Scope.ISP, name="Example ISP")[1]
    other = apikey_create(organisation=bayon, scope=Scope.ISP, name="Bayon ISP")[1]
    _replace(listed, listed.read_bytes()[:-7])
    body = client.get(
        "/api/v1/blocklist/check", {"url": LISTED}, HTTP_AUTHORIZATION=f"Bearer {token}"
    ).json()
    assert body["listed"] is True and body["source"] == "IWF"
    _replace(listed, b"")
    assert client.get("/en/blocked/", {"url": LISTED}).status_code == 403
    # Another organisation's list is its own: its damaged-file fallback never sees acme's.
    bayon_body = client.get(
        "/api/v1/blocklist/check", {"url": LISTED}, HTTP_AUTHORIZATION=f"Bearer {other}"
    ).json()
    assert bayon_body["listed"] is False
