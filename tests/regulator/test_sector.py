"""The public sector summary (issue #20, item 6): totals and medians by sector from what the
companies published, never more, in Khmer and English, as HTML, CSV and PDF."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from karpear.orgs.models import Organisation
from karpear.regulator.models import Channel
from karpear.regulator.receipt import submission_receive
from karpear.regulator.registry import period_define
from tests.cast import MPTC_HOST, Person
from tests.conftest import Client
from tests.regulator.world import register, signed, small_payload

pytestmark = pytest.mark.django_db


def _published(reports: Any, notices: Any) -> dict[str, Any]:
    return {
        "format": "karpear-transparency-report/1",
        "organisation": {"name": "X", "name_km": ""},
        "period": {"start": "2026-01-01", "end": "2026-06-30"},
        "version": 1,
        "figures": {"threshold": 10, "reports": {"total": reports}, "notices": {"total": notices}},
    }


@pytest.fixture
def two_reporting(head: Person, acme: Organisation) -> None:
    year = str(timezone.localdate().year)
    period_define(member=head.member, label=year, due=timezone.localdate() + timedelta(days=5))
    for slug, published in (("acme", _published(40, 12)), ("bayon", _published("<10", 30))):
        company = register(head, None, slug=slug)
        submission_receive(
            company=company,
            period_label=year,
            envelope=signed(small_payload(slug), slug),
            transparency=published,
            channel=Channel.API,
        )


def test_the_summary_adds_up_only_what_companies_published(two_reporting: None) -> None:
    page = Client(HTTP_HOST=MPTC_HOST).get("/en/sector/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "2 companies reporting" in text
    # Reports: Acme published 40, Bayon "fewer than 10": the total is Acme's 40 alone, and
    # Bayon's figure stays "fewer than 10" in its own row.
    assert ">40<" in text and "fewer than 10" in text
    assert ">42<" in text  # notices: 12 + 30
    rows = Client(HTTP_HOST=MPTC_HOST).get("/en/sector.csv").content.decode().splitlines()
    assert "all,reports.total,2,40,40,1" in rows
    assert "all,notices.total,2,42,21,0" in rows


def test_it_is_khmer_by_default_and_a_pdf(two_reporting: None) -> None:
    client = Client(HTTP_HOST=MPTC_HOST)
    assert 'lang="km"' in client.get("/sector/").content.decode()
    pdf = client.get("/en/sector.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_a_small_sector_total_is_suppressed(head: Person) -> None:
    year = str(timezone.localdate().year)
    period_define(member=head.member, label=year, due=timezone.localdate())
    company = register(head, None, slug="tiny")
    submission_receive(
        company=company,
        period_label=year,
        envelope=signed(small_payload("tiny"), "tiny"),
        transparency=_published(3, 0),
        channel=Channel.API,
    )
    rows = Client(HTTP_HOST=MPTC_HOST).get("/en/sector.csv").content.decode().splitlines()
    assert "all,reports.total,1,<10,3,0" in rows  # the total hidden; the median is its own figure


def test_a_company_host_has_no_sector_page(acme: Organisation) -> None:
    assert Client().get("/en/sector/").status_code == 404
