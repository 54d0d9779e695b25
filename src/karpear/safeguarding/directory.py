"""The company's staff directory: import from a CSV, edit, leave, erase (issue #21, item 1).

Guidelines 2.2 ask for a safeguarding policy "applied in all departments", so the directory holds
everyone, not only desk users. `karpear staff import FILE` and the desk's import both call
`directory_import`, which checks every line first and writes all of them or none.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.core.clients import keyed_digest
from karpear.core.errors import ApplicationError, NotFound
from karpear.orgs.models import Organisation
from karpear.safeguarding.models import Employee
from karpear.staff.models import StaffMember

MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 20_000
COLUMNS = ("name", "email", "department", "role_title", "may_encounter_csam", "works_with_children")
_ALIASES = {"work_email": "email", "e-mail": "email", "role": "role_title", "title": "role_title"}
_YES = {"yes", "y", "true", "1", "x", "បាទ", "ចាស", "មាន"}
_NO = {"no", "n", "false", "0", "", "ទេ", "គ្មាន"}
LIMITS = {"name": 200, "email": 254, "department": 100, "role_title": 200}


def email_digest(email: str) -> str:
    """Keyed digest of a work address: lookups without a readable address in the database.
    Keyed with the client-hash secret (kept outside the database), for one purpose."""
    return keyed_digest("staff-email v1", email.strip().lower())


@dataclass(frozen=True)
class Row:
    line: int
    name: str
    email: str
    department: str
    role_title: str
    may_encounter_csam: bool
    works_with_children: bool


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


class ImportRefused(ApplicationError):
    """Some lines are wrong: nothing was imported. `lines` are (line number, message)."""

    code = "import_refused"

    def __init__(self, lines: list[tuple[int, str]]) -> None:
        super().__init__(_("Nothing was imported: correct these lines and import the file again."))
        self.lines = lines


def _flag(value: str) -> bool | None:
    value = value.strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    return None


def parse_rows(data: bytes) -> tuple[list[Row], list[tuple[int, str]]]:
    """Every row of the file, or the line-numbered problems (line 1 is the header)."""
    if len(data) > MAX_IMPORT_BYTES:
        return [], [(0, gettext("The file is larger than 2 MB."))]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [(0, gettext("Save the file as CSV in UTF-8."))]
    if "\x00" in text:
        return [], [(0, gettext("The file is not a CSV text file."))]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [_ALIASES.get(h.strip().lower(), h.strip().lower()) for h in next(reader, [])]
    except csv.Error:
        return [], [(1, gettext("This line is not valid CSV."))]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        return [], [(1, gettext("Missing columns: %(names)s.") % {"names": ", ".join(missing)})]
    rows: list[Row] = []
    errors: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(rows) + len(errors) >= MAX_IMPORT_ROWS:
                errors.append((line, gettext("At most 20,000 people per file.")))
                break
            problem, row = _row(line, dict(zip(header, cells, strict=False)), seen)
            if problem:
                errors.append((line, problem))
            elif row is not None:
                rows.append(row)
    except csv.Error:
        errors.append((reader.line_num, gettext("This line is not valid CSV.")))
    return rows, errors


def _row(line: int, raw: dict[str, str], seen: dict[str, int]) -> tuple[str, Row | None]:
    values = {k: (raw.get(k) or "").strip() for k in COLUMNS}
    for name, limit in LIMITS.items():
        if len(values[name]) > limit:
            return gettext("%(column)s is too long.") % {"column": name}, None
    if not values["name"]:
        return gettext("The name is empty."), None
    email = values["email"].lower()
    try:
        validate_email(email)
    except ValidationError:
        return gettext("This is not a work e-mail address."), None
    if email in seen:
        return gettext("The same address is on line %(line)d.") % {"line": seen[email]}, None
    seen[email] = line
    flags = {k: _flag(values[k]) for k in ("may_encounter_csam", "works_with_children")}
    for name, flag in flags.items():
        if flag is None:
            return gettext("%(column)s must be yes or no.") % {"column": name}, None
    return "", Row(
        line=line,
        name=values["name"],
        email=email,
        department=values["department"],
        role_title=values["role_title"],
        may_encounter_csam=bool(flags["may_encounter_csam"]),
        works_with_children=bool(flags["works_with_children"]),
    )


def directory_import(
    *,
    organisation: Organisation,
    data: bytes,
    actor: StaffMember | None = None,
    request: HttpRequest | None = None,
) -> ImportResult:
    """Import a CSV (COLUMNS) of the company's staff.

    1. Parse and check every line; any problem refuses the whole file (audited), so nothing is
       half-imported.
    2. In one transaction, add new people (found by the digest of their address), update the
       ones already there, and link each to the desk account with the same address, if any.
    People missing from the file are left as they are: leaving is recorded on purpose.
    """
    if actor is not None and actor.organisation_id != organisation.pk:
        raise NotFound(_("There is no such organisation."))
    rows, errors = parse_rows(data)
    if errors:
        audit_record(
            action="staff_directory_import_refused",
            organisation=organisation,
            actor=actor.user if actor else None,
            object_type="staff_directory",
            detail={"lines": [n for n, _m in errors[:50]], "problems": len(errors)},
            request=request,
        )
        raise ImportRefused(errors)
    result = ImportResult()
    now = timezone.now()
    with transaction.atomic():
        existing = {
            e.email_digest: e
            for e in Employee.objects.select_for_update().filter(
                organisation=organisation, erased_at__isnull=True
            )
        }
        desk = _desk_accounts(organisation)
        for row in rows:
            digest = email_digest(row.email)
            employee = existing.get(digest)
            values = {
                "name": row.name,
                "email": row.email,
                "department": row.department,
                "role_title": row.role_title,
                "may_encounter_csam": row.may_encounter_csam,
                "works_with_children": row.works_with_children,
            }
            if employee is None:
                Employee.objects.create(
                    organisation=organisation,
                    email_digest=digest,
                    added_at=now,
                    staff=desk.get(row.email),
                    **values,
                )
                result.created += 1
                continue
            changed = [k for k, v in values.items() if getattr(employee, k) != v]
            if employee.left_on is not None:  # listed again: back at work
                employee.left_on = None
                changed.append("left_on")
            if employee.staff_id is None and desk.get(row.email) is not None:
                employee.staff = desk[row.email]
                changed.append("staff")
            if not changed:
                result.unchanged += 1
                continue
            for k in changed:
                if k in values:
                    setattr(employee, k, values[k])
            employee.save(update_fields=changed)
            result.updated += 1
        audit_record(
            action="staff_directory_import",
            organisation=organisation,
            actor=actor.user if actor else None,
            object_type="staff_directory",
            detail={
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            },
            request=request,
        )
    return result


def _desk_accounts(organisation: Organisation) -> dict[str, StaffMember]:
    """Desk accounts by e-mail address, to link the directory to the personnel register."""
    return {
        str(m.user.email).lower(): m
        for m in StaffMember.objects.filter(organisation=organisation)
        .exclude(user__email="")
        .select_related("user")
    }


def access_employee(*, organisation: Organisation, employee_id: int) -> Employee:
    employee = Employee.objects.filter(
        pk=employee_id, organisation=organisation, erased_at__isnull=True
    ).first()
    if employee is None:
        raise NotFound(_("There is no such person in the directory."))
    return employee


def employee_update(
    *,
    actor: StaffMember,
    employee_id: int,
    department: str,
    role_title: str,
    may_encounter_csam: bool,
    works_with_children: bool,
    left_on: date | None,
    name: str | None = None,
    request: HttpRequest | None = None,
) -> Employee:
    """Edit one person on the desk (a new address is a new person: import it); leaving starts
    the erasure clock (KARPEAR_STAFF_ERASE_DAYS). Another organisation's person is 404 first."""
    employee = access_employee(organisation=actor.organisation, employee_id=employee_id)
    department, role_title = department.strip(), role_title.strip()
    name = (name or "").strip() or employee.name
    if len(department) > LIMITS["department"] or len(role_title) > LIMITS["role_title"]:
        raise ApplicationError(_("The department or role title is too long."))
    if len(name) > LIMITS["name"]:
        raise ApplicationError(_("The name is too long."))
    if left_on is not None and left_on > timezone.localdate() + timedelta(days=366):
        raise ApplicationError(_("The leaving date is too far ahead."))
    with transaction.atomic():
        employee.name = name
        employee.department = department
        employee.role_title = role_title
        employee.may_encounter_csam = may_encounter_csam
        employee.works_with_children = works_with_children
        employee.left_on = left_on
        employee.save(
            update_fields=[
                "name",
                "department",
                "role_title",
                "may_encounter_csam",
                "works_with_children",
                "left_on",
            ]
        )
        audit_record(
            action="staff_directory_update",
            organisation=actor.organisation,
            actor=actor.user,
            object_type="employee",
            object_id=employee.pk,
            detail={
                "may_encounter_csam": may_encounter_csam,
                "works_with_children": works_with_children,
                "left_on": left_on.isoformat() if left_on else None,
            },
            request=request,
        )
    return employee


def erase_departed(*, now: datetime | None = None) -> int:
    """Worker job: erase name, address and role title of people who left more than
    KARPEAR_STAFF_ERASE_DAYS ago (privacy by default). Their counts stay."""
    now = now or timezone.now()
    cutoff = timezone.localdate(now) - timedelta(days=settings.KARPEAR_STAFF_ERASE_DAYS)
    due = list(
        Employee.objects.filter(erased_at__isnull=True, left_on__lte=cutoff).values_list(
            "pk", "organisation_id"
        )[:500]
    )
    for pk, organisation_id in due:
        with transaction.atomic():
            Employee.objects.filter(pk=pk, erased_at__isnull=True).update(
                name="", email="", role_title="", email_digest="", staff=None, erased_at=now
            )
            audit_record(
                action="staff_directory_erase",
                organisation=Organisation.objects.get(pk=organisation_id),
                actor_label="worker",
                object_type="employee",
                object_id=pk,
            )
    return len(due)
