"""Two people at the same moment on one child's referral, on a server database (PRODUCT "no
one alone"): two approvals send it once; an approval and a withdrawal of consent never both
happen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from karpear.cases import services
from karpear.cases.referrals import referral_services
from karpear.core.errors import ApplicationError
from karpear.orgs.models import Organisation
from karpear.referrals.child import (
    child_referral_approve,
    child_referral_close,
    child_referral_propose,
)
from karpear.referrals.models import ChildReferralProposal, Referral
from tests.cast import Person, make_case
from tests.complaints.test_complaint_races import _together
from tests.evidence.conftest import screen
from tests.referrals.helpers import service_key

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _server_database() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("needs a server database: SQLite serialises writers before the race")


def _proposal(acme: Organisation, lead: Person, admin: Person) -> ChildReferralProposal:
    service_key(acme, "Child Helpline Cambodia", lead, admin)
    case = make_case(acme, contact=True)
    helpline = referral_services(acme)[0]
    victim = services.victim_referral_record(
        case=case,
        member=lead.member,
        consent_by="carer",
        service_id=helpline.pk,
        service_reference="",
        consent_method="in_person",
        consent_at=timezone.now() - timedelta(minutes=1),
        consent_obtained_by="vanna",
        expected_version=case.version,
    )
    return child_referral_propose(
        victim_referral_id=victim.pk, member=lead.member, fields=["phone"]
    )


def _approve(person: Person, proposal_id: int) -> Callable[[], Any]:
    return lambda: child_referral_approve(proposal_id=proposal_id, member=person.member)


def test_two_approvals_at_once_send_once(
    acme: Organisation, lead: Person, admin: Person, analyst: Person, analyst2: Person
) -> None:
    screen(analyst)
    screen(analyst2)
    proposal = _proposal(acme, lead, admin)
    results = _together([_approve(analyst, proposal.pk), _approve(analyst2, proposal.pk)] * 2)
    assert Referral.objects.count() == 1
    assert {r.pk for r in results if isinstance(r, Referral)} == {Referral.objects.get().pk}


def test_an_approval_and_a_withdrawal_at_once_never_both_happen(
    acme: Organisation, lead: Person, admin: Person, analyst2: Person
) -> None:
    screen(analyst2)
    proposal = _proposal(acme, lead, admin)

    def withdraw() -> Any:
        return child_referral_close(
            proposal_id=proposal.pk, member=lead.member, status="withdrawn", reason="called"
        )

    results = _together([_approve(analyst2, proposal.pk), withdraw])
    proposal.refresh_from_db()
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(refused) == 1 and refused[0].code == "proposal_closed"
    if proposal.status == "approved":
        assert Referral.objects.count() == 1
    else:
        assert proposal.status == "withdrawn" and not Referral.objects.exists()
