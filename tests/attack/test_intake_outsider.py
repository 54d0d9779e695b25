"""An outsider's attack on the intake hot paths rewritten for issue #24.

Report intake (raw SQL on PostgreSQL, the ORM on SQLite) and notice intake (one statement per
table for a whole batch) must give the rows the per-item ORM path gave, on both databases:
these tests state the observable results (report status, case, timeline, webhooks, audit) and
run unchanged on SQLite and PostgreSQL, so the two paths are held to the same answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar

import pytest
from django.utils import translation
from django.utils.translation import gettext as _

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_create
from karpear.audit.services import audit_verify
from karpear.cases.models import Case, CaseReport
from karpear.notices.models import Notice
from karpear.orgs.models import Organisation
from karpear.platformlink.models import EventStatus, WebhookEvent
from karpear.platformlink.services import deliver_due, link_configure
from karpear.reports.models import Channel, Report
from karpear.reports.services import report_submit
from tests.cases.test_intake_statement import _submit
from tests.cast import report_data
from tests.conftest import BAYON_HOST, Client
from tests.notices.helpers import linked_issuer_token
from tests.notices.helpers import notice as _notice
from tests.notices.helpers import post as _post
from tests.platform_fixture import serve_on_loopback


@pytest.fixture
def acu(acme: Organisation) -> str:
    return linked_issuer_token(acme)


def test_a_report_joining_a_case_a_notice_isolated_shows_its_status(
    client: Client, acu: str, acme: Organisation
) -> None:
    """A notice opened the case (no reporter yet, report_count 0) and isolated the content; a
    reporter who then sends the same link joins it and must see "checking", as a reporter
    joining any other acted-on case does, not the "received" of a case nobody touched."""
    sent = _post(
        client, acu, "/api/v1/notices", _notice("ACU/1", {"url": "https://social.example/p/1"})
    )
    assert sent.status_code == 201
    report = _submit(acme, "https://social.example/p/1")
    case = CaseReport.objects.select_related("case").get(report=report).case
    assert case.source == "notice" and case.report_count == 1
    assert Report.objects.get(pk=report.pk).status == "checking"
    # A second reporter on the same case: the same answer, counted once each.
    second = _submit(acme, "https://social.example/p/1")
    assert Report.objects.get(pk=second.pk).status == "checking"
    assert Case.objects.get(pk=case.pk).report_count == 2


class _Platform(BaseHTTPRequestHandler):
    """A platform's webhook endpoint that answers each event, then drops the connection
    without saying so (no "Connection: close"), as a server closing idle connections does."""

    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[tuple[str, str, str, int]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        msg_id = self.headers["webhook-id"]
        self.seen.append((self.path, msg_id, body["type"], body["data"]["case_id"]))
        reply = json.dumps({"received": msg_id}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def platform() -> Iterator[str]:
    _Platform.seen = []
    with serve_on_loopback(_Platform) as url:
        yield url


def test_batch_webhooks_go_in_order_to_their_own_platform_only(
    client: Client, acme: Organisation, bayon: Organisation, platform: str
) -> None:
    """Two notices about one item in a batch, and bayon's notice about the same item: each
    company's platform gets only its own case's events, the preserve request first, each event
    once, although the platform closes the kept connection after every answer."""
    tokens = {}
    for org, host in ((acme, "testserver"), (bayon, BAYON_HOST)):
        link_configure(
            organisation=org,
            webhook_url=f"{platform}/{org.slug}",
            hosted_domains=["social.example"],
        )
        tokens[org.slug] = apikey_create(organisation=org, scope=Scope.ISSUER, name="ACU")[1]
        item = {"url": "https://social.example/p/9"}
        notices = [_notice(f"{org.slug}/1", item), _notice(f"{org.slug}/2", item)]
        sent = _post(
            client, tokens[org.slug], "/api/v1/notices/batch", {"notices": notices}, HTTP_HOST=host
        )
        assert [r["status"] for r in sent.json()["results"]] == [201, 201]
    cases = {c.organisation_id: c.pk for c in Case.objects.all()}
    assert len(cases) == 2
    assert deliver_due() == 6
    assert not WebhookEvent.objects.exclude(status=EventStatus.DELIVERED).exists()
    for org in (acme, bayon):
        got = [(t, c) for path, _m, t, c in _Platform.seen if path == f"/{org.slug}"]
        assert got == [
            ("content.preserve", cases[org.pk]),
            ("content.isolate", cases[org.pk]),
            ("content.isolate", cases[org.pk]),
        ]
    assert len({m for _p, m, _t, _c in _Platform.seen}) == len(_Platform.seen) == 6
    assert audit_verify().ok


def test_a_body_that_is_not_utf8_is_refused_in_the_senders_language(
    client: Client, acu: str
) -> None:
    """Ninja's own "Cannot parse request body" was passed through in English."""
    raw = b'{"notices": [{"issuer_reference": "\xff\xfe", "legal_basis": "x", "items": []}]}'
    for path in ("/api/v1/notices/batch", "/api/v1/notices"):
        refused = client.post(
            path, raw, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {acu}"
        )
        assert refused.status_code == 400
        error = refused.json()["error"]
        with translation.override("km"):
            expected = str(_("We could not read what was sent. Please try again."))
        assert error == {"code": "invalid", "message": expected}
        assert expected != "We could not read what was sent. Please try again."
    assert not Notice.objects.exists()


def test_a_long_content_id_opens_one_case_on_both_databases(
    client: Client, acu: str, acme: Organisation
) -> None:
    """A content ID may be 200 characters (the API allows it) but a case's group key holds
    80: PostgreSQL refused the whole batch (500, "value too long") where SQLite stored it.
    A long ID now groups by its digest, so the notice, its repeat and a report about the same
    content meet in one case, on both databases."""
    long_id = "post:" + "9" * 195
    first = _notice("ACU/long", {"platform_content_id": long_id})
    other = _notice("ACU/short", {"platform_content_id": "post:1"})
    sent = _post(client, acu, "/api/v1/notices/batch", {"notices": [first, other]})
    assert sent.status_code == 200, sent.content
    assert [r["status"] for r in sent.json()["results"]] == [201, 201]
    again = _post(
        client, acu, "/api/v1/notices", _notice("ACU/long2", {"platform_content_id": long_id})
    )
    assert again.status_code == 201
    case_id = sent.json()["results"][0]["notice"]["items"][0]["case_id"]
    assert again.json()["items"][0]["case_id"] == case_id
    report, created = report_submit(
        organisation=acme,
        channel=Channel.IN_APP,
        data=report_data(platform_content_id=long_id),
    )
    assert created and CaseReport.objects.get(report=report).case_id == case_id
    assert Case.objects.count() == 2 and all(len(c.group_key) <= 80 for c in Case.objects.all())


def _report(org: Organisation, content_id: str) -> Report:
    report, created = report_submit(
        organisation=org,
        channel=Channel.IN_APP,
        data=report_data(
            platform_content_id=content_id,
            description="'); DELETE FROM cases_case; -- %s %(x)s $1 \\",
        ),
    )
    assert created
    return report


def test_values_reaching_the_raw_sql_stay_values_and_organisations_stay_apart(
    acme: Organisation, bayon: Organisation
) -> None:
    """Quotes, placeholders and SQL in the values the report statement carries are stored as
    sent; the same (long) content ID at bayon never joins acme's case."""
    hostile = "x'); DELETE FROM cases_case; --%s%%(x)s$1" + "'" * 150
    theirs = _report(bayon, hostile)
    mine = _report(acme, hostile)
    again = _report(acme, hostile)
    case_of = {r.pk: CaseReport.objects.get(report=r).case for r in (theirs, mine, again)}
    assert case_of[mine.pk].pk == case_of[again.pk].pk != case_of[theirs.pk].pk
    assert case_of[theirs.pk].organisation_id == bayon.pk
    assert case_of[mine.pk].organisation_id == acme.pk
    assert Case.objects.get(pk=case_of[theirs.pk].pk).report_count == 1
    assert Case.objects.get(pk=case_of[mine.pk].pk).report_count == 2
    stored = Report.objects.get(pk=mine.pk)
    assert stored.platform_content_id == hostile and stored.description == mine.description


@pytest.mark.parametrize("deadline", ["2026-12-31T10:00:00", "2026-12-31T17:00:00+07:00"])
def test_a_notice_sent_again_with_its_deadline_is_the_same_notice(
    client: Client, acu: str, deadline: str
) -> None:
    """A retry must answer 200 with the notice on record, alone or in a batch, whether the
    deadline came with an offset or without one (read in the server's time zone)."""
    body = _notice("ACU/d", {"platform_content_id": "post:1"}, deadline=deadline)
    assert _post(client, acu, "/api/v1/notices", body).status_code == 201
    again = _post(client, acu, "/api/v1/notices", body)
    assert again.status_code == 200, again.content
    batch = _post(client, acu, "/api/v1/notices/batch", {"notices": [body, body]})
    assert [r["status"] for r in batch.json()["results"]] == [200, 200]
    assert Notice.objects.count() == 1
