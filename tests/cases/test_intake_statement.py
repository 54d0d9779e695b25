"""A report joins or opens its case with the rules the desk relies on (issue #24).

On PostgreSQL the report and its case are written with one statement each; these tests hold
that path (and the ORM one on SQLite) to the same rules: the organisation's SLA rows, one case
per content per organisation, the counter, the "opened" event, the joined reporter's status,
items read back, and the case handed to the receivers equal to its row.
"""

from __future__ import annotations

from datetime import timedelta

from karpear.cases import services
from karpear.cases.models import Case, CaseEvent, CaseReport, SlaPolicy, State
from karpear.orgs.models import Organisation
from karpear.reports.models import Channel, Report, ReportedItem
from karpear.reports.services import report_submit
from tests.cast import Person, make_case, report_data


def _submit(org: Organisation, *urls: str, category: str = "grooming") -> Report:
    report, created = report_submit(
        organisation=org,
        channel=Channel.IN_APP,
        data=report_data(*urls, category=category, description="it's 100% \x27quoted\x27 %s %(x)s"),
    )
    assert created
    return report


def _case(report: Report) -> Case:
    return CaseReport.objects.select_related("case").get(report=report).case


def test_the_organisations_default_row_sets_the_deadlines(acme: Organisation) -> None:
    SlaPolicy.objects.create(organisation=acme, category="", review_minutes=7, action_minutes=70)
    SlaPolicy.objects.create(
        organisation=acme, category="live_stream", review_minutes=3, action_minutes=9
    )
    case = _case(_submit(acme, "https://a.example/1"))
    assert case.review_due_at - case.opened_at == timedelta(minutes=7)
    assert case.next_due_at == case.review_due_at
    assert case.action_due_at - case.opened_at == timedelta(minutes=70)
    live = _case(_submit(acme, "https://a.example/2", category="live_stream"))
    assert live.review_due_at - live.opened_at == timedelta(minutes=3)


def test_another_organisations_rows_and_cases_do_not_count(
    acme: Organisation, bayon: Organisation
) -> None:
    SlaPolicy.objects.create(organisation=bayon, category="", review_minutes=5, action_minutes=6)
    first = _case(_submit(bayon, "https://same.example/p"))
    mine = _case(_submit(acme, "https://same.example/p"))
    assert mine.pk != first.pk and mine.organisation_id == acme.pk
    assert mine.review_due_at - mine.opened_at == timedelta(hours=1)
    assert first.report_count == mine.report_count == 1


def test_a_new_case_is_stored_as_the_receivers_saw_it(acme: Organisation) -> None:
    report = _submit(acme, "https://a.example/x", "https://b.example/y")
    items = list(ReportedItem.objects.filter(report=report).order_by("id"))
    assert [i.url for i in items] == ["https://a.example/x", "https://b.example/y"]
    assert Report.objects.get(pk=report.pk).description == report.description
    case = _case(report)
    assert (case.state, case.source, case.report_count, case.category) == (
        State.RECEIVED,
        "report",
        1,
        "grooming",
    )
    opened = CaseEvent.objects.get(case=case, kind="opened")
    assert opened.detail == {"report": report.reference} and opened.actor_id is None
    assert opened.to_state == State.RECEIVED and opened.at == report.received_at


def test_joining_counts_once_and_the_reporter_sees_the_cases_status(
    acme: Organisation, analyst: Person
) -> None:
    case = make_case(acme, url="https://social.example/p/5")
    again = _submit(acme, "https://social.example/p/5")
    assert Report.objects.get(pk=again.pk).status == "received"
    case = services.case_transition(
        case=_case(again),
        member=analyst.member,
        to_state=State.IN_REVIEW,
        reason="checked",
        expected_version=case.version,
    )
    third = _submit(acme, "https://social.example/p/5#frag")
    assert Report.objects.get(pk=third.pk).status == "checking"
    joined = Case.objects.get(pk=case.pk)
    assert joined.report_count == 3 and joined.case_reports.count() == 3
    assert CaseEvent.objects.filter(case=joined, kind="opened").count() == 1


def _row(case: Case) -> dict[str, object]:
    return {f.attname: getattr(case, f.attname) for f in Case._meta.concrete_fields}


def test_the_case_handed_on_equals_its_row(acme: Organisation) -> None:
    """Receivers (isolation on receipt) act on the case returned, not on a re-read row."""
    report = _submit(acme, "https://a.example/row")
    CaseReport.objects.filter(report=report).delete()  # join it again, by hand
    Case.objects.update(report_count=0)
    joined = services.case_open_or_join(report=report)
    assert _row(joined) == _row(Case.objects.get(pk=joined.pk))
    assert joined.report_count == 1
    CaseReport.objects.filter(report=report).delete()  # and now open a new one
    Case.objects.filter(pk=joined.pk).update(state=State.CLOSED)
    opened = services.case_open_or_join(report=report)
    assert opened.pk != joined.pk
    assert _row(opened) == _row(Case.objects.get(pk=opened.pk))
