"""A company's submission key, issued on the regulator's desk, is shown once, on that
company's page after the POST (core/show_once.py): a reload shows it no more and issues
nothing, and another company's page never shows it."""

from __future__ import annotations

import pytest

from karpear.apikeys.models import ApiKey
from karpear.regulator.models import RegisteredCompany
from karpear.regulator.registry import company_register
from tests.cast import MPTC_HOST, Person, sign_in

pytestmark = pytest.mark.django_db


def test_the_key_is_shown_once_and_only_on_its_companys_page(
    head: Person, registered: RegisteredCompany
) -> None:
    other = company_register(
        member=head.member,
        name="Bayon Social",
        slug="bayon",
        licence_number="MPTC-SOC-0002",
        sector="social",
        size="small",
    )
    desk = sign_in(head, host=MPTC_HOST)
    page = f"/en/desk/regulator/companies/{registered.pk}/"
    answer = desk.post(f"/en/desk/regulator/companies/{registered.pk}/token/")
    assert (answer.status_code, answer["Location"]) == (302, page)
    keys = ApiKey.objects.count()
    elsewhere = desk.get(f"/en/desk/regulator/companies/{other.pk}/").content.decode()
    assert "kp_company_" not in elsewhere
    shown = desk.get(page).content.decode()
    assert "kp_company_" in shown and "shown once" in shown
    assert "kp_company_" not in desk.get(page).content.decode()  # a reload
    assert ApiKey.objects.count() == keys
