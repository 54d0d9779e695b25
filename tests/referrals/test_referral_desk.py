"""The desk's referral pages: the report before sending, the number on the case, re-send."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from karpear.audit.models import AuditEntry
from karpear.cases.models import Authority
from karpear.orgs.models import Organisation
from karpear.referrals.models import Referral
from tests.cast import Person, make_case, sign_in
from tests.conftest import Client
from tests.referrals.helpers import ack, key, refer


def test_the_analyst_sees_what_is_filled_and_withheld_before_sending(
    acme: Organisation, analyst: Person
) -> None:
    case = make_case(acme, contact=True)
    desk = sign_in(analyst)
    page = desk.get(f"/en/desk/cases/{case.pk}/referral-report/").content.decode()
    assert "incident_summary.incident_type" in page
    assert "reporter.contact" in page and "never passed on" in page
    assert "Sokha" not in page
    assert AuditEntry.objects.filter(action="case_view", object_id=str(case.pk)).exists()
    assert (
        f"/en/desk/cases/{case.pk}/referral-report/"
        in desk.get(f"/en/desk/cases/{case.pk}/").content.decode()
    )


def test_the_case_shows_the_acus_number(
    client: Client, acme: Organisation, analyst: Person
) -> None:
    case = refer(make_case(acme), analyst, Authority.ACU)
    referral = Referral.objects.get()
    desk = sign_in(analyst)
    assert "not acknowledged yet" in desk.get(f"/en/desk/cases/{case.pk}/").content.decode()
    ack(client, key(acme), referral.pk, {"reference": "ACU-55"})
    page = desk.get(f"/en/desk/cases/{case.pk}/").content.decode()
    assert "their number ACU-55" in page
    assert "acknowledged the referral: their number is ACU-55" in page  # the timeline


def test_an_overdue_referral_is_listed_and_sent_again(
    acme: Organisation, analyst: Person, settings: object
) -> None:
    refer(make_case(acme), analyst, Authority.ACU)
    referral = Referral.objects.get()
    desk = sign_in(analyst)
    assert (
        f"/en/desk/referrals/{referral.pk}/resend/"
        not in desk.get("/en/desk/referrals/").content.decode()
    )
    Referral.objects.filter(pk=referral.pk).update(
        last_sent_at=timezone.now() - timedelta(hours=25)
    )
    assert (
        f"/en/desk/referrals/{referral.pk}/resend/"
        in desk.get("/en/desk/referrals/").content.decode()
    )
    response = desk.post(f"/en/desk/referrals/{referral.pk}/resend/")
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.send_count == 2
    assert AuditEntry.objects.filter(action="referral_send").count() == 2


def test_an_acknowledged_referral_is_not_sent_again(
    client: Client, acme: Organisation, analyst: Person
) -> None:
    refer(make_case(acme), analyst, Authority.ACU)
    referral = Referral.objects.get()
    ack(client, key(acme), referral.pk, {"reference": "A-1"})
    sign_in(analyst).post(f"/en/desk/referrals/{referral.pk}/resend/")
    referral.refresh_from_db()
    assert referral.send_count == 1


def test_another_organisation_cannot_see_or_resend(
    acme: Organisation, analyst: Person, outsider: Person
) -> None:
    from tests.conftest import BAYON_HOST

    case = refer(make_case(acme), analyst, Authority.ACU)
    referral = Referral.objects.get()
    desk = sign_in(outsider, host=BAYON_HOST)
    assert desk.get(f"/en/desk/cases/{case.pk}/referral-report/").status_code == 404
    assert desk.post(f"/en/desk/referrals/{referral.pk}/resend/").status_code == 404
    assert f"#{case.pk}" not in desk.get("/en/desk/referrals/").content.decode()
    referral.refresh_from_db()
    assert referral.send_count == 1
