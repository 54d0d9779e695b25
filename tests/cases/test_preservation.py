"""Every content decision preserves the content first (guidelines 2.6; issue #16, item 1)."""

from __future__ import annotations

from karpear.cases import services
from karpear.cases.models import Authority, Case, Ground, State
from karpear.evidence.services import evidence_capture
from karpear.orgs.models import Organisation
from karpear.platformlink.models import WebhookEvent
from tests.cast import Person, decide_account, make_case, sign_in
from tests.evidence.conftest import benign_png


def _move(case: Case, person: Person, to: State, **kw: object) -> Case:
    return services.case_transition(
        case=case,
        member=person.member,
        to_state=to,
        reason="checked",
        expected_version=case.version,
        **kw,  # type: ignore[arg-type]
    )


def _refer_to_acu(case: Case, person: Person, reference: str) -> Case:
    return services.case_transition(
        case=case,
        member=person.member,
        to_state=State.REFERRED,
        reason="to the ACU",
        expected_version=case.version,
        referrals=[(Authority.ACU, reference)],
    )


def _preserve_requests(case: Case) -> list[WebhookEvent]:
    return list(
        WebhookEvent.objects.filter(event_type="content.preserve", payload__data__case_id=case.pk)
    )


def test_isolating_asks_the_platform_to_preserve_once(acme: Organisation, analyst: Person) -> None:
    case = make_case(acme, url="https://social.example/p/3")
    case = _move(case, analyst, State.IN_REVIEW)
    assert not _preserve_requests(case)
    case = _move(case, analyst, State.ISOLATED, ground=Ground.TERMS, clause="Terms 3.1")
    (request,) = _preserve_requests(case)
    assert request.payload["data"]["content"]["urls"] == ["https://social.example/p/3"]
    case = _refer_to_acu(case, analyst, "ACU-1")
    _move(case, analyst, State.CONFIRMED_ILLEGAL, ground=Ground.LAW, clause="art. 41")
    assert len(_preserve_requests(case)) == 1  # removal after isolation: already asked


def test_removal_without_isolation_preserves_too(acme: Organisation, analyst: Person) -> None:
    case = _move(make_case(acme), analyst, State.IN_REVIEW)
    case = _refer_to_acu(case, analyst, "ACU-2")
    _move(case, analyst, State.CONFIRMED_ILLEGAL, ground=Ground.LAW, clause="art. 41")
    assert len(_preserve_requests(case)) == 1


def test_account_decisions_and_no_action_do_not_ask(acme: Organisation, analyst: Person) -> None:
    case = make_case(acme)
    decide_account(analyst, case, "account_warning", account_id="u1")
    case.refresh_from_db()
    case = _move(case, analyst, State.IN_REVIEW)
    _move(case, analyst, State.NO_ACTION)
    assert not _preserve_requests(case)


def test_content_already_in_the_vault_is_not_asked_for_again(
    acme: Organisation, analyst: Person
) -> None:
    case = make_case(acme)
    evidence_capture(
        organisation=acme,
        case_id=case.pk,
        content=benign_png(8),
        content_type="image/png",
        metadata={},
        source="platform",
        actor="test platform",
    )
    case.refresh_from_db()
    assert case.preserved_at is not None
    case = _move(case, analyst, State.IN_REVIEW)
    _move(case, analyst, State.ISOLATED, ground=Ground.TERMS, clause="Terms 3.1")
    assert not _preserve_requests(case)


def test_the_case_page_shows_the_preservation_state(acme: Organisation, analyst: Person) -> None:
    case = make_case(acme)
    client = sign_in(analyst)

    def state() -> str:
        page = client.get(f"/en/desk/cases/{case.pk}/").content.decode()
        return page.split('id="preservation">')[1].split("</dd>")[0]

    assert "Not asked for yet" in state()
    case = _move(case, analyst, State.IN_REVIEW)
    case = _move(case, analyst, State.ISOLATED, ground=Ground.TERMS, clause="Terms 3.1")
    assert "waiting for the upload" in state()
    evidence_capture(
        organisation=acme,
        case_id=case.pk,
        content=benign_png(8),
        content_type="image/png",
        metadata={},
        source="platform",
        actor="test platform",
    )
    assert "Preserved in the vault since" in state()
    timeline = client.get(f"/en/desk/cases/{case.pk}/").content.decode()
    assert "The platform was asked to preserve the content and its user data." in timeline
    assert "The content was preserved in the evidence vault." in timeline
