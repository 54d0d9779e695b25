"""The exposure timer and the desk-wide break reminder (issue #16, item 15).

The count is kept in the session; the tests move its clock back instead of waiting.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from karpear.desk.wellness import EXPOSURE
from karpear.orgs.models import Organisation
from tests.cast import Person, make_case, sign_in
from tests.conftest import Client


def _age(client: Client, *, open_minutes: float, idle_minutes: float | None = None) -> None:
    """Pretend the content page was opened `open_minutes` ago (last request `idle_minutes`)."""
    session = client.session
    state: dict[str, Any] = dict(session[EXPOSURE])
    now = timezone.now().timestamp()
    state["open_since"] = now - open_minutes * 60
    state["last"] = now - (open_minutes if idle_minutes is None else idle_minutes) * 60
    session[EXPOSURE] = state
    session.save()


def _minutes(client: Client) -> int:
    return int(client.session[EXPOSURE]["seconds"] // 60)


def test_time_on_a_case_page_counts_and_the_reminder_shows_on_every_desk_page(
    acme: Organisation, analyst: Person, settings: Any
) -> None:
    settings.KARPEAR_EXPOSURE_BREAK_MINUTES = 9
    case = make_case(acme)
    client = sign_in(analyst)
    page = client.get(f"/en/desk/cases/{case.pk}/").content.decode()
    assert "Time on content pages this session: 0 min." in page
    assert "break-reminder" not in page
    for _ in range(2):
        _age(client, open_minutes=4, idle_minutes=4)
        client.get(f"/en/desk/cases/{case.pk}/")
    assert _minutes(client) == 8
    _age(client, open_minutes=3, idle_minutes=3)
    queue = client.get("/en/desk/queue/").content.decode()  # not a content page: still reminds
    assert 'id="break-reminder"' in queue
    assert "You have spent 11 minutes on pages that can show abuse content" in queue
    assert 'href="/en/desk/wellbeing/"' in queue


def test_time_on_other_pages_does_not_count(acme: Organisation, analyst: Person) -> None:
    client = sign_in(analyst)
    client.get("/en/desk/queue/")
    _age(client, open_minutes=4)
    session = client.session
    session[EXPOSURE] = {**session[EXPOSURE], "open_since": None}
    session.save()
    page = client.get("/en/desk/queue/").content.decode()
    assert _minutes(client) == 0
    assert 'id="exposure"' not in page  # the timer is shown on content pages only


def test_one_page_counts_at_most_the_cap(
    acme: Organisation, analyst: Person, settings: Any
) -> None:
    settings.KARPEAR_EXPOSURE_PAGE_MAX_MINUTES = 5
    settings.KARPEAR_BREAK_MINUTES = 60
    case = make_case(acme)
    client = sign_in(analyst)
    client.get(f"/en/desk/cases/{case.pk}/")
    _age(client, open_minutes=40, idle_minutes=40)
    client.get("/en/desk/queue/")
    assert _minutes(client) == 5


def test_a_break_starts_the_count_again(acme: Organisation, analyst: Person, settings: Any) -> None:
    settings.KARPEAR_EXPOSURE_BREAK_MINUTES = 3
    settings.KARPEAR_BREAK_MINUTES = 15
    case = make_case(acme)
    client = sign_in(analyst)
    client.get(f"/en/desk/cases/{case.pk}/")
    _age(client, open_minutes=4, idle_minutes=4)
    assert "break-reminder" in client.get("/en/desk/queue/").content.decode()
    _age(client, open_minutes=20, idle_minutes=20)
    session = client.session
    session[EXPOSURE] = {**session[EXPOSURE], "open_since": None}
    session.save()
    assert "break-reminder" not in client.get("/en/desk/queue/").content.decode()
    assert _minutes(client) == 0


def test_search_counts_too_and_sessions_are_separate(
    acme: Organisation, analyst: Person, analyst2: Person
) -> None:
    client = sign_in(analyst)
    client.get("/en/desk/search/")
    _age(client, open_minutes=2)
    client.get("/en/desk/queue/")
    assert _minutes(client) == 2
    other = sign_in(analyst2)
    other.get("/en/desk/queue/")
    assert _minutes(other) == 0


def test_every_role_reaches_the_wellbeing_page(
    acme: Organisation, compliance: Person, settings: Any
) -> None:
    settings.KARPEAR_WELLBEING_CONTACT = "Counsellor Srey, 012 000 111"
    page = sign_in(compliance).get("/en/desk/wellbeing/").content.decode()
    assert "Counsellor Srey, 012 000 111" in page


def test_the_evidence_picture_keeps_the_viewer_counting(
    acme: Organisation, analyst: Person
) -> None:
    """The viewer's <img> is a desk request of its own: it must not end the viewer's count."""
    from karpear.evidence.services import evidence_capture
    from tests.evidence.conftest import benign_png, screen

    screen(analyst)
    case = make_case(acme)
    item = evidence_capture(
        organisation=acme,
        case_id=case.pk,
        content=benign_png(3),
        content_type="image/png",
        metadata={},
        source="staff",
        actor="t",
    )
    client = sign_in(analyst)
    client.get(f"/en/desk/evidence/{item.pk}/")
    client.post(f"/en/desk/evidence/{item.pk}/content/", {"grant": "none"})
    assert client.session[EXPOSURE]["open_since"] is not None
    _age(client, open_minutes=3)
    client.get("/en/desk/queue/")
    assert _minutes(client) == 3
