"""Evidence capture and a notice on the same case at the same moment never deadlock: both lock
the case row before the audit head (audit.services.audit_record, docs/architecture.md). Capture
used to append its custody entry to the audit chain first and reach the case row after (its
preserved mark, or the foreign key's check at COMMIT), while a notice holds the case row and
waits for the audit head: PostgreSQL broke the circle by failing one of them."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_create
from karpear.audit.services import audit_verify
from karpear.cases.models import Case
from karpear.evidence.models import EvidenceItem
from karpear.evidence.services import evidence_capture
from karpear.notices.models import Action, NoticeItem
from karpear.notices.services import ItemIn, issuer_for_key, notice_receive
from karpear.orgs.models import Organisation
from karpear.platformlink.services import link_configure
from tests.cast import make_case
from tests.evidence.conftest import benign_png

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 20
URL = "https://social.example/p/locks"


@pytest.fixture(autouse=True)
def _server_database() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("needs a server database: SQLite serialises writers before the race")


def _together(jobs: list[Callable[[], Any]]) -> list[BaseException]:
    """Run the jobs in threads released at once; the exceptions they raised."""
    start = threading.Barrier(len(jobs))
    failures: list[BaseException] = []
    lock = threading.Lock()

    def run(job: Callable[[], Any]) -> None:
        try:
            start.wait()
            job()
        except Exception as exc:
            with lock:
                failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return failures


def test_capture_and_notice_on_one_case_at_once_never_deadlock(acme: Organisation) -> None:
    link_configure(
        organisation=acme, webhook_url="http://127.0.0.1:9/hook", hosted_domains=["social.example"]
    )
    issuer = issuer_for_key(
        apikey_create(organisation=acme, scope=Scope.ISSUER, name="Anti-Cybercrime Unit")[0]
    )
    case = make_case(acme, url=URL)
    picture = benign_png(8)

    def capture() -> None:
        evidence_capture(
            organisation=acme,
            case_id=case.pk,
            content=picture,
            content_type="image/png",
            metadata={},
            source="platform",
            actor="test platform",
        )

    def notice(n: int) -> Callable[[], Any]:
        return lambda: notice_receive(
            issuer=issuer,
            issuer_reference=f"ACU/{n}",
            legal_basis="art. 41",
            items=[ItemIn(url=URL)],
            actions=[Action.TAKEDOWN],
            deadline=None,
        )

    failures = []
    for n in range(ROUNDS):
        failures += _together([capture, notice(n)])
    assert failures == []  # was: "deadlock detected" in some rounds
    assert EvidenceItem.objects.filter(case=case).count() == ROUNDS
    assert NoticeItem.objects.filter(case=case).count() == ROUNDS
    assert Case.objects.filter(organisation=acme).count() == 1
    assert audit_verify().ok
