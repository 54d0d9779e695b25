"""`Idempotency-Key` on POST /api/v1/reports: bound to caller and body (issue #15, item 4).

Semantics of the IETF Idempotency-Key draft: the same caller retrying with the
same key and body gets the first receipt; the same key with another body is a
conflict (409) that never names the first report; another caller's key is
another caller's business.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from django.db import connection

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_create
from karpear.orgs.models import Organisation
from karpear.reports.forms import ReportForm
from karpear.reports.models import Channel, Report
from karpear.reports.services import IdempotencyKeyReused, report_submit
from tests.conftest import Client, valid_form, valid_json


def post(client: Client, body: Any, key: str = "app-7f3a", **headers: str) -> Any:
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(
        "/api/v1/reports",
        data,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
        **headers,
    )


def test_the_same_key_with_another_body_is_a_409_that_names_no_report(client: Client) -> None:
    first = post(client, valid_json(description="a video on the school page"))
    again = post(client, valid_json(description="something else entirely"))
    assert (first.status_code, again.status_code) == (201, 409)
    error = again.json()["error"]
    assert error["code"] == "idempotency_key_reused"
    assert "Idempotency-Key" in error["message"]
    assert first.json()["reference"] not in again.content.decode()
    assert Report.objects.count() == 1


def test_the_conflict_is_told_in_the_requests_language(client: Client) -> None:
    post(client, valid_json())
    km = post(client, valid_json(description="other"), HTTP_ACCEPT_LANGUAGE="km")
    en = post(client, valid_json(description="other"), HTTP_ACCEPT_LANGUAGE="en")
    assert (km.status_code, en.status_code) == (409, 409)
    assert "already used for a different report" in en.json()["error"]["message"]
    assert "Idempotency-Key" in km.json()["error"]["message"]
    assert "already used" not in km.json()["error"]["message"]


def test_the_same_body_written_differently_is_still_the_same_request(client: Client) -> None:
    first = post(client, valid_json())
    spaced = json.dumps(dict(reversed(list(valid_json(seen_approximate=False).items()))), indent=2)
    again = post(client, spaced)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["reference"] == again.json()["reference"]


def test_a_conflicting_retry_does_not_spoil_the_honest_one(client: Client) -> None:
    first = post(client, valid_json())
    assert post(client, valid_json(category="other")).status_code == 409
    again = post(client, valid_json())
    assert again.status_code == 200 and again.json()["reference"] == first.json()["reference"]


def test_two_api_keys_sending_the_same_key_get_their_own_reports(
    client: Client, acme: Organisation
) -> None:
    one = apikey_create(organisation=acme, scope=Scope.PLATFORM, name="Android app")[1]
    two = apikey_create(organisation=acme, scope=Scope.PLATFORM, name="iOS app")[1]
    a = post(client, valid_json(), HTTP_AUTHORIZATION=f"Bearer {one}")
    b = post(client, valid_json(), HTTP_AUTHORIZATION=f"Bearer {two}")
    c = post(client, valid_json(description="other"), HTTP_AUTHORIZATION=f"Bearer {two}")
    assert (a.status_code, b.status_code, c.status_code) == (201, 201, 409)
    assert a.json()["reference"] != b.json()["reference"]
    retry = post(client, valid_json(), HTTP_AUTHORIZATION=f"Bearer {one}")
    assert retry.status_code == 200 and retry.json()["reference"] == a.json()["reference"]


def test_anonymous_clients_never_get_each_others_reports(
    client: Client, acme: Organisation
) -> None:
    token = apikey_create(organisation=acme, scope=Scope.PLATFORM, name="App")[1]
    a = post(client, valid_json(), REMOTE_ADDR="203.0.113.5")
    b = post(client, valid_json(), REMOTE_ADDR="198.51.100.7")
    c = post(client, valid_json(), HTTP_AUTHORIZATION=f"Bearer {token}", REMOTE_ADDR="203.0.113.5")
    assert (a.status_code, b.status_code, c.status_code) == (201, 201, 201)
    assert len({r.json()["reference"] for r in (a, b, c)}) == 3
    # Another caller's different body is not a conflict either: it is not their key.
    d = post(client, valid_json(category="other"), REMOTE_ADDR="192.0.2.9")
    assert d.status_code == 201


def test_a_too_long_key_is_refused_not_cut(client: Client) -> None:
    response = post(client, valid_json(), key="k" * 201)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["error"]["fields"]
    assert Report.objects.count() == 0
    assert post(client, valid_json(), key="k" * 200).status_code == 201


def test_a_bad_body_with_a_used_key_is_still_a_400(client: Client) -> None:
    post(client, valid_json())
    assert post(client, b"{broken").status_code == 400
    assert post(client, valid_json(category="pizza")).status_code == 400
    assert Report.objects.count() == 1


def test_the_portals_one_time_token_keeps_its_behaviour(client: Client) -> None:
    form = valid_form(submission="tok-123456789")
    client.post("/en/", form)
    client.post("/en/", form, REMOTE_ADDR="198.51.100.7")  # a phone that changed network
    assert Report.objects.count() == 1
    assert Report.objects.get().submission_fingerprint == ""


def _data() -> Any:
    form = ReportForm(valid_form())
    assert form.is_valid()
    return form.to_data()


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_requests_with_one_key_write_exactly_one_report(
    acme: Organisation,
) -> None:
    """Both requests pass the first look; the unique constraint lets one write, and the
    other answers with that report (or 409 when its body differed)."""
    if connection.vendor == "sqlite":
        pytest.skip("needs a server database: SQLite serialises writers before the race")
    data = _data()
    start = threading.Barrier(4)
    results: list[tuple[str, bool] | str] = []
    lock = threading.Lock()

    def submit(fingerprint: str) -> None:
        try:
            start.wait()
            try:
                report, created = report_submit(
                    organisation=acme,
                    channel=Channel.IN_APP,
                    data=data,
                    submission_token="same",
                    caller="key:1",
                    fingerprint=fingerprint,
                )
                outcome: tuple[str, bool] | str = (report.reference, created)
            except IdempotencyKeyReused:
                outcome = "409"
            with lock:
                results.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(f,)) for f in ("a", "a", "a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Report.objects.count() == 1
    created = [r for r in results if isinstance(r, tuple) and r[1]]
    assert len(created) == 1
    assert len(results) == 4


def test_the_body_fingerprint_is_keyed_so_contact_details_cannot_be_guessed_from_it(
    client: Client, settings: Any
) -> None:
    body = valid_json(contact={"phone": "012 345 678"})
    post(client, body, key="one")
    settings.SECRET_KEY = "another secret key for this deployment"
    post(client, body, key="two")
    first, second = Report.objects.order_by("id").values_list("submission_fingerprint", flat=True)
    assert first and second and first != second
