"""One organisation sees nothing of another's (PRODUCT: several companies, one deployment)."""

from __future__ import annotations

import re

from karpear.orgs.models import Organisation
from karpear.reports.models import Report
from tests.conftest import Client, valid_form, valid_json


def test_each_host_is_served_as_its_own_organisation(
    client: Client, bayon_client: Client, acme: Organisation, bayon: Organisation
) -> None:
    assert "Acme Mobile" in client.get("/en/").content.decode()
    html = bayon_client.get("/en/").content.decode()
    assert "Bayon Social" in html and "Acme Mobile" not in html


def test_reports_belong_to_the_organisation_whose_portal_took_them(
    client: Client, bayon_client: Client, acme: Organisation, bayon: Organisation
) -> None:
    client.post("/en/", valid_form())
    bayon_client.post("/api/v1/reports", valid_json(), content_type="application/json")
    assert Report.objects.filter(organisation=acme).count() == 1
    assert Report.objects.filter(organisation=bayon).count() == 1
    for report in Report.objects.all():
        assert set(report.items.values_list("organisation", flat=True)) == {report.organisation_id}


def test_one_organisations_reference_is_unknown_to_another(
    client: Client, bayon_client: Client, acme: Organisation, bayon: Organisation
) -> None:
    html = client.post("/en/", valid_form()).content.decode()
    match = re.search(r'id="reference"[^>]*>([0-9A-Z-]{14})<', html)
    assert match
    reference = match.group(1)
    assert client.get(f"/api/v1/reports/{reference}").status_code == 200
    assert bayon_client.get(f"/api/v1/reports/{reference}").status_code == 404
    page = bayon_client.post("/en/status/", {"reference": reference})
    assert page.status_code == 404


def test_idempotency_keys_do_not_cross_organisations(
    client: Client, bayon_client: Client, acme: Organisation, bayon: Organisation
) -> None:
    a = client.post(
        "/api/v1/reports",
        valid_json(),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="same-key",
    )
    b = bayon_client.post(
        "/api/v1/reports",
        valid_json(),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="same-key",
    )
    assert (a.status_code, b.status_code) == (201, 201)
    assert a.json()["reference"] != b.json()["reference"]


def test_help_contacts_are_per_organisation(
    client: Client, bayon_client: Client, bayon: Organisation
) -> None:
    bayon.help_contacts.filter(kind="police").update(phone="999")
    assert "tel:999" in bayon_client.get("/en/").content.decode()
    assert "tel:999" not in client.get("/en/").content.decode()
