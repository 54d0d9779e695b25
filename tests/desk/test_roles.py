"""Every desk URL with every role and with no sign-in: allowed or refused as declared."""

from __future__ import annotations

import pytest

from karpear.cases.models import Case
from karpear.orgs.models import Organisation
from tests.cast import Person, make_case, sign_in
from tests.conftest import Client
from tests.desk.world import desk_objects

A, L, C, D = "analyst", "lead", "compliance", "admin"
T = "trainer"  # Swipe Safe sessions only (issue #19)
# (method, path template, roles allowed)
MATRIX = [
    ("GET", "/en/desk/queue/", {A, L}),
    ("GET", "/en/desk/cases/{case}/", {A, L}),
    ("POST", "/en/desk/cases/{case}/transition/", {A, L}),
    ("POST", "/en/desk/cases/{case}/assign/", {A, L}),
    ("POST", "/en/desk/cases/{case}/account/", {A, L}),
    ("POST", "/en/desk/cases/{case}/victim-referral/", {L}),
    ("POST", "/en/desk/cases/{case}/note/", {A, L}),
    ("POST", "/en/desk/cases/{case}/classify/", {A, L}),
    ("POST", "/en/desk/cases/{case}/confirmation/", {A, L}),
    ("GET", "/en/desk/search/", {A, L}),
    ("POST", "/en/desk/search/", {A, L}),
    ("POST", "/en/desk/bulk/", {A, L}),
    ("POST", "/en/desk/cases/{case}/reveal/", {A, L}),
    ("GET", "/en/desk/audit/", {L, D}),
    ("GET", "/en/desk/audit/?format=csv", {L, D}),
    ("GET", "/en/desk/figures/", {C, L, D}),
    ("GET", "/en/desk/settings/sla/", {L}),
    ("GET", "/en/desk/settings/isolation/", {L}),
    ("POST", "/en/desk/settings/sla/", {L}),
    ("GET", "/en/desk/", {A, L, C, D, T}),
    ("GET", "/en/desk/wellbeing/", {A, L, C, D, T}),
    ("GET", "/en/desk/next/", {A, L}),
    ("GET", "/en/desk/notices/", {A, L}),
    ("GET", "/en/desk/notices/new/", {A, L}),
    ("GET", "/en/desk/evidence/{item}/", {A, L}),
    ("POST", "/en/desk/evidence/{item}/content/", {A, L}),
    ("POST", "/en/desk/evidence/{item}/disclose/", {A, L}),
    ("GET", "/en/desk/disclosures/", {L}),
    ("POST", "/en/desk/evidence/{item}/hold/", {L}),
    ("GET", "/en/desk/certificates/", {L, C, D}),
    ("GET", "/en/desk/certificates/?format=csv", {L, C, D}),
    ("POST", "/en/desk/disclosures/{disclosure}/approve/", {L}),
    ("GET", "/en/desk/disclosures/{disclosure}/package/", {L}),
    ("GET", "/en/desk/staff/", {D}),
    ("POST", "/en/desk/staff/add/", {D}),
    ("POST", "/en/desk/staff/{staff}/", {D}),
    ("GET", "/en/desk/recipients/", {L, D}),
    ("POST", "/en/desk/recipients/", {L, D}),
    ("POST", "/en/desk/recipients/{recipient}/", {L, D}),
    ("GET", "/en/desk/personnel/", {L, D}),
    ("POST", "/en/desk/personnel/save/", {L, D}),
    ("GET", "/en/desk/webhooks/", {L, D}),
    ("POST", "/en/desk/webhooks/retry/", {L, D}),
    ("GET", "/en/desk/blocklist/", {L, D}),
    ("GET", "/en/desk/blocklist/?url=http://a.example/", {L, D}),
    ("POST", "/en/desk/blocklist/appeals/{appeal}/", {L, D}),
    ("GET", "/en/desk/hashes/", {L, D}),
    ("POST", "/en/desk/hashes/release/", {L}),
    ("POST", "/en/desk/hashes/matches/{match}/", {L}),
    ("GET", "/en/desk/transparency/", {C, L, D}),
    ("POST", "/en/desk/transparency/", {C}),
    ("GET", "/en/desk/transparency/statements.json", {C, L}),
    ("GET", "/en/desk/compliance/", {C, L, D}),
    ("POST", "/en/desk/compliance/start/", {C}),
    ("POST", "/en/desk/compliance/products/", {C}),
    ("GET", "/en/desk/compliance/policies/", {C, L, D}),
    ("POST", "/en/desk/compliance/policies/", {C}),
    ("GET", "/en/desk/compliance/files/{file}/", {C, L, D}),
    ("GET", "/en/desk/compliance/{assessment}/", {C, L, D}),
    ("GET", "/en/desk/compliance/{assessment}/items/{ref}/", {C, L, D}),
    ("POST", "/en/desk/compliance/{assessment}/items/{ref}/", {C}),
    ("POST", "/en/desk/compliance/{assessment}/items/{ref}/file/", {C}),
    ("POST", "/en/desk/compliance/{assessment}/sign/", {C}),
    ("GET", "/en/desk/compliance/{assessment}/report/", {C, L, D}),
    ("GET", "/en/desk/compliance/{assessment}/report.pdf", {C, L, D}),
    ("GET", "/en/desk/compliance/{assessment}/package.json", {C, L, D}),
    # Referrals (issue #17, items 1-2).
    ("GET", "/en/desk/cases/{case}/referral-report/", {A, L}),
    ("GET", "/en/desk/referrals/", {A, L}),
    ("POST", "/en/desk/referrals/{referral}/resend/", {A, L}),
    ("GET", "/en/desk/referrals/{referral}/report.pdf", {A, L}),
    ("POST", "/en/desk/victim-referrals/{victim}/send/", {L}),
    ("GET", "/en/desk/complaints/", {A, L}),
    ("GET", "/en/desk/complaints/{complaint}/", {A, L}),
    ("POST", "/en/desk/complaints/{complaint}/", {A, L}),
    # Swipe Safe education (issue #19): trainers run sessions; figures for the readers.
    ("GET", "/en/desk/education/", {T, C, L, D}),
    ("POST", "/en/desk/education/curricula/", {T}),
    ("GET", "/en/desk/education/sessions/new/", {T}),
    ("POST", "/en/desk/education/sessions/new/", {T}),
    ("GET", "/en/desk/education/sessions/{education_session}/", {T, C, L, D}),
    ("GET", "/en/desk/education/sessions/{education_session}/quiz.pdf", {T}),
    ("POST", "/en/desk/education/sessions/{education_session}/status/", {T}),
    ("POST", "/en/desk/education/sessions/{education_session}/attendance/", {T}),
    ("POST", "/en/desk/education/sessions/{education_session}/names/", {T}),
    ("POST", "/en/desk/education/sessions/{education_session}/paper/", {T}),
    ("GET", "/en/desk/education/impact/", {T, C, L, D}),
    ("GET", "/en/desk/education/impact/?format=csv", {T, C, L, D}),
]


@pytest.fixture
def cast(
    analyst: Person, lead: Person, compliance: Person, admin: Person, trainer: Person
) -> dict[str, Person]:
    return {A: analyst, L: lead, C: compliance, D: admin, T: trainer}


@pytest.mark.parametrize(
    ("method", "path", "allowed"), MATRIX, ids=[f"{m} {p}" for m, p, _ in MATRIX]
)
def test_every_role_gets_what_it_is_allowed(
    cast: dict[str, Person], acme: Organisation, method: str, path: str, allowed: set[str]
) -> None:
    url = path.format(**desk_objects(acme, cast))
    anonymous = getattr(Client(), method.lower())(url)
    assert anonymous.status_code == 302 and "/desk/login/" in anonymous["Location"]
    for role, person in cast.items():
        response = getattr(sign_in(person), method.lower())(url)
        if role in allowed:
            assert response.status_code not in (403, 404), (role, response.status_code)
            assert "/desk/login/" not in response.get("Location", ""), role
        else:
            assert response.status_code == 403, (role, response.status_code)


def test_the_matrix_covers_every_desk_url() -> None:
    from karpear.desk.urls import urlpatterns

    names = {
        "{case}": "<int:case_id>",
        "{item}": "<int:item_id>",
        "{disclosure}": "<int:disclosure_id>",
        "{appeal}": "<int:appeal_id>",
        "{assessment}": "<int:assessment_id>",
        "{ref}": "<str:ref>",
        "{file}": "<int:file_id>",
        "{match}": "<int:match_id>",
        "{staff}": "<int:staff_id>",
        "{recipient}": "<int:recipient_id>",
        "{referral}": "<int:referral_id>",
        "{victim}": "<int:victim_referral_id>",
        "{complaint}": "<int:complaint_id>",
        "{education_session}": "<int:session_id>",
    }
    covered = set()
    for _, path, _ in MATRIX:
        pattern = path.split("/en/desk/")[1].split("?")[0]
        for placeholder, converter in names.items():
            pattern = pattern.replace(placeholder, converter)
        covered.add(pattern)
    public = {"login/", "code/", "logout/"}
    assert {str(u.pattern) for u in urlpatterns} - public <= covered


def test_another_organisations_analyst_sees_no_case(outsider: Person, acme: Organisation) -> None:
    case = make_case(acme)
    client = sign_in(outsider, host="bayon.test")
    assert client.get(f"/en/desk/cases/{case.pk}/").status_code == 404
    client.post(
        f"/en/desk/cases/{case.pk}/transition/",
        {"version": case.version, "to_state": "in_review", "reason": "x"},
    )
    assert Case.objects.get(pk=case.pk).state == "received"
    queue = client.get("/en/desk/queue/").content.decode()
    assert f"#{case.pk}<" not in queue


def test_compliance_officers_see_counts_but_never_content(
    compliance: Person, acme: Organisation
) -> None:
    make_case(acme, url="https://secret-site.example/x")
    client = sign_in(compliance)
    page = client.get("/en/desk/figures/").content.decode()
    assert "secret-site" not in page and "Cases by state" in page
