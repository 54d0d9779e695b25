"""The status page gives the reporter a plain reason for the outcome (issue #17, item 7), and
never anything about a decision on another person's account."""

from __future__ import annotations

from karpear.cases import services as case_services
from karpear.cases.models import Authority, Case, CaseReport, Ground, State
from karpear.complaints.models import ComplaintChannel, ComplaintStatus
from karpear.complaints.services import complaint_decide, complaint_submit
from karpear.orgs.models import Organisation
from karpear.reports.models import Report
from tests.cast import Person, decide_account, make_case
from tests.complaints.helpers import an_isolation
from tests.conftest import Client


def _status(client: Client, case: Case) -> str:
    report = Report.objects.get(pk=CaseReport.objects.filter(case=case).values("report_id")[:1])
    page = client.post("/en/status/", {"reference": report.reference})
    assert page.status_code == 200
    return str(page.content.decode())


def _move(case: Case, person: Person, to: State, **extra: object) -> Case:
    case.refresh_from_db()
    return case_services.case_transition(
        case=case,
        member=person.member,
        to_state=to,
        reason="checked",
        expected_version=case.version,
        **extra,  # type: ignore[arg-type]
    )


def test_the_reporter_reads_why_nothing_was_removed(
    client: Client, acme: Organisation, analyst: Person
) -> None:
    case = make_case(acme, category="grooming")
    assert "did not break the law" not in _status(client, case)
    _move(case, analyst, State.IN_REVIEW)
    _move(case, analyst, State.NOT_ILLEGAL)
    assert "did not break the law or our rules, so we did not remove it" in _status(client, case)


def test_the_reporter_reads_that_it_broke_the_law_but_nothing_about_the_account(
    client: Client, acme: Organisation, analyst: Person
) -> None:
    case = make_case(acme)
    _move(case, analyst, State.IN_REVIEW)
    _move(case, analyst, State.REFERRED, referrals=[(Authority.ACU, "ACU-1")])
    _move(case, analyst, State.CONFIRMED_ILLEGAL, ground=Ground.LAW, clause="Criminal Code 41")
    decide_account(analyst, case, "account_ban", account_id="suspect-42", clause="Secret rule 9")
    page = _status(client, case)
    assert "broke the law, and we removed it" in page
    for private in ("suspect-42", "Secret rule 9", "Criminal Code 41", "ACU-1", "account"):
        assert private not in page


def test_content_put_back_on_complaint_is_explained(
    client: Client, acme: Organisation, analyst: Person, analyst2: Person
) -> None:
    isolation = an_isolation(acme, analyst)
    complaint, _ = complaint_submit(
        organisation=acme, decision=isolation, channel=ComplaintChannel.PLATFORM, reason="art"
    )
    complaint_decide(
        member=analyst2.member,
        complaint_id=complaint.pk,
        outcome=ComplaintStatus.REVERSED,
        reason="It is a painting of adults.",
    )
    page = _status(client, isolation.case)
    assert "visible again" in page and "painting" not in page
