"""The API's lean middleware path (issue #24): page-only middleware step aside for /api/.

The API answers must still carry what they carried (security headers, one error format,
the client's language, the 413 / NUL / deep-JSON guards), and pages must still get their
sessions, CSRF and CSP.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings

from karpear.core.pageonly import API_CSP
from karpear.reports.models import Report
from tests.cast import Person, sign_in
from tests.conftest import Client, valid_form, valid_json

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def post_report(client: Client, body: Any, **extra: Any) -> Any:
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post("/api/v1/reports", data, content_type="application/json", **extra)


def test_an_api_answer_carries_its_headers_without_the_page_middleware(client: Client) -> None:
    response = post_report(client, valid_json(), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 201
    for name, value in SECURITY_HEADERS.items():
        assert response[name] == value, name
    assert response["Content-Security-Policy"] == API_CSP  # constant: no nonce, nothing allowed
    assert response["Content-Language"] == "en"
    assert "Accept-Language" in response["Vary"]
    assert len(response["X-Request-ID"]) == 32
    request = response.wsgi_request
    # Sessions, users and messages were never set up for it: nothing of a page ran.
    assert not hasattr(request, "session")
    assert not hasattr(request, "user")
    assert not hasattr(request, "_messages")
    assert not response.cookies  # no session, CSRF or language cookie


def test_a_desk_session_cookie_does_not_reach_the_api(analyst: Person) -> None:
    desk = sign_in(analyst)
    assert settings.SESSION_COOKIE_NAME in desk.cookies
    response = desk.get("/api/v1/whoami")  # a keyed operation: the session is no key
    assert response.status_code == 401
    assert response.json()["error"]["code"]
    assert not hasattr(response.wsgi_request, "user")


def test_api_errors_keep_one_format_and_the_clients_language(client: Client) -> None:
    bad = post_report(client, {"links": []}, HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid"
    assert bad["Content-Language"] == "en"
    khmer = post_report(client, {"links": []}, HTTP_ACCEPT_LANGUAGE="km")
    assert khmer.json()["error"]["message"] != bad.json()["error"]["message"]
    wrong = client.put("/api/v1/reports", "{}", content_type="application/json")
    assert wrong.status_code == 405
    assert wrong.json()["error"]["code"] == "method_not_allowed"


def test_api_guards_still_refuse_oversized_nul_and_deep_input(client: Client) -> None:
    big = post_report(
        client, "{}", CONTENT_LENGTH=str(settings.KARPEAR_MAX_BODY_BYTES + 1)
    )  # declared size: refused before anything reads the body
    assert big.status_code == 413
    assert big.json()["error"]["code"] == "too_large"
    nul = post_report(client, valid_json(description="a\u0000b"))
    assert nul.status_code == 400 and nul.json()["error"]["code"] == "invalid"
    deep = post_report(client, "[" * 200 + "]" * 200)
    assert deep.status_code == 400 and deep.json()["error"]["code"] == "too_deep"
    for refused in (big, nul, deep):
        assert refused["X-Content-Type-Options"] == "nosniff"
        assert refused["Content-Security-Policy"] == API_CSP


def test_pages_still_get_sessions_csrf_and_their_csp(client: Client) -> None:
    page = client.get("/en/")
    assert page.status_code == 200
    assert "script-src 'self'" in page["Content-Security-Policy"]
    assert page["Content-Language"] == "en"
    assert hasattr(page.wsgi_request, "session") and hasattr(page.wsgi_request, "user")
    strict = Client(enforce_csrf_checks=True)
    refused = strict.post("/en/", valid_form())
    assert refused.status_code == 403  # no CSRF token: the page's protection is intact
    assert Report.objects.count() == 0


def test_the_desk_still_signs_in_and_keeps_its_session(analyst: Person) -> None:
    desk = sign_in(analyst)
    response = desk.get("/en/desk/queue/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response.wsgi_request.user.is_authenticated


def test_behind_a_url_prefix_the_api_is_still_answered_as_the_api(client: Client) -> None:
    """Served under a prefix (SCRIPT_NAME, e.g. /karpear), every middleware tells the API by
    the same rule (core.guards.is_api): its language, its error format and its CSP."""
    response = client.get("/api/v1/whoami", SCRIPT_NAME="/karpear", HTTP_ACCEPT_LANGUAGE="en")
    assert response.wsgi_request.path == "/karpear/api/v1/whoami"
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"]
    assert response["Content-Language"] == "en"
    assert response["Content-Security-Policy"] == API_CSP
    assert not response.cookies
