"""Enforcement: compiled list, Squid helper, a real Unbound and a real Squid (items 2, 6, 7).

Unbound and Squid are Debian's, installed by `make test-deps`, started here on
loopback ports and stopped after each test. The helper runs under Squid as
Squid's unprivileged user with Debian's python3 (the proxy host needs neither
Django nor the rest of Karpear).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from karpear.blocklist.matcher import (
    Matcher,
    SourceInfo,
    compile_from,
    url_digest_hex,
    write_compiled,
)
from karpear.blocklist.services import compile_enforcement
from karpear.blocklist.squid_helper import answer, serve
from karpear.links.canonical import canonicalize
from karpear.orgs.models import Organisation
from tests.blocklist.helpers import add_domain, import_text, register
from tests.platform_fixture import free_port

ROOT = Path(__file__).resolve().parents[2]
TESTDATA = ROOT.parent / "shared" / "testdata" / "url"
CANON = json.loads((TESTDATA / "canonicalization.json").read_text("utf-8"))["cases"]
EXPRESSIONS = json.loads((TESTDATA / "expressions.json").read_text("utf-8"))["cases"]
IWF = SourceInfo("IWF", "Internet Watch Foundation")


def _compiled(path: Path, urls: list[str], domains: tuple[str, ...] = (), serial: int = 1) -> None:
    entries = [("url", url_digest_hex(canonicalize(u)), 0) for u in urls]
    entries += [("domain", d, 0) for d in domains]
    write_compiled(path, compile_from(serial=serial, sources=[IWF], entries=entries))


def _raw(case: dict[str, str]) -> str | bytes:
    return bytes.fromhex(case["input_hex"]) if "input_hex" in case else case["input"]


@pytest.mark.parametrize("case", CANON, ids=[c["input"][:60] for c in CANON])
def test_a_listed_spelling_blocks_its_canonical_form_and_back(
    case: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "list.kbl"
    _compiled(path, [case["expected"]])
    assert Matcher(path).lookup(_raw(case)) is not None
    _compiled(path, [str(canonicalize(_raw(case)))])
    assert Matcher(path).lookup(case["expected"]) is not None


@pytest.mark.parametrize("case", EXPRESSIONS, ids=[c["input"] for c in EXPRESSIONS])
def test_every_lookup_expression_of_a_url_is_consulted(
    case: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "list.kbl"
    for expression in case["expected"]:
        _compiled(path, [f"http://{expression}"])
        hit = Matcher(path).lookup(case["input"])
        assert hit is not None and hit.expression == expression


def test_a_new_file_is_picked_up_and_a_broken_one_never_replaces_the_last(tmp_path: Path) -> None:
    path = tmp_path / "list.kbl"
    _compiled(path, ["http://a.example/1"])
    matcher = Matcher(path)
    assert matcher.lookup("http://b.example/2") is None
    _compiled(path, ["http://b.example/2"], serial=2)
    assert matcher.refresh() and matcher.serial == 2
    assert matcher.lookup("http://b.example/2") and not matcher.lookup("http://a.example/1")
    path.write_bytes(b"garbage")
    with pytest.raises(ValueError, match="not a compiled"):
        matcher.refresh()
    assert matcher.lookup("http://b.example/2")  # still the last good list
    assert not matcher.refresh()  # an unchanged file costs one stat()
    empty = tmp_path / "empty.kbl"
    write_compiled(empty, compile_from(serial=1, sources=[], entries=[]))
    assert Matcher(empty).lookup("http://a.example/1") is None


def test_the_helper_speaks_squid_s_protocol(tmp_path: Path) -> None:
    path = tmp_path / "list.kbl"
    _compiled(path, ["http://bad.example/x/1.html"], domains=("whole.example",))
    matcher = Matcher(path)
    lines = [
        "0 http://bad.example/x/1.html -",
        "7 http://BAD.example/x/%2531.html -",  # Squid escapes '%' as %25
        "3 http://ok.example/ -",
        "12 img.whole.example:443 -",  # CONNECT: host only
        "5 javascript:alert(1) -",
        "6 -",
        "",
    ]
    assert [answer(matcher, line, None) for line in lines] == [
        "0 OK message=IWF",
        "7 OK message=IWF",
        "3 ERR",
        "12 OK message=IWF",
        "5 ERR",
        "6 ERR",
        "ERR",
    ]
    assert answer(matcher, "http://bad.example/x/1.html", False) == "OK message=IWF"
    out = io.StringIO()
    serve(matcher, io.StringIO("1 http://ok.example/\n2 http://bad.example/x/1.html\n"), out, True)
    assert out.getvalue() == "1 ERR\n2 OK message=IWF\n"


# --- A real Unbound -----------------------------------------------------------------


@pytest.fixture
def unbound(tmp_path: Path) -> Iterator[dict[str, Any]]:
    if not shutil.which("unbound"):
        pytest.fail("unbound is missing: run `make test`, which installs it")
    port = free_port()
    conf = tmp_path / "unbound.conf"
    zone = tmp_path / "rpz.zone"
    zone.write_text(
        "$TTL 60\n@ IN SOA localhost. h.localhost. 1 3600 600 86400 60\n@ IN NS localhost.\n"
    )
    conf.write_text(
        f"""server:
    interface: 127.0.0.1
    port: {port}
    do-daemonize: no
    username: ""
    chroot: ""
    directory: "{tmp_path}"
    pidfile: "{tmp_path}/unbound.pid"
    use-syslog: no
    verbosity: 0
    do-ip6: no
    access-control: 127.0.0.0/8 allow
    module-config: "respip iterator"
    local-zone: "ok.example." static
    local-data: "ok.example. A 203.0.113.5"
    local-zone: "notwhole.example." static
    local-data: "notwhole.example. A 203.0.113.6"
rpz:
    name: "rpz.karpear."
    zonefile: "{zone}"
remote-control:
    control-enable: yes
    control-interface: "{tmp_path}/unbound-control.sock"
"""
    )
    process = subprocess.Popen(["unbound", "-c", str(conf)], stderr=subprocess.PIPE)
    # Ready once it answers (its control socket is open by then): the test's first step is
    # unbound-control, which cannot connect while unbound is still starting.
    assert _resolve(port, "ok.example") == ("NOERROR", ["203.0.113.5"])
    yield {"port": port, "conf": conf, "zone": zone, "process": process}
    process.terminate()
    process.wait(timeout=10)


def _resolve(port: int, name: str) -> tuple[str, list[str]]:
    import dns.message
    import dns.query
    import dns.rcode

    for _attempt in range(50):
        try:
            reply = dns.query.udp(
                dns.message.make_query(name, "A"), "127.0.0.1", port=port, timeout=1
            )
        except (dns.exception.Timeout, ConnectionRefusedError):
            time.sleep(0.1)
            continue
        addresses = [
            item.address for rrset in reply.answer for item in rrset if hasattr(item, "address")
        ]
        return dns.rcode.to_text(reply.rcode()), addresses
    raise AssertionError("unbound did not answer")


def test_a_real_unbound_enforces_the_exported_rpz(
    acme: Organisation, unbound: dict[str, Any]
) -> None:
    iwf = register(acme)
    import_text(acme, iwf, "http://pageonly.example/x/1.html\n")
    add_domain(acme, iwf, "whole.example", "IWF-D-1")
    zone = unbound["zone"]
    call_command(
        "blocklist", "export", "--format", "rpz", "--output", str(zone), "--splash-a", "192.0.2.10"
    )
    text = zone.read_text()
    assert "pageonly" not in text  # exact pages are for the proxy, never DNS
    subprocess.run(
        ["unbound-control", "-c", str(unbound["conf"]), "auth_zone_reload", "rpz.karpear."],
        check=True,
        capture_output=True,
        timeout=20,
    )
    port = unbound["port"]
    assert _resolve(port, "whole.example") == ("NOERROR", ["192.0.2.10"])
    assert _resolve(port, "img.cdn.whole.example") == ("NOERROR", ["192.0.2.10"])
    assert _resolve(port, "ok.example") == ("NOERROR", ["203.0.113.5"])
    assert _resolve(port, "notwhole.example") == ("NOERROR", ["203.0.113.6"])
    # Without a splash address, listed names do not exist; a new version is
    # picked up by a reload with a higher SOA serial.
    add_domain(acme, iwf, "second.example", "IWF-D-2")
    call_command("blocklist", "export", "--format", "rpz", "--output", str(zone))
    assert zone.read_text().split("SOA")[1].split()[2] > text.split("SOA")[1].split()[2]
    subprocess.run(
        ["unbound-control", "-c", str(unbound["conf"]), "auth_zone_reload", "rpz.karpear."],
        check=True,
        capture_output=True,
        timeout=20,
    )
    assert _resolve(port, "second.example")[0] == "NXDOMAIN"
    assert _resolve(port, "whole.example")[0] == "NXDOMAIN"


# --- A real Squid ---------------------------------------------------------------------


class _Origin(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = f"origin page {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def origin() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Origin)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


def _through(proxy: int, url: str) -> tuple[int, str]:
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({"http": f"http://127.0.0.1:{proxy}"})
    )
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def test_a_real_squid_with_the_helper_shows_the_splash_page_for_listed_urls(
    acme: Organisation, origin: int, settings: Any
) -> None:
    if not shutil.which("squid") or not Path("/usr/bin/python3").exists():
        pytest.fail("squid is missing: run `make test`, which installs it")
    # Squid runs its helpers as the unprivileged 'proxy' user: everything it
    # reads must be world-readable, so this test keeps it outside pytest's tmp.
    work = Path(tempfile.mkdtemp(prefix="karpear-squid-"))
    work.chmod(0o755)
    settings.KARPEAR_BLOCKLIST_DIR = work
    listed = f"http://127.0.0.1:{origin}/gallery/1.html"
    import_text(
        acme,
        register(acme),
        f"{listed}\nhttp://127.0.0.1:{origin}/a%20b/2.html?id=1\n",
    )
    kbl = compile_enforcement(acme)
    kbl.chmod(0o644)
    errors = work / "errors"
    shutil.copytree("/usr/share/squid/errors/templates", errors)
    call_command(
        "blocklist",
        "export",
        "--format",
        "squid-page",
        "--output",
        str(errors / "ERR_KARPEAR_BLOCKED"),
    )
    helper = work / "helper.sh"
    helper.write_text(
        f"#!/bin/sh\nPYTHONPATH={ROOT / 'src'} exec /usr/bin/python3 -m "
        f"karpear.blocklist.squid_helper --list {kbl}\n"
    )
    helper.chmod(0o755)
    for path in errors.iterdir():
        path.chmod(0o644)
    errors.chmod(0o755)
    port = free_port()
    name = f"kp{port}"
    conf = work / "squid.conf"
    conf.write_text(
        f"""http_port 127.0.0.1:{port}
pid_filename {work}/squid.pid
cache_log {work}/cache.log
access_log none
cache deny all
error_directory {errors}
shutdown_lifetime 0 seconds
external_acl_type karpear ttl=0 negative_ttl=0 children-max=2 concurrency=8 %>ru {helper}
acl listed external karpear
http_access deny listed
deny_info ERR_KARPEAR_BLOCKED listed
http_access allow localhost
http_access deny all
"""
    )
    (work / "cache.log").touch()
    os.chmod(work / "cache.log", 0o666)
    squid = subprocess.Popen(
        ["squid", "-N", "-n", name, "-f", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                status, body = _through(port, f"http://127.0.0.1:{origin}/ready")
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        else:
            raise AssertionError((work / "cache.log").read_text()[-2000:])
        assert (status, body) == (200, "origin page /ready")
        for variant in [
            listed,
            f"http://127.0.0.1:{origin}/gallery/%31.html",
            f"http://127.0.0.1:{origin}/GALLERY/../gallery/1.html",
            f"http://127.0.0.1:{origin}/gallery/1.html?utm=x",  # a listed page, any query
            f"http://127.0.0.1:{origin}/a%20b/2.html?id=1",
            f"http://127.0.0.1:{origin}/a b/2.html?id=1",
        ]:
            status, body = _through(port, variant.replace(" ", "%20"))
            assert status == 403, variant
            assert "ទំព័រនេះត្រូវបានបិទ" in body or "This page is blocked" in body, body[:300]
            assert "Internet Watch Foundation" not in body and "IWF" in body
            assert "gallery" not in body  # no detail of the content
        for passing in ["/gallery/2.html", "/a%20b/2.html?id=2", "/a%20b/2.html"]:
            assert _through(port, f"http://127.0.0.1:{origin}{passing}") == (
                200,
                f"origin page {passing}",
            )
    finally:
        squid.terminate()
        squid.wait(timeout=20)
        for leftover in Path("/dev/shm").glob(f"{name}-*"):
            leftover.unlink()
        shutil.rmtree(work, ignore_errors=True)
