"""`/metrics`: who may read it, and that it shows the product's health truthfully (#23, 1)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from karpear.audit.checkpoints import checkpoint_write
from karpear.audit.services import audit_record
from karpear.cases.models import Case
from karpear.evidence.models import EvidenceItem
from karpear.evidence.services import evidence_capture, purge_expired
from karpear.monitoring.collector import QUERY_BUDGET
from karpear.orgs.models import Organisation
from karpear.orgs.services import organisation_create
from karpear.platformlink.models import EventStatus
from karpear.platformlink.services import deliver_one, event_enqueue
from tests.cast import make_case
from tests.conftest import Client

TOKEN = "m" * 20 + "Q3x9vT7kLp2Zr8Yw4Nc6Hb1Js5Dg0Fa"  # test value, never a deployment's


@pytest.fixture
def scrape(settings: Any, client: Client) -> Any:
    settings.KARPEAR_METRICS_TOKEN = TOKEN

    def read() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200, response.content
        assert response["Content-Type"].startswith("text/plain")
        samples = {}
        for family in text_string_to_metric_families(response.content.decode()):
            for s in family.samples:
                samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
        return samples

    return read


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


def test_it_does_not_exist_while_no_token_is_set(client: Client, settings: Any) -> None:
    settings.KARPEAR_METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@pytest.mark.parametrize(
    "header",
    [None, "", f"Basic {TOKEN}", f"Bearer {TOKEN[:-1]}", f"Bearer {TOKEN}x", "Bearer", "Bearer \0"],
)
def test_it_refuses_a_missing_or_wrong_token(
    client: Client, settings: Any, header: str | None
) -> None:
    settings.KARPEAR_METRICS_TOKEN = TOKEN
    extra: dict[str, Any] = {} if header is None else {"HTTP_AUTHORIZATION": header}
    response = client.get("/metrics", **extra)
    assert b"karpear_cases_open" not in response.content
    if header is not None and "\0" in header:
        assert response.status_code == 400  # a NUL is refused by the input guard first
        return
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] == "unauthorised"


def test_only_get_is_answered(client: Client, settings: Any) -> None:
    settings.KARPEAR_METRICS_TOKEN = TOKEN
    response = client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 405


def test_open_cases_and_sla_breaches_are_counted_per_organisation(
    acme: Organisation, bayon: Organisation, scrape: Any
) -> None:
    late = make_case(acme, url="https://social.example/p/1")
    make_case(acme, url="https://social.example/p/2", category="grooming")
    make_case(bayon, url="https://bayon.example/p/1")
    Case.objects.filter(pk=late.pk).update(next_due_at=timezone.now() - timedelta(minutes=5))
    samples = scrape()
    assert (
        value(
            samples,
            "karpear_cases_open",
            organisation="acme",
            state="received",
            category="sexual_image",
        )
        == 1
    )
    assert (
        value(
            samples,
            "karpear_cases_open",
            organisation="acme",
            state="received",
            category="grooming",
        )
        == 1
    )
    assert value(samples, "karpear_cases_past_sla", organisation="acme") == 1
    assert value(samples, "karpear_cases_past_sla", organisation="bayon") == 0


def test_a_report_s_words_and_contact_never_reach_the_metrics(
    acme: Organisation, client: Client, settings: Any
) -> None:
    make_case(acme, url="https://social.example/p/secret-path", contact=True)
    settings.KARPEAR_METRICS_TOKEN = TOKEN
    client.get("/en/status/ABCD-EFGH-JKMN")  # a reference in a path: grouped, never a label
    body = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode()
    for secret in ("secret-path", "seen in a group", "Sokha", "012345678", "ABCD-EFGH"):
        assert secret not in body
    assert 'group="status"' in body


def test_dead_letters_and_the_outbox_are_shown(acme: Organisation, scrape: Any) -> None:
    waiting = event_enqueue(organisation_id=acme.pk, event_type="content.isolate", data={})
    dead = event_enqueue(organisation_id=acme.pk, event_type="content.isolate", data={})
    deliver_one(dead.pk, now=dead.created_at + timedelta(days=2))  # no platform link: gives up
    dead.refresh_from_db()
    assert dead.status == EventStatus.DEAD and waiting.status == EventStatus.PENDING
    samples = scrape()
    assert value(samples, "karpear_webhooks_dead", organisation="acme") == 1
    assert value(samples, "karpear_webhooks_pending", organisation="acme") == 1
    assert value(samples, "karpear_worker_queue_depth", worker_job="deliver_webhooks") == 1


def _picture() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


def test_evidence_due_for_destruction_shows_until_the_purge_destroys_it(
    acme: Organisation, scrape: Any
) -> None:
    case = make_case(acme)
    item = evidence_capture(
        organisation=acme,
        case_id=case.pk,
        content=_picture(),
        content_type="image/png",
        metadata={},
        source="platform",
        actor="test platform",
    )
    EvidenceItem.objects.filter(pk=item.pk).update(
        retention_until=timezone.now() - timedelta(hours=2)
    )
    samples = scrape()
    assert value(samples, "karpear_evidence_due_for_destruction", organisation="acme") == 1
    assert value(samples, "karpear_evidence_destruction_overdue", organisation="acme") == 1
    assert value(samples, "karpear_worker_queue_depth", worker_job="purge_expired_evidence") == 1
    purge_expired()
    samples = scrape()
    assert value(samples, "karpear_evidence_due_for_destruction", organisation="acme") == 0
    assert value(samples, "karpear_worker_queue_depth", worker_job="purge_expired_evidence") == 0


def test_the_audit_checkpoint_figures_follow_the_worker(acme: Organisation, scrape: Any) -> None:
    audit_record(action="test_entry", organisation=acme, actor_label="test")
    before = scrape()
    assert value(before, "karpear_audit_checkpoint_age_seconds") == float("inf")
    assert value(before, "karpear_audit_entries_since_checkpoint") > 0
    checkpoint_write()
    after = scrape()
    assert value(after, "karpear_audit_entries_since_checkpoint") == 0
    assert value(after, "karpear_audit_checkpoint_age_seconds") < 3600


def test_a_scrape_costs_the_same_queries_however_many_organisations(
    acme: Organisation, settings: Any, client: Client
) -> None:
    settings.KARPEAR_METRICS_TOKEN = TOKEN

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200
        return len(captured)

    make_case(acme)
    few = queries()
    for n in range(3):
        org = organisation_create(name=f"Org {n}", slug=f"org{n}", domain=f"org{n}.test")
        make_case(org, url=f"https://social.example/o/{n}")
    assert queries() == few <= QUERY_BUDGET


def test_the_hash_index_age_and_delta_follow_its_snapshot(acme: Organisation, scrape: Any) -> None:
    from pathlib import Path

    from karpear.hashes.index import index_compact
    from karpear.hashes.services import bank_create, hashes_import

    bank = bank_create(
        organisation=acme, name="hotline", source="hotline", agreement="test", policy="review"
    )
    csv = Path(__file__).resolve().parents[2] / "examples" / "hashes" / "demo-bank.csv"
    hashes_import(bank=bank, text=csv.read_text(encoding="utf-8"))
    before = scrape()
    assert ("karpear_hash_index_age_seconds", (("organisation", "acme"),)) not in before
    assert value(before, "karpear_hash_index_delta", organisation="acme") > 0
    index_compact(acme.pk)
    after = scrape()
    assert value(after, "karpear_hash_index_delta", organisation="acme") == 0
    assert 0 <= value(after, "karpear_hash_index_age_seconds", organisation="acme") < 3600
