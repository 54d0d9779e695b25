"""Only screened staff working the case open evidence; it is shown blurred first."""

from __future__ import annotations

from typing import Any

from karpear.cases.models import Case
from karpear.evidence.models import CustodyEntry, EvidenceItem
from tests.cast import Person, sign_in
from tests.evidence.conftest import screen


def _assign(case: Case, person: Person) -> None:
    Case.objects.filter(pk=case.pk).update(assignee=person.member.user)


def test_a_screened_analyst_on_the_case_sees_it_blurred_then_revealed(
    item: EvidenceItem, case: Case, analyst: Person
) -> None:
    screen(analyst)
    _assign(case, analyst)
    client = sign_in(analyst)
    page = client.get(f"/en/desk/evidence/{item.pk}/").content.decode()
    assert 'class="viewer blurred"' in page
    src = page.split('<img src="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    content = client.get(src)  # the one-time grant the page gave its picture
    assert content.status_code == 200 and "no-store" in content["Cache-Control"]
    assert content.content.startswith(b"\x89PNG")
    revealed = client.post(
        f"/en/desk/evidence/{item.pk}/", {"reveal": "1", "reason": "confirm it is CSAM"}
    )
    assert 'class="viewer"' in revealed.content.decode()
    assert CustodyEntry.objects.filter(item=item, action="open").count() == 1


def test_the_case_page_lists_evidence_without_thumbnails(
    item: EvidenceItem, case: Case, analyst: Person
) -> None:
    page = sign_in(analyst).get(f"/en/desk/cases/{case.pk}/").content.decode()
    assert f'href="/en/desk/evidence/{item.pk}/"' in page
    assert "/content/" not in page and "<img" not in page


def test_an_unscreened_analyst_cannot_open_evidence(
    item: EvidenceItem, case: Case, analyst: Person
) -> None:
    _assign(case, analyst)
    client = sign_in(analyst)
    response = client.get(f"/en/desk/evidence/{item.pk}/content/")
    assert response.status_code == 403
    assert "screening" in response.content.decode()
    assert not CustodyEntry.objects.filter(action="open").exists()


def test_expired_or_failed_screening_blocks_access(
    item: EvidenceItem, case: Case, analyst: Person
) -> None:
    _assign(case, analyst)
    client = sign_in(analyst)
    screen(analyst, days_left=-1)
    assert client.get(f"/en/desk/evidence/{item.pk}/").status_code == 403
    screen(analyst, result="not_clear")
    assert client.get(f"/en/desk/evidence/{item.pk}/").status_code == 403


def test_only_staff_working_the_case_may_open_it(
    item: EvidenceItem, case: Case, analyst: Person, analyst2: Person, lead: Person
) -> None:
    for person in (analyst, analyst2, lead):
        screen(person)
    _assign(case, analyst)
    assert sign_in(analyst2).get(f"/en/desk/evidence/{item.pk}/").status_code == 403
    assert sign_in(lead).get(f"/en/desk/evidence/{item.pk}/").status_code == 200


def test_other_roles_and_organisations_see_nothing(
    item: EvidenceItem, compliance: Person, outsider: Person
) -> None:
    screen(compliance)
    screen(outsider)
    assert sign_in(compliance).get(f"/en/desk/evidence/{item.pk}/").status_code == 403
    assert sign_in(outsider).get(f"/en/desk/evidence/{item.pk}/").status_code == 404


def test_a_break_is_suggested_after_several_reveals(
    item: EvidenceItem, lead: Person, settings: Any
) -> None:
    settings.KARPEAR_REVEALS_BEFORE_BREAK = 3
    screen(lead)
    client = sign_in(lead)
    pages = [
        client.post(
            f"/en/desk/evidence/{item.pk}/", {"reveal": "1", "reason": "r"}
        ).content.decode()
        for _ in range(3)
    ]
    assert "take a short break" not in pages[1]
    assert "take a short break" in pages[2]


def test_the_register_is_kept_by_the_lead(lead: Person, analyst: Person) -> None:
    client = sign_in(lead)
    response = client.post(
        "/en/desk/personnel/save/",
        {
            "staff": analyst.member.pk,
            "screening_result": "clear",
            "screened_on": "2026-10-01",
            "screening_expires_on": "2027-10-01",
            "trained_on": "2026-10-02",
            "wellness_support_offered_on": "2026-10-03",
        },
    )
    assert response.status_code == 302
    from karpear.evidence.services import personnel_cleared

    assert personnel_cleared(analyst.member)
    assert "may open evidence" in client.get("/en/desk/personnel/").content.decode().lower()


def test_a_person_may_prefer_grey_without_blur(item: EvidenceItem, lead: Person) -> None:
    from karpear.evidence.models import PersonnelRecord

    screen(lead)
    PersonnelRecord.objects.filter(staff=lead.member).update(viewer_default="grey")
    page = sign_in(lead).get(f"/en/desk/evidence/{item.pk}/").content.decode()
    assert 'class="viewer grey"' in page and 'class="viewer blurred"' not in page


def test_the_viewer_preference_is_set_on_the_register(lead: Person, analyst: Person) -> None:
    from karpear.evidence.models import PersonnelRecord

    sign_in(lead).post(
        "/en/desk/personnel/save/",
        {"staff": analyst.member.pk, "screening_result": "clear", "viewer_default": "grey"},
    )
    assert PersonnelRecord.objects.get(staff=analyst.member).viewer_default == "grey"


def test_the_register_page_uses_a_fixed_number_of_queries(lead: Person, acme: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from karpear.staff.models import Role
    from karpear.staff.services import staff_create

    client = sign_in(lead)
    client.get("/en/desk/personnel/")  # fill the host cache (orgs), empty at each test's start
    with CaptureQueriesContext(connection) as few:
        client.get("/en/desk/personnel/")
    for n in range(8):
        member = staff_create(
            organisation=acme, username=f"extra{n}", password="x" * 16, role=Role.ANALYST
        )
        from tests.cast import Person as P
        from tests.evidence.conftest import screen

        screen(P(member, None))
    with CaptureQueriesContext(connection) as many:
        client.get("/en/desk/personnel/")
    assert len(many) == len(few)
