"""The shipped systemd units and nginx site load in the real tools (issue #23, item 6)."""

from __future__ import annotations

import configparser
import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
VENV_BIN = Path(sys.executable).parent
UNITS = sorted((DEPLOY / "systemd").glob("karpear*.service")) + sorted(
    (DEPLOY / "systemd").glob("karpear*.timer")
)
HARDENING = {
    "User": "karpear",
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "PrivateTmp": "yes",
    "ProtectHome": "yes",
    "CapabilityBoundingSet": "",
}


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_systemd_accepts_every_unit_without_a_warning(tmp_path: Path) -> None:
    for unit in UNITS:  # the venv's real path, so "is not executable" checks something
        text = unit.read_text().replace("/opt/karpear/.venv/bin", str(VENV_BIN))
        (tmp_path / unit.name).write_text(text)
    result = subprocess.run(
        ["systemd-analyze", "verify", *(str(tmp_path / u.name) for u in UNITS)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # Unknown or misspelt directives are only warnings: any output at all fails the test.
    assert result.returncode == 0 and result.stderr == "" and result.stdout == "", result


@pytest.mark.parametrize("unit", [u for u in UNITS if u.suffix == ".service"], ids=lambda u: u.name)
def test_every_service_is_hardened(unit: Path) -> None:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(unit.read_text())
    service = parser["Service"]
    for key, value in HARDENING.items():
        assert service.get(key) == value, (unit.name, key)
    assert "\nEnvironment=KARPEAR_DATA_DIR=/var/lib/karpear\n" in unit.read_text()


def _self_signed(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "report.example.com")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    chain, private = directory / "fullchain.pem", directory / "privkey.pem"
    chain.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return chain, private


@pytest.mark.skipif(shutil.which("nginx") is None, reason="needs nginx (Debian: nginx-light)")
def test_nginx_accepts_the_tls_site(tmp_path: Path) -> None:
    chain, private = _self_signed(tmp_path)
    site = (DEPLOY / "nginx" / "karpear.conf").read_text()
    site = (
        site.replace("/etc/letsencrypt/live/report.example.com/fullchain.pem", str(chain))
        .replace("/etc/letsencrypt/live/report.example.com/privkey.pem", str(private))
        .replace("/etc/nginx/karpear-proxy.conf", str(DEPLOY / "nginx" / "karpear-proxy.conf"))
        .replace("/var/log/nginx/", f"{tmp_path}/")
        .replace("listen 80;", "listen 127.0.0.1:18480;")
        .replace("listen [::]:80;", "")
        .replace("listen 443 ssl http2;", "listen 127.0.0.1:18443 ssl http2;")
        .replace("listen [::]:443 ssl http2;", "")
    )
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n include {DEPLOY}/nginx/karpear-log-format.conf;\n"
        f" include {tmp_path}/site.conf;\n}}\n"
    )
    result = subprocess.run(
        ["nginx", "-t", "-q", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
