"""CSAM cases only to screened staff, by every path (issue #15 item 3; guidelines 2.6 b).

Assigning a CSAM case to an unscreened person is refused; joining a CSAM case's reports into
a case that an unscreened person works was another way to hand them the same reports.
"""

from __future__ import annotations

from karpear.cases.models import Case, CaseReport, State
from karpear.core.errors import ApplicationError
from karpear.orgs.models import Organisation
from tests.cast import Person, make_case, sign_in
from tests.evidence.conftest import screen


def test_a_csam_case_is_not_joined_into_a_case_an_unscreened_person_works(
    acme: Organisation, lead: Person, analyst: Person
) -> None:
    screen(lead)
    kept = make_case(acme, url="https://forum.example/t/1", category="grooming")
    Case.objects.filter(pk=kept.pk).update(assignee=analyst.member.user)  # not screened
    csam = make_case(acme, url="https://img.example/a.jpg", category="sexual_image")
    response = sign_in(lead).post(
        "/en/desk/bulk/",
        {"case": [kept.pk, csam.pk], "action": "join", "target": kept.pk, "reason": "same"},
    )
    assert response.status_code == 400
    assert "screening" in response.content.decode()
    csam.refresh_from_db()
    assert csam.state != State.CLOSED
    assert CaseReport.objects.filter(case=csam).count() == 1
    # Once the person working the kept case is screened, the join goes through.
    screen(analyst)
    response = sign_in(lead).post(
        "/en/desk/bulk/",
        {"case": [kept.pk, csam.pk], "action": "join", "target": kept.pk, "reason": "same"},
    )
    assert response.status_code == 302
    assert CaseReport.objects.filter(case=kept).count() == 2


def test_the_service_refuses_it_too(acme: Organisation, lead: Person, analyst: Person) -> None:
    import pytest

    from karpear.cases.bulk import BulkRequest, cases_bulk

    kept = make_case(acme, url="https://forum.example/t/2", category="grooming")
    Case.objects.filter(pk=kept.pk).update(assignee=analyst.member.user)
    csam = make_case(acme, url="https://img.example/b.jpg", category="live_stream")
    with pytest.raises(ApplicationError) as refused:
        cases_bulk(
            member=lead.member,
            request=BulkRequest(
                action="join", case_ids=(kept.pk, csam.pk), reason="same", target_id=kept.pk
            ),
        )
    assert refused.value.code == "not_screened"
