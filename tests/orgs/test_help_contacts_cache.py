"""Every public page shows the organisation's help contacts ("Get help now"): they are read
once per process and organisation, not once per page (orgs/selectors.py), and a change shows
on the next page."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from karpear.orgs.models import HelpContact, Organisation
from tests.conftest import Client

pytestmark = pytest.mark.django_db

# The report page (Khmer, the default) once the host's organisation and the contacts are
# cached: the session and rate-limit reads only. It was one more (the contacts) on every page.
PAGE_QUERIES = 0


def _contact_queries(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "orgs_helpcontact" in q["sql"]]


def test_a_public_page_reads_the_help_contacts_once_per_process(
    client: Client, acme: Organisation
) -> None:
    client.get("/")
    for path in ("/", "/en/", "/status/"):
        with CaptureQueriesContext(connection) as captured:
            page = client.get(path)
        assert page.status_code == 200 and "1280" in page.content.decode()
        assert _contact_queries(captured) == []
    with CaptureQueriesContext(connection) as captured:
        client.get("/")
    assert len(captured) == PAGE_QUERIES, [q["sql"] for q in captured.captured_queries]


def test_a_changed_contact_shows_on_the_next_page(client: Client, acme: Organisation) -> None:
    assert "1280" in client.get("/en/").content.decode()
    helpline = acme.help_contacts.get(phone="1280")
    helpline.phone = "1299"
    helpline.save(update_fields=["phone"])
    page = client.get("/en/").content.decode()
    assert "1299" in page and "tel:1280" not in page
    HelpContact.objects.filter(pk=helpline.pk).first().delete()  # type: ignore[union-attr]
    assert "1299" not in client.get("/en/").content.decode()


def test_each_organisation_shows_its_own_contacts(
    client: Client, bayon_client: Client, acme: Organisation, bayon: Organisation, settings: Any
) -> None:
    acme.help_contacts.filter(phone="1280").update(name_en="Acme's helpline")
    bayon.help_contacts.filter(phone="1280").update(name_en="Bayon's helpline")
    assert "Acme&#x27;s helpline" in client.get("/en/").content.decode()
    page = bayon_client.get("/en/").content.decode()
    assert "Bayon&#x27;s helpline" in page and "Acme" not in page
