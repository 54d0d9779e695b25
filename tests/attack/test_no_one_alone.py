"""One insider alone against the two-person rules (issue #15 items 1-2, guidelines 2.6 b).

An administrator adds accounts and is shown their first password; the attacks below try to
turn that into an account with clear screening that only the administrator controls.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from karpear.audit.models import AuditEntry
from karpear.core.errors import ApplicationError
from karpear.evidence.models import PersonnelRecord, Screening
from karpear.evidence.register import personnel_record_set
from karpear.staff import administration
from karpear.staff.models import StaffMember
from karpear.staff.services import totp_enrolment_device
from tests.cast import PASSWORD, Person, sign_in
from tests.conftest import Client

OWN_PASSWORD = "the owner's own passphrase 7"


def _clear(actor: StaffMember, target: StaffMember) -> None:
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    personnel_record_set(
        staff=target,
        actor=actor,
        values={"screened_on": today, "screening_expires_on": today + timedelta(days=300)},
        result=Screening.CLEAR,
    )


def _enrol(username: str, password: str, new_password: str = OWN_PASSWORD) -> Any:
    """First sign-in: password, then the authenticator's first code (and, where the desk asks
    for it, a password of one's own). Returns the response to the code step."""
    client = Client()
    client.post("/en/desk/login/", {"username": username, "password": password})
    user = get_user_model().objects.get(username=username)
    device = totp_enrolment_device(user)
    return client.post(
        "/en/desk/code/",
        {
            "code": f"{totp(device.bin_key):06d}",
            "new_password": new_password,
            "new_password_again": new_password,
        },
    )


def test_an_administrator_cannot_take_over_an_account_they_added(
    admin: Person, lead: Person
) -> None:
    """The first password is the administrator's knowledge: once the owner has enrolled, a
    reset of the authenticator must not let the administrator in with it."""
    added, first_password = administration.staff_add(
        actor=admin.member, username="new-lead", role="lead"
    )
    assert _enrol("new-lead", first_password).status_code == 302  # the real owner
    assert AuditEntry.objects.filter(action="password_chosen", object_id=str(added.pk)).exists()
    _clear(lead.member, added)  # another person vouches for the owner's screening
    administration.staff_totp_reset(actor=admin.member, target=added)
    client = Client()
    response = client.post("/en/desk/login/", {"username": "new-lead", "password": first_password})
    assert response.status_code == 403
    assert "/desk/code/" not in response.get("Location", "")
    # The owner still gets in with their own password and enrols again.
    assert _enrol("new-lead", OWN_PASSWORD, "another passphrase of mine 8").status_code == 302


def test_enrolment_refuses_a_weak_or_mismatched_or_unchanged_password(admin: Person) -> None:
    _added, first = administration.staff_add(actor=admin.member, username="new-one", role="analyst")
    for new in ("short", "", first):
        response = _enrol("new-one", first, new)
        assert response.status_code == 400, (new, response.status_code)
        assert not TOTPDevice.objects.filter(user__username="new-one", confirmed=True).exists()
    client = Client()
    client.post("/en/desk/login/", {"username": "new-one", "password": first})
    device = totp_enrolment_device(get_user_model().objects.get(username="new-one"))
    mismatched = client.post(
        "/en/desk/code/",
        {
            "code": f"{totp(device.bin_key):06d}",
            "new_password": OWN_PASSWORD,
            "new_password_again": OWN_PASSWORD + "x",
        },
    )
    assert mismatched.status_code == 400
    assert get_user_model().objects.get(username="new-one").check_password(first)


def test_a_superuser_cannot_set_someone_elses_password_in_the_django_admin(
    settings: Any, admin: Person, lead: Person
) -> None:
    """Desk administrator and superuser in one person: reset a screened lead's authenticator
    on the desk, set their password in /admin/, enrol: evidence alone. The admin never sets
    passwords."""
    settings.KARPEAR_DJANGO_ADMIN = True
    call_command("superuser", "grant", admin.username)
    client = sign_in(admin)
    user = lead.member.user
    page = client.get(f"/admin/auth/user/{user.pk}/password/")
    assert page.status_code in (403, 404)
    assert AuditEntry.objects.filter(action="access_denied", actor=admin.member.user).exists()
    client.post(
        f"/admin/auth/user/{user.pk}/password/",
        {"password1": "taken over by one 99", "password2": "taken over by one 99"},
    )
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_an_administrator_cannot_clear_their_own_account_through_a_second_one(
    admin: Person,
) -> None:
    """Sock puppets: a second administrator account (its first password known to the one who
    added it) clearing a third account added by the same person, or added from the second."""
    puppet, _ = administration.staff_add(actor=admin.member, username="puppet", role="admin")
    target, _ = administration.staff_add(actor=admin.member, username="target", role="lead")
    with pytest.raises(ApplicationError) as refused:
        _clear(puppet, target)
    assert refused.value.code == "same_adder"
    grandchild, _ = administration.staff_add(actor=puppet, username="grandchild", role="lead")
    for actor in (admin.member, puppet):
        with pytest.raises(ApplicationError) as refused:
            _clear(actor, grandchild)
        assert refused.value.code == "own_account_created"
    assert not PersonnelRecord.objects.filter(screening_result=Screening.CLEAR).exists()


def test_a_screened_lead_added_by_the_same_administrator_still_clears_colleagues(
    admin: Person, lead: Person
) -> None:
    """The usual way: the administrator adds everyone; a lead, screened by someone outside
    the administrator's reach, records the screening of the others."""
    from tests.evidence.conftest import screen

    added_lead, _ = administration.staff_add(actor=admin.member, username="lead-2", role="lead")
    colleague, _ = administration.staff_add(actor=admin.member, username="col", role="analyst")
    _clear(lead.member, added_lead)  # a lead the administrator did not add
    _clear(added_lead, colleague)
    assert PersonnelRecord.objects.get(staff=colleague).screening_result == Screening.CLEAR
    screen(lead)  # and the unrelated, unscreened-or-not lead may always record it
    _clear(lead.member, colleague)
