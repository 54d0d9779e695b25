"""The staff directory: CSV import (command, desk, service), edits, erasure after leaving."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone, translation

from karpear.audit.models import AuditEntry
from karpear.orgs.models import Organisation
from karpear.safeguarding.directory import (
    ImportRefused,
    directory_import,
    email_digest,
    employee_update,
    erase_departed,
)
from karpear.safeguarding.models import Employee
from tests.cast import Person, sign_in
from tests.safeguarding.helpers import HEADER, import_staff, staff_csv


def test_it_imports_every_line_and_keeps_names_and_addresses_encrypted(
    acme: Organisation,
) -> None:
    result = import_staff(acme, 20)
    assert (result.created, result.updated) == (20, 0)
    person = Employee.objects.get(email_digest=email_digest("person00@acme.example"))
    assert person.email == "person00@acme.example" and person.may_encounter_csam
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, email, role_title, email_digest FROM safeguarding_employee")
        raw = " ".join(" ".join(row) for row in cursor.fetchall())
    assert "Person 00" not in raw and "person00@" not in raw and "Role 0" not in raw


def test_importing_again_updates_people_by_address_instead_of_adding_them(
    acme: Organisation,
) -> None:
    import_staff(acme, 3)
    changed = HEADER + "Person 00,PERSON00@acme.example,Legal,Counsel,no,no\n"
    result = directory_import(organisation=acme, data=changed.encode())
    assert (result.created, result.updated) == (0, 1)
    assert Employee.objects.filter(organisation=acme).count() == 3
    assert Employee.objects.get(department="Legal").role_title == "Counsel"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            HEADER + "A,a@x.example,D,R,yes,no\n,b@x.example,D,R,no,no\n",
            [(3, "The name is empty.")],
        ),
        (HEADER + "A,not-an-address,D,R,no,no\n", [(2, "This is not a work e-mail address.")]),
        (
            HEADER + "A,a@x.example,D,R,no,no\nB,A@x.example,D,R,no,no\n",
            [(3, "The same address is on line 2.")],
        ),
        (HEADER + "A,a@x.example,D,R,maybe,no\n", [(2, "may_encounter_csam must be yes or no.")]),
        (HEADER + "A" * 201 + ",a@x.example,D,R,no,no\n", [(2, "name is too long.")]),
        (
            b"name,email\nA,a@x.example\n",
            [
                (
                    1,
                    "Missing columns: department, role_title, "
                    "may_encounter_csam, works_with_children.",
                )
            ],
        ),
        (b"\xff\xfe not utf-8", [(0, "Save the file as CSV in UTF-8.")]),
        (
            HEADER.encode() + b"A\x00,a@x.example,D,R,no,no\n",
            [(0, "The file is not a CSV text file.")],
        ),
        (b"x" * (2 * 1024 * 1024 + 1), [(0, "The file is larger than 2 MB.")]),
    ],
    ids=[
        "empty name",
        "bad address",
        "duplicate",
        "bad flag",
        "too long",
        "columns",
        "encoding",
        "NUL",
        "oversized",
    ],
)
def test_a_file_with_bad_lines_imports_nothing_and_names_each_line(
    acme: Organisation, data: str | bytes, expected: list[tuple[int, str]]
) -> None:
    raw = data.encode() if isinstance(data, str) else data
    with translation.override("en"), pytest.raises(ImportRefused) as refused:
        directory_import(organisation=acme, data=raw)
    assert refused.value.lines == expected
    assert not Employee.objects.exists()
    assert AuditEntry.objects.filter(action="staff_directory_import_refused").count() == 1


def test_the_command_imports_a_file_and_prints_line_numbered_errors(
    acme: Organisation, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good, bad = tmp_path / "staff.csv", tmp_path / "bad.csv"
    good.write_bytes(staff_csv(20))
    bad.write_bytes((HEADER + "A,a@x.example,D,R,no,no\nB,oops,D,R,no,no\n").encode())
    call_command("staff", "import", str(good))
    assert "20 added" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("staff", "import", str(bad))
    assert "line 3: " in capsys.readouterr().err
    assert Employee.objects.count() == 20
    assert AuditEntry.objects.filter(action="cli_command", object_id="staff import").count() == 2


def test_the_desk_imports_an_uploaded_file_and_shows_refused_lines(
    acme: Organisation, admin: Person
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = sign_in(admin)
    bad = SimpleUploadedFile("staff.csv", (HEADER + "A,nope,D,R,no,no\n").encode(), "text/csv")
    page = client.post("/en/desk/safeguarding/staff/import/", {"file": bad})
    assert page.status_code == 400 and "Line 2" in page.content.decode()
    good = SimpleUploadedFile("staff.csv", staff_csv(4), "text/csv")
    assert client.post("/en/desk/safeguarding/staff/import/", {"file": good}).status_code == 302
    listing = client.get("/en/desk/safeguarding/staff/").content.decode()
    assert "Person 03" in listing and "Staff (4)" in listing


def test_another_organisations_directory_stays_apart(
    acme: Organisation, bayon: Organisation, admin: Person
) -> None:
    directory_import(organisation=bayon, data=staff_csv(2, domain="bayon.example"))
    other = Employee.objects.filter(organisation=bayon).first()
    assert other is not None
    client = sign_in(admin)
    assert "Person 00" not in client.get("/en/desk/safeguarding/staff/").content.decode()
    response = client.post(
        f"/en/desk/safeguarding/staff/{other.pk}/", {"department": "Mine", "role_title": "x"}
    )
    assert response.status_code == 404
    assert Employee.objects.get(pk=other.pk).department != "Mine"


def test_people_who_left_are_erased_after_the_configured_days(
    acme: Organisation, admin: Person, settings: object
) -> None:
    import_staff(acme, 2)
    leaver = Employee.objects.get(email_digest=email_digest("person01@acme.example"))
    long_ago = timezone.localdate() - timedelta(days=91)
    employee_update(
        actor=admin.member,
        employee_id=leaver.pk,
        department=leaver.department,
        role_title="",
        may_encounter_csam=False,
        works_with_children=False,
        left_on=long_ago,
    )
    assert erase_departed() == 1
    leaver.refresh_from_db()
    assert leaver.erased_at and (leaver.name, leaver.email, leaver.email_digest) == ("", "", "")
    assert (
        Employee.objects.get(email_digest=email_digest("person00@acme.example")).erased_at is None
    )
    assert erase_departed() == 0


def test_an_administrator_edits_a_person_on_the_desk(acme: Organisation, admin: Person) -> None:
    import_staff(acme, 1)
    person = Employee.objects.get()
    response = sign_in(admin).post(
        f"/en/desk/safeguarding/staff/{person.pk}/",
        {
            "name": "Person Zero",
            "department": "Legal",
            "role_title": "Counsel",
            "may_encounter_csam": "on",
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.name, person.department, person.may_encounter_csam) == (
        "Person Zero",
        "Legal",
        True,
    )
    assert not person.works_with_children
