"""No input reaches a 500 (issue #15, item 13).

NUL bytes (PostgreSQL refuses them), non-ASCII bearer tokens, deeply nested
JSON, impossible dates and integers out of range are all answered 4xx, in the
API's one JSON error format or on the error page in the person's language.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_create
from karpear.orgs.models import Organisation
from karpear.reports.models import Report
from tests.cast import Person, sign_in
from tests.conftest import Client, valid_form, valid_json

NUL_MESSAGE_EN = "not allowed (NUL)"


def _api_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"])
    return dict(body["error"])


@pytest.mark.parametrize(
    "overrides",
    [
        {"description": "hello\x00world"},
        {"links": ["https://social.example/p/1\x00"]},
        {"seen_on": "2026-11-20\x00"},
    ],
)
def test_the_api_refuses_nul_in_json_strings(client: Client, overrides: dict[str, Any]) -> None:
    response = client.post(
        "/api/v1/reports",
        json.dumps(valid_json(**overrides)),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    error = _api_error(response, 400)
    assert NUL_MESSAGE_EN in error["message"]
    assert Report.objects.count() == 0


def test_the_api_refuses_nul_in_a_key_and_raw_nul(client: Client) -> None:
    body = json.dumps({**valid_json(), "x\x00": 1}).encode()
    _api_error(client.post("/api/v1/reports", body, content_type="application/json"), 400)
    raw = b'{"description": "a\x00b"}'
    _api_error(client.post("/api/v1/reports", raw, content_type="application/json"), 400)


def test_an_escaped_backslash_before_u0000_is_ordinary_text(client: Client) -> None:
    body = json.dumps(valid_json(description="C:\\u0000 is a path, not a NUL"))
    response = client.post("/api/v1/reports", body, content_type="application/json")
    assert response.status_code == 201


@pytest.mark.parametrize("where", ["description", "key"])
def test_the_api_refuses_a_lone_surrogate_in_any_json_body(client: Client, where: str) -> None:
    """JSON may spell "\\ud800", which no UTF-8 text (no database column) can hold: refused
    by the body guard for every API, in the reader's language, with nothing stored."""
    body = json.dumps(valid_json(description="x"))
    if where == "key":
        body = body.replace('"description"', '"\\udfffd"', 1)
    else:
        body = body.replace('"x"', '"a\\ud800b"')
    en = client.post(
        "/api/v1/reports", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "could not be read" in _api_error(en, 400)["message"]
    km = client.post("/api/v1/reports", body, content_type="application/json")
    assert "could not be read" not in _api_error(km, 400)["message"]
    assert Report.objects.count() == 0


def test_a_surrogate_pair_is_one_ordinary_character(client: Client) -> None:
    body = json.dumps(valid_json(description="\U0001f600"))  # ensure_ascii: "\\ud83d\\ude00"
    assert "\\ud83d" in body
    response = client.post("/api/v1/reports", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert Report.objects.get().description == "\U0001f600"


def test_the_portal_refuses_nul_in_a_form_in_khmer_and_english(client: Client) -> None:
    km = client.post("/", valid_form(description="a\x00b"))
    assert km.status_code == 400
    assert "NUL" in km.content.decode() and NUL_MESSAGE_EN not in km.content.decode()
    en = client.post("/en/", valid_form(description="a%00b".replace("%00", "\x00")))
    assert en.status_code == 400 and NUL_MESSAGE_EN in en.content.decode()
    assert Report.objects.count() == 0


def test_nul_in_the_query_string_raw_or_percent_encoded_is_refused(client: Client) -> None:
    assert client.get("/en/status/?reference=AB%00CD").status_code == 400
    assert client.get("/en/desk/login/", {"next": "/desk/\x00"}).status_code == 400
    _api_error(client.get("/api/v1/reports/ABCD-EFGH-JKMN%00"), 400)


def test_nul_in_a_cookie_is_refused_before_the_session_table_is_read(client: Client) -> None:
    response = client.get("/en/desk/", HTTP_COOKIE="sessionid=abcdefgh\x00ijklmnop")
    assert response.status_code == 400


def test_deeply_nested_json_is_refused_before_parsing(client: Client) -> None:
    deep = "[" * 5_000 + "]" * 5_000
    error = _api_error(client.post("/api/v1/reports", deep, content_type="application/json"), 400)
    assert error["code"] == "too_deep"
    deeper = "[" * 100_000 + "]" * 100_000  # over the size limit as well
    _api_error(client.post("/api/v1/reports", deeper, content_type="application/json"), 413)
    nested = valid_json(description="x")
    nested["extra"] = json.loads("[" * 40 + "]" * 40)
    _api_error(
        client.post("/api/v1/reports", json.dumps(nested), content_type="application/json"),
        400,
    )


def test_brackets_inside_strings_do_not_count_as_nesting(client: Client) -> None:
    body = json.dumps(valid_json(description="[" * 200 + '"{'))
    response = client.post("/api/v1/reports", body, content_type="application/json")
    assert response.status_code == 201


@pytest.mark.parametrize(
    "token",
    ["kp_platform_ab_\u00e9\u00e9\u00e9", "\u1780\u17b6\u179a", "kp_platform_\x00_x_y"],
)
def test_a_non_ascii_bearer_token_is_401_not_500(acme: Organisation, token: str) -> None:
    client = Client()
    # WSGI carries headers as latin-1 text; a UTF-8 token arrives as its bytes.
    header = token.encode("utf-8").decode("latin-1")
    response = client.get("/api/v1/whoami", HTTP_AUTHORIZATION=f"Bearer {header}")
    assert response.status_code in (400, 401)
    _api_error(response, response.status_code)


def test_an_impossible_date_is_400(client: Client) -> None:
    response = client.post(
        "/api/v1/reports",
        json.dumps(valid_json(seen_on="2026-02-30")),
        content_type="application/json",
    )
    assert _api_error(response, 400)["code"] == "invalid"
    page = client.post("/en/", valid_form(seen_on="2026-02-30"))
    assert page.status_code == 400 and "date" in page.content.decode().lower()
    assert Report.objects.count() == 0


def test_integers_beyond_64_bits_are_4xx(acme: Organisation, lead: Person) -> None:
    _key, token = apikey_create(organisation=acme, scope=Scope.ISSUER, name="ACU")
    huge = 2**70
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get(f"/api/v1/notices/{huge}").status_code in (400, 404)
    _isp, isp_token = apikey_create(organisation=acme, scope=Scope.ISP, name="ISP")
    isp = Client(HTTP_AUTHORIZATION=f"Bearer {isp_token}")
    response = isp.get("/api/v1/blocklist/delta", {"since": huge})
    assert response.status_code in (400, 404, 422)
    desk = sign_in(lead)
    for path in (f"/en/desk/cases/{huge}/", f"/en/desk/evidence/{huge}/"):
        assert desk.get(path).status_code == 404, path


def test_the_api_404_uses_the_one_error_format(acme: Organisation) -> None:
    _api_error(Client().get("/api/v1/no-such-thing"), 404)


def test_a_wrong_method_is_405_in_the_one_error_format(acme: Organisation) -> None:
    response = Client().delete("/api/v1/reports")
    assert _api_error(response, 405)["code"] == "method_not_allowed"
    assert "POST" in response["Allow"]
