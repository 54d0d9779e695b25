"""The Django admin is not a back door (issue #15, item 1).

Off unless enabled; only superusers granted on the command line; signed in through the
desk (password, code, lockout); every change audited; roles, superuser flags and
authenticator seeds not editable there.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from karpear.audit.models import AuditEntry
from karpear.orgs.models import Organisation
from karpear.staff.models import StaffMember
from tests.cast import PASSWORD, Person, sign_in
from tests.conftest import Client


@pytest.fixture
def admin_on(settings: Any) -> None:
    settings.KARPEAR_DJANGO_ADMIN = True


@pytest.fixture
def superuser(admin: Person) -> Person:
    call_command("superuser", "grant", admin.username)
    admin.member.user.refresh_from_db()
    return admin


def test_the_admin_is_off_unless_enabled(settings: Any, superuser: Person) -> None:
    settings.KARPEAR_DJANGO_ADMIN = False
    client = sign_in(superuser)
    assert client.get("/admin/").status_code == 404
    assert client.get("/admin/login/").status_code == 404
    assert client.get("/admin/orgs/organisation/").status_code == 404


def test_a_desk_administrator_is_not_a_superuser(admin_on: None, admin: Person) -> None:
    user = admin.member.user
    assert not user.is_superuser and not user.is_staff
    client = sign_in(admin)
    response = client.get("/admin/")
    assert response.status_code in (302, 403)
    assert client.get("/admin/staff/staffmember/").status_code in (302, 403)
    assert client.get("/admin/login/").status_code == 403
    assert AuditEntry.objects.filter(action="access_denied", actor=user).exists()


def test_the_demo_makes_no_superuser(db: None) -> None:
    call_command("demo")
    assert not get_user_model().objects.filter(is_superuser=True).exists()


def test_admin_sign_in_is_the_desk_sign_in(admin_on: None, superuser: Person) -> None:
    client = Client()
    login = client.get("/admin/login/?next=/admin/")
    assert login.status_code == 302 and "/desk/login/" in login["Location"]
    assert "next=%2Fadmin%2F" in login["Location"]
    # A password alone (no one-time code) does not open the admin.
    client.post("/en/desk/login/", {"username": superuser.username, "password": PASSWORD})
    assert client.get("/admin/").status_code == 302
    assert sign_in(superuser).get("/admin/").status_code == 200


def test_wrong_passwords_lock_the_admin_like_the_desk(
    admin_on: None, superuser: Person, settings: Any
) -> None:
    client = Client()
    for _ in range(settings.KARPEAR_SIGNIN_ACCOUNT_FAILURES):
        client.post(
            "/en/desk/login/?next=/admin/", {"username": superuser.username, "password": "x"}
        )
    locked = client.post(
        "/en/desk/login/?next=/admin/", {"username": superuser.username, "password": PASSWORD}
    )
    assert locked.status_code == 429  # paused like any desk sign-in from an unknown device
    assert AuditEntry.objects.filter(action="sign_in_failed", actor=superuser.member.user).count()


def test_superusers_come_only_from_the_command_line(admin: Person, analyst: Person) -> None:
    call_command("superuser", "grant", analyst.username)
    user = get_user_model().objects.get(pk=analyst.member.user_id)
    assert user.is_superuser and user.is_staff
    entry = AuditEntry.objects.get(action="superuser_set")
    assert entry.detail["before"] is False and entry.detail["after"] is True
    assert entry.actor_label.startswith("command line")
    call_command("superuser", "revoke", analyst.username)
    assert not get_user_model().objects.get(pk=analyst.member.user_id).is_superuser
    with pytest.raises(CommandError):
        call_command("superuser", "grant", "nobody-at-all")


def test_every_change_in_the_admin_is_audited(
    admin_on: None, superuser: Person, acme: Organisation
) -> None:
    from karpear.cases.models import ReferralService

    client = sign_in(superuser)
    response = client.post(
        "/admin/cases/referralservice/add/",
        {"organisation": acme.pk, "name_en": "Helpline", "name_km": "ជំនួយ", "phone": "1280"},
    )
    assert response.status_code == 302, response.content
    service = ReferralService.objects.get(name_en="Helpline")
    added = AuditEntry.objects.get(action="django_admin_add")
    assert added.actor == superuser.member.user and added.organisation == acme
    assert added.object_type == "cases.referralservice" and added.object_id == str(service.pk)
    client.post(f"/admin/cases/referralservice/{service.pk}/delete/", {"post": "yes"})
    assert not ReferralService.objects.filter(pk=service.pk).exists()
    assert AuditEntry.objects.filter(action="django_admin_delete").count() == 1


def test_nobody_raises_their_own_role_in_the_admin(admin_on: None, superuser: Person) -> None:
    client = sign_in(superuser)
    member = superuser.member
    page = client.get(f"/admin/staff/staffmember/{member.pk}/change/")
    assert page.status_code == 200  # view only
    client.post(
        f"/admin/staff/staffmember/{member.pk}/change/",
        {"user": member.user_id, "organisation": member.organisation_id, "role": "lead"},
    )
    assert StaffMember.objects.get(pk=member.pk).role == "admin"
    assert client.get("/admin/staff/staffmember/add/").status_code == 403


def test_no_one_is_made_superuser_nor_reads_seeds_in_the_admin(
    admin_on: None, superuser: Person, analyst: Person
) -> None:
    client = sign_in(superuser)
    user = analyst.member.user
    client.post(
        f"/admin/auth/user/{user.pk}/change/",
        {
            "username": user.username,
            "is_active": "on",
            "is_superuser": "on",
            "is_staff": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    user.refresh_from_db()
    assert not user.is_superuser and not user.is_staff
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/admin/auth/user/add/").status_code == 403


def test_a_session_ended_everywhere_loses_the_admin(admin_on: None, superuser: Person) -> None:
    client = sign_in(superuser)
    assert client.get("/admin/").status_code == 200
    StaffMember.objects.filter(pk=superuser.member.pk).update(session_epoch=99)
    assert client.get("/admin/").status_code != 200


def test_an_organisations_first_administrator_comes_from_the_command_line(
    acme: Organisation, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("staff", "add", "--organisation", "acme", "--username", "boss", "--role", "admin")
    printed = capsys.readouterr().out
    password = printed.split("First password (shown once): ")[1].strip()
    member = StaffMember.objects.get(user__username="boss")
    assert member.role == "admin" and member.organisation == acme
    assert member.user.check_password(password) and not member.user.is_superuser
    entry = AuditEntry.objects.get(action="staff_add")
    assert entry.actor_label.startswith("command line") and password not in str(entry.detail)
    with pytest.raises(CommandError):
        call_command(
            "staff", "add", "--organisation", "nowhere", "--username", "x", "--role", "admin"
        )
    with pytest.raises(CommandError):
        call_command(
            "staff", "add", "--organisation", "acme", "--username", "boss", "--role", "admin"
        )


def test_a_superuser_made_outside_karpear_cannot_sign_in(
    admin_on: None, acme: Organisation
) -> None:
    """Django's own createsuperuser makes no desk account, so the desk sign-in (the admin's
    only way in) refuses it."""
    get_user_model().objects.create_superuser("root", "", PASSWORD)
    client = Client()
    refused = client.post("/en/desk/login/", {"username": "root", "password": PASSWORD})
    assert refused.status_code == 403
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    assert AuditEntry.objects.filter(action="sign_in_failed", actor_label="root").exists()
