"""Four eyes per category (issue #16, item 14): a permanent removal or ban waits for a second
analyst where the lead turned it on; off by default; nobody confirms their own request."""

from __future__ import annotations

import re

import pytest

from karpear.audit.models import AuditEntry
from karpear.cases import services
from karpear.cases.models import (
    Authority,
    Case,
    Decision,
    DecisionKind,
    FourEyesRule,
    Ground,
    PendingDecision,
    State,
)
from karpear.core.errors import ApplicationError
from karpear.orgs.models import Organisation
from karpear.platformlink.models import WebhookEvent
from tests.cast import Person, make_case, sign_in


def _referred(org: Organisation, person: Person, category: str = "live_stream") -> Case:
    case = make_case(org, category=category)
    for to, kw in (
        (State.IN_REVIEW, {}),
        (State.REFERRED, {"referrals": [(Authority.ACU, "ACU-9")]}),
    ):
        case = services.case_transition(
            case=case,
            member=person.member,
            to_state=to,
            reason="checked",
            expected_version=case.version,
            **kw,  # type: ignore[arg-type]
        )
    return case


def _remove(case: Case, person: Person) -> Case:
    return services.case_transition(
        case=case,
        member=person.member,
        to_state=State.CONFIRMED_ILLEGAL,
        reason="abuse confirmed",
        expected_version=case.version,
        ground=Ground.LAW,
        clause="Law on ... art. 41",
    )


def _removals(case: Case) -> list[WebhookEvent]:
    return list(
        WebhookEvent.objects.filter(event_type="content.remove", payload__data__case_id=case.pk)
    )


def _requested(org: Organisation, person: Person) -> tuple[Case, PendingDecision]:
    """`person` refers a case and asks to remove its content; the request waits."""
    case = _remove(_referred(org, person), person)
    case.refresh_from_db()
    pending = services.pending_decision(case)
    assert pending is not None
    return case, pending


def _answer(
    case: Case, person: Person, pending_id: int, *, confirm: bool = True, reason: str = ""
) -> Case:
    return services.confirmation_answer(
        case=case,
        member=person.member,
        pending_id=pending_id,
        confirm=confirm,
        reason=reason,
        expected_version=case.version,
    )


@pytest.fixture
def four_eyes_on(acme: Organisation, lead: Person, analyst2: Person) -> None:
    from tests.evidence.conftest import screen

    services.four_eyes_set(member=lead.member, categories={"live_stream"})
    screen(lead)
    screen(analyst2)  # the usual second pair of eyes: screened (2.6 b)


def test_an_unscreened_analyst_cannot_confirm_a_csam_decision(
    acme: Organisation, lead: Person, analyst: Person, analyst2: Person
) -> None:
    services.four_eyes_set(member=lead.member, categories={"live_stream"})
    case, pending = _requested(acme, analyst)
    with pytest.raises(ApplicationError) as refused:
        _answer(case, analyst2, pending.pk)
    assert refused.value.code == "not_screened"
    assert not _removals(case)


def test_it_is_off_by_default(acme: Organisation, analyst: Person) -> None:
    case = _remove(_referred(acme, analyst), analyst)
    assert case.state == State.CONFIRMED_ILLEGAL
    assert len(_removals(case)) == 1
    assert not PendingDecision.objects.exists()


@pytest.mark.usefixtures("four_eyes_on")
def test_a_removal_waits_for_a_second_analyst_and_nothing_is_sent(
    acme: Organisation, analyst: Person, analyst2: Person
) -> None:
    case = _remove(_referred(acme, analyst), analyst)
    case.refresh_from_db()
    assert case.state == State.REFERRED
    assert not _removals(case)
    assert not case.decisions.filter(kind=DecisionKind.CONTENT_REMOVE).exists()
    pending = services.pending_decision(case)
    assert pending is not None and pending.requested_by == analyst.member.user
    case = _answer(case, analyst2, pending.pk)
    assert case.state == State.CONFIRMED_ILLEGAL
    assert len(_removals(case)) == 1
    decision = Decision.objects.get(case=case, kind=DecisionKind.CONTENT_REMOVE)
    assert decision.decided_by == analyst.member.user
    assert decision.confirmed_by == analyst2.member.user
    assert decision.clause == "Law on ... art. 41"
    assert AuditEntry.objects.filter(action="decision_confirmed", object_id=case.pk).exists()
    assert services.pending_decision(case) is None


@pytest.mark.usefixtures("four_eyes_on")
def test_nobody_confirms_their_own_request_but_may_withdraw_it(
    acme: Organisation, analyst: Person
) -> None:
    case, pending = _requested(acme, analyst)
    with pytest.raises(ApplicationError) as refused:
        _answer(case, analyst, pending.pk)
    assert refused.value.code == "own_request"
    case = _answer(case, analyst, pending.pk, confirm=False, reason="asked too early")
    assert not _removals(case) and services.pending_decision(case) is None


@pytest.mark.usefixtures("four_eyes_on")
def test_the_case_does_not_move_on_while_a_request_waits(
    acme: Organisation, analyst: Person, analyst2: Person
) -> None:
    case, _pending = _requested(acme, analyst)
    with pytest.raises(ApplicationError) as refused:
        services.case_transition(
            case=case,
            member=analyst2.member,
            to_state=State.NOT_ILLEGAL,
            reason="looks fine",
            expected_version=case.version,
        )
    assert refused.value.code == "confirmation_pending"
    case.refresh_from_db()
    assert case.state == State.REFERRED


@pytest.mark.usefixtures("four_eyes_on")
def test_a_rejection_sends_nothing_needs_a_reason_and_is_answered_once(
    acme: Organisation, analyst: Person, lead: Person, analyst2: Person
) -> None:
    case, pending = _requested(acme, analyst)
    with pytest.raises(ApplicationError):
        _answer(case, lead, pending.pk, confirm=False)
    case = _answer(case, lead, pending.pk, confirm=False, reason="not enough to say it is a child")
    assert case.state == State.REFERRED and not _removals(case)
    with pytest.raises(ApplicationError) as again:
        _answer(case, analyst2, pending.pk)
    assert again.value.code == "already_answered"
    assert case.events.filter(kind="confirmation_rejected").exists()


@pytest.mark.usefixtures("four_eyes_on")
def test_a_second_request_while_one_waits_is_refused(
    acme: Organisation, analyst: Person, analyst2: Person
) -> None:
    case, _pending = _requested(acme, analyst)
    with pytest.raises(ApplicationError) as refused:
        _remove(case, analyst2)
    assert refused.value.code == "confirmation_pending"


@pytest.mark.usefixtures("four_eyes_on")
def test_a_ban_waits_but_a_warning_and_other_categories_do_not(
    acme: Organisation, analyst: Person, analyst2: Person
) -> None:
    case = make_case(acme, category="live_stream")
    kw = {"ground": Ground.TERMS, "clause": "Terms 4", "account_id": "u1"}
    services.decision_account(
        case=case,
        member=analyst.member,
        kind=DecisionKind.ACCOUNT_WARNING,
        expected_version=case.version,
        **kw,  # type: ignore[arg-type]
    )
    case.refresh_from_db()
    result = services.decision_account(
        case=case,
        member=analyst.member,
        kind=DecisionKind.ACCOUNT_BAN,
        expected_version=case.version,
        **kw,  # type: ignore[arg-type]
    )
    assert isinstance(result, PendingDecision)
    assert not WebhookEvent.objects.filter(event_type="account.ban").exists()
    case.refresh_from_db()
    _answer(case, analyst2, result.pk)
    assert WebhookEvent.objects.filter(event_type="account.ban").count() == 1
    other = make_case(acme, url="https://social.example/other", category="sexual_image")
    ban = services.decision_account(
        case=other,
        member=analyst.member,
        kind=DecisionKind.ACCOUNT_BAN,
        expected_version=other.version,
        **kw,  # type: ignore[arg-type]
    )
    assert isinstance(ban, Decision)


def test_another_organisations_rule_and_request_do_not_apply(
    acme: Organisation, bayon: Organisation, analyst: Person, outsider: Person, lead: Person
) -> None:
    services.four_eyes_set(member=lead.member, categories={"live_stream"})
    theirs = _remove(_referred(bayon, outsider), outsider)
    assert theirs.state == State.CONFIRMED_ILLEGAL  # Acme's rule is Acme's only
    case, pending = _requested(acme, analyst)
    with pytest.raises(ApplicationError) as refused:
        _answer(case, outsider, pending.pk)
    assert refused.value.status == 404


def test_only_the_lead_switches_it_and_only_real_categories(
    acme: Organisation, analyst: Person, lead: Person
) -> None:
    with pytest.raises(ApplicationError):
        services.four_eyes_set(member=analyst.member, categories={"live_stream"})
    services.four_eyes_set(member=lead.member, categories={"live_stream", "nonsense"})
    assert list(FourEyesRule.objects.values_list("category", flat=True)) == ["live_stream"]


def test_the_desk_shows_and_answers_a_request(
    acme: Organisation, lead: Person, analyst: Person, analyst2: Person
) -> None:
    from tests.evidence.conftest import screen

    screen(analyst2)
    # The lead ticks it on the SLA page, every other field as before.
    page = sign_in(lead)
    form = {"review_": "60", "action_": "1440", "four_eyes": ["live_stream"]}
    assert page.post("/en/desk/settings/sla/", form).status_code == 302
    assert (
        'value="live_stream" id="four_eyes_live_stream" checked'
        in page.get("/en/desk/settings/sla/").content.decode()
    )
    case = _referred(acme, analyst)
    mine = sign_in(analyst)
    answer = mine.post(
        f"/en/desk/cases/{case.pk}/transition/",
        {
            "version": case.version,
            "to_state": "confirmed_illegal",
            "reason": "abuse",
            "ground": "law",
            "clause": "art. 41",
        },
        follow=True,
    ).content.decode()
    assert "another analyst must confirm it" in answer
    assert "Someone other than you must confirm" in answer
    assert "Withdraw my request" in answer and "Confirm and send" not in answer
    queue = sign_in(analyst2).get("/en/desk/queue/").content.decode()
    assert "awaiting a second analyst" in queue
    other = sign_in(analyst2)
    page2 = other.get(f"/en/desk/cases/{case.pk}/").content.decode()
    assert "Confirm and send" in page2
    pending = re.search(r'name="pending" value="(\d+)"', page2)
    version = re.search(r'name="version" value="(\d+)"', page2)
    assert pending and version
    done = other.post(
        f"/en/desk/cases/{case.pk}/confirmation/",
        {"version": version.group(1), "pending": pending.group(1), "answer": "confirm"},
    )
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.state == State.CONFIRMED_ILLEGAL
    assert "confirmed by sophea" in other.get(f"/en/desk/cases/{case.pk}/").content.decode()


def test_the_demo_turns_it_on_for_live_streams_only(db: None) -> None:
    from django.core.management import call_command

    call_command("demo")
    assert list(FourEyesRule.objects.values_list("category", flat=True)) == ["live_stream"]
