"""Why a field is withheld reads in the reader's language, whatever language the desk that sent
the referral used (issue #17, item 7)."""

from __future__ import annotations

import importlib

from django.apps import apps
from django.utils import translation

from karpear.cases.models import Authority
from karpear.orgs.models import Organisation
from karpear.referrals.models import Referral
from tests.cast import Person, make_case, sign_in
from tests.conftest import Client
from tests.referrals.helpers import key, refer

NEVER_EN = "never passed on"
NEVER_KM = "មិនដែលត្រូវបានបញ្ជូនបន្ត"  # from the Khmer catalogue's entry for the same reason


def _reason(body: dict[str, object], field: str) -> str:
    withheld = body["withheld"]
    assert isinstance(withheld, list)
    return str(next(w["reason"] for w in withheld if w["field"] == field))


def test_a_referral_sent_from_the_khmer_desk_reads_in_english_and_khmer(
    client: Client, acme: Organisation, analyst: Person
) -> None:
    with translation.override("km"):  # the analyst works on the Khmer desk
        refer(make_case(acme), analyst, Authority.ACU)
    referral = Referral.objects.get()
    token = key(acme)
    path = f"/api/v1/referrals/{referral.pk}"
    auth = f"Bearer {token}"
    english = client.get(path, HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=auth).json()
    khmer = client.get(path, HTTP_ACCEPT_LANGUAGE="km", HTTP_AUTHORIZATION=auth).json()
    assert NEVER_EN in _reason(english, "reporter.contact")
    assert NEVER_KM in _reason(khmer, "reporter.contact")
    desk = sign_in(analyst)
    preview_en = desk.get(f"/en/desk/cases/{referral.case_id}/referral-report/").content.decode()
    preview_km = desk.get(f"/desk/cases/{referral.case_id}/referral-report/").content.decode()
    assert NEVER_EN in preview_en and NEVER_KM not in preview_en
    assert NEVER_KM in preview_km


def test_the_migration_stores_reasons_written_in_khmer_untranslated(
    acme: Organisation, analyst: Person
) -> None:
    refer(make_case(acme), analyst, Authority.ACU)
    referral = Referral.objects.get()
    with translation.override("km"):
        in_khmer = [{**w, "reason": translation.gettext(w["reason"])} for w in referral.withheld]
    Referral.objects.filter(pk=referral.pk).update(withheld=in_khmer)
    migration = importlib.import_module(
        "karpear.referrals.migrations.0004_withheld_reasons_untranslated"
    )
    migration.untranslate(apps, None)
    referral.refresh_from_db()
    reasons = {w["field"]: w["reason"] for w in referral.withheld}
    assert NEVER_EN in reasons["reporter.contact"]
    assert all(NEVER_KM not in r for r in reasons.values())
