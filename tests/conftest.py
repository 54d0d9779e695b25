"""The cast and the helpers every test uses.

Two organisations share the deployment: "acme" (the default, served at any
unknown host) and "bayon" (served at bayon.test). Tests build data through the
real services, never raw model writes.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as DjangoClient

from karpear.orgs.models import Organisation
from karpear.orgs.services import organisation_create

BAYON_HOST = "bayon.test"
pytest_plugins = ["tests.cast", "tests.platform_fixture"]


class Client(DjangoClient):
    """Posts forms the way a browser does (urlencoded), unless files are attached."""

    def post(  # type: ignore[override]
        self, path: str, data: Any = None, content_type: str | None = None, **extra: Any
    ) -> Any:
        if data is None:
            data = {}
        if (
            content_type is None
            and isinstance(data, dict)
            and not any(isinstance(v, SimpleUploadedFile) for v in data.values())
        ):
            return super().post(
                path,
                urlencode(data, doseq=True),
                content_type="application/x-www-form-urlencoded",
                **extra,
            )
        if content_type is None:
            return super().post(path, data, **extra)
        return super().post(path, data, content_type=content_type, **extra)


@pytest.fixture(autouse=True)
def _test_hosts(settings: Any) -> None:
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, BAYON_HOST, "nobody.test"]


@pytest.fixture(autouse=True)
def _blocklist_dir(settings: Any, tmp_path: Path) -> None:
    """Each test compiles its own blocklist files (they mirror that test's database)."""
    settings.KARPEAR_BLOCKLIST_DIR = tmp_path / "blocklist"


@pytest.fixture(autouse=True)
def _data_dir(settings: Any, tmp_path: Path) -> None:
    """Vault objects, encrypted files and the demo's key files go to the test's own folder,
    never into the developer's var/ (a test's demo key once replaced the real one there)."""
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()


@pytest.fixture(autouse=True)
def _hash_index(settings: Any, tmp_path: Path) -> None:
    """Each test has its own PDQ index snapshots and no cached index (they mirror its database)."""
    from karpear.hashes.index import forget

    settings.KARPEAR_HASH_INDEX_DIR = tmp_path / "hash-index"
    forget()


@pytest.fixture(autouse=True)
def _org_host_cache() -> None:
    """Each test starts with an empty host -> organisation cache (rolled-back organisations
    fire no signal, so a cached one from the previous test would otherwise survive)."""
    from karpear.orgs.services import organisation_host_cache_clear

    organisation_host_cache_clear()


@pytest.fixture(autouse=True)
def rate_limit_clock(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """Rate limits count in fixed windows aligned to the clock (core/ratelimit.py; the hourly
    caps of cases/receipt.py): a test expecting the (N+1)-th try to be refused failed when it
    straddled a window's end, where the count starts over (one run in a hundred or so for
    "2/60"). The limiter's clock stands still at the test's start; a test that gives `now`
    keeps it."""
    from django.utils import timezone

    from karpear.core import ratelimit

    still, real = timezone.now(), ratelimit.hit

    def hit(action: str, client: str, rate: str, *, now: Any = None) -> tuple[int, int]:
        return real(action, client, rate, now=now or still)

    monkeypatch.setattr(ratelimit, "hit", hit)
    monkeypatch.setattr("karpear.cases.receipt.hit", hit)
    return still


@pytest.fixture
def acme(db: None) -> Organisation:
    return organisation_create(
        name="Acme Mobile", name_km="អាក់មី", slug="acme", is_default=True, response_hours=12
    )


@pytest.fixture
def bayon(db: None) -> Organisation:
    return organisation_create(name="Bayon Social", slug="bayon", domain=BAYON_HOST)


@pytest.fixture
def client(acme: Organisation) -> Client:
    return Client()


@pytest.fixture
def bayon_client(bayon: Organisation) -> Client:
    return Client(HTTP_HOST=BAYON_HOST)


def valid_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "links": "https://social.example/p/123",
        "category": "sexual_image",
        "seen_on": "2026-11-20",
        "seen_at_time": "",
        "description": "",
        "age": "",
        "contact_choice": "anonymous",
        "contact_name": "",
        "contact_phone": "",
        "contact_email": "",
        "website": "",
        "submission": "",
    }
    data.update(overrides)
    return data


def valid_json(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "links": ["https://social.example/p/123"],
        "category": "sexual_image",
        "seen_on": "2026-11-20",
    }
    data.update(overrides)
    return data


def pytest_report_header() -> str:
    from django.conf import settings

    return f"karpear database: {settings.DATABASES['default']['ENGINE']}"
