"""Staff administration on the desk (issue #15, items 1 and 2): the organisation's own
administrator, never for their own account, every change audited with before and after."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from karpear.audit.models import AuditEntry
from karpear.core.errors import ApplicationError
from karpear.orgs.models import Organisation
from karpear.staff.administration import staff_role_set
from karpear.staff.models import StaffMember
from tests.cast import PASSWORD, Person, _person, sign_in
from tests.conftest import BAYON_HOST, Client


def test_an_administrator_adds_staff_who_enrol_at_first_sign_in(admin: Person) -> None:
    page = sign_in(admin).post(
        "/en/desk/staff/add/", {"username": "new-analyst", "role": "analyst"}
    )
    assert page.status_code == 200
    password = re.search(r'id="first-password">([^<]+)<', page.content.decode())
    assert password
    member = StaffMember.objects.get(user__username="new-analyst")
    assert member.organisation == admin.member.organisation and member.role == "analyst"
    assert not member.user.is_superuser and not member.user.is_staff
    assert member.user.check_password(password.group(1))
    entry = AuditEntry.objects.get(action="staff_add")
    assert entry.actor == admin.member.user and password.group(1) not in str(entry.detail)
    client = Client()
    client.post("/en/desk/login/", {"username": "new-analyst", "password": password.group(1)})
    assert "data:image/svg+xml" in client.get("/en/desk/code/").content.decode()  # enrolment


def test_changing_a_role_is_audited_with_before_and_after(admin: Person, analyst: Person) -> None:
    client = sign_in(admin)
    response = client.post(
        f"/en/desk/staff/{analyst.member.pk}/", {"change": "role", "role": "lead"}
    )
    assert response.status_code == 302
    assert StaffMember.objects.get(pk=analyst.member.pk).role == "lead"
    entry = AuditEntry.objects.get(action="staff_role")
    assert entry.detail == {"staff": "dara", "before": "analyst", "after": "lead"}
    # The same request again changes nothing and writes nothing.
    client.post(f"/en/desk/staff/{analyst.member.pk}/", {"change": "role", "role": "lead"})
    assert AuditEntry.objects.filter(action="staff_role").count() == 1


def test_an_administrator_cannot_raise_their_own_role(admin: Person) -> None:
    response = sign_in(admin).post(
        f"/en/desk/staff/{admin.member.pk}/", {"change": "role", "role": "lead"}
    )
    assert response.status_code == 403
    assert StaffMember.objects.get(pk=admin.member.pk).role == "admin"
    assert AuditEntry.objects.filter(action="staff_own_refused").exists()
    assert not AuditEntry.objects.filter(action="staff_role").exists()


@pytest.mark.parametrize("change", ["totp", "deactivate"])
def test_nobody_resets_or_deactivates_themselves(admin: Person, change: str) -> None:
    response = sign_in(admin).post(f"/en/desk/staff/{admin.member.pk}/", {"change": change})
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=admin.member.user).exists()
    assert get_user_model().objects.get(pk=admin.member.user_id).is_active


def test_a_lead_cannot_change_roles_even_in_the_service(lead: Person, analyst: Person) -> None:
    with pytest.raises(ApplicationError) as refused:
        staff_role_set(actor=lead.member, target=analyst.member, role="admin")
    assert refused.value.status == 403
    assert (
        sign_in(lead)
        .post(f"/en/desk/staff/{lead.member.pk}/", {"change": "role", "role": "admin"})
        .status_code
        == 403
    )
    assert StaffMember.objects.get(pk=lead.member.pk).role == "lead"


def test_resetting_an_authenticator_ends_the_sessions_and_asks_for_a_new_one(
    admin: Person, analyst: Person
) -> None:
    theirs = sign_in(analyst)
    assert theirs.get("/en/desk/queue/").status_code == 200
    sign_in(admin).post(f"/en/desk/staff/{analyst.member.pk}/", {"change": "totp"})
    assert not TOTPDevice.objects.filter(user=analyst.member.user).exists()
    assert "/desk/login/" in theirs.get("/en/desk/queue/")["Location"]
    assert AuditEntry.objects.filter(action="staff_totp_reset").count() == 1


def test_a_deactivated_person_cannot_sign_in(admin: Person, analyst: Person) -> None:
    theirs = sign_in(analyst)
    sign_in(admin).post(f"/en/desk/staff/{analyst.member.pk}/", {"change": "deactivate"})
    assert "/desk/login/" in theirs.get("/en/desk/queue/")["Location"]
    refused = Client().post("/en/desk/login/", {"username": analyst.username, "password": "x"})
    assert refused.status_code == 403
    entry = AuditEntry.objects.get(action="staff_active")
    assert entry.detail["before"] is True and entry.detail["after"] is False


def test_another_organisations_staff_are_not_found(
    admin: Person, outsider: Person, bayon: Organisation
) -> None:
    client = sign_in(admin)
    response = client.post(
        f"/en/desk/staff/{outsider.member.pk}/", {"change": "role", "role": "lead"}
    )
    assert response.status_code == 404
    assert StaffMember.objects.get(pk=outsider.member.pk).role == "analyst"
    assert outsider.username not in client.get("/en/desk/staff/").content.decode()
    bayon_admin = _person(bayon, "bayon-admin", "admin")  # type: ignore[arg-type]
    theirs = sign_in(bayon_admin, host=BAYON_HOST)
    assert (
        theirs.post(f"/en/desk/staff/{admin.member.pk}/", {"change": "deactivate"}).status_code
        == 404
    )


@pytest.mark.parametrize(
    "form",
    [
        {"username": "evil\x00name", "role": "analyst"},
        {"username": "", "role": "analyst"},
        {"username": "someone", "role": "superuser"},
        {"username": "rith", "role": "analyst"},  # taken
    ],
)
def test_bad_input_adds_nobody(admin: Person, form: dict[str, str]) -> None:
    before = StaffMember.objects.count()
    response = sign_in(admin).post("/en/desk/staff/add/", form)
    assert response.status_code in (400, 409)
    assert StaffMember.objects.count() == before


def test_a_bad_staff_id_or_change_is_refused(admin: Person, analyst: Person) -> None:
    client = sign_in(admin)
    assert client.post("/en/desk/staff/999999/", {"change": "totp"}).status_code == 404
    client.post(f"/en/desk/staff/{analyst.member.pk}/", {"change": "role", "role": "god\x00"})
    assert StaffMember.objects.get(pk=analyst.member.pk).role == "analyst"


def test_whoever_adds_an_account_cannot_also_clear_its_screening(
    admin: Person, lead: Person
) -> None:
    """Otherwise one administrator could add a lead, sign in with its first password and
    reach evidence alone."""
    from datetime import timedelta

    from django.utils import timezone

    from karpear.evidence.models import PersonnelRecord
    from karpear.staff.administration import staff_add

    puppet, _password = staff_add(actor=admin.member, username="puppet", role="lead")
    today = timezone.localdate()
    form = {
        "staff": puppet.pk,
        "screening_result": "clear",
        "screened_on": str(today),
        "screening_expires_on": str(today + timedelta(days=300)),
    }
    assert sign_in(admin).post("/en/desk/personnel/save/", form).status_code == 403
    assert not PersonnelRecord.objects.filter(staff=puppet).exists()
    assert sign_in(lead).post("/en/desk/personnel/save/", form).status_code == 302
    assert PersonnelRecord.objects.get(staff=puppet).screening_result == "clear"


def test_an_administrator_unlocks_someone_else(
    admin: Person, analyst: Person, settings: Any
) -> None:
    for _ in range(settings.KARPEAR_SIGNIN_ACCOUNT_FAILURES):
        Client().post("/en/desk/login/", {"username": analyst.username, "password": "x"})
    paused = Client().post("/en/desk/login/", {"username": analyst.username, "password": PASSWORD})
    assert paused.status_code == 429  # strangers paused sign-in from unknown devices
    client = sign_in(admin)
    assert "Unlock sign-in" in client.get("/en/desk/staff/").content.decode()
    client.post(f"/en/desk/staff/{analyst.member.pk}/", {"change": "unlock"})
    assert StaffMember.objects.get(pk=analyst.member.pk).failed_sign_ins == 0
    assert AuditEntry.objects.filter(action="staff_unlock").count() == 1
    sign_in(analyst)  # can sign in again
    assert (
        client.post(f"/en/desk/staff/{admin.member.pk}/", {"change": "unlock"}).status_code == 403
    )
