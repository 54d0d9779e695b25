"""One rule for where an organisation's public pages are (orgs/selectors.py), used by every
link that leaves the server: acknowledgement e-mails, account-holder notices, drafted policies,
QR codes of training sessions, report status URLs and the compliance evidence."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory
from django.utils import translation

from karpear.orgs.models import Organisation
from karpear.orgs.selectors import public_base_url, public_url
from tests.conftest import BAYON_HOST

pytestmark = pytest.mark.django_db


def test_an_organisation_with_a_host_name_is_linked_under_it_over_https(
    bayon: Organisation, settings: Any
) -> None:
    settings.KARPEAR_PUBLIC_BASE_URL = "https://safe.example.com/"
    request = RequestFactory().get("/", HTTP_HOST="internal.example")
    # Its host selects the organisation: a link under any other host opens another portal.
    assert public_base_url(bayon) == f"https://{BAYON_HOST}"
    assert public_url(bayon, "/en/contest/?code=D1", request=request) == (
        f"https://{BAYON_HOST}/en/contest/?code=D1"
    )


@pytest.mark.parametrize(
    "configured",
    ["https://safe.example.com", "https://safe.example.com/", " https://safe.example.com// "],
)
def test_without_one_the_configured_address_is_used_with_one_slash(
    acme: Organisation, settings: Any, configured: str
) -> None:
    settings.KARPEAR_PUBLIC_BASE_URL = configured
    assert public_base_url(acme) == "https://safe.example.com"
    assert public_url(acme, "/ack/x/") == "https://safe.example.com/ack/x/"
    assert public_url(acme, "ack/x/") == "https://safe.example.com/ack/x/"


def test_a_configured_address_under_a_path_keeps_it(acme: Organisation, settings: Any) -> None:
    settings.KARPEAR_PUBLIC_BASE_URL = "https://example.org/karpear/"
    assert public_url(acme, "/en/") == "https://example.org/karpear/en/"


def test_else_the_request_host_and_else_nothing(acme: Organisation, settings: Any) -> None:
    settings.KARPEAR_PUBLIC_BASE_URL = ""
    request = RequestFactory().get("/api/v1/reports", secure=True, HTTP_HOST="testserver")
    assert public_url(acme, "/api/v1/reports/AB", request=request) == (
        "https://testserver/api/v1/reports/AB"
    )
    assert public_base_url(acme) is None and public_url(acme, "/x") is None


def test_an_account_holder_notice_links_to_the_configured_portal(
    acme: Organisation, settings: Any
) -> None:
    """The complaint link in a statement of reasons was a bare path for an organisation
    without a host name, even where the public address is configured."""
    from karpear.cases.decisions import complaint_page_url

    settings.KARPEAR_PUBLIC_BASE_URL = "https://safe.example.com/"
    with translation.override("en"):
        assert complaint_page_url(acme, "D1-AAAAA-BBBBB") == (
            "https://safe.example.com/en/contest/?code=D1-AAAAA-BBBBB"
        )


def test_an_acknowledgement_link_goes_to_the_organisations_own_host(
    bayon: Organisation, settings: Any
) -> None:
    """It went to the configured address even for an organisation with a host of its own,
    which that address does not select."""
    from karpear.safeguarding.documents import ack_url

    settings.KARPEAR_PUBLIC_BASE_URL = "https://safe.example.com"
    assert ack_url(bayon, "tok", "en").startswith(f"https://{BAYON_HOST}/en/")
