"""A reporter checks the coarse status of their report with its code."""

from __future__ import annotations

from karpear.orgs.models import Organisation
from karpear.reports.models import PublicStatus, Report
from tests.conftest import Client, valid_form
from tests.reports.test_report_page import _reference


def _submit(client: Client) -> str:
    return _reference(client.post("/en/", valid_form()).content.decode())


def test_it_shows_the_coarse_status_only(client: Client) -> None:
    reference = _submit(client)
    html = client.post("/en/status/", {"reference": reference.lower()}).content.decode()
    assert reference in html
    assert 'aria-current="step"' in html
    assert "We got your report" in html
    assert "social.example" not in html  # nothing about the content


def test_the_status_follows_the_record(client: Client) -> None:
    reference = _submit(client)
    Report.objects.filter(reference=reference).update(status=PublicStatus.ACTION_TAKEN)
    html = client.post("/status/", {"reference": reference}).content.decode()
    assert "យើងបានចាត់វិធានការលើអ្វីដែលអ្នកបានរាយការណ៍" in html


def test_a_mistyped_code_is_caught_by_its_check_character(client: Client) -> None:
    reference = _submit(client)
    last = reference[-1]
    typo = reference[:-1] + ("0" if last != "0" else "1")
    response = client.post("/en/status/", {"reference": typo})
    assert response.status_code == 404
    assert "This code is not right" in response.content.decode()
    assert typo in response.content.decode()  # kept for correction


def test_an_unknown_valid_code_says_not_found(client: Client) -> None:
    from karpear.reports.references import new_reference

    response = client.post("/en/status/", {"reference": new_reference()})
    assert response.status_code == 404
    assert "could not find a report" in response.content.decode()


def test_status_checks_are_rate_limited(client: Client, settings: object) -> None:
    settings.KARPEAR_RATE_STATUS = "3/60"  # type: ignore[attr-defined]
    for _ in range(3):
        client.post("/en/status/", {"reference": "AAAA-AAAA-AAAA"})
    response = client.post("/en/status/", {"reference": "AAAA-AAAA-AAAA"})
    assert response.status_code == 429
    assert "try again in a minute" in response.content.decode()


def test_the_status_page_works_in_khmer(client: Client, acme: Organisation) -> None:
    html = client.get("/status/").content.decode()
    assert "ពិនិត្យរបាយការណ៍" in html
