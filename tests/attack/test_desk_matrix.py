"""An outsider's attack on every desk URL (issue #15 review).

tests/desk/test_roles.py checks each URL against each role of the same organisation. This
module walks the same matrix as the other organisation's staff (every role, screened, on
their own host) with Acme's ids, and with GET where the desk expects a POST.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from karpear.audit.models import AuditEntry
from karpear.orgs.models import Organisation
from karpear.orgs.services import organisation_create
from karpear.staff.models import Role
from tests.cast import Person, _person, sign_in
from tests.conftest import BAYON_HOST
from tests.desk.test_roles import MATRIX
from tests.desk.world import desk_objects

A, L, C, D = "analyst", "lead", "compliance", "admin"
T = "trainer"
RV, HU, RA = "reviewer", "head", "regulator_admin"  # the regulator's roles (issue #20)


@dataclass
class World:
    """Acme's objects, one of each kind a desk URL names."""

    ids: dict[str, Any]


def build_acme(acme: Organisation, cast: dict[str, Person]) -> World:
    """The same objects as the role matrix builds, through the real services (the regulator's
    objects are the MPTC's, with Acme registered as its company)."""
    from tests.regulator.world import regulator_objects

    ids = desk_objects(acme, {k: v for k, v in cast.items() if k in (A, L, C, D, T)})
    ids.update(regulator_objects(acme, cast[HU], cast[RV]))
    return World(ids=ids)


@pytest.fixture
def cast(request: pytest.FixtureRequest) -> dict[str, Person]:
    roles = {A: "analyst", L: "lead", C: "compliance", D: "admin", T: "trainer"}
    roles.update({RV: "reviewer", HU: "head", RA: "regulator_admin"})
    return {role: request.getfixturevalue(name) for role, name in roles.items()}


@pytest.fixture
def bayon_cast(bayon: Organisation) -> dict[str, Person]:
    from tests.evidence.conftest import screen

    people = {
        A: _person(bayon, "b-analyst", Role.ANALYST),
        L: _person(bayon, "b-lead", Role.LEAD),
        C: _person(bayon, "b-compliance", Role.COMPLIANCE),
        D: _person(bayon, "b-admin", Role.ADMIN),
        T: _person(bayon, "b-trainer", Role.TRAINER),
    }
    for person in people.values():
        screen(person)
    # Another regulator on the same deployment (issue #20): none of the MPTC's objects.
    other = organisation_create(name="Other regulator", slug="other-reg", kind="regulator")
    people[RV] = _person(other, "o-reviewer", Role.REVIEWER)
    people[HU] = _person(other, "o-head", Role.HEAD)
    people[RA] = _person(other, "o-admin", Role.REGULATOR_ADMIN)
    return people


# Rows that name one of Acme's objects; the others are organisation-wide pages. Appeals and
# hash matches are named by id 0 in the matrix (none exists), so they prove nothing here.
OBJECT_ROWS = [
    (method, path)
    for method, path, _ in MATRIX
    if "{" in path and "{appeal}" not in path and "{match}" not in path
]
POST_ONLY = sorted(
    {path for method, path, _ in MATRIX if method == "POST"}
    - {path for method, path, _ in MATRIX if method == "GET"}
)


def _changes() -> list[tuple[str, str]]:
    """What the audit log says was done (sign-ins and refusals are not changes)."""
    return list(
        AuditEntry.objects.exclude(action__startswith="sign_in")
        .exclude(action__in=("access_denied", "staff_own_refused", "personnel_own_refused"))
        .order_by("pk")
        .values_list("action", "object_id")
    )


@pytest.mark.parametrize(("method", "path"), OBJECT_ROWS, ids=[f"{m} {p}" for m, p in OBJECT_ROWS])
def test_another_organisations_staff_reach_none_of_acmes_objects(
    cast: dict[str, Person],
    bayon_cast: dict[str, Person],
    acme: Organisation,
    method: str,
    path: str,
) -> None:
    """Bayon's staff, in the roles that may use the URL at home, get 404 (or 403) for
    Acme's ids, and nothing of Acme's changes."""
    world = build_acme(acme, cast)
    url = path.format(**world.ids)
    before = _changes()
    for role, person in bayon_cast.items():
        client = sign_in(person, host=BAYON_HOST)
        data: dict[str, Any] = {
            "reason": "x",
            "version": "1",
            "to_state": "in_review",
            "change": "role",
            "role": "lead",
            "active": "0",
        }
        if path.endswith("/file/"):  # a real attacker attaches a file where one is expected
            data["file"] = SimpleUploadedFile("a.txt", b"planted", content_type="text/plain")
        response = getattr(client, method.lower())(url, data)
        assert response.status_code in (403, 404), (role, response.status_code)
        assert b"Officer Sok" not in response.content and b"Sokha" not in response.content
    # Bayon's own refusals may be audited; nothing was done to Acme.
    assert [entry for entry in _changes() if entry not in before] == []


@pytest.mark.parametrize("path", POST_ONLY)
def test_a_get_never_does_what_a_post_does(
    cast: dict[str, Person], acme: Organisation, path: str
) -> None:
    """A link (GET, no CSRF token) to a form's target is refused with 405 for every role,
    and changes nothing."""
    world = build_acme(acme, cast)
    url = path.format(**world.ids)
    before = _changes()
    query = {"reason": "x", "version": "1", "to_state": "in_review", "change": "role"}
    # The evidence content URL answers GET only against a one-time grant from the viewer
    # page (400 without one); everything else is a form target.
    refused = (400, 403) if path.endswith("/content/") else (403, 405)
    for role, person in cast.items():
        response = sign_in(person).get(url, query)
        assert response.status_code in refused, (role, response.status_code)
    assert [entry for entry in _changes() if entry not in before] == []


ALLOWED_POSTS = [(path, sorted(allowed)[0]) for method, path, allowed in MATRIX if method == "POST"]
NASTY: list[tuple[str, bytes, str]] = [
    ("nul", b"reason=a%00b&note=%00&q=%00&version=1&to_state=closed&username=x%00", "form"),
    ("non-utf8", b"reason=\xff\xfe&note=\xc3\x28&q=\xff&version=\xff", "form"),
    ("huge-number", b"version=99999999999999999999999&staff=1e308&report=-1&item=9" * 3, "form"),
    ("json-body", b'{"reason": ' * 5000, "application/json"),
]


@pytest.mark.parametrize(("path", "role"), ALLOWED_POSTS, ids=[p for p, _ in ALLOWED_POSTS])
def test_nasty_form_bodies_are_never_a_server_error(
    cast: dict[str, Person], acme: Organisation, path: str, role: str
) -> None:
    """NUL bytes, bytes that are not UTF-8, absurd numbers and a JSON bomb, posted with a
    valid session and CSRF-exempt test client to every form target: 4xx or a redirect."""
    world = build_acme(acme, cast)
    client = sign_in(cast[role])
    url = path.format(**world.ids)
    for name, body, kind in NASTY:
        content_type = "application/x-www-form-urlencoded" if kind == "form" else "application/json"
        response = client.generic("POST", url, body, content_type=content_type)
        assert response.status_code < 500, (name, response.status_code)


ALLOWED_GETS = [(path, sorted(allowed)[0]) for method, path, allowed in MATRIX if method == "GET"]


@pytest.mark.parametrize(("path", "role"), ALLOWED_GETS, ids=[p for p, _ in ALLOWED_GETS])
def test_nasty_query_strings_are_never_a_server_error(
    cast: dict[str, Person], acme: Organisation, path: str, role: str
) -> None:
    world = build_acme(acme, cast)
    client = sign_in(cast[role])
    url = path.format(**world.ids).split("?")[0]
    for query in (
        "q=%00&state=%00&format=%00&cursor=%00&day=%00",
        "q=%ff%fe&state=%c3%28&cursor=%ff&before=2026-02-30&after=99999-01-01",
        "cursor=99999999999999999999999&page=-1&limit=1e308&format=csv%00",
        "grant=%00&url=http://%00/&url=javascript:alert(1)",
    ):
        response = client.get(f"{url}?{query}")
        assert response.status_code < 500, (query, response.status_code)
