"""The desk page that issues a service's inbox key (referrals/desk_views.py): looking at it
changes nothing; issuing is a POST behind a button with CSRF, and the key is shown once, on
the page the POST redirects to. A reload shows it no more and issues nothing."""

from __future__ import annotations

import logging

import pytest

from karpear.apikeys.models import ApiKey
from karpear.orgs.models import Organisation
from karpear.referrals.models import ServiceInbox
from tests.cast import Person, sign_in
from tests.referrals.test_service_inbox import _helpline_id

pytestmark = pytest.mark.django_db

PAGE = "/en/desk/referral-services/"


def test_looking_at_the_page_issues_nothing(acme: Organisation, lead: Person) -> None:
    desk = sign_in(lead)
    keys = ApiKey.objects.count()
    for _ in range(2):
        assert desk.get(PAGE).status_code == 200
    issue = f"/en/desk/referral-services/{_helpline_id(acme)}/issue/"
    assert desk.get(issue).status_code == 405
    assert ApiKey.objects.count() == keys and not ServiceInbox.objects.exists()


def test_the_key_is_shown_once_after_the_post_and_a_reload_issues_no_other(
    acme: Organisation, lead: Person, admin: Person, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    desk = sign_in(lead)
    issue = f"/en/desk/referral-services/{_helpline_id(acme)}/issue/"
    answer = desk.post(issue)
    assert (answer.status_code, answer["Location"]) == (302, PAGE)
    binding = ServiceInbox.objects.select_related("key").get()
    keys = ApiKey.objects.count()
    shown = desk.get(PAGE).content.decode()
    prefix = f"kp_service_{binding.key.prefix}_"
    assert prefix in shown and "It is shown only now" in shown
    token = shown[shown.index(prefix) :].split("<", 1)[0]
    for _ in range(2):  # reloading the answer
        again = desk.get(PAGE).content.decode()
        assert prefix not in again and "waiting for a second person" in again
    assert ApiKey.objects.count() == keys and ServiceInbox.objects.get().pk == binding.pk
    assert prefix not in sign_in(admin).get(PAGE).content.decode()  # nor to another keeper
    assert token not in caplog.text


def test_issuing_needs_the_csrf_token_of_the_page(acme: Organisation, lead: Person) -> None:
    desk = sign_in(lead)
    desk.handler.enforce_csrf_checks = True
    issue = f"/en/desk/referral-services/{_helpline_id(acme)}/issue/"
    assert desk.post(issue).status_code == 403
    assert not ServiceInbox.objects.exists()
    desk.get(PAGE)
    answer = desk.post(issue, {"csrfmiddlewaretoken": desk.cookies["csrftoken"].value})
    assert answer.status_code == 302 and ServiceInbox.objects.count() == 1
