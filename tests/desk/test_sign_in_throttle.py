"""Failed sign-ins are throttled per username, per client and per trusted device (#15, item 12).

Strangers can slow guessing at a username but never lock its member out of the
phone or computer they already signed in on, and nothing they see tells a real
username from an invented one.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import signing

from karpear.audit.models import AuditEntry
from karpear.staff.models import StaffMember
from tests.cast import PASSWORD, Person, sign_in
from tests.conftest import Client
from tests.desk.hashers import use_counting_hasher

LOGIN = "/en/desk/login/"
PAUSED_ACCOUNT = "Too many wrong tries for this username."
PAUSED_CLIENT = "Too many tries from this phone or computer."
DEVICE_COOKIE = "karpear_device"  # a literal: the cookie's name is part of the contract


@pytest.fixture(autouse=True)
def _small_budgets(settings: Any) -> None:
    settings.KARPEAR_SIGNIN_ACCOUNT_FAILURES = 3
    settings.KARPEAR_SIGNIN_CLIENT_FAILURES = 50
    settings.KARPEAR_SIGNIN_DEVICE_FAILURES = 4
    settings.KARPEAR_SIGNIN_WINDOW_SECONDS = 600
    settings.KARPEAR_SIGNIN_PAUSE_CAP_SECONDS = 1800


def stranger(n: int) -> Client:
    """A phone or computer at its own address that never signed in."""
    return Client(REMOTE_ADDR=f"203.0.113.{n}")


def guess(client: Client, username: str = "dara", password: str = "wrong") -> Any:
    return client.post(LOGIN, {"username": username, "password": password})


def test_strangers_pause_unknown_devices_but_not_the_members_own(analyst: Person) -> None:
    own = sign_in(analyst)  # the member's phone: it now carries a device cookie
    own.post("/en/desk/logout/")
    for n in range(3):
        assert guess(stranger(n)).status_code == 403
    paused = guess(stranger(9), password=PASSWORD)  # even the right password waits
    assert paused.status_code == 429
    assert PAUSED_ACCOUNT in paused.content.decode()
    assert int(paused["Retry-After"]) == 600
    assert guess(own, password=PASSWORD).status_code == 302


def test_an_unknown_username_is_answered_exactly_like_a_real_one(
    analyst: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A still clock, so Retry-After can be compared to the second.
    monkeypatch.setattr("karpear.staff.throttle._now", lambda: 1_800_000_000)

    def answers(username: str) -> list[tuple[int, str, str]]:
        seen = []
        for n in range(5):
            response = guess(stranger(n + (10 if username == "dara" else 20)), username)
            error = re.search(r'<p class="error".*?</p>', response.content.decode(), re.S)
            assert error is not None
            seen.append((response.status_code, error.group(0), response.get("Retry-After", "")))
        return seen

    real, invented = answers("dara"), answers("ghost")
    assert real == invented
    assert [status for status, _, _ in real] == [403, 403, 403, 429, 429]


def test_an_unknown_username_costs_the_same_hashing_as_a_wrong_password(
    analyst: Person, settings: Any
) -> None:
    hasher = use_counting_hasher(settings)
    guess(stranger(1), "dara")
    assert hasher.runs == 1
    guess(stranger(2), "ghost")
    assert hasher.runs == 2


def test_a_paused_username_runs_no_password_check(analyst: Person, settings: Any) -> None:
    hasher = use_counting_hasher(settings)
    for n in range(6):
        guess(stranger(n))
    assert hasher.runs == 3


def test_case_changes_do_not_buy_more_tries(analyst: Person) -> None:
    for n, name in enumerate(["dara", "Dara", "DARA"]):
        guess(stranger(n), name)
    assert guess(stranger(5), "dAra").status_code == 429


def test_a_client_over_its_budget_is_paused_whatever_username_it_tries(
    analyst: Person, settings: Any
) -> None:
    settings.KARPEAR_SIGNIN_CLIENT_FAILURES = 4
    one = stranger(1)
    for n in range(4):
        assert guess(one, f"user{n}").status_code == 403
    response = guess(one, "dara", PASSWORD)
    assert response.status_code == 429
    assert PAUSED_CLIENT in response.content.decode()
    assert guess(stranger(2), "dara", PASSWORD).status_code == 302  # others are not affected


def forget_code_throttle(person: Person) -> None:
    """django-otp makes a device wait after a wrong code; these tests are not about that."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(pk=person.device.pk).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )


def test_right_passwords_from_unknown_devices_do_not_spend_the_budget(analyst: Person) -> None:
    for n in range(6):
        assert guess(stranger(n), password=PASSWORD).status_code == 302
    assert guess(stranger(9), password=PASSWORD).status_code == 302


def test_wrong_codes_spend_the_same_budget(analyst: Person) -> None:
    client = stranger(1)
    assert guess(client, password=PASSWORD).status_code == 302
    for _ in range(3):
        forget_code_throttle(analyst)
        assert client.post("/en/desk/code/", {"code": "000000"}).status_code == 403
    response = client.post("/en/desk/code/", {"code": analyst.code()})
    assert response.status_code == 429
    assert PAUSED_ACCOUNT in response.content.decode()


def test_a_trusted_device_has_its_own_budget(analyst: Person) -> None:
    own = sign_in(analyst)
    own.post("/en/desk/logout/")
    for _ in range(4):
        assert guess(own).status_code == 403
    response = guess(own, password=PASSWORD)
    assert response.status_code == 429
    assert PAUSED_CLIENT in response.content.decode()
    # Its wrong guesses cost the username nothing: unknown devices still get in.
    assert guess(stranger(1), password=PASSWORD).status_code == 302


@pytest.mark.parametrize(
    "cookie",
    [
        "not-signed",
        signing.dumps({"u": "sophea", "n": "abc"}, salt="karpear.staff.throttle.device"),
        signing.dumps({"u": "dara", "n": "abc"}, salt="some.other.purpose"),
        signing.dumps(["dara", "abc"], salt="karpear.staff.throttle.device"),
    ],
    ids=["unsigned", "another-username", "wrong-salt", "malformed"],
)
def test_a_forged_or_foreign_device_cookie_buys_nothing(analyst: Person, cookie: str) -> None:
    for n in range(3):
        guess(stranger(n))
    client = stranger(7)
    client.cookies[DEVICE_COOKIE] = cookie
    assert guess(client, password=PASSWORD).status_code == 429


def test_the_device_cookie_is_signed_private_and_long_lived(analyst: Person) -> None:
    client = Client()
    client.post(LOGIN, {"username": "dara", "password": PASSWORD})
    response = client.post("/en/desk/code/", {"code": analyst.code()})
    morsel = response.cookies[DEVICE_COOKIE]
    assert morsel["httponly"] and morsel["samesite"] == "Lax" and morsel["path"] == "/"
    assert int(morsel["max-age"]) == 90 * 86400
    assert signing.loads(morsel.value, salt="karpear.staff.throttle.device")["u"] == "dara"


def test_the_pause_doubles_each_time_and_is_capped(
    analyst: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1_800_000_000]
    monkeypatch.setattr("karpear.staff.throttle._now", lambda: clock[0])
    pauses = []
    for _ in range(4):
        for n in range(3):
            assert guess(stranger(n)).status_code == 403
        refused = guess(stranger(8))
        assert refused.status_code == 429
        pauses.append(int(refused["Retry-After"]))
        clock[0] += pauses[-1] - 1
        assert guess(stranger(9), password=PASSWORD).status_code == 429  # still paused
        clock[0] += 1
    assert pauses == [600, 1200, 1800, 1800]
    # Quiet for a whole cap: the back-off starts over.
    for n in range(3):
        guess(stranger(n))
    clock[0] += 600 + 1800
    for n in range(3):
        guess(stranger(n))
    assert guess(stranger(8)).headers["Retry-After"] == "600"


def test_failed_and_paused_tries_are_audited_without_the_secret(analyst: Person) -> None:
    for n in range(4):
        guess(stranger(n), password="hunter2-secret")
    steps = list(
        AuditEntry.objects.filter(action="sign_in_failed")
        .order_by("id")
        .values_list("detail", flat=True)
    )
    assert [d["step"] for d in steps] == ["password"] * 3 + ["paused_account"]
    for entry in AuditEntry.objects.all():
        assert "hunter2" not in str(entry.__dict__)


def test_the_failure_counter_shown_to_administrators_resets_at_sign_in(analyst: Person) -> None:
    for n in range(2):
        guess(stranger(n))
    assert StaffMember.objects.get(pk=analyst.member.pk).failed_sign_ins == 2
    sign_in(analyst)
    assert StaffMember.objects.get(pk=analyst.member.pk).failed_sign_ins == 0


def test_the_pause_message_is_in_khmer(analyst: Person) -> None:
    for n in range(3):
        guess(stranger(n))
    response = stranger(9).post("/desk/login/", {"username": "dara", "password": "x"})
    assert response.status_code == 429
    assert PAUSED_ACCOUNT not in response.content.decode()
    assert "ព្យាយាម" in response.content.decode()


def admin_sign_in(client: Client, password: str, device: Any) -> Any:
    from django_otp.oath import totp

    return client.post(
        "/admin/login/",
        {
            "username": "root",
            "password": password,
            "otp_device": device.persistent_id,
            "otp_token": f"{totp(device.bin_key):06d}",
        },
    )


@pytest.mark.parametrize(
    "username", ["x" * 5000, "ដារ៉ា", "", "dara' OR '1'='1", "da\u202era"], ids=repr
)
def test_malformed_usernames_are_just_wrong(analyst: Person, username: str) -> None:
    response = guess(stranger(1), username)
    assert response.status_code == 403
    assert "The username, password or code is not right." in response.content.decode()


def test_a_malformed_username_spends_a_budget_too(analyst: Person) -> None:
    for n in range(3):
        guess(stranger(n), "x" * 5000)
    assert guess(stranger(9), "x" * 5000).status_code == 429


def test_a_nul_in_a_username_is_refused_before_sign_in(analyst: Person) -> None:
    """The input guard answers 400 before any view (#15 item 13): no budget, no hashing."""
    assert guess(stranger(1), "da\x00ra").status_code == 400
