"""The page form and the in-app API refuse the same reports with the same messages (issue #24).

The API no longer builds a Django form per report: it calls the rules in reports/rules.py
that the page form calls. Each case below goes through both, as a reporter would send it
(the page's form fields; the API's JSON body), and must come out the same: the same fields
refused with the same messages in Khmer and in English, or the same report.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone, translation

from karpear.reports.forms import ReportForm
from tests.conftest import Client

TOMORROW_PLUS = (timezone.localdate() + timedelta(days=3)).isoformat()

CASES: list[dict[str, Any]] = [
    {"links": ["https://social.example/p/1"]},
    {"links": ["https://social.example/p/1", "https://SOCIAL.example/p/1", " https://b.example/ "]},
    {"links": ["javascript:alert(1)"]},
    {"links": ["https://a.example/1\u2028https://b.example/2"]},  # a line break inside a link
    {"links": ["https://a.example/\x07"]},
    {"links": [], "app_name": "Telegram", "account_name": "@someone"},
    {"links": [], "app_name": "Telegram"},
    {"links": [], "app_name": "Tele\x01gram", "account_name": "@someone"},
    {"links": ["https://a.example/"], "seen_on": TOMORROW_PLUS},
    {"links": ["https://a.example/"], "seen_on": "1999-12-31"},
    {"links": ["https://a.example/"], "seen_on": "2025-05-01", "seen_at_time": "14:30:59"},
    {"links": ["https://a.example/"], "description": "  two\nlines\t "},
    {"links": ["https://a.example/"], "description": "bad \x0b text"},
    {"links": ["https://a.example/"], "contact": {}},
    {"links": ["https://a.example/"], "contact": {"phone": "call me"}},
    {"links": ["https://a.example/"], "contact": {"phone": "call me", "email": "a@b.example"}},
    {"links": ["https://a.example/"], "contact": {"email": "not-an-address"}},
    {"links": ["https://a.example/"], "contact": {"name": "Da\x1bra", "email": "a@b.example"}},
    {"links": ["https://a.example/"], "contact": {"name": " Dara ", "phone": " 012 345 678 "}},
    {"links": ["bad link"], "app_name": "x\x02", "contact": {"phone": "?"}},
    {"links": ["https://a.example/"], "reporter_is_child": True, "seen_approximate": True},
]


def _form_fields(body: dict[str, Any]) -> dict[str, str]:
    """The same report as the page's form posts it."""
    contact = body.get("contact")
    return {
        "links": "\n".join(body.get("links", [])),
        "app_name": body.get("app_name", ""),
        "account_name": body.get("account_name", ""),
        "category": "other",
        "seen_on": body.get("seen_on", ""),
        "seen_at_time": body.get("seen_at_time", "")[:5],
        "seen_approximate": "on" if body.get("seen_approximate") else "",
        "description": body.get("description", ""),
        "age": {True: "child", False: "adult", None: ""}[body.get("reporter_is_child")],
        "contact_choice": "contact" if contact is not None else "anonymous",
        "contact_name": (contact or {}).get("name", ""),
        "contact_phone": (contact or {}).get("phone", ""),
        "contact_email": (contact or {}).get("email", ""),
    }


@pytest.mark.parametrize("language", ["km", "en"])
@pytest.mark.parametrize("body", CASES)
def test_the_api_refuses_and_accepts_what_the_page_does(
    client: Client, body: dict[str, Any], language: str
) -> None:
    with translation.override(language):
        form = ReportForm(_form_fields(body))
        page_ok = form.is_valid()
        page_errors = {name: list(errors) for name, errors in form.errors.items()}
    response = client.post(
        "/api/v1/reports",
        json.dumps({**body, "category": "other"}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    if not page_ok:
        assert response.status_code == 400, response.content
        assert response.json()["error"]["fields"] == page_errors
        return
    assert response.status_code == 201, response.content
    from karpear.reports.models import Report
    from karpear.reports.services import report_contact

    report = Report.objects.get(reference=response.json()["reference"])
    expected = replace(form.to_data(), platform_content_id="")
    items = list(report.items.order_by("id"))
    assert [(i.url, i.normalised_url, i.app_name, i.account_name) for i in items] == [
        (i.url, i.normalised_url, i.app_name, i.account_name) for i in expected.items
    ]
    assert (
        report.seen_on,
        report.seen_at_time,
        report.seen_approximate,
        report.description,
        report.reporter_is_child,
    ) == (
        expected.seen_on,
        expected.seen_at_time,
        expected.seen_approximate,
        expected.description,
        expected.reporter_is_child,
    )
    contact = expected.contact
    assert report_contact(report) == (
        None
        if contact is None
        else {"name": contact.name, "phone": contact.phone, "email": contact.email}
    )
