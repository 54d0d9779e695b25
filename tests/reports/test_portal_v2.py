"""The child's portal, second version (issue #22, items 1-4): who is reporting, the minimum
report first, reassurance and the helpline before the form, contact boxes only on request, a
quick exit everywhere, and the small fixes of item 4."""

from __future__ import annotations

import re

import pytest

from karpear.orgs.models import Organisation
from karpear.reports.models import Report
from tests.conftest import Client, valid_form

pytestmark = pytest.mark.django_db


def _before(html: str, first: str, then: str) -> bool:
    return -1 < html.index(first) < html.index(then)


def test_the_start_page_asks_who_is_reporting_in_four_bands(client: Client) -> None:
    html = client.get("/").content.decode()
    for who in ("child", "teen", "parent", "adult"):
        assert f'href="?who={who}"' in html
    assert "ខ្ញុំអាយុក្រោម ១៣ ឆ្នាំ" in html  # "I am under 13", in Khmer by default
    assert 'name="links"' not in html  # the form comes after the answer
    assert _before(html, 'href="tel:1280"', 'href="?who=child"')
    assert 'href="/take-it-down/"' in html


def test_the_minimum_report_comes_first_and_the_rest_is_folded(client: Client) -> None:
    html = client.get("/en/?who=teen").content.decode()
    form = html.index("<form")
    # Reassurance and the helpline before the form (guidelines 2.4: never imply blame).
    assert -1 < html.index("You are not in trouble") < form
    assert -1 < html.index('href="tel:1280"') < form
    # Link, category and the send button before the folded optional details.
    more = html.index('<details class="more"')
    for needle in ('name="links"', 'name="category"', ">Send report</button>"):
        assert -1 < html.index(needle) < more, needle
    for optional in ('name="seen_on"', 'name="description"', 'name="contact_phone"'):
        assert html.index(optional) > more, optional
    assert '<details class="more">' in html  # closed without JavaScript
    # The warning speaks to a child, not of crime.
    assert "crime" not in html
    assert "Please do not send, save or screenshot the picture or video" in html


def test_contact_boxes_sit_in_their_own_block_shown_only_on_yes(client: Client) -> None:
    html = client.get("/en/?who=teen").content.decode()
    block = re.search(r'<div class="contact-fields">(.*?)</div>\s*<p><button', html, re.S)
    assert block, "the contact boxes have no block of their own"
    for name in ("contact_name", "contact_phone", "contact_email"):
        assert f'name="{name}"' in block.group(1)
    css = client.get("/static/karpear/site.css").getvalue().decode()
    assert ".contact-fields{display:none}" in css
    assert ".more:has(#id_contact_choice_1:checked) .contact-fields{display:block}" in css


def test_a_contact_choice_reopens_the_details_after_an_error(client: Client) -> None:
    response = client.post("/en/", valid_form(who="teen", contact_choice="contact"))
    assert response.status_code == 400
    assert '<details class="more" open>' in response.content.decode()


def test_the_youngest_see_pictograms_with_words_and_the_trusted_adult(client: Client) -> None:
    html = client.get("/en/?who=child").content.decode()
    assert html.count('<svg class="pic"') == 5  # one per category, drawn for the project
    assert "xlink:href" not in html and "<image" not in html  # nothing from elsewhere
    assert "A picture or video of a child&#x27;s private parts" in html
    assert "tell a grown-up you trust" in html
    assert "tell a grown-up you trust" not in client.get("/en/?who=adult").content.decode()


@pytest.mark.parametrize(
    ("who", "is_child"), [("child", True), ("teen", True), ("parent", False), ("adult", False)]
)
def test_the_band_says_whether_the_reporter_is_a_child(
    client: Client, acme: Organisation, who: str, is_child: bool
) -> None:
    assert client.post("/en/", valid_form(who=who)).status_code == 200
    assert Report.objects.get().reporter_is_child is is_child


def test_an_unknown_band_is_no_band(client: Client, acme: Organisation) -> None:
    assert client.get("/en/?who=robot").content.decode().count('href="?who=') == 4  # start page
    assert client.post("/en/", valid_form(who="\x00child")).status_code == 400
    assert not Report.objects.exists()
    response = client.post("/en/", valid_form(who="robot" * 50))
    assert response.status_code == 200
    assert Report.objects.get().reporter_is_child is None


def test_the_khmer_page_says_too_long_in_khmer(client: Client) -> None:
    html = client.post("/", valid_form(description="x" * 2001)).content.decode()
    assert "សូមសរសេរឱ្យខ្លីជាងនេះ" in html
    assert "Ensure this value" not in html
    english = client.post("/en/", valid_form(account_name="y" * 201)).content.decode()
    assert "Please make this shorter: at most 200 letters (now 201)." in english


@pytest.mark.parametrize(
    "path",
    ["/", "/en/?who=teen", "/status/", "/en/status/", "/take-it-down/", "/contest/", "/missing/"],
)
def test_every_public_page_has_a_quick_exit(client: Client, path: str) -> None:
    html = client.get(path).content.decode()
    exit_link = '<a class="exit" id="quick-exit" href="https://www.google.com/" rel="noreferrer">'
    assert exit_link in html
    assert '<script src="/static/karpear/exit.js" defer></script>' in html


def test_the_quick_exit_goes_where_the_deployment_says(client: Client, settings: object) -> None:
    settings.KARPEAR_QUICK_EXIT_URL = "https://weather.example/"  # type: ignore[attr-defined]
    assert 'href="https://weather.example/"' in client.get("/en/").content.decode()


def test_the_quick_exit_script_replaces_the_history_entry(client: Client) -> None:
    script = client.get("/static/karpear/exit.js").getvalue().decode()
    assert "location.replace(" in script and "history.replaceState" in script


def test_the_splash_language_link_keeps_the_blocked_url(client: Client) -> None:
    html = client.get("/blocked/?url=http://bad.example/1.html").content.decode()
    assert 'href="/en/blocked/?url=http%3A%2F%2Fbad.example%2F1.html"' in html


def test_favicon_is_served(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO header


def test_appeal_references_have_single_dashes(acme: Organisation) -> None:
    from karpear.blocklist.appeals import appeal_submit

    appeal = appeal_submit(
        organisation=acme, url="http://unlisted.example/", reason="My shop", contact=""
    )
    assert re.fullmatch(r"A-[0-9A-Z]{4}-[0-9A-Z]{4}", appeal.reference), appeal.reference
