"""A case referred again to the same recipient when new evidence arrives after it acknowledged:
a second referral linked to the first (issue #17, follow-up)."""

from __future__ import annotations

import pytest

from karpear.audit.models import AuditEntry
from karpear.cases.models import Authority, Case
from karpear.core.errors import ApplicationError
from karpear.evidence.services import evidence_capture
from karpear.orgs.models import Organisation
from karpear.referrals.models import Referral
from karpear.referrals.services import referral_follow_up
from tests.cast import Person, make_case, sign_in
from tests.conftest import BAYON_HOST, Client
from tests.evidence.conftest import benign_png
from tests.referrals.helpers import ack, get, key, refer


def _capture(case: Case, seed: int) -> str:
    item = evidence_capture(
        organisation=case.organisation,
        case_id=case.pk,
        content=benign_png(seed),
        content_type="image/png",
        metadata={},
        source="staff",
        actor="t",
    )
    return str(item.sha256)


def _acknowledged(client: Client, acme: Organisation, analyst: Person) -> tuple[Case, str]:
    case = refer(make_case(acme), analyst, Authority.ACU)
    _capture(case, 1)
    token = key(acme)
    first = Referral.objects.get()
    # The first report was built before the capture: re-send it with the file, then ack.
    Referral.objects.filter(pk=first.pk).update(report={**first.report, "files": []})
    assert ack(client, token, first.pk, {"reference": "ACU-1"}).status_code == 201
    return case, token


def test_new_evidence_is_referred_again_linked_to_the_first(
    client: Client, acme: Organisation, analyst: Person
) -> None:
    case, token = _acknowledged(client, acme, analyst)
    first = Referral.objects.get()
    desk = sign_in(analyst)
    page = desk.get(f"/en/desk/cases/{case.pk}/").content.decode()
    assert "Refer again with the new evidence" in page
    for _ in range(2):  # a double click makes one follow-up
        response = desk.post(f"/en/desk/referrals/{first.pk}/follow-up/")
        assert response.status_code == 302
    follow_up = Referral.objects.get(follows=first)
    assert Referral.objects.count() == 2
    body = get(client, token, f"/api/v1/referrals/{follow_up.pk}").json()
    assert body["follows"] == first.pk and body["follows_reference"] == "ACU-1"
    assert len(body["report"]["files"]) == 1
    inbox = get(client, token, "/api/v1/referrals").json()["referrals"]
    assert [r["id"] for r in inbox] == [first.pk, follow_up.pk]
    assert AuditEntry.objects.filter(action="referral_follow_up").count() == 1
    assert "follow-up with new evidence" in desk.get(f"/en/desk/cases/{case.pk}/").content.decode()


def test_nothing_new_unacknowledged_or_another_organisation_makes_no_follow_up(
    client: Client, acme: Organisation, analyst: Person, outsider: Person
) -> None:
    case = refer(make_case(acme), analyst, Authority.ACU)
    first = Referral.objects.get()
    with pytest.raises(ApplicationError) as early:
        referral_follow_up(member=analyst.member, referral_id=first.pk)
    assert early.value.code == "not_acknowledged"
    ack(client, key(acme), first.pk, {"reference": "ACU-2"})
    with pytest.raises(ApplicationError) as nothing:
        referral_follow_up(member=analyst.member, referral_id=first.pk)
    assert (nothing.value.status, nothing.value.code) == (409, "nothing_new")
    _capture(case, 2)
    with pytest.raises(ApplicationError) as hidden:
        referral_follow_up(member=outsider.member, referral_id=first.pk)
    assert hidden.value.status == 404
    desk = sign_in(outsider, host=BAYON_HOST)
    assert desk.post(f"/en/desk/referrals/{first.pk}/follow-up/").status_code == 404
    assert Referral.objects.count() == 1


def _followed_up(client: Client, acme: Organisation, analyst: Person, token: str, n: int) -> None:
    """A referral acknowledged as ACU-n, then followed up with new evidence."""
    case = refer(make_case(acme, url=f"https://many.example/{n}"), analyst, Authority.ACU)
    first = Referral.objects.get(case=case)
    _capture(case, 10 + n)
    assert ack(client, token, first.pk, {"reference": f"ACU-{n}"}).status_code == 201
    referral_follow_up(member=analyst.member, referral_id=first.pk)


def test_the_inbox_reads_a_fixed_number_of_queries_however_many_follow_ups(
    client: Client, acme: Organisation, analyst: Person
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    token = key(acme)
    _followed_up(client, acme, analyst, token, 0)
    get(client, token, "/api/v1/referrals")  # warm the per-process host cache (orgs)
    with CaptureQueriesContext(connection) as few:
        get(client, token, "/api/v1/referrals")
    for n in range(1, 4):
        _followed_up(client, acme, analyst, token, n)
    with CaptureQueriesContext(connection) as many:
        inbox = get(client, token, "/api/v1/referrals").json()["referrals"]
    assert len(many) == len(few)
    assert sorted(r["follows_reference"] for r in inbox if r["follows"]) == [
        f"ACU-{n}" for n in range(4)
    ]
