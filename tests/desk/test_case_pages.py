"""The desk pages an analyst works in: queue order, case page, reveals, errors."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from karpear.audit.models import AuditEntry
from karpear.cases.models import Case, State
from karpear.orgs.models import Organisation
from tests.cast import Person, make_case, sign_in
from tests.conftest import Client


def test_the_queue_lists_open_cases_by_nearest_deadline(
    acme: Organisation, analyst: Person
) -> None:
    late, soon, later = (make_case(acme, url=f"https://x.example/{i}") for i in range(3))
    Case.objects.filter(pk=late.pk).update(next_due_at=late.opened_at - timedelta(hours=1))
    Case.objects.filter(pk=later.pk).update(next_due_at=later.opened_at + timedelta(hours=5))
    page = sign_in(analyst).get("/en/desk/queue/").content.decode()
    order = [int(n) for n in re.findall(r'href="/en/desk/cases/(\d+)/"', page)]
    assert order == [late.pk, soon.pk, later.pk]
    assert "overdue by" in page


def test_the_queue_filters_by_state_and_channel(acme: Organisation, analyst: Person) -> None:
    case = make_case(acme)
    Case.objects.filter(pk=case.pk).update(state=State.IN_REVIEW)
    make_case(acme, url="https://y.example/1")
    client = sign_in(analyst)
    page = client.get("/en/desk/queue/?state=in_review").content.decode()
    assert re.findall(r"/en/desk/cases/(\d+)/", page) == [str(case.pk)]
    assert "No open cases" in client.get("/en/desk/queue/?channel=in_app").content.decode()


def test_the_queue_uses_a_fixed_number_of_queries(acme: Organisation, analyst: Person) -> None:
    client = sign_in(analyst)
    make_case(acme)
    client.get("/en/desk/queue/")  # fill the host cache (orgs), empty at each test's start
    with CaptureQueriesContext(connection) as few:
        client.get("/en/desk/queue/")
    for i in range(15):
        make_case(acme, url=f"https://many.example/{i}")
    with CaptureQueriesContext(connection) as many:
        client.get("/en/desk/queue/")
    assert len(many) == len(few)


def _work(case: Any, person: Person) -> None:
    """The person is screened and takes the case (who may see contacts and exact links)."""
    from karpear.cases.services import case_assign
    from tests.evidence.conftest import screen

    screen(person)
    case.refresh_from_db()
    case_assign(
        case=case, member=person.member, assignee=person.member, expected_version=case.version
    )


def test_viewing_a_case_is_audited_and_links_are_inert(acme: Organisation, analyst: Person) -> None:
    case = make_case(acme, url="https://bad.example/p/1")
    _work(case, analyst)
    page = sign_in(analyst).get(f"/en/desk/cases/{case.pk}/").content.decode()
    assert "hxxps://bad[.]example/p/1" in page
    assert 'href="https://bad.example' not in page and "<img" not in page
    assert AuditEntry.objects.filter(action="case_view", object_id=str(case.pk)).count() == 1


def test_contact_details_show_only_on_a_deliberate_audited_click(
    acme: Organisation, analyst: Person
) -> None:
    case = make_case(acme, contact=True)
    _work(case, analyst)
    client = sign_in(analyst)
    assert "012345678" not in client.get(f"/en/desk/cases/{case.pk}/").content.decode()
    report_id = case.case_reports.get().report_id
    page = client.post(f"/en/desk/cases/{case.pk}/reveal/", {"report": report_id})
    assert "012345678" in page.content.decode()
    assert AuditEntry.objects.filter(action="contact_reveal").count() == 1


def test_copying_the_exact_link_is_audited(acme: Organisation, analyst: Person) -> None:
    case = make_case(acme, url="https://bad.example/p/2")
    _work(case, analyst)
    client = sign_in(analyst)
    item = re.search(
        r'name="item" value="(\d+)"', client.get(f"/en/desk/cases/{case.pk}/").content.decode()
    )
    assert item
    page = client.post(f"/en/desk/cases/{case.pk}/reveal/", {"item": item.group(1)})
    assert 'value="https://bad.example/p/2"' in page.content.decode()
    assert AuditEntry.objects.filter(action="link_copy").count() == 1


def test_an_invalid_step_shows_the_error_and_changes_nothing(
    acme: Organisation, analyst: Person
) -> None:
    case = make_case(acme)
    response = sign_in(analyst).post(
        f"/en/desk/cases/{case.pk}/transition/",
        {"version": case.version, "to_state": "closed", "reason": "done"},
    )
    assert response.status_code == 409
    assert "cannot go from" in response.content.decode()
    assert Case.objects.get(pk=case.pk).state == "received"


def test_a_stale_form_is_refused_on_the_page(
    acme: Organisation, analyst: Person, analyst2: Person
) -> None:
    case = make_case(acme)
    first, second = sign_in(analyst), sign_in(analyst2)
    form = {"version": case.version, "to_state": "in_review", "reason": "looking"}
    assert first.post(f"/en/desk/cases/{case.pk}/transition/", form).status_code == 302
    response = second.post(f"/en/desk/cases/{case.pk}/transition/", form)
    assert response.status_code == 409
    assert "Someone else changed this case" in response.content.decode()


def test_a_forged_post_without_csrf_is_refused(acme: Organisation, analyst: Person) -> None:
    case = make_case(acme)
    client = sign_in(analyst)
    client.handler.enforce_csrf_checks = True
    response = client.post(
        f"/en/desk/cases/{case.pk}/transition/",
        {"version": case.version, "to_state": "in_review", "reason": "x"},
    )
    assert response.status_code == 403
    assert Case.objects.get(pk=case.pk).state == "received"


def test_the_lead_sets_sla_targets(lead: Person) -> None:
    client = sign_in(lead)
    form = {
        "review_": "30",
        "action_": "600",
        "review_live_stream": "5",
        "action_live_stream": "60",
    }
    assert client.post("/en/desk/settings/sla/", form).status_code == 302
    bad = client.post("/en/desk/settings/sla/", {"review_": "90", "action_": "10"})
    assert bad.status_code == 400
    assert AuditEntry.objects.filter(action="settings_change").count() == 1


def test_the_audit_log_exports_csv(lead: Person, acme: Organisation) -> None:
    make_case(acme)
    client = sign_in(lead)
    response = client.get("/en/desk/audit/?format=csv")
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    assert body.startswith("id,time,actor,action")
    assert "sign_in" in body
    assert AuditEntry.objects.filter(action="audit_export").count() == 1


def test_desk_pages_are_in_khmer_by_default(analyst: Person) -> None:
    client = sign_in(analyst)
    assert 'lang="km"' in client.get("/desk/queue/").content.decode()


def test_unknown_hosts_do_not_matter_to_the_desk(analyst: Person) -> None:
    assert Client().get("/en/desk/login/").status_code == 200
