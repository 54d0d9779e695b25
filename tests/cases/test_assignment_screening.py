"""Only screened staff working a case see who reported it and the exact links; a CSAM case
is never given to someone unscreened (issue #15, item 3; guidelines 2.6 b)."""

from __future__ import annotations

import pytest
from django.utils import translation

from karpear.audit.models import AuditEntry
from karpear.cases.models import Case
from karpear.cases.services import case_assign, contact_reveal, link_copy
from karpear.core.errors import ApplicationError
from karpear.orgs.models import Organisation
from karpear.reports.models import ReportedItem
from tests.cast import Person, make_case, sign_in
from tests.evidence.conftest import screen


def _assign(case: Case, by: Person, to: Person) -> Case:
    case.refresh_from_db()
    return case_assign(
        case=case, member=by.member, assignee=to.member, expected_version=case.version
    )


def test_a_csam_case_is_not_given_to_someone_unscreened(
    acme: Organisation, lead: Person, analyst: Person
) -> None:
    case = make_case(acme, category="sexual_image")
    with pytest.raises(ApplicationError) as refused, translation.override("en"):
        _assign(case, lead, analyst)
    assert refused.value.code == "not_screened" and "dara" in str(refused.value.message)
    assert "screening" in str(refused.value.message)
    case.refresh_from_db()
    assert case.assignee_id is None
    screen(analyst)
    assert _assign(case, lead, analyst).assignee_id == analyst.member.user_id


def test_the_desk_shows_the_reason(acme: Organisation, lead: Person, analyst: Person) -> None:
    case = make_case(acme, category="live_stream")
    response = sign_in(lead).post(
        f"/en/desk/cases/{case.pk}/assign/",
        {"version": case.version, "assignee": analyst.member.pk},
    )
    assert response.status_code == 403
    assert "no clear screening in date on the personnel register" in response.content.decode()


def test_expired_screening_counts_as_none(
    acme: Organisation, lead: Person, analyst: Person
) -> None:
    screen(analyst, days_left=-1)
    with pytest.raises(ApplicationError):
        _assign(make_case(acme), lead, analyst)


def test_an_unscreened_analyst_cannot_take_a_csam_case_alone(
    acme: Organisation, analyst: Person
) -> None:
    case = make_case(acme)
    with pytest.raises(ApplicationError):
        _assign(case, analyst, analyst)


def test_a_grooming_report_may_go_to_anyone_on_the_desk(
    acme: Organisation, lead: Person, analyst: Person
) -> None:
    case = make_case(acme, category="grooming")
    assert _assign(case, lead, analyst).assignee_id == analyst.member.user_id


@pytest.mark.parametrize("screened", [True, False])
def test_contacts_and_exact_links_need_screening_and_the_case(
    acme: Organisation, lead: Person, analyst: Person, analyst2: Person, screened: bool
) -> None:
    """analyst2 works the (grooming) case; analyst is screened but not on it."""
    case = make_case(acme, category="grooming", url="https://bad.example/p/9", contact=True)
    screen(analyst)
    if screened:
        screen(analyst2)
    _assign(case, lead, analyst2)
    report_id = case.case_reports.get().report_id
    item_id = ReportedItem.objects.get(report_id=report_id).pk
    for person in (analyst, lead) if screened else (analyst, analyst2):
        with pytest.raises(ApplicationError):
            contact_reveal(case=case, member=person.member, report_id=report_id)
        with pytest.raises(ApplicationError):
            link_copy(case=case, member=person.member, item_id=item_id)
        client = sign_in(person)
        page = client.get(f"/en/desk/cases/{case.pk}/").content.decode()
        assert "bad[.]example/…" in page and "/p/9" not in page
        assert (
            client.post(f"/en/desk/cases/{case.pk}/reveal/", {"report": report_id}).status_code
            == 403
        )
        assert (
            client.post(f"/en/desk/cases/{case.pk}/reveal/", {"item": item_id}).status_code == 403
        )
    assert not AuditEntry.objects.filter(action__in=["contact_reveal", "link_copy"]).exists()
    if screened:
        case.refresh_from_db()
        assert contact_reveal(case=case, member=analyst2.member, report_id=report_id)
        assert link_copy(case=case, member=analyst2.member, item_id=item_id).endswith("/p/9")
