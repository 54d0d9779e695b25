"""Transparency figures for referral deliveries (issue #17, item 8)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from karpear.cases.models import Authority
from karpear.orgs.models import Organisation
from karpear.referrals.models import Referral
from karpear.transparency.figures import compute
from karpear.transparency.services import CSV_MAP, _matches, public_figures
from tests.cast import Person, make_case
from tests.conftest import Client
from tests.referrals.helpers import ack, key, refer

YEAR = (date(2025, 1, 1), date(2025, 12, 31))


def test_sent_acknowledged_and_the_median_hours(
    client: Client, acme: Organisation, analyst: Person
) -> None:
    token = key(acme)
    for n in range(4):
        refer(make_case(acme, url=f"https://f.example/{n}"), analyst, Authority.ACU)
    referrals = list(Referral.objects.order_by("pk"))
    for n, hours in enumerate([2, 4, 9]):
        ack(client, token, referrals[n].pk, {"reference": f"A-{n}"})
        sent = datetime(2025, 3, 1, tzinfo=UTC)
        Referral.objects.filter(pk=referrals[n].pk).update(
            created_at=sent, acknowledged_at=sent + timedelta(hours=hours)
        )
    Referral.objects.filter(pk=referrals[3].pk).update(created_at=datetime(2025, 5, 1, tzinfo=UTC))
    figures = compute(acme, *YEAR)["referral_deliveries"]
    assert figures == {"sent": 4, "acknowledged": 3, "median_hours_to_acknowledge": 4.0}
    shown = public_figures(compute(acme, *YEAR), 3)["referral_deliveries"]
    assert shown == {"sent": 4, "acknowledged": 3, "median_hours_to_acknowledge": 4.0}
    small = public_figures(compute(acme, *YEAR), 5)["referral_deliveries"]
    assert small == {"sent": "<5", "acknowledged": "<5", "median_hours_to_acknowledge": None}
    path = "referral_deliveries.median_hours_to_acknowledge"
    assert any(_matches(pattern, path) for pattern, _s, _f in CSV_MAP)


def test_reports_published_before_have_no_delivery_figures(acme: Organisation) -> None:
    figures = compute(acme, *YEAR)
    del figures["referral_deliveries"]
    assert public_figures(figures, 3)["referral_deliveries"] is None


def test_the_checklist_shows_referrals_that_really_arrived(
    client: Client, acme: Organisation, analyst: Person
) -> None:
    from karpear.compliance.live import live_figure

    refer(make_case(acme), analyst, Authority.ACU)
    refer(make_case(acme, url="https://social.example/p/2"), analyst, Authority.ACU)
    first = Referral.objects.order_by("pk").first()
    assert first is not None
    ack(client, key(acme), first.pk, {"reference": "ACU-31"})
    police = live_figure("police_referrals", acme)
    assert police is not None
    assert police.figures["referral_reports_sent"] == 2
    assert police.figures["referral_reports_acknowledged"] == 1
    victims = live_figure("victim_referrals", acme)
    assert victims is not None and victims.figures["child_referrals_sent"] == 0
