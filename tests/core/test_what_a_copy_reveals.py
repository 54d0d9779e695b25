"""docs/operations.md "What a copy reveals" is true: every cell checked against storage (#15, 11).

Each row of the table has a maker below that stores the thing through the real
services and returns the plaintexts a thief would look for. The whole database
(every table, every column) and every file of the data directory are then
searched: a plaintext must be found exactly where the table says "in clear".
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection

from karpear.orgs.models import Organisation
from tests.cast import PASSWORD, Person, sign_in
from tests.conftest import Client, valid_form

DOC = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
HEADING = "### What a copy reveals"


def table() -> dict[str, tuple[str, str]]:
    """The table's rows: data → (database claim, data directory claim)."""
    section = DOC.read_text(encoding="utf-8").split(HEADING, 1)[1]
    rows: dict[str, tuple[str, str]] = {}
    for line in section.splitlines():
        if not line.startswith("|"):
            if rows:
                break
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells[0] in {"data", "---"} or set(cells[0]) <= {"-"}:
            continue
        rows[cells[0]] = (cells[1], cells[2])
    return rows


@dataclass
class Stored:
    """Plaintexts to look for; `files` must exist in the data directory (an encrypted copy)."""

    needles: list[bytes]
    files: list[str] = field(default_factory=list)


def _b(*values: str | bytes) -> list[bytes]:
    return [v if isinstance(v, bytes) else v.encode("utf-8") for v in values]


def reporter_contact(acme: Organisation, **_: Any) -> Stored:
    from karpear.reports.models import Channel
    from karpear.reports.rules import ContactData, LinkData, ReportData
    from karpear.reports.services import report_submit

    contact = ContactData(name="Sokha Reveal", phone="012 999 888", email="sokha.r@example.org")
    report_submit(
        organisation=acme,
        channel=Channel.WEB,
        data=ReportData(
            items=[LinkData(url="https://social.example/p/5")],
            category="sexual_image",
            seen_on=None,
            seen_at_time=None,
            seen_approximate=False,
            description="",
            reporter_is_child=None,
            contact=contact,
        ),
    )
    return Stored(_b(contact.name, contact.phone, contact.email))


def reported_links(acme: Organisation, **_: Any) -> Stored:
    from karpear.reports.models import Channel
    from karpear.reports.rules import LinkData, ReportData
    from karpear.reports.services import report_submit

    report_submit(
        organisation=acme,
        channel=Channel.WEB,
        data=ReportData(
            items=[LinkData(url="https://social.example/p/reveal-77")],
            category="grooming",
            seen_on=None,
            seen_at_time=None,
            seen_approximate=False,
            description="a described chat 4242",
            reporter_is_child=None,
            contact=None,
        ),
    )
    return Stored(_b("social.example/p/reveal-77", "a described chat 4242"))


def _evidence(acme: Organisation, owner: str = "owner-reveal") -> tuple[bytes, Any]:
    from karpear.evidence.services import evidence_capture
    from tests.cast import make_case
    from tests.evidence.conftest import benign_png

    content: bytes = benign_png(11)
    item = evidence_capture(
        organisation=acme,
        case_id=make_case(acme, url="https://social.example/p/11").pk,
        content=content,
        content_type="image/png",
        metadata={"owner": owner},
        source="platform",
        actor="test platform",
    )
    return content, item


def evidence_content(acme: Organisation, **_: Any) -> Stored:
    content, item = _evidence(acme)
    return Stored([content], files=[f"vault/{item.object_key}"])


def evidence_metadata(acme: Organisation, **_: Any) -> Stored:
    _evidence(acme, owner="owner-reveal-5150")
    return Stored(_b("owner-reveal-5150"))


def evidence_fingerprints(acme: Organisation, **_: Any) -> Stored:
    content, _item = _evidence(acme)
    return Stored(_b(hashlib.sha256(content).hexdigest(), hashlib.md5(content).hexdigest()))


def notice_letters(**_: Any) -> Stored:
    from karpear.core.filecrypt import store_encrypted

    letter = b"%PDF-1.4 a scanned order from the police " + secrets.token_bytes(16)
    name = store_encrypted("notice-scans", letter)  # as notices.services stores a scan
    return Stored([letter], files=[f"files/notice-scans/{name}"])


def totp_seeds(analyst: Person, **_: Any) -> Stored:
    from karpear.staff.services import totp_secret

    return Stored(_b(analyst.device.key, analyst.device.key.upper(), totp_secret(analyst.device)))


def webhook_secrets(acme: Organisation, **_: Any) -> Stored:
    from karpear.platformlink.services import link_configure

    _link, secret = link_configure(
        organisation=acme, webhook_url="https://platform.example/hook", hosted_domains=[]
    )
    return Stored(_b(secret, secret.removeprefix("whsec_")))


def session_keys(analyst: Person, **_: Any) -> Stored:
    client = sign_in(analyst)
    return Stored(_b(client.cookies[django_settings.SESSION_COOKIE_NAME].value))


def staff_passwords(acme: Organisation, settings: Any, **_: Any) -> Stored:
    from karpear.staff.models import Role
    from karpear.staff.services import staff_create

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    password = "Reveal-pass-Phrase-2026!"
    member = staff_create(organisation=acme, username="reveal", password=password, role=Role.LEAD)
    assert member.user.password.startswith("argon2")
    return Stored(_b(password, PASSWORD))


def api_keys(acme: Organisation, **_: Any) -> Stored:
    from karpear.apikeys.models import Scope
    from karpear.apikeys.services import apikey_create

    _key, token = apikey_create(organisation=acme, scope=Scope.PLATFORM, name="reveal")
    # kp_<scope>_<prefix>_<secret>: the secret itself may contain "_" (urlsafe base64).
    secret = token.split("_", 3)[3]
    return Stored(_b(token, secret))


def client_addresses(**_: Any) -> Stored:
    Client().post("/en/", valid_form(), REMOTE_ADDR="203.0.113.99")
    return Stored(_b("203.0.113.99"))


def audit_log(analyst: Person, **_: Any) -> Stored:
    sign_in(analyst)
    return Stored(_b('"sign_in"', "sign_in"))


def keys(**_: Any) -> Stored:
    kek = django_settings.KARPEAR_EVIDENCE_KEKS[0].partition(":")[2]
    return Stored(
        _b(
            django_settings.SECRET_KEY,
            *django_settings.KARPEAR_FIELD_KEYS,
            kek,
            base64.b64decode(kek),
            django_settings.KARPEAR_SIGNING_KEY,
            django_settings.KARPEAR_CLIENT_HASH_KEY,
        )
    )


def complaint_reasons(acme: Organisation, analyst: Person, **_: Any) -> Stored:
    from karpear.complaints.models import ComplaintChannel
    from karpear.complaints.services import complaint_submit
    from tests.complaints.helpers import a_ban

    reason = "It was my cousin Sreyleak Reveal"
    complaint_submit(
        organisation=acme,
        decision=a_ban(acme, analyst),
        channel=ComplaintChannel.PLATFORM,
        reason=reason,
    )
    return Stored(_b(reason))


def hash_banks(acme: Organisation, **_: Any) -> Stored:
    from karpear.hashes import index, services

    pdq = secrets.token_hex(32)
    bank = services.bank_create(organisation=acme, name="reveal", source="iwf", agreement="IWF")
    services.hashes_import(bank=bank, text=f"pdq,{pdq},S1,")
    index.forget(acme.pk)
    index.index_compact(acme.pk)
    index.forget(acme.pk)
    return Stored([pdq.encode(), bytes.fromhex(pdq)])


MAKERS: dict[str, Callable[..., Stored]] = {
    "Reporter contact details (name, phone, e-mail)": reporter_contact,
    "Reported links and descriptions": reported_links,
    "Evidence content (pictures, video)": evidence_content,
    "Evidence metadata from the platform": evidence_metadata,
    "Evidence fingerprints (SHA-256, MD5, PDQ)": evidence_fingerprints,
    "Scanned notice letters": notice_letters,
    "TOTP seeds": totp_seeds,
    "Webhook signing secrets": webhook_secrets,
    "Session keys": session_keys,
    "Staff passwords": staff_passwords,
    "API keys": api_keys,
    "Client IP addresses": client_addresses,
    "Audit log (who did what, when)": audit_log,
    "Keys (`SECRET_KEY`, field keys, KEKs, signing and client-hash keys)": keys,
    "Hash bank entries (PDQ, MD5, SHA-256)": hash_banks,
    "What account holders write in complaints": complaint_reasons,
}


def database_dump() -> bytes:
    """Every value of every table, as a copy of the database would have it."""
    chunks: list[bytes] = []
    with connection.cursor() as cursor:
        for table_name in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table_name)}")
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, memoryview | bytes):
                        chunks.append(bytes(value))
                    elif value is not None:
                        chunks.append(str(value).encode("utf-8"))
    return b"\x00".join(chunks)


def directory_dump(root: Path) -> bytes:
    return b"\x00".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


def test_every_row_of_the_table_is_checked_and_every_check_has_a_row() -> None:
    assert set(table()) == set(MAKERS)


@pytest.mark.parametrize("row", list(MAKERS))
def test_the_table_says_what_a_copy_reveals(
    row: str,
    acme: Organisation,
    analyst: Person,
    settings: Any,
    tmp_path: Path,
) -> None:
    database_claim, directory_claim = table()[row]
    settings.DATA_DIR = tmp_path
    settings.KARPEAR_HASH_INDEX_DIR = tmp_path / "hash-index"
    stored = MAKERS[row](acme=acme, analyst=analyst, settings=settings)
    database, directory = database_dump(), directory_dump(tmp_path)
    assert database and stored.needles
    for claim, copy, where in (
        (database_claim, database, "database"),
        (directory_claim, directory, "data directory"),
    ):
        assert claim.split(" (")[0] in {"in clear", "encrypted", "hashed", "not stored"}, claim
        if claim.startswith("in clear"):
            assert any(n in copy for n in stored.needles), f"{row}: not in the {where}"
        else:
            leaked = [n[:12] for n in stored.needles if n in copy]
            assert not leaked, f"{row}: plaintext in the {where}; the table says {claim!r}"
    for name in stored.files:  # "encrypted" in the data directory: the file is there
        assert (tmp_path / name).is_file()
        assert directory_claim.startswith("encrypted")


def test_production_keeps_every_key_out_of_the_data_directory(tmp_path: Path) -> None:
    from tests.core.test_production_checks import good_production_env, load_settings

    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    env = good_production_env()
    for name in ("SECRET_KEY", "KARPEAR_FIELD_KEYS", "KARPEAR_EVIDENCE_KEKS"):
        (data / name).write_text(env.pop(name))
        env[f"{name}_FILE"] = str(data / name)
    result = load_settings(data, env)
    assert result.returncode != 0
    for name in ("SECRET_KEY", "KARPEAR_FIELD_KEYS", "KARPEAR_EVIDENCE_KEKS"):
        assert f"{name}_FILE is inside the data directory" in result.stderr
