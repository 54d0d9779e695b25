"""Checklist items 3, 7 and 8 and the personnel screening figure read the safeguarding records
(issue #21, items 2, 4, 5)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from karpear.compliance.live import live_figure
from karpear.compliance.services import assessment_start
from karpear.orgs.models import Organisation
from karpear.safeguarding.directory import email_digest
from karpear.safeguarding.documents import document_adopt, document_draft
from karpear.safeguarding.models import Acknowledgement, Employee
from karpear.safeguarding.training import training_record
from tests.cast import Person, sign_in
from tests.concerns.helpers import a_concern
from tests.safeguarding.helpers import adopt_policy, appoint_officer, import_staff


def test_before_anything_is_recorded_the_items_say_so(acme: Organisation) -> None:
    assert live_figure("safeguarding_officer", acme).status == "missing"  # type: ignore[union-attr]
    assert live_figure("safeguarding_policy", acme).status == "missing"  # type: ignore[union-attr]
    assert live_figure("staff_awareness", acme).status == "not_configured"  # type: ignore[union-attr]


def test_items_3_7_and_8_show_the_officer_the_policy_and_who_acknowledged_it(
    acme: Organisation, admin: Person, lead: Person, analyst: Person, compliance: Person
) -> None:
    import_staff(acme, 4)
    appoint_officer(admin, lead)
    appoint_officer(admin, analyst, position="deputy")
    adopt_policy(compliance)
    conduct = document_draft(acme)["conduct"]
    document_adopt(
        member=compliance.member, kind="conduct", body_en=conduct["en"], body_km=conduct["km"]
    )
    Acknowledgement.objects.filter(document__kind="policy").update(acknowledged_at=timezone.now())
    a_concern(acme)
    officer = live_figure("safeguarding_officer", acme)
    assert officer and officer.status == "proven" and officer.figures["officer"] == "vanna"
    policy = live_figure("safeguarding_policy", acme)
    assert policy and policy.suggested == "yes"
    assert policy.figures["policy_acknowledged"] == "4 / 4"
    assert policy.figures["concerns_received"] == 1
    awareness = live_figure("staff_awareness", acme)
    assert awareness and awareness.status == "partial"  # nobody's training is recorded yet
    assessment = assessment_start(member=compliance.member, framework_id="cop-checklist")
    page = sign_in(compliance).get(f"/en/desk/compliance/{assessment.pk}/items/COP-7/")
    assert "Staff who acknowledged the policy" in page.content.decode()


def test_the_personnel_screening_figure_counts_csam_staff_training(
    acme: Organisation, compliance: Person, settings: Any
) -> None:
    import_staff(acme, 11)  # persons 00, 05 and 10 may encounter CSAM
    for n in (5, 10):
        employee = Employee.objects.get(email_digest=email_digest(f"person{n:02d}@acme.example"))
        for course in ("policy", "csam_handling", "wellbeing"):
            if n == 10 and course == "wellbeing":
                continue
            training_record(
                actor=compliance.member,
                employee_id=employee.pk,
                course=course,
                completed_on=timezone.localdate(),
                provider="CNCC",
                expires_on=None,
            )
    screening = live_figure("personnel_screening", acme)
    assert screening is not None
    assert (screening.figures["csam_staff"], screening.figures["csam_staff_trained"]) == (3, 1)
