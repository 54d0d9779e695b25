"""Complaint figures in the transparency report and statements of reasons (issue #17, item 8)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from karpear.cases.models import Decision
from karpear.complaints.models import Complaint, ComplaintChannel, ComplaintStatus
from karpear.complaints.services import complaint_decide, complaint_submit
from karpear.orgs.models import Organisation
from karpear.transparency.figures import compute
from karpear.transparency.services import CSV_MAP, _matches, public_figures, report_publish
from karpear.transparency.statements import statements
from tests.cast import Person
from tests.complaints.helpers import a_ban
from tests.conftest import Client

YEAR = (date(2025, 1, 1), date(2025, 12, 31))
JUNE = datetime(2025, 6, 1, 3, 0, tzinfo=UTC)


def _complaint(org: Organisation, decision: Decision, hours: float | None, by: Person) -> None:
    complaint, _ = complaint_submit(
        organisation=org, decision=decision, channel=ComplaintChannel.WEB, reason="x"
    )
    if hours is not None:
        outcome = ComplaintStatus.REVERSED if hours < 10 else ComplaintStatus.UPHELD
        complaint_decide(
            member=by.member, complaint_id=complaint.pk, outcome=outcome, reason="looked again"
        )
        Complaint.objects.filter(pk=complaint.pk).update(
            received_at=JUNE, reviewed_at=JUNE + timedelta(hours=hours)
        )
    else:
        Complaint.objects.filter(pk=complaint.pk).update(received_at=JUNE)


def test_the_year_counts_complaints_outcomes_and_the_median_time(
    acme: Organisation, analyst: Person, analyst2: Person
) -> None:
    for n, hours in enumerate([2.0, 4.0, 20.0, 30.0, 50.0, None]):
        _complaint(acme, a_ban(acme, analyst, account=f"u{n}"), hours, analyst2)
    figures = compute(acme, *YEAR)["complaints"]
    assert figures["received"] == 6
    assert figures["outcome"] == {"received": 1, "upheld": 3, "reversed": 2}
    assert figures["hours_to_decide"]["n"] == 5
    assert figures["hours_to_decide"]["p50"] == 20.0
    # Published with suppression: the one pending complaint is hidden, and one more beside it.
    shown = public_figures(compute(acme, *YEAR), threshold=3)["complaints"]
    assert shown["received"] == 6
    assert shown["outcome"]["received"] == "<3"
    assert shown["outcome"]["reversed"] == "<3"
    assert shown["hours_to_decide"]["p50"] == 20.0
    mapped = {
        path: section
        for path in ("complaints.received", "complaints.outcome.reversed")
        for pattern, section, _f in CSV_MAP
        if _matches(pattern, path)
    }
    assert set(mapped.values()) == {"complaints_art20"}


def test_a_report_published_before_complaints_shows_none(acme: Organisation) -> None:
    figures = compute(acme, *YEAR)
    del figures["complaints"]
    assert public_figures(figures, threshold=3)["complaints"] is None


def test_the_statement_of_reasons_says_a_decision_was_reversed_on_complaint(
    acme: Organisation, analyst: Person, analyst2: Person
) -> None:
    reversed_ban = a_ban(acme, analyst, account="u1")
    kept_ban = a_ban(acme, analyst, account="u2")
    a_ban(acme, analyst, account="u3")  # not contested
    for decision, outcome in (
        (reversed_ban, ComplaintStatus.REVERSED),
        (kept_ban, ComplaintStatus.UPHELD),
    ):
        complaint, _ = complaint_submit(
            organisation=acme, decision=decision, channel=ComplaintChannel.PLATFORM, reason=""
        )
        complaint_decide(
            member=analyst2.member, complaint_id=complaint.pk, outcome=outcome, reason="again"
        )
    now = datetime.now(tz=UTC)
    by_id = {
        s["karpear"]["decision_id"]: s["karpear"]
        for s in statements(acme, now - timedelta(days=1), now + timedelta(days=1))
    }
    assert by_id[reversed_ban.pk]["reversed_on_complaint"] is True
    assert by_id[reversed_ban.pk]["complaint"]["action_undone"] is True
    assert by_id[kept_ban.pk]["reversed_on_complaint"] is False
    assert by_id[kept_ban.pk]["complaint"]["outcome"] == "upheld"
    assert [k["complaint"] for k in by_id.values()].count(None) == 1


def test_the_published_report_shows_the_complaints_in_page_json_and_csv(
    acme: Organisation, analyst: Person, analyst2: Person, compliance: Person
) -> None:
    for n, hours in enumerate([2.0, 4.0, 20.0, 30.0, 50.0]):
        _complaint(acme, a_ban(acme, analyst, account=f"u{n}"), hours, analyst2)
    text = {
        h: {"en": f"{h} in English", "km": f"{h} ជាភាសាខ្មែរ"}
        for h in ("policies", "processes", "outcomes")
    }
    report = report_publish(member=compliance.member, start=YEAR[0], end=YEAR[1], narrative=text)
    client = Client()
    page = client.get(f"/en/transparency/{report.pk}/").content.decode()
    assert "Complaints about our decisions" in page and "Median hours to decide" in page
    khmer = client.get(f"/transparency/{report.pk}/").content.decode()
    assert "បណ្តឹងអំពីសេចក្តីសម្រេចរបស់យើង" in khmer
    document = json.loads(client.get(f"/en/transparency/{report.pk}.json").content)
    assert document["figures"]["complaints"]["received"] == "<10"  # suppressed: 5 < 10
    rows = client.get(f"/en/transparency/{report.pk}.csv").content.decode()
    assert "complaints_art20,Number of complaints received,complaints.received,<10" in rows
