"""Desk and admin responses are never stored by a browser or proxy (issue #15, item 15)."""

from __future__ import annotations

import pytest

from karpear.orgs.models import Organisation
from tests.cast import Person, sign_in
from tests.conftest import Client

PAGES = [
    "/en/desk/",
    "/desk/",
    "/en/desk/login/",
    "/desk/login/",
    "/en/desk/queue/",
    "/en/desk/audit/",
    "/en/desk/audit/?format=csv",
    "/en/desk/figures/",
    "/en/desk/no-such-page/",
    "/admin/",
    "/admin/login/",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_desk_and_admin_answer_says_no_store(
    path: str, acme: Organisation, lead: Person
) -> None:
    for client in (Client(), sign_in(lead)):
        response = client.get(path)
        assert "no-store" in response["Cache-Control"], (path, response.status_code)


def test_refusals_and_posts_say_no_store_too(acme: Organisation, analyst: Person) -> None:
    desk = sign_in(analyst)
    assert "no-store" in desk.get("/en/desk/audit/")["Cache-Control"]  # 403 for an analyst
    posted = Client().post("/en/desk/login/", {"username": "x", "password": "y"})
    assert "no-store" in posted["Cache-Control"]


def test_public_pages_keep_their_own_caching(client: Client) -> None:
    assert "no-store" not in client.get("/en/").get("Cache-Control", "")
