"""Every public page: strict CSP, nothing from third parties, light enough for 3G."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders

from tests.conftest import Client, valid_form

PAGES = ["/", "/en/", "/status/", "/en/status/"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_carry_a_strict_content_security_policy(client: Client, path: str) -> None:
    response = client.get(path)
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", PAGES)
def test_pages_load_nothing_from_anywhere_else(client: Client, path: str) -> None:
    html = client.get(path).content.decode()
    # The quick exit is a plain link away (issue #22, item 2), never something loaded.
    html = re.sub(r'<a class="exit" id="quick-exit" href="https://[^"]*"', "", html)
    for attr in re.findall(r'(?:src|href|action)="([^"]*)"', html):
        assert not re.match(r"^(https?:)?//", attr), attr
    # The only script is the quick exit's, from this origin; the page works without it.
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/karpear/exit.js" defer>']
    assert "style=" not in html  # inline styles would need 'unsafe-inline'


@pytest.mark.parametrize("path", PAGES)
def test_pages_weigh_under_60_kb(client: Client, path: str) -> None:
    html = client.get(path).content
    css_path = finders.find("karpear/site.css")
    assert css_path
    with open(str(css_path), "rb") as css:
        weight = len(html) + len(css.read())
    assert weight < 60 * 1024, weight


def test_the_receipt_is_light_too(client: Client) -> None:
    assert len(client.post("/", valid_form()).content) < 30 * 1024


def test_an_unknown_host_without_a_default_organisation_is_404(db: None) -> None:
    response = Client(HTTP_HOST="nobody.test").get("/en/")
    assert response.status_code == 404
    api = Client(HTTP_HOST="nobody.test").get("/api/v1/reports/AAAA-AAAA-AAAA")
    assert api.status_code == 404
    assert api.json()["error"]["code"] == "unknown_site"
