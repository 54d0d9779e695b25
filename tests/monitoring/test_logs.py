"""Structured logs: one JSON object a line with request id and organisation, never a reporter's
words or contact (issue #23, item 3)."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_create
from karpear.core.logging import JsonFormatter, PlainFormatter, RedactFilter
from karpear.orgs.models import Organisation
from tests.conftest import Client, valid_form, valid_json

DESCRIPTION = "Uncle Heng sends my sister pictures at night"
NAME, PHONE, EMAIL = "Srey Pov", "012 888 777", "srey.pov@example.com"


@pytest.fixture
def json_log(settings: Any) -> Iterator[io.StringIO]:
    """Everything every logger writes, down to DEBUG, through the deployment's JSON handler."""
    settings.KARPEAR_LOG_FORMAT = "json"
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_a_report_s_description_and_contact_never_reach_a_log_line(
    client: Client, acme: Organisation, json_log: io.StringIO
) -> None:
    page = client.post(
        "/en/",
        valid_form(
            description=DESCRIPTION,
            contact_choice="contact",
            contact_name=NAME,
            contact_phone=PHONE,
            contact_email=EMAIL,
        ),
    )
    assert page.status_code == 200
    found = re.search(rb"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", page.content)
    assert found
    reference = found.group().decode()
    api = client.post(
        "/api/v1/reports",
        valid_json(
            links=["https://social.example/p/9"],
            description=DESCRIPTION,
            contact={"name": NAME, "phone": PHONE, "email": EMAIL},
        ),
        content_type="application/json",
    )
    assert api.status_code in (200, 201), api.content
    client.get(f"/en/status/?reference={reference}")
    client.post("/en/", valid_form(description=DESCRIPTION + "\0"))  # refused, and logged?
    text = json_log.getvalue()
    assert text, "nothing was logged at all: the test would prove nothing"
    for secret in (DESCRIPTION, "Uncle Heng", NAME, PHONE, "888 777", EMAIL, reference):
        assert secret not in text, secret
        assert secret.encode() not in text.encode("unicode_escape")


def test_every_line_is_json_with_the_request_id_and_organisation(
    client: Client, acme: Organisation, json_log: io.StringIO
) -> None:
    response = client.post("/en/", valid_form(), HTTP_X_REQUEST_ID="nginx-0123456789abcdef")
    assert response["X-Request-ID"] == "nginx-0123456789abcdef"
    lines = _lines(json_log)
    served = [line for line in lines if line["logger"] == "karpear.request"]
    assert served and served[-1]["request_id"] == "nginx-0123456789abcdef"
    assert served[-1]["organisation"] == "acme"
    assert served[-1]["message"].startswith("POST portal 200")
    assert {"time", "level", "logger", "message"} <= set(served[-1])


def test_an_api_request_s_line_names_the_key_s_organisation(
    client: Client, acme: Organisation, bayon: Organisation, json_log: io.StringIO
) -> None:
    _key, token = apikey_create(organisation=bayon, scope=Scope.ISSUER, name="ACU")
    response = client.get("/api/v1/whoami", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    served = [line for line in _lines(json_log) if line["logger"] == "karpear.request"]
    assert served[-1]["organisation"] == "bayon"  # the key's, not the host's default (acme)
    assert token not in json_log.getvalue()


@pytest.mark.parametrize("given", ["", "short", "x" * 65, "bad id with spaces", "a\nb=c"])
def test_a_request_id_that_does_not_look_like_one_is_replaced(
    client: Client, acme: Organisation, given: str
) -> None:
    response = client.get("/en/", HTTP_X_REQUEST_ID=given)
    assert response["X-Request-ID"] != given
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_lines_outside_a_request_have_no_request_id() -> None:
    record = logging.LogRecord("karpear.worker", logging.INFO, "", 0, "job %s", ("x",), None)
    assert "request_id" not in json.loads(JsonFormatter().format(record))
    assert PlainFormatter().format(record) == "job x"
