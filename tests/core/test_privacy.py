"""No raw IP address is ever stored, and logs never carry secrets."""

from __future__ import annotations

import logging

import pytest
from django.apps import apps
from django.db import connection

from karpear.core.logging import RedactFilter, redact
from tests.conftest import Client, valid_form, valid_json

ADDRESS = "203.0.113.77"


def _all_stored_text() -> str:
    chunks: list[str] = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT * FROM {table}")
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


@pytest.mark.django_db(transaction=False)
def test_no_table_holds_the_reporters_address(client: Client) -> None:
    client.post("/en/", valid_form(), REMOTE_ADDR=ADDRESS)
    client.post(
        "/api/v1/reports", valid_json(), content_type="application/json", REMOTE_ADDR=ADDRESS
    )
    client.post("/en/status/", {"reference": "AAAA-AAAA-AAAA"}, REMOTE_ADDR=ADDRESS)
    stored = _all_stored_text()
    assert "sexual_image" in stored  # the scan does see the reports
    assert ADDRESS not in stored
    assert ADDRESS.replace(".", "") not in stored


def test_rate_limits_still_tell_clients_apart(client: Client, settings: object) -> None:
    settings.KARPEAR_RATE_REPORTS = "1/60"  # type: ignore[attr-defined]
    assert client.post("/en/", valid_form(), REMOTE_ADDR="198.51.100.1").status_code == 200
    assert client.post("/en/", valid_form(), REMOTE_ADDR="198.51.100.2").status_code == 200
    assert client.post("/en/", valid_form(), REMOTE_ADDR="198.51.100.1").status_code == 429


def test_forwarded_addresses_count_only_behind_a_trusted_proxy(
    client: Client, settings: object
) -> None:
    settings.KARPEAR_RATE_REPORTS = "1/60"  # type: ignore[attr-defined]
    for spoof in ["1.1.1.1", "2.2.2.2"]:
        client.post("/en/", valid_form(), HTTP_X_FORWARDED_FOR=spoof)
    # Without a trusted proxy the header is ignored: both came from one client.
    assert client.post("/en/", valid_form(), HTTP_X_FORWARDED_FOR="3.3.3.3").status_code == 429


def test_secrets_and_personal_data_are_masked_in_logs() -> None:
    text = (
        "Authorization: Bearer kp_live_abc.def token=s3cr3t sokha@example.org report 7K3M-9QHT-2XW4"
    )
    masked = redact(text)
    for secret in ["kp_live_abc.def", "s3cr3t", "sokha@example.org", "7K3M-9QHT-2XW4"]:
        assert secret not in masked


def test_the_log_filter_applies_to_formatted_arguments() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "lookup %s", ("7K3M-9QHT-2XW4",), None
    )
    RedactFilter().filter(record)
    assert "7K3M" not in record.getMessage()
