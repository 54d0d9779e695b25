"""Keyboard work and required fields on the desk (issue #16, item 12), without a browser."""

from __future__ import annotations

import re
from datetime import timedelta

from karpear.cases.models import Case
from karpear.orgs.models import Organisation
from tests.cast import Person, make_case, sign_in


def test_next_case_is_the_most_urgent_one_nobody_else_has(
    acme: Organisation, bayon: Organisation, analyst: Person, analyst2: Person
) -> None:
    theirs = make_case(acme, url="https://social.example/theirs")
    free = make_case(acme, url="https://social.example/free")
    later = make_case(acme, url="https://social.example/later")
    other_org = make_case(bayon, url="https://social.example/bayon")
    Case.objects.filter(pk=theirs.pk).update(
        assignee=analyst2.member.user, next_due_at=theirs.opened_at - timedelta(hours=3)
    )
    Case.objects.filter(pk=other_org.pk).update(next_due_at=theirs.opened_at - timedelta(hours=9))
    Case.objects.filter(pk=later.pk).update(next_due_at=later.opened_at + timedelta(hours=9))
    client = sign_in(analyst)
    assert client.get("/en/desk/next/")["Location"] == f"/en/desk/cases/{free.pk}/"
    # Leaving that case, "next" moves on instead of reopening it.
    assert client.get(f"/en/desk/next/?from={free.pk}")["Location"] == (
        f"/en/desk/cases/{later.pk}/"
    )
    assert client.get("/en/desk/next/?from=junk")["Location"] == f"/en/desk/cases/{free.pk}/"


def test_next_case_with_nothing_waiting_says_so(acme: Organisation, analyst: Person) -> None:
    page = sign_in(analyst).get("/en/desk/next/", follow=True).content.decode()
    assert "No other open case is waiting for you." in page


def test_the_case_page_lists_the_keys_and_marks_them(acme: Organisation, lead: Person) -> None:
    case = make_case(acme)
    page = sign_in(lead).get(f"/en/desk/cases/{case.pk}/").content.decode()
    assert 'id="shortcuts"' in page and "Keyboard shortcuts" in page
    assert re.search(r'<script src="/static/karpear/desk-keys.js" defer>', page)
    for key in "ntc":
        assert len(re.findall(rf'accesskey="{key}"', page)) == 1  # unique, as axe wants
        assert f'data-key="{key}"' in page
    assert f'href="/en/desk/next/?from={case.pk}"' in page


def test_every_required_field_on_the_case_page_says_so(acme: Organisation, lead: Person) -> None:
    case = make_case(acme)
    page = sign_in(lead).get(f"/en/desk/cases/{case.pk}/").content.decode()
    required = re.findall(r"<(?:input|select|textarea)[^>]*\brequired\b[^>]*>", page)
    assert required
    ids = set()
    for control in required:
        assert 'type="hidden"' not in control and "disabled" not in control, control
        found = re.search(r'id="([^"]+)"', control)
        assert found, control
        ids.add(found.group(1))
    labelled = {
        "id_reason",
        "id_text",
        "id_content_type",
        "id_age_band",
        "id_kind",
        "id_account_id",
        "id_ground",
        "id_clause",
    }
    assert labelled <= ids
    for control_id in labelled:
        label = re.search(rf'<label for="{control_id}">(.*?)</label>', page, re.S)
        assert label and "(required)" in label.group(1), control_id
    for legend in ("Legal assessment", "Consent"):
        assert re.search(rf"<legend>{legend} <span class=\"required\">", page), legend


def test_a_missing_required_field_shows_the_error(acme: Organisation, analyst: Person) -> None:
    case = make_case(acme)
    client = sign_in(analyst)
    answer = client.post(f"/en/desk/cases/{case.pk}/note/", {"version": case.version, "text": ""})
    assert answer.status_code == 400
    assert 'role="alert"' in answer.content.decode()
    assert "Please give a reason." in answer.content.decode()


def test_the_keys_are_not_offered_to_roles_without_cases(
    acme: Organisation, compliance: Person
) -> None:
    page = sign_in(compliance).get("/en/desk/figures/").content.decode()
    assert "desk-keys.js" not in page and 'id="shortcuts"' not in page


def _unlabelled_required(page: str) -> list[str]:
    """Required controls whose label (or, for a group, legend) does not say "(required)"."""
    missing = []
    for control in re.findall(r"<(?:input|select|textarea)[^>]*\brequired\b[^>]*>", page):
        control_id = re.search(r'id="([^"]+)"', control)
        if control_id is None:
            missing.append(control)
            continue
        label = re.search(rf'<label for="{control_id.group(1)}"[^>]*>(.*?)</label>', page, re.S)
        if 'type="radio"' in control or 'type="checkbox"' in control:
            before = page[: page.index(control)]
            legend = before.rsplit("<legend", 1)[-1] if "<legend" in before else ""
            if "(required)" in legend.split("</legend>")[0]:
                continue
        if label is None or "(required)" not in label.group(1):
            missing.append(control_id.group(1))
    return missing


def test_required_fields_on_the_desk_forms_say_so(
    acme: Organisation, lead: Person, admin: Person, compliance: Person
) -> None:
    from karpear.evidence.services import evidence_capture
    from tests.evidence.conftest import benign_png, screen

    case = make_case(acme)
    screen(lead)
    item = evidence_capture(
        organisation=acme,
        case_id=case.pk,
        content=benign_png(2),
        content_type="image/png",
        metadata={},
        source="staff",
        actor="t",
    )
    pages = [
        (
            lead,
            [
                f"/en/desk/cases/{case.pk}/",
                f"/en/desk/evidence/{item.pk}/",
                "/en/desk/queue/",
                "/en/desk/search/",
                "/en/desk/recipients/",
                "/en/desk/notices/new/",
            ],
        ),
        (admin, ["/en/desk/staff/"]),
        (compliance, ["/en/desk/compliance/"]),
    ]
    for person, paths in pages:
        client = sign_in(person)
        for path in paths:
            page = client.get(path).content.decode()
            assert _unlabelled_required(page) == [], path
