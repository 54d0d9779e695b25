"""An unacknowledged referral sent again, and sent by e-mail with the PDF attached, only to a
registered address (issue #17, item 2)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from karpear.audit.models import AuditEntry
from karpear.cases.models import Authority, CaseEvent
from karpear.core.errors import ApplicationError
from karpear.evidence.models import Recipient
from karpear.orgs.models import Organisation
from karpear.referrals.mail import referral_email
from karpear.referrals.models import Referral
from tests.cast import Person, make_case, register_recipient, sign_in
from tests.conftest import BAYON_HOST, Client
from tests.referrals.helpers import ack, key, refer


def _overdue(acme: Organisation, analyst: Person) -> Referral:
    refer(make_case(acme), analyst, Authority.ACU)
    Referral.objects.update(last_sent_at=timezone.now() - timedelta(hours=25))
    return Referral.objects.get()


def _officer(
    lead: Person, contact: str = "duty@acu.example", kind: str = "law_enforcement"
) -> Recipient:
    return register_recipient(
        lead.member, name="Duty officer", agency="ACU", kind=kind, contact=contact
    )


def test_the_desk_emails_the_pdf_to_the_registered_address_and_the_case_says_so(
    acme: Organisation, analyst: Person, lead: Person
) -> None:
    referral = _overdue(acme, analyst)
    officer = _officer(lead)
    _officer(lead, contact="not an address")  # a phone number or a typo is never offered
    _officer(lead, contact="tips@hotline.example", kind="hotline")  # another kind of recipient
    desk = sign_in(analyst)
    page = desk.get("/en/desk/referrals/").content.decode()
    assert "duty@acu.example" in page and "tips@hotline.example" not in page
    assert "not an address" not in page
    response = desk.post(f"/en/desk/referrals/{referral.pk}/email/", {"to": officer.pk})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["duty@acu.example"]
    name, pdf, content_type = message.attachments[0]
    assert name == f"referral-{referral.pk}.pdf" and pdf[:5] == b"%PDF-"
    assert content_type == "application/pdf"
    assert f"case #{referral.case_id}" in message.body and "ករណី" in message.body
    referral.refresh_from_db()
    assert referral.send_count == 2 and referral.last_sent_at > timezone.now() - timedelta(
        minutes=1
    )
    entry = AuditEntry.objects.get(action="referral_email")
    assert entry.detail["registered_recipient"] == officer.pk
    case_page = desk.get(f"/en/desk/cases/{referral.case_id}/").content.decode()
    assert "sent by e-mail to Duty officer, ACU" in case_page


def test_only_a_registered_address_of_the_right_kind_and_organisation_is_used(
    acme: Organisation, analyst: Person, lead: Person, outsider: Person
) -> None:
    referral = _overdue(acme, analyst)
    hotline = _officer(lead, contact="tips@hotline.example", kind="hotline")
    wrong = [hotline.pk, 0, 10**9]
    for to in wrong:
        with pytest.raises(ApplicationError) as refused:
            referral_email(member=analyst.member, referral_id=referral.pk, recipient_id=to)
        assert refused.value.status == 404
    officer = _officer(lead)
    with pytest.raises(ApplicationError) as hidden:
        referral_email(member=outsider.member, referral_id=referral.pk, recipient_id=officer.pk)
    assert hidden.value.status == 404
    desk = sign_in(outsider, host=BAYON_HOST)
    assert (
        desk.post(f"/en/desk/referrals/{referral.pk}/email/", {"to": officer.pk}).status_code == 404
    )
    assert mail.outbox == [] and not AuditEntry.objects.filter(action="referral_email").exists()


def test_an_acknowledged_referral_is_not_emailed(
    client: Client, acme: Organisation, analyst: Person, lead: Person
) -> None:
    referral = _overdue(acme, analyst)
    officer = _officer(lead)
    ack(client, key(acme), referral.pk, {"reference": "ACU-7"})
    with pytest.raises(ApplicationError) as refused:
        referral_email(member=analyst.member, referral_id=referral.pk, recipient_id=officer.pk)
    assert refused.value.status == 409 and mail.outbox == []


def test_the_mail_backend_failing_records_nothing(
    acme: Organisation, analyst: Person, lead: Person, settings: Any
) -> None:
    referral = _overdue(acme, analyst)
    officer = _officer(lead)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens: refused at once
    with pytest.raises(ApplicationError) as failed:
        referral_email(member=analyst.member, referral_id=referral.pk, recipient_id=officer.pk)
    assert failed.value.status == 503
    referral.refresh_from_db()
    assert referral.send_count == 1
    assert not CaseEvent.objects.filter(kind="referral_emailed").exists()


def test_development_writes_the_mail_to_the_outbox_directory(
    acme: Organisation, analyst: Person, lead: Person, settings: Any, tmp_path: Path
) -> None:
    referral = _overdue(acme, analyst)
    officer = _officer(lead)
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "outbox")
    referral_email(member=analyst.member, referral_id=referral.pk, recipient_id=officer.pk)
    (written,) = list((tmp_path / "outbox").iterdir())
    text = written.read_text()
    assert "duty@acu.example" in text and f"referral-{referral.pk}.pdf" in text


def test_an_address_one_keeper_added_alone_is_never_emailed(
    acme: Organisation, analyst: Person, lead: Person
) -> None:
    from karpear.evidence.recipients import recipient_add

    referral = _overdue(acme, analyst)
    alone = recipient_add(
        member=lead.member,
        name="Friend",
        agency="ACU",
        kind="law_enforcement",
        contact="f@x.example",
    )
    assert "f@x.example" not in sign_in(lead).get("/en/desk/referrals/").content.decode()
    with pytest.raises(ApplicationError) as refused:
        referral_email(member=lead.member, referral_id=referral.pk, recipient_id=alone.pk)
    assert refused.value.status == 404 and mail.outbox == []
