"""An outsider's attack (atk5) on issue #24's speed changes: the API key check as one
prepared statement (apikeys/services.py, KeyJoin), the report API's rules without a Django
form (reports/rules.py, core/rows.py InsertPlan) and evidence capture (evidence/capture.py)."""

from __future__ import annotations

import json
import os
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from karpear.apikeys.models import ApiKey, Scope
from karpear.apikeys.services import KeyRefused, apikey_check, apikey_create, apikey_revoke
from karpear.audit.models import AuditEntry
from karpear.cases.models import Case
from karpear.core import rows
from karpear.core.logging import redact
from karpear.evidence import capture, keys, storage
from karpear.evidence.models import CustodyEntry, EvidenceItem
from karpear.evidence.services import evidence_capture
from karpear.notices.models import Issuer, Notice
from karpear.notices.services import issuers
from karpear.orgs.models import Organisation
from karpear.reports.models import Category, Report
from tests.cast import make_case
from tests.conftest import Client
from tests.evidence.test_s3_and_disclosure import s3  # noqa: F401 - the fixture
from tests.reports import test_api_form_rules as form_rules


def _auth(token: str) -> dict[str, Any]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


# ---------------------------------------------------------------- 1. the key check


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + "\u00e9",  # non-ASCII secret
        lambda t: t + "\u1780",  # Khmer letter appended
        lambda t: "kp_platform_\u00e9\u00e9_x",  # non-ASCII prefix
        lambda t: t + "A" * 100_000,
        lambda t: "kp___",
        lambda t: "kp_platform__",
        lambda t: " " + t,
    ],
)
def test_odd_tokens_are_refused_as_unauthenticated(
    client: Client, acme: Organisation, mangle: Any
) -> None:
    _key, token = apikey_create(organisation=acme, scope=Scope.PLATFORM, name="App")
    response = client.get("/api/v1/whoami", **_auth(mangle(token)))
    assert response.status_code == 401, response.content[:300]
    assert response.json()["error"]["code"] == "unauthenticated"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + "\u00e9",
        lambda t: t + "\x00",
        lambda t: t.replace("kp_", "kp_\x00", 1),
        lambda t: t + "\ud800",  # a lone surrogate
        lambda t: t + "A" * 1_000_000,
    ],
)
def test_the_check_itself_refuses_odd_tokens(acme: Organisation, mangle: Any) -> None:
    """A caller other than the bearer header (which refuses a NUL first) gets KeyRefused too."""
    _key, token = apikey_create(organisation=acme, scope=Scope.PLATFORM, name="App")
    with pytest.raises(KeyRefused):
        apikey_check(mangle(token), frozenset({Scope.PLATFORM}))


NOTICE = {
    "issuer_reference": "ACU/2026/0042",
    "legal_basis": "Order under the Criminal Code, art. 41",
    "items": [{"url": "https://social.example/p/3"}],
    "actions": ["takedown"],
}


def _notice(client: Client, token: str) -> Any:
    return client.post(
        "/api/v1/notices", json.dumps(NOTICE), content_type="application/json", **_auth(token)
    )


def test_the_notices_key_check_refuses_what_it_must(
    client: Client, acme: Organisation, bayon: Organisation, caplog: pytest.LogCaptureFixture
) -> None:
    """Revoked, expired, wrong scope both ways, a secret under another key's prefix, an
    inactive issuer, and another organisation's issuer of the same name: the same answers on
    SQLite and PostgreSQL (the key read by the ORM or by one prepared statement)."""
    acu_key, acu = apikey_create(organisation=acme, scope=Scope.ISSUER, name="Anti-Cybercrime Unit")
    platform_key, platform = apikey_create(organisation=acme, scope=Scope.PLATFORM, name="App")
    revoked_key, revoked = apikey_create(organisation=acme, scope=Scope.ISSUER, name=" acu ")
    apikey_revoke(key=revoked_key)
    expired_key, expired = apikey_create(
        organisation=acme, scope=Scope.ISSUER, name="Anti-Cybercrime Unit", expires_in_days=1
    )
    ApiKey.objects.filter(pk=expired_key.pk).update(expires_at=timezone.now())
    # The issuer key's prefix with the platform key's secret, and the other way round.
    swapped = f"kp_issuer_{acu_key.prefix}_{platform.split('_', 3)[3]}"
    rescoped = f"kp_issuer_{platform_key.prefix}_{platform.split('_', 3)[3]}"
    assert _notice(client, platform).status_code == 403
    assert (
        _report(
            client, {"links": ["https://a.example/1"], "category": "other"}, **_auth(acu)
        ).status_code
        == 403
    )
    for token in (revoked, expired, swapped):
        assert _notice(client, token).status_code == 401, token
    assert _notice(client, rescoped).status_code == 403
    assert Notice.objects.count() == 0

    # Bayon's issuer of the same name, deactivated, is not acme's: acme's key still works.
    issuers(bayon)
    Issuer.objects.filter(organisation=bayon).update(active=False)
    response = _notice(client, acu)
    assert response.status_code == 201, response.content[:300]
    assert Notice.objects.get().issuer.organisation_id == acme.pk
    # Acme's own issuer deactivated: refused at once, nothing written.
    Issuer.objects.filter(organisation=acme).update(active=False)
    assert _notice(client, acu).status_code == 403
    assert Notice.objects.count() == 1
    # Bayon's key of the same name speaks for bayon's (inactive) issuer only.
    bayon_acu = apikey_create(organisation=bayon, scope=Scope.ISSUER, name="Anti-Cybercrime Unit")
    assert _notice(client, bayon_acu[1]).status_code == 403
    secrets = [t.split("_", 3)[3] for t in (acu, platform, revoked, expired, bayon_acu[1])]
    assert not any(secret in caplog.text for secret in secrets)


def test_a_token_in_a_log_message_is_masked_without_bearer_before_it(acme: Organisation) -> None:
    """Only `Bearer <token>` and `key=<token>` were masked: a token quoted in an error
    message or a header of another name reached the log whole."""
    key, token = apikey_create(organisation=acme, scope=Scope.ISSUER, name="ACU")
    secret = token.split("_", 3)[3]
    for line in (f"refused {token}", f"X-Api-Key: {token}", f"'{token}'", f"Bearer {token}"):
        masked = redact(line)
        assert secret not in masked and secret[:8] not in masked, masked
    assert key.prefix in redact(f"refused {token}")  # the key is still named


# ---------------------------------------------------------------- 2. the report API's rules


def _report(client: Client, body: Any, **extra: Any) -> Any:
    return client.post(
        "/api/v1/reports",
        body if isinstance(body, bytes | str) else json.dumps(body),
        content_type="application/json",
        **extra,
    )


@pytest.mark.parametrize("value", ["post:\x00", "post:\x1b[31m", "post:\ufffd"])
def test_the_content_id_is_refused_as_the_forms_text_is(client: Client, value: str) -> None:
    """The API's one field the page has not (`platform_content_id`) was stored unchecked:
    an escape sequence or U+FFFD went to the desk as it came, a NUL was a server error on
    PostgreSQL. It is refused as the form's one-line text is."""
    body = {"links": ["https://a.example/1"], "category": "other", "platform_content_id": value}
    response = _report(client, body)
    assert response.status_code == 400, response.content[:300]
    assert response.json()["error"]["code"] == "invalid"
    assert Report.objects.count() == 0


# ---------------------------------------------------------------- 3. evidence capture


def _vault_objects() -> list[Path]:
    return sorted((Path(settings.DATA_DIR) / "vault").glob("ev-*"))


def _upload(client: Client, token: str, case_id: Any, metadata: str) -> Any:
    return client.post(
        "/api/v1/evidence",
        {
            "case_id": str(case_id),
            "metadata": metadata,
            "file": SimpleUploadedFile("x.bin", b"evidence bytes", "application/octet-stream"),
        },
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_metadata_that_cannot_be_stored_leaves_no_object(acme: Organisation) -> None:
    """Whatever fails after the writer has started (here metadata that is not JSON) removes
    the object again: it was written and never deleted."""
    case = make_case(acme)
    audit_before = AuditEntry.objects.count()
    with pytest.raises(TypeError):
        evidence_capture(
            organisation=acme,
            case_id=case.pk,
            content=b"content",
            content_type="application/octet-stream",
            metadata={"at": object()},
            source="platform",
            actor="test platform",
        )
    assert _vault_objects() == []
    assert not EvidenceItem.objects.exists() and not CustodyEntry.objects.exists()
    assert AuditEntry.objects.count() == audit_before


def test_metadata_with_a_lone_surrogate_is_refused_and_leaves_no_object(
    client: Client, acme: Organisation
) -> None:
    """JSON may spell a lone surrogate (\\ud800), which no UTF-8 text can hold: the upload
    is refused as bad metadata (400), not a server error with the object left in the vault."""
    case = make_case(acme)
    token = apikey_create(organisation=acme, scope=Scope.PLATFORM, name="App")[1]
    response = _upload(client, token, case.pk, '{"owner": "\\ud800"}')
    assert response.status_code == 400, response.content[:300]
    assert response.json()["error"]["code"] == "invalid"
    assert _vault_objects() == []
    assert not EvidenceItem.objects.exists()


@pytest.mark.parametrize("case_id", [10**30, -1, 2**63])
def test_an_impossible_case_number_is_an_unknown_case(
    client: Client, acme: Organisation, case_id: int
) -> None:
    token = apikey_create(organisation=acme, scope=Scope.PLATFORM, name="App")[1]
    response = _upload(client, token, case_id, "{}")
    assert response.status_code in (400, 404), response.content[:300]
    assert _vault_objects() == []


def test_concurrent_writers_never_share_a_buffer() -> None:
    """Captures at once, each in a writer thread: every object decrypts to its own bytes."""
    store = storage.backend()
    contents = {f"ev-atk5-{n}": os.urandom(capture._CHUNK + 1000 * n) for n in range(12)}
    data_key = keys.new_data_key()
    with ThreadPoolExecutor(max_workers=6) as pool:
        jobs = [
            capture._PUTS.submit(capture._write_encrypted, store, name, data_key, content)
            for name, content in contents.items()
            for _ in [pool]
        ]
        for job in jobs:
            job.result()
    for name, content in contents.items():
        assert keys.decrypt_content(data_key, store.get(name), name) == content
        store.delete(name)


@pytest.mark.parametrize("where", ["local", "s3"])
def test_a_foreign_or_unknown_case_is_one_answer_and_leaves_nothing(
    client: Client,
    acme: Organisation,
    bayon: Organisation,
    request: pytest.FixtureRequest,
    where: str,
) -> None:
    """Through the API: another organisation's case and no case at all get the same 404 body,
    and neither leaves an object (in the vault or the bucket), a row, custody or audit entry."""
    if where == "s3":
        request.getfixturevalue("s3")
    foreign = make_case(bayon)
    token = apikey_create(organisation=acme, scope=Scope.PLATFORM, name="App")[1]
    audit_before = AuditEntry.objects.count()
    answers = [_upload(client, token, case_id, '{"a": 1}') for case_id in (foreign.pk, 999_999)]
    assert [a.status_code for a in answers] == [404, 404]
    assert answers[0].content == answers[1].content
    store = storage.backend()
    if where == "s3":
        listing = store.client.list_objects_v2(Bucket=store.bucket)  # type: ignore[attr-defined]
        assert listing.get("KeyCount", 0) == 0
    assert _vault_objects() == []
    assert not EvidenceItem.objects.exists() and not CustodyEntry.objects.exists()
    assert AuditEntry.objects.count() == audit_before


# ---------------------------------------------------------------- 2b. InsertPlan's values

_ODD_VALUES: list[Any] = [
    None,
    datetime(2026, 5, 1, 10, 0),  # noqa: DTZ001 - naive, on purpose
    datetime(2026, 5, 1, 10, 0, tzinfo=ZoneInfo("Asia/Phnom_Penh")),  # aware, not UTC
    date(2026, 5, 1),
    Decimal("1.50"),
    uuid.UUID(int=7),
    Category.OTHER,  # a str enum member
    True,
    False,
    7,
    "7",
    "",
    {"a": [1]},
]


@pytest.mark.parametrize("model", [Report, Case, EvidenceItem, AuditEntry])
def test_insert_plan_prepares_every_value_as_django_would(acme: Organisation, model: Any) -> None:
    """For every column and each odd value: the plan's parameter is Django's own
    (`get_db_prep_save`), or both refuse it. A value passed as it is must be one Django would
    pass unchanged, of the exact type the driver sends as the column's type."""
    conn = connections[DEFAULT_DB_ALIAS]
    for field in model._meta.concrete_fields:
        prep = rows._preparer(field, conn)
        for value in _ODD_VALUES:
            try:
                expected = field.get_db_prep_save(value, conn)
            except Exception as exc:
                with pytest.raises(type(exc)):
                    prep(value)
                continue
            got = prep(value)
            assert _same(got, expected), (field, value, got, expected)


def _same(got: Any, expected: Any) -> bool:
    """Equal and of one type; an int for Django's typed int (psycopg's Int2/Int4/Int8: the
    plan leaves the width to the driver, the column's type decides), a JSON wrapper by its
    content."""
    if hasattr(expected, "obj") and type(got) is type(expected):
        return bool(got.obj == expected.obj)
    if isinstance(expected, int) and type(expected).__module__.startswith("psycopg"):
        return type(got) in (int, type(expected)) and int(got) == int(expected)
    return type(got) is type(expected) and bool(got == expected)


_PADDED = [
    {"links": ["https://a.example/"], "description": "a" * 1999 + "    "},
    {"links": ["https://a.example/"], "description": "a" * 2001},
    {"links": [], "app_name": " " + "T" * 100 + " ", "account_name": "@someone"},
    {"links": [], "app_name": "T" * 101, "account_name": "@" + "s" * 200},
    {
        "links": ["https://a.example/"],
        "contact": {"name": "Dara" + " " * 100, "phone": "012345678"},
    },
    {"links": ["https://a.example/"], "contact": {"name": "D" * 101, "phone": "012345678"}},
    {"links": ["https://a.example/"], "contact": {"phone": "  012 345 678 99    "}},
    {"links": ["https://a.example/"], "contact": {"phone": "0" * 21}},
    {"links": ["https://a.example/"], "contact": {"email": "a@b.example" + " " * 250}},
    {"links": ["https://a.example/"], "contact": {"email": "a" * 250 + "@b.example"}},
    {
        "links": ["https://a.example/", "", "", "", ""]
        + [f"https://a.example/{n}" for n in range(18)]
    },
    {"links": [f"https://a.example/{n}" for n in range(21)]},
    {"links": ["https://a.example/" + "a" * 2030 + "   "]},
    {"links": ["https://a.example/" + "a" * 2040]},
]


@pytest.mark.parametrize("language", ["km", "en"])
@pytest.mark.parametrize("body", _PADDED)
def test_lengths_are_counted_as_the_page_counts_them(
    client: Client, body: dict[str, Any], language: str
) -> None:
    """The page strips the blanks around a text before it counts its letters, and says "too
    long" in the reader's language; the API counted the blanks and answered pydantic's
    English. Both must now take and refuse the same reports with the same messages."""
    form_rules.test_the_api_refuses_and_accepts_what_the_page_does(client, body, language)


@pytest.mark.parametrize("fails", ["audit", "hash", "interrupt"])
def test_a_failure_mid_capture_leaves_no_row_and_no_object(
    acme: Organisation, monkeypatch: pytest.MonkeyPatch, fails: str
) -> None:
    """The audit entry failing, the SHA-256 thread failing, or the request thread interrupted
    in the transaction: the rows roll back and the written object is deleted again."""
    case = make_case(acme)

    def broken(*args: Any, **kwargs: Any) -> Any:
        if fails == "interrupt":
            raise KeyboardInterrupt
        raise RuntimeError("broken on purpose")

    monkeypatch.setattr(capture, "audit_record_many" if fails != "hash" else "_sha256_hex", broken)
    with pytest.raises((RuntimeError, KeyboardInterrupt)):
        evidence_capture(
            organisation=acme,
            case_id=case.pk,
            content=os.urandom(capture._CHUNK + 10),
            content_type="application/octet-stream",
            metadata={"owner": "x"},
            source="platform",
            actor="test platform",
        )
    assert _vault_objects() == []
    assert not EvidenceItem.objects.exists() and not CustodyEntry.objects.exists()
    case.refresh_from_db()
    assert case.preserved_at is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"links": ["https://a.example/"]}, "category"),
        ({"links": ["https://a.example/"], "category": "nope"}, "category"),
        ({"links": "https://a.example/", "category": "other"}, "links"),
        ({"links": [["https://a.example/"]], "category": "other"}, "links.0"),
        ({"links": ["https://a.example/"], "category": "other", "x": 1}, "x"),
        (
            {"links": ["https://a.example/"], "category": "other", "reporter_is_child": "y"},
            "reporter_is_child",
        ),
        (
            {"links": ["https://a.example/"], "category": "other", "seen_on": "2025-13-01"},
            "seen_on",
        ),
        (
            {
                "links": ["https://a.example/"],
                "category": "other",
                "platform_content_id": "p" * 201,
            },
            "platform_content_id",
        ),
        ([], "body"),
    ],
)
def test_a_wrong_type_is_answered_in_the_readers_language(
    client: Client, body: Any, field: str
) -> None:
    """pydantic's own messages ("Input should be a valid string") were English under Khmer:
    each field's message is now in the reader's language, Khmer by default."""
    km = _report(client, body).json()["error"]
    en = _report(client, body, HTTP_ACCEPT_LANGUAGE="en").json()["error"]
    assert km["code"] == en["code"] == "invalid"
    assert set(km["fields"]) == set(en["fields"]) == {field}
    for message in km["fields"][field]:
        assert re.search("[\u1780-\u17ff]", message), message
    assert km["fields"][field] != en["fields"][field]
