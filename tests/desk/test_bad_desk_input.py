"""Desk forms and filters with impossible dates or numbers answer 4xx or ignore them, never 500.

Issue #15, item 13: the desk reads dates and numbers that people type or
edit in the address bar; 2026-02-30 used to raise ValueError inside a view.
"""

from __future__ import annotations

from karpear.cases.models import Case
from karpear.orgs.models import Organisation
from tests.cast import Person, make_case, sign_in

IMPOSSIBLE = "2026-02-30"


def test_the_audit_log_ignores_an_impossible_day(lead: Person) -> None:
    desk = sign_in(lead)
    assert (
        desk.get("/en/desk/audit/", {"since": IMPOSSIBLE, "until": "2026-13-01"}).status_code == 200
    )


def test_the_queue_ignores_an_impossible_cursor(analyst: Person) -> None:
    desk = sign_in(analyst)
    after = f"1_{IMPOSSIBLE}T10:00:00_1"
    assert desk.get("/en/desk/queue/", {"after": after}).status_code == 200
    assert desk.get(
        "/en/desk/queue/", {"after": f"{2**70}_2026-01-01T10:00:00+00:00_1"}
    ).status_code in (
        200,
        400,
    )


def test_an_account_decision_with_an_impossible_end_is_not_a_server_error(
    acme: Organisation, analyst: Person
) -> None:
    case = make_case(acme)
    Case.objects.filter(pk=case.pk).update(assignee=analyst.member.user)
    response = sign_in(analyst).post(
        f"/en/desk/cases/{case.pk}/account/",
        {
            "kind": "account_suspension",
            "ground": "terms",
            "clause": "4.2",
            "account_id": "u1",
            "ends_at": f"{IMPOSSIBLE}T10:00",
        },
    )
    assert response.status_code < 500


def test_personnel_dates_that_do_not_exist_are_not_a_server_error(
    lead: Person, analyst: Person
) -> None:
    response = sign_in(lead).post(
        "/en/desk/personnel/",
        {"staff": analyst.member.pk, "screened_on": IMPOSSIBLE, "screening_result": "clear"},
    )
    assert response.status_code < 500
    response = sign_in(lead).post(
        "/en/desk/personnel/save/",
        {"staff": analyst.member.pk, "screened_on": IMPOSSIBLE, "screening_result": "clear"},
    )
    assert response.status_code < 500
