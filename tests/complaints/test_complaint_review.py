"""Reviewing a complaint: someone else decides, a reversal undoes the action, CSAM stays down."""

from __future__ import annotations

import pytest
from django.utils import timezone

from karpear.cases.classification import case_classify
from karpear.cases.decisions import decision_reverse
from karpear.cases.models import Decision, DecisionKind, LegalAssessment
from karpear.complaints.models import Complaint, ComplaintChannel, ComplaintStatus
from karpear.complaints.services import complaint_decide, complaint_submit
from karpear.core.errors import ApplicationError
from karpear.orgs.models import Organisation
from karpear.platformlink.models import WebhookEvent
from tests.cast import Person
from tests.complaints.helpers import a_ban, an_isolation


def _complain(org: Organisation, decision: Decision) -> Complaint:
    complaint, created = complaint_submit(
        organisation=org, decision=decision, channel=ComplaintChannel.PLATFORM, reason="not me"
    )
    assert created
    return complaint


def _decide(person: Person, complaint: Complaint, outcome: str, reason: str) -> Complaint:
    return complaint_decide(
        member=person.member,
        complaint_id=complaint.pk,
        outcome=outcome,  # type: ignore[arg-type]
        reason=reason,
    )


def _classified_isolation(
    org: Organisation,
    analyst: Person,
    *,
    category: str,
    legal_assessment: LegalAssessment,
    content_type: str,
    age_band: str,
) -> Decision:
    """An isolation whose case the analyst then classified (as CSAM in these tests)."""
    isolation = an_isolation(org, analyst, category=category)
    case = isolation.case
    case.refresh_from_db()
    case_classify(
        case=case,
        member=analyst.member,
        legal_assessment=legal_assessment,
        content_type=content_type,
        age_band=age_band,
        expected_version=case.version,
    )
    return isolation


def _events(decision: Decision) -> list[str]:
    return list(
        WebhookEvent.objects.filter(subject_type="decision", subject_id=decision.pk)
        .order_by("id")
        .values_list("event_type", flat=True)
    )


def test_the_person_who_decided_cannot_review_it(
    acme: Organisation, analyst: Person, analyst2: Person
) -> None:
    complaint = _complain(acme, a_ban(acme, analyst))
    with pytest.raises(ApplicationError) as refused:
        _decide(analyst, complaint, ComplaintStatus.REVERSED, "I was wrong")
    assert refused.value.status == 403 and refused.value.code == "own_decision"
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.RECEIVED


@pytest.mark.parametrize("role", ["compliance", "admin"])
def test_only_analysts_and_leads_review(
    acme: Organisation, analyst: Person, role: str, request: pytest.FixtureRequest
) -> None:
    complaint = _complain(acme, a_ban(acme, analyst))
    member = request.getfixturevalue(role).member
    with pytest.raises(ApplicationError):
        complaint_decide(
            member=member, complaint_id=complaint.pk, outcome=ComplaintStatus.UPHELD, reason="ok"
        )


def test_another_organisation_cannot_see_the_complaint(
    acme: Organisation, analyst: Person, outsider: Person
) -> None:
    complaint = _complain(acme, a_ban(acme, analyst))
    with pytest.raises(ApplicationError) as refused:
        _decide(outsider, complaint, ComplaintStatus.REVERSED, "x")
    assert refused.value.status == 404


def test_a_second_analyst_reverses_a_ban_and_the_platform_is_told(
    acme: Organisation, analyst: Person, analyst2: Person
) -> None:
    ban = a_ban(acme, analyst)
    complaint = _complain(acme, ban)
    decided = _decide(
        analyst2, complaint, ComplaintStatus.REVERSED, "The messages were from a relative."
    )
    assert decided.status == ComplaintStatus.REVERSED and decided.action_reversed
    assert decided.reviewed_by == analyst2.member.user
    assert _events(ban) == ["account.ban", "account.notice", "account.restore", "account.notice"]
    outcome = WebhookEvent.objects.filter(event_type="account.notice").order_by("id").last()
    assert outcome is not None and outcome.payload["data"]["complaint_outcome"] == "reversed"
    assert "relative" in outcome.payload["data"]["text"]["en"]["message"]
    assert outcome.payload["data"]["text"]["km"]["message"]


def test_an_upheld_decision_changes_nothing_on_the_platform_but_is_told(
    acme: Organisation, analyst: Person, lead: Person
) -> None:
    ban = a_ban(acme, analyst)
    complaint = _complain(acme, ban)
    _decide(lead, complaint, ComplaintStatus.UPHELD, "The messages broke rule 4.")
    assert _events(ban) == ["account.ban", "account.notice", "account.notice"]


def test_a_decided_complaint_cannot_be_decided_again(
    acme: Organisation, analyst: Person, analyst2: Person, lead: Person
) -> None:
    complaint = _complain(acme, a_ban(acme, analyst))
    _decide(analyst2, complaint, ComplaintStatus.UPHELD, "stays")
    with pytest.raises(ApplicationError) as refused:
        _decide(lead, complaint, ComplaintStatus.REVERSED, "no")
    assert refused.value.status == 409
    assert WebhookEvent.objects.filter(event_type="account.restore").count() == 0


@pytest.mark.parametrize("outcome", ["", "maybe", "received"])
def test_a_malformed_outcome_or_no_reason_is_refused(
    acme: Organisation, analyst: Person, analyst2: Person, outcome: str
) -> None:
    complaint = _complain(acme, a_ban(acme, analyst))
    with pytest.raises(ApplicationError) as refused:
        _decide(analyst2, complaint, outcome, "x")
    assert refused.value.status == 400
    with pytest.raises(ApplicationError):
        _decide(analyst2, complaint, ComplaintStatus.UPHELD, "   ")
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.RECEIVED


def test_reversing_an_isolation_restores_the_content(
    acme: Organisation, analyst: Person, analyst2: Person
) -> None:
    isolation = an_isolation(acme, analyst)
    complaint = _complain(acme, isolation)
    _decide(analyst2, complaint, ComplaintStatus.REVERSED, "It was a cartoon.")
    restore = Decision.objects.get(case=isolation.case, kind=DecisionKind.CONTENT_RESTORE)
    assert restore.decided_by == analyst2.member.user
    assert WebhookEvent.objects.filter(event_type="content.restore").count() == 1


def test_content_confirmed_as_csam_is_reviewed_but_never_restored(
    acme: Organisation, analyst: Person, analyst2: Person
) -> None:
    isolation = _classified_isolation(
        acme,
        analyst,
        category="sexual_image",
        legal_assessment=LegalAssessment.BASELINE,
        content_type="image",
        age_band="6-9",
    )
    complaint = _complain(acme, isolation)
    with pytest.raises(ApplicationError) as refused:
        _decide(analyst2, complaint, ComplaintStatus.REVERSED, "please")
    assert refused.value.code == "csam_never_restored"
    assert not WebhookEvent.objects.filter(event_type="content.restore").exists()
    decided = _decide(analyst2, complaint, ComplaintStatus.UPHELD, "It is illegal everywhere.")
    assert decided.status == ComplaintStatus.UPHELD
    assert decided.reviewed_at is not None and decided.reviewed_at <= timezone.now()
    assert not WebhookEvent.objects.filter(event_type="content.restore").exists()


def test_the_reversal_itself_refuses_to_restore_csam_even_if_called_directly(
    acme: Organisation, analyst: Person, analyst2: Person
) -> None:
    isolation = _classified_isolation(
        acme,
        analyst,
        category="live_stream",
        legal_assessment=LegalAssessment.NATIONAL,
        content_type="live_stream",
        age_band="13-15",
    )
    isolation.refresh_from_db()
    assert decision_reverse(decision=isolation, member=analyst2.member, reason="x") is False
    assert not Decision.objects.filter(kind=DecisionKind.CONTENT_RESTORE).exists()
    assert not WebhookEvent.objects.filter(event_type="content.restore").exists()
