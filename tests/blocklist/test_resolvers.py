"""The exported RPZ in the resolvers ISPs run besides Unbound (issue #23, item 11).

BIND 9, Knot Resolver and PowerDNS Recursor from Debian's packages (`make test-deps`), each
started on loopback and forwarding to a small fake upstream, load the zone `karpear blocklist
export --format rpz` writes and answer listed names with the splash address (or NXDOMAIN)
while other names resolve as usual. DNSSEC validation is off: the fake upstream signs nothing.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.management import call_command

from karpear.orgs.models import Organisation
from tests.blocklist.helpers import add_domain, register
from tests.platform_fixture import free_port

UPSTREAM = {"ok.example.": "203.0.113.5", "notwhole.example.": "203.0.113.6"}
ELSEWHERE = "203.0.113.99"  # what the fake upstream answers for any other name


@pytest.fixture(scope="module")
def upstream() -> Iterator[int]:
    """A tiny authoritative-looking server: every A question gets one address."""
    import dns.message
    import dns.rcode
    import dns.rrset

    port = free_port()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", port))
    sock.settimeout(0.2)
    stopping = threading.Event()

    def serve() -> None:
        while not stopping.is_set():
            try:
                data, client = sock.recvfrom(4096)
            except TimeoutError:
                continue
            try:
                query = dns.message.from_wire(data)
            except dns.exception.DNSException:
                continue
            reply = dns.message.make_response(query)
            reply.flags |= dns.flags.AA | dns.flags.RA
            question = query.question[0]
            if question.rdtype == dns.rdatatype.A:
                name = question.name.to_text().lower()
                reply.answer.append(
                    dns.rrset.from_text(name, 60, "IN", "A", UPSTREAM.get(name, ELSEWHERE))
                )
            sock.sendto(reply.to_wire(), client)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield port
    stopping.set()
    thread.join(timeout=2)
    sock.close()


def _resolve(port: int, name: str) -> tuple[str, list[str]]:
    import dns.message
    import dns.query
    import dns.rcode

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            reply = dns.query.udp(
                dns.message.make_query(name, "A"), "127.0.0.1", port=port, timeout=1
            )
        except (dns.exception.Timeout, ConnectionRefusedError):
            time.sleep(0.1)
            continue
        if reply.rcode() == dns.rcode.SERVFAIL:  # still loading
            time.sleep(0.1)
            continue
        addresses = sorted(
            item.address for rrset in reply.answer for item in rrset if hasattr(item, "address")
        )
        return dns.rcode.to_text(reply.rcode()), addresses
    raise AssertionError(f"no answer for {name}")


def _bind(directory: Path, zone: Path, port: int, upstream: int) -> list[str]:
    (directory / "named.conf").write_text(
        f"""options {{
    directory "{directory}";
    pid-file "{directory}/named.pid";
    listen-on port {port} {{ 127.0.0.1; }};
    listen-on-v6 {{ none; }};
    recursion yes;
    allow-query {{ 127.0.0.1; }};
    forwarders {{ 127.0.0.1 port {upstream}; }};
    forward only;
    dnssec-validation no;
    response-policy {{ zone "rpz.karpear"; }};
}};
controls {{ }};
zone "rpz.karpear" {{ type primary; file "{zone}"; allow-query {{ none; }}; }};
"""
    )
    checked = subprocess.run(
        ["named-checkzone", "rpz.karpear", str(zone)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout
    return ["named", "-g", "-c", str(directory / "named.conf")]


def _knot(directory: Path, zone: Path, port: int, upstream: int) -> list[str]:
    # policy.rpz(..., true) watches the file; that needs lua-cqueues (docs/integration-isp.md).
    (directory / "kresd.conf").write_text(
        f"""net.listen('127.0.0.1', {port}, {{ kind = 'dns' }})
modules.unload('ta_update')
trust_anchors.remove('.')
policy.add(policy.rpz(policy.DENY, '{zone}', true))
policy.add(policy.all(policy.FORWARD('127.0.0.1@{upstream}')))
"""
    )
    return ["kresd", "-n", "-q", "-c", str(directory / "kresd.conf"), str(directory)]


def _powerdns(directory: Path, zone: Path, port: int, upstream: int) -> list[str]:
    (directory / "rpz.lua").write_text(
        f'rpzFile("{zone}", {{defpol=Policy.NXDOMAIN, defpolOverrideLocalData=false}})\n'
    )
    (directory / "recursor.conf").write_text(
        f"""local-address=127.0.0.1
local-port={port}
socket-dir={directory}
forward-zones-recurse=.=127.0.0.1:{upstream}
dnssec=off
lua-config-file={directory}/rpz.lua
daemon=no
write-pid=no
"""
    )
    return ["pdns_recursor", f"--config-dir={directory}"]


RESOLVERS: dict[str, tuple[str, Callable[[Path, Path, int, int], list[str]]]] = {
    "bind9": ("named", _bind),
    "knot-resolver": ("kresd", _knot),
    "pdns-recursor": ("pdns_recursor", _powerdns),
}


@pytest.mark.slow
@pytest.mark.parametrize("resolver", sorted(RESOLVERS))
def test_the_exported_rpz_is_enforced_by(
    resolver: str, acme: Organisation, upstream: int, tmp_path: Path
) -> None:
    program, configure = RESOLVERS[resolver]
    if not shutil.which(program):
        pytest.fail(f"{program} is missing: run `make test-deps` (Debian package {resolver})")
    iwf = register(acme)
    add_domain(acme, iwf, "whole.example", "IWF-D-1")
    add_domain(acme, iwf, "second.example", "IWF-D-2")
    zone = tmp_path / "rpz.zone"
    call_command(
        "blocklist", "export", "--format", "rpz", "--output", str(zone), "--splash-a", "192.0.2.10"
    )
    port = free_port()
    argv = configure(tmp_path, zone, port, upstream)
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert _resolve(port, "ok.example") == ("NOERROR", ["203.0.113.5"])
        assert _resolve(port, "whole.example") == ("NOERROR", ["192.0.2.10"])
        assert _resolve(port, "img.cdn.whole.example") == ("NOERROR", ["192.0.2.10"])
        assert _resolve(port, "second.example") == ("NOERROR", ["192.0.2.10"])
        assert _resolve(port, "notwhole.example") == ("NOERROR", ["203.0.113.6"])
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert process.returncode is not None
