"""The search form starts empty (found by the issue #16 "Done when" browser test: every field
was pre-filled with "[]", so a browser that submitted the form searched by all of them)."""

from __future__ import annotations

import re

from karpear.orgs.models import Organisation
from tests.cast import Person, make_case, sign_in


def test_the_search_page_has_no_prefilled_values(acme: Organisation, analyst: Person) -> None:
    html = sign_in(analyst).get("/en/desk/search/").content.decode()
    values = re.findall(r'<input type="(?:text|date)" name="\w+" id="s_\w+" value="([^"]*)"', html)
    assert values == [""] * 7


def test_the_form_as_a_browser_sends_it_finds_the_case(acme: Organisation, analyst: Person) -> None:
    case = make_case(acme, url="https://social.example/p/31")
    client = sign_in(analyst)
    html = client.get("/en/desk/search/").content.decode()
    form = dict(re.findall(r'name="(\w+)" id="s_\w+" value="([^"]*)"', html))
    form.update(link="HTTPS://Social.Example/p/31", status="all")
    page = client.post("/en/desk/search/", form).content.decode()
    assert "1 case found" in page and f"#{case.pk}" in page
