"""The case timeline reads as sentences in both languages, never raw event codes (#16 item 7)."""

from __future__ import annotations

from django.utils import translation

from karpear.cases import services as case_services
from karpear.cases.models import State
from karpear.orgs.models import Organisation
from tests.cast import Person, decide_account, make_case, sign_in
from tests.evidence.conftest import screen

# How the old timeline showed events: the bare code after the actor, "decision: clause".
RAW_CODES = (
    "victim_referral",
    "decision:",
    "· transition",
    "· opened",
    "account_warning",
    "· assign",
)


def _worked_case(acme: Organisation, lead: Person) -> int:
    screen(lead)  # a CSAM case goes only to screened staff (#15 item 3)
    case = make_case(acme)
    case = case_services.case_assign(
        case=case, member=lead.member, assignee=lead.member, expected_version=case.version
    )
    case = case_services.case_transition(
        case=case,
        member=lead.member,
        to_state=State.IN_REVIEW,
        reason="Looking at it",
        expected_version=case.version,
    )
    decide_account(lead, case, "account_warning", account_id="user-7", clause="Rules 4")
    case.refresh_from_db()
    case_services.victim_referral_record(
        case=case,
        member=lead.member,
        consent_by="none",
        service_id=None,
        service_reference="",
        expected_version=case.version,
    )
    case_services.case_note_add(case=case, member=lead.member, text="Called the platform")
    return case.pk


def test_every_event_reads_as_a_sentence_in_english(acme: Organisation, lead: Person) -> None:
    pk = _worked_case(acme, lead)
    page = sign_in(lead).get(f"/en/desk/cases/{pk}/").content.decode()
    timeline = page[page.index('<ol class="timeline">') :].split("</ol>")[0]
    for code in RAW_CODES:
        assert code not in timeline, code
    assert "Case opened." in timeline
    assert f"Assigned to {lead.username}." in timeline
    assert "Moved from “Received” to “In review”." in timeline
    assert "Decision: Account warning, under the terms of service." in timeline
    assert "Help information given to the child; no referral made." in timeline
    assert "Note added." in timeline and "<q>Called the platform</q>" in timeline
    assert "Karpear (automatic)" in timeline


def test_the_khmer_timeline_is_in_khmer(acme: Organisation, lead: Person) -> None:
    pk = _worked_case(acme, lead)
    page = sign_in(lead).get(f"/desk/cases/{pk}/").content.decode()
    timeline = page[page.index('<ol class="timeline">') :].split("</ol>")[0]
    for code in RAW_CODES:
        assert code not in timeline, code
    with translation.override("km"):
        from django.utils.translation import gettext

        assert gettext("Case opened.") in timeline
        assert gettext("Note added.") in timeline
    assert "Case opened." not in timeline
