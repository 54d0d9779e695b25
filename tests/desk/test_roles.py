"""Every desk URL with every role and with no sign-in: allowed or refused as declared."""

from __future__ import annotations

import pytest

from karpear.cases.models import Case
from karpear.orgs.models import Organisation
from tests.cast import Person, make_case, sign_in
from tests.conftest import Client
from tests.desk.world import desk_objects

A, L, C, D = "analyst", "lead", "compliance", "admin"
# The regulator's roles (issue #20): in their own organisation, never on a company page.
RV, HU, RA = "reviewer", "head", "regulator_admin"
REG = {RV, HU, RA}

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
    ("GET", "/en/desk/", {A, L, C, D, T, *REG}),  # a redirect to one's own home
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
    ("POST", "/en/desk/recipients/{recipient}/confirm/", {L, D}),
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
    ("POST", "/en/desk/referrals/{referral}/email/", {A, L}),
    ("POST", "/en/desk/referrals/{referral}/follow-up/", {A, L}),
    ("GET", "/en/desk/referrals/{referral}/report.pdf", {A, L}),
    ("POST", "/en/desk/victim-referrals/{victim}/send/", {L}),
    ("POST", "/en/desk/child-referrals/{proposal}/approve/", {A, L}),
    ("POST", "/en/desk/child-referrals/{proposal}/close/", {A, L}),
    ("GET", "/en/desk/referral-services/", {L, D}),
    ("POST", "/en/desk/referral-services/{service}/issue/", {L, D}),
    ("POST", "/en/desk/referral-services/{service}/confirm/", {L, D}),
    ("POST", "/en/desk/referral-services/{service}/unbind/", {L, D}),
    ("GET", "/en/desk/complaints/", {A, L}),
    ("GET", "/en/desk/complaints/{complaint}/", {A, L}),
    ("POST", "/en/desk/complaints/{complaint}/", {A, L}),
    # The regulator's desk (issue #20).
    ("GET", "/en/desk/regulator/", REG),
    ("GET", "/en/desk/regulator/?format=csv", REG),
    ("GET", "/en/desk/regulator/companies/", REG),
    ("POST", "/en/desk/regulator/companies/add/", {HU, RA}),
    ("GET", "/en/desk/regulator/companies/{company}/", REG),
    ("POST", "/en/desk/regulator/companies/{company}/keys/", {HU, RA}),
    ("POST", "/en/desk/regulator/companies/{company}/token/", {HU, RA}),
    ("POST", "/en/desk/regulator/keys/{key}/revoke/", {HU, RA}),
    ("POST", "/en/desk/regulator/keys/{pending_key}/confirm/", {HU, RA}),
    ("POST", "/en/desk/regulator/periods/", {HU, RA}),
    ("GET", "/en/desk/regulator/upload/", REG),
    ("POST", "/en/desk/regulator/upload/", {RV, HU}),
    ("GET", "/en/desk/regulator/submissions/{submission}/", REG),
    ("POST", "/en/desk/regulator/requests/", {RV, HU}),
    ("GET", "/en/desk/regulator/requests/{rfi}/", REG),
    ("GET", "/en/desk/regulator/answer-files/{answer_file}/", REG),
    # The company's side on its Compliance page.
    ("POST", "/en/desk/compliance/regulator/submit/", {C}),
    ("POST", "/en/desk/compliance/regulator/pull/", {C}),
    ("POST", "/en/desk/compliance/regulator/requests/{received}/", {C}),
    # Safe by default in the company's apps (issue #18).
    ("GET", "/en/desk/safety/", {L, C, D}),
    ("POST", "/en/desk/safety/draft/", {L}),
    ("GET", "/en/desk/safety/{policy}/", {L, C, D}),
    ("POST", "/en/desk/safety/{policy}/", {L}),
    ("POST", "/en/desk/safety/{policy}/adopt/", {L}),
    ("GET", "/en/desk/documents/", {L, C, D}),
    ("GET", "/en/desk/documents/terms/", {L, C, D}),
    ("POST", "/en/desk/documents/terms/", {L, C}),
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
    # Safeguarding inside the company (issue #21); in the world the lead is the officer.
    ("GET", "/en/desk/safeguarding/staff/", {C, L, D}),
    ("POST", "/en/desk/safeguarding/staff/import/", {D}),
    ("POST", "/en/desk/safeguarding/staff/{employee}/", {D}),
    ("POST", "/en/desk/safeguarding/staff/{employee}/training/", {C, D}),
    ("GET", "/en/desk/safeguarding/officers/", {C, L, D}),
    ("POST", "/en/desk/safeguarding/officers/", {D}),
    ("GET", "/en/desk/safeguarding/policies/", {C, L, D}),
    ("POST", "/en/desk/safeguarding/policies/", {C}),
    ("GET", "/en/desk/safeguarding/policies/{document}/", {C, L, D}),
    ("GET", "/en/desk/safeguarding/training/", {C, L, D}),
    ("GET", "/en/desk/concerns/", {L}),
    ("GET", "/en/desk/concerns/{concern}/", {L}),
    ("POST", "/en/desk/concerns/{concern}/", {L}),
]


@pytest.fixture
def cast(request: pytest.FixtureRequest) -> dict[str, Person]:
    roles = {A: "analyst", L: "lead", C: "compliance", D: "admin", T: "trainer"}
    roles.update({RV: "reviewer", HU: "head", RA: "regulator_admin"})
    return {role: request.getfixturevalue(name) for role, name in roles.items()}


@pytest.mark.parametrize(
    ("method", "path", "allowed"), MATRIX, ids=[f"{m} {p}" for m, p, _ in MATRIX]
)
def test_every_role_gets_what_it_is_allowed(
    cast: dict[str, Person], acme: Organisation, method: str, path: str, allowed: set[str]
) -> None:
    from tests.regulator.world import regulator_objects

    company_cast = {role: person for role, person in cast.items() if role not in REG}
    objects = desk_objects(acme, company_cast)
    if "{" in path:
        objects.update(regulator_objects(acme, cast[HU], cast[RV]))
    url = path.format(**objects)
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
        "{proposal}": "<int:proposal_id>",
        "{service}": "<int:service_id>",
        "{company}": "<int:company_id>",
        "{key}": "<int:key_id>",
        "{pending_key}": "<int:key_id>",
        "{submission}": "<int:submission_id>",
        "{rfi}": "<int:rfi_id>",
        "{answer_file}": "<int:file_id>",
        "{received}": "<int:received_id>",
        "{policy}": "<int:policy_id>",
        "documents/terms/": "documents/<slug:kind>/",
        "{education_session}": "<int:session_id>",
        "{employee}": "<int:employee_id>",
        "{document}": "<int:document_id>",
        "{concern}": "<int:concern_id>",
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
