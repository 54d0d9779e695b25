"""Within one deployment (issue #20, Done when): the company submits from its Compliance page, the
reviewer sees it verified on the dashboard beside a late company, asks for information, and the
company answers with text and a file; overdue requests are flagged on both sides."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.utils import timezone

from karpear.compliance.services import assessment_sign_off, assessment_start
from karpear.orgs.models import Organisation
from karpear.regulator.models import InformationRequest, ReceivedRequest, Submission
from karpear.regulator.registry import period_define
from karpear.transparency.services import report_publish
from tests.cast import Person, make_case, sign_in
from tests.compliance.helpers import answer_rest
from tests.regulator.world import register

pytestmark = pytest.mark.django_db
TEXT = {h: {"en": f"{h} text", "km": f"{h} អត្ថបទ"} for h in ("policies", "processes", "outcomes")}
SECRET_URL = "https://social.example/p/very-secret-case-content"


def _signed_off(compliance: Person) -> int:
    assessment = assessment_start(
        member=compliance.member,
        framework_id="cop-checklist",
        profile={"used_by_children": True, "hosts_user_content": True},
    )
    answer_rest(compliance.member, assessment)
    assessment_sign_off(member=compliance.member, assessment_id=assessment.pk, name="Chenda Sok")
    return assessment.pk


def test_submit_verify_ask_and_answer_within_one_deployment(
    acme: Organisation, compliance: Person, head: Person, reviewer: Person, mptc: Organisation
) -> None:
    make_case(acme, url=SECRET_URL)  # case content that must never reach the regulator
    today = timezone.localdate()
    report_publish(
        member=compliance.member, start=date(today.year, 1, 1), end=today, narrative=TEXT
    )
    acme_company = register(head, acme)
    register(head, None, slug="late-co")
    period_define(member=head.member, label=str(today.year), due=today - timedelta(days=1))
    assessment_id = _signed_off(compliance)

    officer = sign_in(compliance)
    page = officer.get("/en/desk/compliance/").content.decode()
    assert "Send to the regulator" in page
    officer.post("/en/desk/compliance/regulator/submit/", {"assessment": assessment_id})
    submission = Submission.objects.get(company=acme_company)
    assert submission.transparency is not None
    assert submission.transparency["format"] == "karpear-transparency-report/1"
    stored = json.dumps([submission.envelope, submission.transparency, submission.summary])
    assert "very-secret-case-content" not in stored and "seen in a group" not in stored
    page = officer.get("/en/desk/compliance/").content.decode()
    assert "Verified and received" in page
    # The same package again is a repeat, not a second submission.
    officer.post("/en/desk/compliance/regulator/submit/", {"assessment": assessment_id})
    assert Submission.objects.filter(company=acme_company).count() == 1

    desk = sign_in(reviewer, host="mptc.test")
    page = desk.get("/en/desk/regulator/").content.decode()
    assert "Acme Company" in page and "Submitted late" in page  # due yesterday
    assert "Missing (overdue)" in page  # the second company
    rows = desk.get("/en/desk/regulator/?format=csv").content.decode().splitlines()
    assert rows[0].startswith("company,licence,sector") and len(rows) == 3
    only_acme = desk.get("/en/desk/regulator/?sector=mobile&sort=minimum").content.decode()
    assert "Acme Company" in only_acme

    desk.post(
        "/en/desk/regulator/requests/",
        {
            "company": acme_company.pk,
            "submission": submission.pk,
            "item_ref": "",
            "question": "Send your takedown procedure.",
            "deadline": (today + timedelta(days=7)).isoformat(),
        },
    )
    rfi = InformationRequest.objects.get()
    page = officer.get("/en/desk/compliance/").content.decode()
    assert "Send your takedown procedure." in page
    received = ReceivedRequest.objects.get(organisation=acme)
    from django.core.files.uploadedfile import SimpleUploadedFile

    officer.post(
        f"/en/desk/compliance/regulator/requests/{received.pk}/",
        {
            "answer": "Attached.",
            "files": SimpleUploadedFile("procedure.pdf", b"%PDF-1.4 test", "application/pdf"),
        },
    )
    rfi.refresh_from_db()
    assert rfi.answer == "Attached." and rfi.files.get().name == "procedure.pdf"
    page = desk.get(f"/en/desk/regulator/requests/{rfi.pk}/").content.decode()
    assert "Attached." in page and "procedure.pdf" in page


def test_overdue_requests_are_flagged_on_both_sides(
    acme: Organisation, compliance: Person, head: Person, reviewer: Person
) -> None:
    from karpear.regulator.rfi import rfi_send

    company = register(head, acme)
    rfi = rfi_send(
        member=reviewer.member,
        company_id=company.pk,
        question="Where is item 7?",
        deadline=timezone.localdate() + timedelta(days=1),
    )
    # Time passes: the deadline is now behind us.
    yesterday = timezone.localdate() - timedelta(days=1)
    InformationRequest.objects.filter(pk=rfi.pk).update(deadline=yesterday)
    ReceivedRequest.objects.filter(local_request=rfi).update(deadline=yesterday)
    assert "Overdue" in sign_in(compliance).get("/en/desk/compliance/").content.decode()
    page = sign_in(reviewer, host="mptc.test").get(f"/en/desk/regulator/requests/{rfi.pk}/")
    assert "Overdue" in page.content.decode()


def test_a_request_to_a_company_outside_the_registry_is_refused(
    reviewer: Person, bayon: Organisation
) -> None:
    from karpear.core.errors import ApplicationError
    from karpear.regulator.rfi import rfi_send

    with pytest.raises(ApplicationError) as caught:
        rfi_send(
            member=reviewer.member,
            company_id=999,
            question="?",
            deadline=timezone.localdate() + timedelta(days=3),
        )
    assert caught.value.status == 404
    assert not InformationRequest.objects.exists()


def test_a_package_uploaded_by_hand_is_verified_like_one_sent_over_the_api(
    head: Person, reviewer: Person
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.regulator.world import signed, small_payload

    company = register(head, None, slug="paper-co")
    period_define(
        member=head.member, label=str(timezone.localdate().year), due=timezone.localdate()
    )
    desk = sign_in(reviewer, host="mptc.test")
    envelope = signed(small_payload("paper-co"), "paper-co")
    tampered = json.loads(json.dumps(envelope))
    tampered["payload"]["answers"][0]["outcome"] = "yes"
    form = {"company": company.pk, "period": str(timezone.localdate().year)}
    refused = desk.post(
        "/en/desk/regulator/upload/",
        {**form, "file": SimpleUploadedFile("p.json", json.dumps(tampered).encode())},
    )
    assert refused.status_code == 200 and "bad_signature" in refused.content.decode()
    assert not Submission.objects.exists()
    accepted = desk.post(
        "/en/desk/regulator/upload/",
        {**form, "file": SimpleUploadedFile("p.json", json.dumps(envelope).encode())},
    )
    submission = Submission.objects.get(company=company)
    assert accepted["Location"].endswith(f"/regulator/submissions/{submission.pk}/")
    assert submission.channel == "upload" and submission.received_by == reviewer.member.user
