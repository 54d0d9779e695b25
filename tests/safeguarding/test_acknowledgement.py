"""Adopting the policy sends personal, single-use, expiring links; the desk counts who
acknowledged each version per department (issue #21, item 3 and the "Done when")."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from karpear.audit.models import AuditEntry
from karpear.core.errors import ApplicationError
from karpear.orgs.models import Organisation
from karpear.safeguarding.documents import (
    document_adopt,
    document_draft,
    latest_documents,
    remind_due,
)
from karpear.safeguarding.models import Acknowledgement
from karpear.safeguarding.selectors import acknowledgement_figures
from tests.cast import Person, sign_in
from tests.conftest import Client
from tests.safeguarding.helpers import adopt_policy, import_staff, sent_tokens


@pytest.fixture
def adopted(acme: Organisation, compliance: Person, django_capture_on_commit_callbacks: Any) -> Any:
    import_staff(acme, 20)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        return adopt_policy(compliance)


def test_adoption_mails_everyone_a_link_and_five_acknowledgements_show_as_5_of_20(
    adopted: Any, compliance: Person
) -> None:
    tokens = sent_tokens()
    assert len(mail.outbox) == 20 and len(set(tokens)) == 20
    assert all(len(m.to) == 1 for m in mail.outbox)
    desk = sign_in(compliance)
    assert (
        "Version 1: 0 of 20 acknowledged."
        in desk.get("/en/desk/safeguarding/policies/").content.decode()
    )
    public = Client()
    for token in tokens[:5]:
        reading = public.get(f"/en/safeguarding/ack/{token}/")
        assert reading.status_code == 200
        assert "I have read and understood it" in reading.content.decode()
        assert public.post(f"/en/safeguarding/ack/{token}/").status_code == 200
    page = desk.get("/en/desk/safeguarding/policies/").content.decode()
    assert "Version 1: 5 of 20 acknowledged." in page
    status = desk.get(f"/en/desk/safeguarding/policies/{adopted.pk}/").content.decode()
    assert "5 of 20 acknowledged." in status and "Person 19" in status and "Person 00" not in status


def test_the_khmer_link_shows_the_khmer_text(adopted: Any) -> None:
    token = sent_tokens()[0]
    page = Client().get(f"/safeguarding/ack/{token}/").content.decode()
    assert "គោលនយោបាយការពារកុមារ" in page


def test_reading_does_not_acknowledge_and_a_used_link_is_refused_and_audited(
    adopted: Any,
) -> None:
    token = sent_tokens()[0]
    client = Client()
    client.get(f"/en/safeguarding/ack/{token}/")
    assert not Acknowledgement.objects.filter(acknowledged_at__isnull=False).exists()
    assert client.post(f"/en/safeguarding/ack/{token}/").status_code == 200
    again = client.post(f"/en/safeguarding/ack/{token}/")
    assert again.status_code == 410 and "already used or it expired" in again.content.decode()
    assert client.get(f"/en/safeguarding/ack/{token}/").status_code == 410
    assert Acknowledgement.objects.filter(acknowledged_at__isnull=False).count() == 1
    assert AuditEntry.objects.filter(action="ack_link_refused").count() == 2


@pytest.mark.parametrize("token", ["nonsense", "x" * 300, "%00"])
def test_made_up_links_are_refused(adopted: Any, token: str) -> None:
    assert Client().post(f"/en/safeguarding/ack/{token}/").status_code in (400, 410)


def test_an_expired_link_is_refused(adopted: Any) -> None:
    token = sent_tokens()[0]
    Acknowledgement.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().post(f"/en/safeguarding/ack/{token}/").status_code == 410
    assert AuditEntry.objects.filter(action="ack_link_refused", detail__reason="expired").exists()


def test_a_reminder_sends_a_new_link_and_the_old_one_stops_working(
    adopted: Any, django_capture_on_commit_callbacks: Any
) -> None:
    old = sent_tokens()
    Client().post(f"/en/safeguarding/ack/{old[0]}/")
    Acknowledgement.objects.update(sent_at=timezone.now() - timedelta(days=8))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_due() == 19
    new = sent_tokens()
    assert len(new) == 19 and not set(new) & set(old)
    assert Client().post(f"/en/safeguarding/ack/{old[1]}/").status_code == 410
    assert Client().post(f"/en/safeguarding/ack/{new[0]}/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_due() == 0  # the next reminder waits another week


def test_people_imported_after_adoption_get_a_link_too(
    adopted: Any, acme: Organisation, django_capture_on_commit_callbacks: Any
) -> None:
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        import_staff(acme, 22)
        assert remind_due() == 2
    assert len(mail.outbox) == 2


def test_only_the_compliance_officer_adopts_and_empty_texts_are_refused(
    acme: Organisation, compliance: Person, lead: Person
) -> None:
    draft = document_draft(acme)["conduct"]
    assert "STAFF CODE OF CONDUCT" in draft["en"] and "ក្រមសីលធម៌បុគ្គលិក" in draft["km"]
    with pytest.raises(ApplicationError) as refused:
        document_adopt(member=lead.member, kind="conduct", body_en="x", body_km="y")
    assert refused.value.status == 403
    with pytest.raises(ApplicationError) as empty:
        document_adopt(member=compliance.member, kind="conduct", body_en=" ", body_km="y")
    assert "body_en" in empty.value.fields
    doc, sent = document_adopt(
        member=compliance.member, kind="conduct", body_en=draft["en"], body_km=draft["km"]
    )
    assert (doc.version, sent) == (1, 0)


def test_a_new_version_is_numbered_after_the_last_and_asks_everyone_again(
    adopted: Any, compliance: Person, django_capture_on_commit_callbacks: Any
) -> None:
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        doc, sent = document_adopt(
            member=compliance.member, kind="policy", body_en="Policy, v2.\r\n", body_km="ក"
        )
    assert (doc.version, sent, doc.body_en) == (2, 20, "Policy, v2.")
    assert len(mail.outbox) == 20
    assert latest_documents(adopted.organisation)["policy"] == doc
    assert acknowledgement_figures(adopted.organisation)["policy_version"] == 2


def test_acknowledgement_links_never_reach_a_log() -> None:
    from karpear.core.logging import redact

    line = '"GET /en/safeguarding/ack/tEvY7LC0zpoAf-tT36u4VYfwi1gjUcFelvOvKlwYfvM/ HTTP/1.1" 200'
    assert "tEvY7" not in redact(line) and "/safeguarding/ack/[token]/" in redact(line)


def test_a_link_opened_on_another_organisations_site_is_refused(
    adopted: Any, bayon: Organisation
) -> None:
    token = sent_tokens()[0]
    elsewhere = Client(HTTP_HOST="bayon.test").post(f"/en/safeguarding/ack/{token}/")
    assert elsewhere.status_code == 410
    assert not Acknowledgement.objects.filter(acknowledged_at__isnull=False).exists()
    assert Client().post(f"/en/safeguarding/ack/{token}/").status_code == 200
