"""Simultaneous first reports and notices about one link open ONE case (guidelines 2.6 b: one
item, one analyst). Before the index one_open_case_per_content, each writer's FOR UPDATE found
no case to lock and each opened its own: two cases for one item, on a server database."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_create
from karpear.cases import services
from karpear.cases.models import Case, CaseReport, State
from karpear.cases.services import case_open_for_content
from karpear.core.errors import ApplicationError
from karpear.notices.models import Action, Issuer, NoticeItem
from karpear.notices.services import ItemIn, issuer_for_key, notice_receive
from karpear.orgs.models import Organisation
from karpear.platformlink.services import link_configure
from karpear.reports.models import Channel, Report
from karpear.reports.services import report_submit
from tests.cast import Person, make_case, report_data

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 3  # one link per round: each round is a fresh race for a first case


def _together(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run the jobs in threads released at once; their results (exceptions re-raised here)."""
    start = threading.Barrier(len(jobs))
    results: list[Any] = []
    lock = threading.Lock()

    def run(job: Callable[[], Any]) -> None:
        try:
            start.wait()
            try:
                outcome = job()
            except Exception as exc:
                outcome = exc
            with lock:
                results.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for outcome in results:
        if isinstance(outcome, Exception):
            raise outcome
    return results


@pytest.fixture(autouse=True)
def _server_database() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("needs a server database: SQLite serialises writers before the race")


def _issuer(org: Organisation) -> Issuer:
    """The Anti-Cybercrime Unit's issuer, with the platform linked (notices act on its
    hosts; reports then take the transactional path, which isolates on receipt)."""
    link_configure(
        organisation=org, webhook_url="http://127.0.0.1:9/hook", hosted_domains=["social.example"]
    )
    key = apikey_create(organisation=org, scope=Scope.ISSUER, name="Anti-Cybercrime Unit")[0]
    return issuer_for_key(key)


def _report(org: Organisation, url: str) -> Callable[[], Report]:
    def send() -> Report:
        return report_submit(
            organisation=org,
            channel=Channel.WEB,
            data=report_data(url, category="sexual_image"),
        )[0]

    return send


def _notice(issuer: Issuer, ref: str, url: str) -> Callable[[], Any]:
    def send() -> Any:
        return notice_receive(
            issuer=issuer,
            issuer_reference=ref,
            legal_basis="art. 41",
            items=[ItemIn(url=url)],
            actions=[Action.TAKEDOWN],
            deadline=None,
        )[0]

    return send


def _one_open_case_holds_everything(
    org: Organisation, url: str, reports: int, notices: int
) -> None:
    reports_of_url = Report.objects.filter(organisation=org, items__url=url)
    items_of_url = NoticeItem.objects.filter(notice__issuer__organisation=org, url=url)
    assert reports_of_url.count() == reports and items_of_url.count() == notices  # none lost
    cases = set(CaseReport.objects.filter(report__in=reports_of_url).values_list("case", flat=True))
    cases |= set(items_of_url.values_list("case", flat=True))
    assert len(cases) == 1, f"{len(cases)} cases for one link"
    case = Case.objects.get(pk=cases.pop())
    assert case.state != State.CLOSED and case.report_count == reports
    assert Case.objects.filter(organisation=org).exclude(state=State.CLOSED).count() == 1


@pytest.mark.parametrize("linked", [False, True], ids=["one statement", "transactional"])
def test_simultaneous_first_reports_open_one_case(acme: Organisation, linked: bool) -> None:
    if linked:
        _issuer(acme)
    for n in range(ROUNDS):
        url = f"https://social.example/p/race-{n}"
        _together([_report(acme, url)] * 3)
        _one_open_case_holds_everything(acme, url, reports=3, notices=0)
        Case.objects.filter(organisation=acme).update(state=State.CLOSED)  # next round: fresh


def test_simultaneous_first_notices_open_one_case(acme: Organisation) -> None:
    issuer = _issuer(acme)
    for n in range(ROUNDS):
        url = f"https://social.example/p/race-{n}"
        _together([_notice(issuer, f"ACU/{n}/{k}", url) for k in range(3)])
        _one_open_case_holds_everything(acme, url, reports=0, notices=3)
        Case.objects.filter(organisation=acme).update(state=State.CLOSED)


def test_notices_naming_two_new_links_in_either_order_open_one_case_each(
    acme: Organisation,
) -> None:
    """New cases are inserted in key order: two notices naming the same two new links in
    opposite orders wait for each other in one order, never in a circle (no deadlock)."""
    issuer = _issuer(acme)
    for n in range(ROUNDS):
        first, second = f"https://social.example/p/a-{n}", f"https://social.example/p/b-{n}"

        def both(ref: str, urls: list[str]) -> Callable[[], Any]:
            return lambda: notice_receive(
                issuer=issuer,
                issuer_reference=ref,
                legal_basis="art. 41",
                items=[ItemIn(url=u) for u in urls],
                actions=[Action.TAKEDOWN],
                deadline=None,
            )

        _together([both(f"ACU/{n}/ab", [first, second]), both(f"ACU/{n}/ba", [second, first])])
        for url in (first, second):
            items = NoticeItem.objects.filter(url=url)
            assert items.count() == 2 and len({i.case_id for i in items}) == 1
        Case.objects.filter(organisation=acme).update(state=State.CLOSED)


def test_a_first_report_and_a_first_notice_at_once_open_one_case(acme: Organisation) -> None:
    issuer = _issuer(acme)
    for n in range(ROUNDS):
        url = f"https://social.example/p/race-{n}"
        jobs = [_report(acme, url), _notice(issuer, f"ACU/{n}/a", url)]
        jobs += [_report(acme, url), _notice(issuer, f"ACU/{n}/b", url)]
        _together(jobs)
        _one_open_case_holds_everything(acme, url, reports=2, notices=2)
        case = Case.objects.get(organisation=acme, state=State.ISOLATED)
        assert case.priority == 1  # a notice's case jumps the queue, whoever opened it
        Case.objects.filter(organisation=acme).update(state=State.CLOSED)


def test_the_same_link_at_another_organisation_still_opens_its_own(
    acme: Organisation, bayon: Organisation
) -> None:
    url = "https://social.example/p/both"
    _together([_report(acme, url), _report(bayon, url), _report(acme, url), _report(bayon, url)])
    for org in (acme, bayon):
        _one_open_case_holds_everything(org, url, reports=2, notices=0)


def test_simultaneous_hash_reviews_open_one_case(acme: Organisation) -> None:
    """The ORM path (a hash match queued for review) yields to the case that won, too."""

    def review() -> int:
        with transaction.atomic():
            return case_open_for_content(
                organisation=acme,
                keys=["content:post-race"],
                category="sexual_image",
                opened_at=timezone.now(),
                source="hash_match",
            ).pk

    assert len(set(_together([review] * 3))) == 1
    assert Case.objects.filter(organisation=acme, group_key="content:post-race").count() == 1


def test_a_reopening_meets_a_case_opened_meanwhile_with_a_409(
    acme: Organisation, analyst: Person, lead: Person
) -> None:
    """A report opens a case about the same link while the lead reopens the old one: the
    reopening is refused with the desk's 409 naming the new case, never a server error."""
    url = "https://social.example/p/reopen"
    case = make_case(acme, url)
    for state in [State.IN_REVIEW, State.NO_ACTION, State.CLOSED]:
        case = services.case_transition(
            case=case,
            member=analyst.member,
            to_state=state,
            reason="checked",
            expected_version=case.version,
        )
    opened = threading.Event()

    def report_held_open() -> None:
        try:
            with transaction.atomic():
                _report(acme, url)()
                opened.set()
                # Not yet committed: the lead's check below finds no open case, and its UPDATE
                # then waits on the index for this transaction (if it gets there in time; if
                # not, the check sees the committed case: the same answer either way).
                time.sleep(0.5)
        finally:
            connection.close()

    holder = threading.Thread(target=report_held_open)
    holder.start()
    assert opened.wait(timeout=30)
    try:
        with pytest.raises(ApplicationError) as refused:
            services.case_transition(
                case=case,
                member=lead.member,
                to_state=State.IN_REVIEW,
                reason="new information",
                expected_version=case.version,
            )
    finally:
        holder.join()
    assert refused.value.code == "open_case_exists" and refused.value.status == 409
    assert Case.objects.get(pk=case.pk).state == State.CLOSED
    assert Case.objects.filter(organisation=acme).exclude(state=State.CLOSED).count() == 1
