"""Working a case: grouping, the state machine, decisions, referrals, SLA, locking."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from karpear.audit.models import AuditEntry
from karpear.cases import services
from karpear.cases.models import (
    Authority,
    Case,
    CaseEvent,
    Decision,
    DecisionKind,
    Ground,
    SlaPolicy,
    State,
    VictimReferral,
)
from karpear.core.errors import ApplicationError
from karpear.orgs.models import Organisation
from karpear.reports.models import Report
from tests.cast import Person, make_case
from tests.conftest import Client, valid_json


def _move(case: Case, person: Person, to: State, **kw: Any) -> Case:
    return services.case_transition(
        case=case,
        member=person.member,
        to_state=to,
        reason=kw.pop("reason", "checked"),
        expected_version=case.version,
        **kw,
    )


def test_reports_of_the_same_content_join_one_open_case(client: Client, acme: Organisation) -> None:
    for link in ["https://Social.example/p/9", "https://social.example/p/9#top"]:
        client.post("/api/v1/reports", valid_json(links=[link]), content_type="application/json")
    client.post(
        "/api/v1/reports",
        valid_json(links=["https://other.example/1"]),
        content_type="application/json",
    )
    assert Case.objects.count() == 2
    grouped = Case.objects.get(report_count=2)
    assert grouped.case_reports.count() == 2


def test_the_same_platform_content_id_joins_one_case(client: Client, acme: Organisation) -> None:
    for link in ["https://a.example/1", "https://b.example/2"]:
        client.post(
            "/api/v1/reports",
            valid_json(links=[link], platform_content_id="post:7"),
            content_type="application/json",
        )
    assert Case.objects.get().report_count == 2


def test_a_closed_case_is_not_joined(acme: Organisation, analyst: Person) -> None:
    case = make_case(acme)
    for state in [State.IN_REVIEW, State.NOT_ILLEGAL, State.CLOSED]:
        case = _move(case, analyst, state)
    again = make_case(acme)
    assert again.pk != case.pk


def test_a_case_is_worked_from_received_to_closed(acme: Organisation, analyst: Person) -> None:
    case = make_case(acme)
    case = _move(case, analyst, State.IN_REVIEW)
    assert case.first_reviewed_at is not None and case.first_action_at is None
    case = _move(
        case,
        analyst,
        State.ISOLATED,
        reason="isolated until assessed (2.6)",
        ground=Ground.TERMS,
        clause="Terms 3.1",
    )
    assert case.first_action_at is not None
    case = _move(
        case,
        analyst,
        State.REFERRED,
        referrals=[(Authority.ACU, "ACU-2026-118"), (Authority.HOTLINE, "IHC-55")],
    )
    case = _move(
        case,
        analyst,
        State.CONFIRMED_ILLEGAL,
        reason="ACU confirmed",
        ground=Ground.LAW,
        clause="Criminal Code art. 41",
    )
    case = _move(case, analyst, State.CLOSED)
    assert case.closed_at is not None
    kinds = list(Decision.objects.filter(case=case).order_by("id").values_list("kind", flat=True))
    assert kinds == [DecisionKind.CONTENT_ISOLATE, DecisionKind.CONTENT_REMOVE]
    removal = Decision.objects.get(kind=DecisionKind.CONTENT_REMOVE)
    assert (removal.ground, removal.clause) == (Ground.LAW, "Criminal Code art. 41")
    isolation = Decision.objects.get(kind=DecisionKind.CONTENT_ISOLATE)
    assert (isolation.ground, isolation.clause) == (Ground.TERMS, "Terms 3.1")
    assert sorted(case.authority_referrals.values_list("reference", flat=True)) == [
        "ACU-2026-118",
        "IHC-55",
    ]
    transitions = CaseEvent.objects.filter(case=case, kind="transition")
    assert transitions.count() == 5
    assert all(e.at.microsecond == 0 and e.actor_id for e in transitions)
    report = Report.objects.get(id=case.case_reports.get().report_id)
    assert report.status == "closed"


def test_the_public_status_follows_the_case(acme: Organisation, analyst: Person) -> None:
    case = make_case(acme)
    report_id = case.case_reports.get().report_id
    case = _move(case, analyst, State.IN_REVIEW)
    assert Report.objects.get(id=report_id).status == "checking"
    case = _move(case, analyst, State.REFERRED, referrals=[(Authority.ACU, "1")])
    case = _move(case, analyst, State.CONFIRMED_ILLEGAL, ground=Ground.LAW, clause="art. 41")
    assert Report.objects.get(id=report_id).status == "action_taken"


def test_restoring_isolated_content_is_recorded(acme: Organisation, analyst: Person) -> None:
    case = make_case(acme)
    case = _move(case, analyst, State.IN_REVIEW)
    case = _move(case, analyst, State.ISOLATED, ground=Ground.LAW, clause="Criminal Code art. 41")
    case = _move(case, analyst, State.NOT_ILLEGAL, reason="an adult, not illegal")
    assert list(case.decisions.order_by("id").values_list("kind", "ground", "clause")) == [
        (DecisionKind.CONTENT_ISOLATE, Ground.LAW, "Criminal Code art. 41"),
        (DecisionKind.CONTENT_RESTORE, Ground.LAW, "an adult, not illegal"),
    ]


@pytest.mark.parametrize(
    ("ground", "clause", "missing"),
    [
        (None, "Terms 3.1", {"ground"}),
        (Ground.TERMS, " ", {"clause"}),
        (None, "", {"ground", "clause"}),
    ],
)
def test_isolating_or_removing_needs_a_chosen_ground_and_clause(
    acme: Organisation, analyst: Person, ground: Ground | None, clause: str, missing: set[str]
) -> None:
    """Nothing defaults the legal ground (issue #16, item 3): the analyst names it each time."""
    case = _move(make_case(acme), analyst, State.IN_REVIEW)
    with pytest.raises(ApplicationError) as refused:
        _move(case, analyst, State.ISOLATED, ground=ground, clause=clause)
    assert set(refused.value.fields) == missing
    case.refresh_from_db()
    assert case.state == State.IN_REVIEW and not case.decisions.exists()


@pytest.mark.parametrize("target", [State.CLOSED, State.CONFIRMED_ILLEGAL, State.REFERRED])
def test_skipping_steps_is_refused_and_changes_nothing(
    acme: Organisation, analyst: Person, target: State
) -> None:
    case = make_case(acme)
    with pytest.raises(services.InvalidTransition):
        _move(case, analyst, target)
    case.refresh_from_db()
    assert case.state == State.RECEIVED and case.version == 0
    assert not AuditEntry.objects.filter(action="case_transition").exists()


def test_a_reason_is_required(acme: Organisation, analyst: Person) -> None:
    case = make_case(acme)
    with pytest.raises(ApplicationError) as info:
        _move(case, analyst, State.IN_REVIEW, reason="   ")
    assert info.value.code == "reason_required"


def test_referring_needs_an_authority(acme: Organisation, analyst: Person) -> None:
    case = _move(make_case(acme), analyst, State.IN_REVIEW)
    with pytest.raises(ApplicationError) as info:
        _move(case, analyst, State.REFERRED)
    assert info.value.code == "referral_required"


def test_only_the_lead_reopens(acme: Organisation, analyst: Person, lead: Person) -> None:
    case = make_case(acme)
    for state in [State.IN_REVIEW, State.NO_ACTION, State.CLOSED]:
        case = _move(case, analyst, state)
    with pytest.raises(ApplicationError):
        _move(case, analyst, State.IN_REVIEW)
    case = _move(case, lead, State.IN_REVIEW, reason="new information")
    assert case.state == State.IN_REVIEW and case.closed_at is None


def test_a_stale_edit_is_refused_with_a_clear_message(
    acme: Organisation, analyst: Person, analyst2: Person
) -> None:
    case = make_case(acme)
    seen_by_both = case.version
    services.case_transition(
        case=case,
        member=analyst.member,
        to_state=State.IN_REVIEW,
        reason="mine",
        expected_version=seen_by_both,
    )
    with pytest.raises(services.StaleEdit) as info:
        services.case_transition(
            case=case,
            member=analyst2.member,
            to_state=State.IN_REVIEW,
            reason="also mine",
            expected_version=seen_by_both,
        )
    assert info.value.code == "stale" and info.value.status == 409
    assert CaseEvent.objects.filter(kind="transition").count() == 1


def test_account_decisions_are_recorded_with_ground_and_end(
    acme: Organisation, analyst: Person
) -> None:
    case = make_case(acme)
    ends = timezone.now() + timedelta(days=7)
    services.decision_account(
        case=case,
        member=analyst.member,
        kind=DecisionKind.ACCOUNT_SUSPENSION,
        ground=Ground.TERMS,
        clause="Community rules 4.2",
        account_id="user:881",
        ends_at=ends,
        expected_version=case.version,
    )
    decision = Decision.objects.get()
    assert (decision.kind, decision.account_id, decision.clause) == (
        "account_suspension",
        "user:881",
        "Community rules 4.2",
    )
    assert decision.ends_at is not None and decision.platform_confirmed_at is None


@pytest.mark.parametrize(
    ("kind", "fields", "missing"),
    [
        (DecisionKind.ACCOUNT_WARNING, {"account_id": "", "clause": "x"}, "account_id"),
        (DecisionKind.ACCOUNT_WARNING, {"account_id": "u1", "clause": ""}, "clause"),
        (DecisionKind.ACCOUNT_SUSPENSION, {"account_id": "u1", "clause": "x"}, "ends_at"),
    ],
)
def test_incomplete_account_decisions_are_refused(
    acme: Organisation, analyst: Person, kind: DecisionKind, fields: dict[str, str], missing: str
) -> None:
    case = make_case(acme)
    with pytest.raises(ApplicationError) as info:
        services.decision_account(
            case=case,
            member=analyst.member,
            kind=kind,
            ground=Ground.LAW,
            expected_version=case.version,
            account_id=fields["account_id"],
            clause=fields["clause"],
        )
    assert missing in info.value.fields
    assert not Decision.objects.exists()


def test_victim_referral_needs_consent_and_the_lead(
    acme: Organisation, analyst: Person, lead: Person
) -> None:
    case = make_case(acme)
    helpline = services.referral_services(acme)[0]
    with pytest.raises(ApplicationError):
        services.victim_referral_record(
            case=case,
            member=analyst.member,
            consent_by="child",
            service_id=helpline.pk,
            service_reference="",
            expected_version=case.version,
        )
    services.victim_referral_record(
        case=case,
        member=lead.member,
        consent_by="child",
        service_id=helpline.pk,
        service_reference="CHC-1",
        consent_method="helpline",
        consent_at=timezone.now() - timedelta(minutes=1),
        consent_obtained_by="Child Helpline Cambodia, counsellor Dara",
        expected_version=case.version,
    )
    case.refresh_from_db()
    services.victim_referral_record(
        case=case,
        member=lead.member,
        consent_by="none",
        service_id=helpline.pk,
        service_reference="ignored",
        expected_version=case.version,
    )
    with_consent, without = VictimReferral.objects.order_by("id")
    assert with_consent.service == helpline and with_consent.service_reference == "CHC-1"
    assert without.service is None and without.service_reference == ""
    assert helpline.phone == "1280"
    assert with_consent.consent_method == "helpline" and with_consent.consent_at
    assert with_consent.consent_obtained_by == "Child Helpline Cambodia, counsellor Dara"


def _consent(case: Case, lead: Person, **kw: Any) -> VictimReferral:
    helpline = services.referral_services(case.organisation)[0]
    arguments: dict[str, Any] = {
        "consent_by": "child",
        "service_reference": "",
        "consent_method": "phone",
        "consent_at": timezone.now() - timedelta(minutes=1),
        "consent_obtained_by": "vanna",
    }
    arguments.update(kw)
    return services.victim_referral_record(
        case=case,
        member=lead.member,
        service_id=helpline.pk,
        expected_version=case.version,
        **arguments,
    )


def test_consent_by_phone_needs_a_contact_to_call(acme: Organisation, lead: Person) -> None:
    """An anonymous report leaves nobody to ask: consent "by the child" on the phone could not
    have been obtained (issue #16, item 8)."""
    anonymous = make_case(acme)
    for method in ("phone", "message"):
        with pytest.raises(ApplicationError) as refused:
            _consent(anonymous, lead, consent_method=method)
        assert "consent_method" in refused.value.fields
    assert not VictimReferral.objects.exists()
    with_contact = make_case(acme, url="https://x.example/contact", contact=True)
    referral = _consent(with_contact, lead, consent_method="phone")
    assert referral.consent_method == "phone" and referral.consent_obtained_by == "vanna"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"consent_method": ""}, "consent_method"),
        ({"consent_method": "telepathy"}, "consent_method"),
        ({"consent_method": "helpline", "service_reference": " "}, "service_reference"),
        ({"consent_at": None}, "consent_at"),
        ({"consent_at": timezone.now() + timedelta(days=1)}, "consent_at"),
        ({"consent_at": timezone.now() - timedelta(days=400)}, "consent_at"),
        ({"consent_obtained_by": "  "}, "consent_obtained_by"),
    ],
)
def test_consent_without_how_when_or_who_is_refused(
    acme: Organisation, lead: Person, change: dict[str, Any], field: str
) -> None:
    case = make_case(acme, url="https://x.example/c", contact=True)
    with pytest.raises(ApplicationError) as refused:
        _consent(case, lead, **change)
    assert field in refused.value.fields
    case.refresh_from_db()
    assert case.version == 0 and not VictimReferral.objects.exists()


def test_sla_deadlines_come_from_the_category_policy(acme: Organisation) -> None:
    SlaPolicy.objects.create(
        organisation=acme, category="live_stream", review_minutes=10, action_minutes=30
    )
    case = make_case(acme, category="live_stream")
    assert case.review_due_at - case.opened_at == timedelta(minutes=10)
    assert case.action_due_at - case.opened_at == timedelta(minutes=30)
    default = make_case(acme, url="https://x.example/2")
    assert default.review_due_at - default.opened_at == timedelta(hours=1)
    assert default.action_due_at - default.opened_at == timedelta(hours=24)


def test_contacts_are_erased_after_the_retention_period(
    acme: Organisation, analyst: Person, settings: Any
) -> None:
    settings.KARPEAR_CONTACT_RETENTION_DAYS = 90
    case = make_case(acme, contact=True)
    report_id = case.case_reports.get().report_id
    for state in [State.IN_REVIEW, State.NO_ACTION, State.CLOSED]:
        case = _move(case, analyst, state)
    assert services.erase_expired_contacts() == 0
    later = timezone.now() + timedelta(days=91)
    assert services.erase_expired_contacts(now=later) == 1
    assert Report.objects.get(id=report_id).contact_encrypted == ""
    assert services.erase_expired_contacts(now=later) == 0  # idempotent
