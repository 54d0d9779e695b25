"""The compliance workflow (issue #8): start, answer, version, sign off, copy, remind."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from karpear.compliance.models import Answer, AnswerSource, Assessment, AssessmentStatus
from karpear.compliance.services import (
    AnswerInput,
    Frozen,
    answer_save,
    assessment_sign_off,
    assessment_start,
    current_answers,
    get_assessment,
    overview,
    product_add,
    reminders,
)
from karpear.core.errors import ApplicationError
from karpear.orgs.models import Organisation
from tests.cast import Person
from tests.compliance.helpers import SOON, answer_rest

pytestmark = pytest.mark.django_db


def _cop(person: Person, **profile: bool) -> Assessment:
    return assessment_start(
        member=person.member,
        framework_id="cop-checklist",
        profile=profile or {"used_by_children": True, "hosts_user_content": True},
    )


def test_a_new_checklist_is_prefilled_from_live_records(compliance: Person) -> None:
    assessment = _cop(compliance)
    answers = current_answers(assessment)
    # The portal is the reporting facility (22); records are kept (26): Karpear proves both.
    for ref in ("COP-22", "COP-23", "COP-26"):
        assert answers[ref].source == AnswerSource.LIVE
        assert answers[ref].value == "yes"
        assert (answers[ref].live or {})["status"] == "proven"
    # No takedown procedure adopted yet: the records say no, and say why.
    assert answers["COP-29"].value == "no"
    # No hash bank set up: no figure is invented, the officer answers.
    assert "COP-27" not in answers
    # The officer's own items stay open.
    assert "COP-3" not in answers


def test_items_ruled_out_by_the_company_profile_are_na_with_a_reason(compliance: Person) -> None:
    answers = current_answers(_cop(compliance, used_by_children=True))
    for ref in ("COP-27", "COP-28", "COP-34", "COP-35"):
        assert answers[ref].not_applicable
        assert answers[ref].source == AnswerSource.PROFILE
        assert "Does not apply" in answers[ref].reason
    # Used by children: it applies, and the safety policy answers it live (issue #18): private
    # defaults served, no conformance reported yet.
    assert answers["COP-33"].source == AnswerSource.LIVE
    assert answers["COP-33"].value == "partially"


def test_na_needs_a_written_reason(compliance: Person) -> None:
    assessment = _cop(compliance)
    with pytest.raises(ApplicationError) as exc:
        answer_save(
            member=compliance.member,
            assessment_id=assessment.pk,
            ref="COP-37",
            data=AnswerInput(choice="na", reason="   "),
        )
    assert "reason" in exc.value.fields
    answer = answer_save(
        member=compliance.member,
        assessment_id=assessment.pk,
        ref="COP-37",
        data=AnswerInput(choice="na", reason="We sell SIM cards only; we run no programmes."),
    )
    assert answer.not_applicable


@pytest.mark.parametrize("choice", ["partially", "no"])
def test_partially_and_no_need_an_action_owner_and_date(compliance: Person, choice: str) -> None:
    assessment = _cop(compliance)
    with pytest.raises(ApplicationError) as exc:
        answer_save(
            member=compliance.member,
            assessment_id=assessment.pk,
            ref="COP-3",
            data=AnswerInput(choice=choice),
        )
    assert set(exc.value.fields) == {"action", "owner", "due"}
    answer = answer_save(
        member=compliance.member,
        assessment_id=assessment.pk,
        ref="COP-3",
        data=AnswerInput(choice=choice, action="Appoint an officer", owner="CEO", due=SOON),
    )
    assert answer.action_owner == "CEO"


@pytest.mark.parametrize(
    ("ref", "data", "field"),
    [
        ("COP-3", AnswerInput(choice="maybe"), "value"),
        ("COP-3", AnswerInput(choice=""), "value"),
        ("COP-3", AnswerInput(choice="yes", link="javascript:alert(1)"), "link"),
        ("COP-3", AnswerInput(choice="yes", owner="x" * 201), "owner"),
        ("COP-3", AnswerInput(choice="no", action="a", owner="b", due="2026-02-30"), "due"),
        ("COP-3", AnswerInput(choice="yes", done_on="yesterday"), "done_on"),
    ],
)
def test_wrong_answers_are_refused_with_the_field_named(
    compliance: Person, ref: str, data: AnswerInput, field: str
) -> None:
    assessment = _cop(compliance)
    with pytest.raises(ApplicationError) as exc:
        answer_save(member=compliance.member, assessment_id=assessment.pk, ref=ref, data=data)
    assert field in exc.value.fields
    assert not Answer.objects.filter(assessment=assessment, ref=ref).exists()


def _cria(person: Person) -> Assessment:
    product = product_add(member=person.member, name="Chat app")
    return assessment_start(member=person.member, framework_id="cria", product_id=product.pk)


def test_cria_answer_types_are_checked(compliance: Person) -> None:
    assessment = _cria(compliance)

    def save(ref: str, **kw: object) -> Answer:
        return answer_save(
            member=compliance.member,
            assessment_id=assessment.pk,
            ref=ref,
            data=AnswerInput(**kw),  # type: ignore[arg-type]
        )

    with pytest.raises(ApplicationError):
        save("P-1", value="   ")
    with pytest.raises(ApplicationError):
        save("M-3", value="next year")
    with pytest.raises(ApplicationError):
        save("M-2", choice="perhaps")
    assert save("M-3", value="2027-11-01").value == "2027-11-01"
    # A risk rating needs every age group; likelihood 0 means the group does not use it.
    partial = {"0-5": {"likelihood": "0"}, "6-9": {"likelihood": "2", "severity": "2"}}
    with pytest.raises(ApplicationError):
        save("R-1", value=partial)
    with pytest.raises(ApplicationError):
        save("R-1", value={b: {"likelihood": "9", "severity": "1"} for b in _bands()})
    low = save("R-2", value={b: {"likelihood": "0", "severity": ""} for b in _bands()})
    assert (low.value or {})["13-15"] == {"likelihood": 0, "severity": 0}
    # High risk (4 x 3 = 12 for 13-15) needs an action, like a "No".
    high = {b: {"likelihood": "1", "severity": "1"} for b in _bands()}
    high["13-15"] = {"likelihood": "4", "severity": "3"}
    with pytest.raises(ApplicationError) as exc:
        save("R-1", value=high)
    assert "action" in exc.value.fields
    saved = save("R-1", value=high, action="Default DMs to friends only", owner="PM", due=SOON)
    view = overview(assessment)
    row = next(r for a in view.areas for r in a.rows if r.item.ref == "R-1")
    assert row.outcome == "no" and saved.action


def _bands() -> tuple[str, ...]:
    from karpear.compliance.frameworks import AGE_BANDS

    return AGE_BANDS


def test_a_cria_needs_a_product_of_this_organisation(
    compliance: Person, outsider: Person, bayon: Organisation
) -> None:
    with pytest.raises(ApplicationError) as exc:
        assessment_start(member=compliance.member, framework_id="cria")
    assert "product" in exc.value.fields
    from karpear.compliance.models import Product

    theirs = Product.objects.create(organisation=bayon, name="Their app")
    with pytest.raises(ApplicationError):
        assessment_start(member=compliance.member, framework_id="cria", product_id=theirs.pk)


def test_answers_are_versioned_never_overwritten(compliance: Person) -> None:
    assessment = _cop(compliance)
    for choice in ("yes", "partially"):
        answer_save(
            member=compliance.member,
            assessment_id=assessment.pk,
            ref="COP-7",
            data=AnswerInput(choice=choice, action="Update it", owner="HR", due=SOON),
        )
    versions = list(Answer.objects.filter(assessment=assessment, ref="COP-7").order_by("version"))
    assert [(a.version, a.value) for a in versions] == [(1, "yes"), (2, "partially")]
    assert current_answers(assessment)["COP-7"].value == "partially"


def test_sign_off_needs_every_item_and_every_action(compliance: Person) -> None:
    assessment = _cop(compliance)
    with pytest.raises(ApplicationError) as exc:
        assessment_sign_off(member=compliance.member, assessment_id=assessment.pk, name="Chenda")
    assert exc.value.code == "incomplete" and "COP-3" in str(exc.value.message)
    answer_rest(compliance.member, assessment)
    with pytest.raises(ApplicationError):
        assessment_sign_off(member=compliance.member, assessment_id=assessment.pk, name="  ")
    signed = assessment_sign_off(
        member=compliance.member, assessment_id=assessment.pk, name="Chenda Keo", title="DPO"
    )
    assert signed.status == AssessmentStatus.SIGNED and len(signed.frozen_sha256) == 64
    frozen = signed.frozen or {}
    assert len(frozen["answers"]) == 42
    assert frozen["live"]["COP-22"]["status"] == "proven"


def test_a_signed_assessment_is_frozen(compliance: Person) -> None:
    assessment = _cop(compliance)
    answer_rest(compliance.member, assessment)
    assessment_sign_off(member=compliance.member, assessment_id=assessment.pk, name="Chenda")
    before = Answer.objects.filter(assessment=assessment).count()
    with pytest.raises(Frozen) as exc:
        answer_save(
            member=compliance.member,
            assessment_id=assessment.pk,
            ref="COP-3",
            data=AnswerInput(choice="no", action="x", owner="y", due=SOON),
        )
    assert exc.value.status == 409
    with pytest.raises(Frozen):
        assessment_sign_off(member=compliance.member, assessment_id=assessment.pk, name="Again")
    assert Answer.objects.filter(assessment=assessment).count() == before


def test_the_next_assessment_starts_from_a_copy(compliance: Person) -> None:
    first = _cop(compliance)
    answer_save(
        member=compliance.member,
        assessment_id=first.pk,
        ref="COP-3",
        data=AnswerInput(choice="yes", note="Ms Chenda is child rights officer"),
    )
    answer_rest(compliance.member, first)
    assessment_sign_off(member=compliance.member, assessment_id=first.pk, name="Chenda")
    second = _cop(compliance)
    assert second.previous_id == first.pk
    copied = current_answers(second)["COP-3"]
    assert copied.source == AnswerSource.COPIED and copied.note.startswith("Ms Chenda")
    assert current_answers(second)["COP-22"].source == AnswerSource.LIVE  # refreshed, not copied
    # The first is untouched.
    assert current_answers(first)["COP-3"].assessment_id == first.pk


def test_only_one_draft_at_a_time(compliance: Person) -> None:
    _cop(compliance)
    with pytest.raises(ApplicationError) as exc:
        _cop(compliance)
    assert exc.value.status == 409
    assert Assessment.objects.filter(framework_id="cop-checklist").count() == 1


def test_reassessment_between_one_and_two_years(compliance: Person) -> None:
    for months in (11, 25):
        with pytest.raises(ApplicationError):
            assessment_start(member=compliance.member, framework_id="sbd", reassess_months=months)
    assert assessment_start(member=compliance.member, framework_id="sbd", reassess_months=24)


@pytest.mark.parametrize("role", ["analyst", "lead", "admin"])
def test_only_the_compliance_officer_changes_assessments(
    request: pytest.FixtureRequest, compliance: Person, role: str
) -> None:
    other: Person = request.getfixturevalue(role)
    assessment = _cop(compliance)
    for call in (
        lambda: _cop(other),
        lambda: answer_save(
            member=other.member,
            assessment_id=assessment.pk,
            ref="COP-3",
            data=AnswerInput(choice="yes"),
        ),
        lambda: assessment_sign_off(member=other.member, assessment_id=assessment.pk, name="X"),
    ):
        with pytest.raises(ApplicationError) as exc:
            call()
        assert exc.value.status == 403


def test_another_organisation_cannot_reach_an_assessment(
    compliance: Person, bayon: Organisation
) -> None:
    from karpear.staff.models import Role
    from tests.cast import _person

    theirs = _person(bayon, "bopha", Role.COMPLIANCE)
    assessment = _cop(compliance)
    with pytest.raises(ApplicationError) as exc:
        get_assessment(organisation=bayon, assessment_id=assessment.pk)
    assert exc.value.status == 404
    with pytest.raises(ApplicationError) as exc:
        answer_save(
            member=theirs.member,
            assessment_id=assessment.pk,
            ref="COP-3",
            data=AnswerInput(choice="yes"),
        )
    assert exc.value.status == 404
    # Their live figures count only their records.
    mine = current_answers(_cop(theirs))
    assert (mine["COP-22"].live or {})["figures"]["reports_total"] == 0


def test_reminders_for_due_reassessment_and_overdue_actions(compliance: Person) -> None:
    assessment = _cop(compliance)
    answer_rest(compliance.member, assessment)
    answer_save(
        member=compliance.member,
        assessment_id=assessment.pk,
        ref="COP-8",
        data=AnswerInput(
            choice="partially",
            action="Train all staff",
            owner="HR",
            due=(timezone.localdate() - timedelta(days=1)).isoformat(),
        ),
    )
    assessment_sign_off(member=compliance.member, assessment_id=assessment.pk, name="Chenda")
    today = timezone.localdate()
    with translation.override("en"):
        kinds = [(r.kind, r.text) for r in reminders(compliance.member.organisation, today=today)]
    assert ("action", "Overdue action on COP-8: Train all staff") in kinds
    assert any(k == "never" and "Safety-by-design" in t for k, t in kinds)
    assert not any(k == "reassess" for k, _ in kinds)
    later = today + timedelta(days=30 * 12 - 10)
    assert any(
        k == "reassess" and "COP" in t
        for k, t in [
            (r.kind, r.text) for r in reminders(compliance.member.organisation, today=later)
        ]
    )


def test_the_command_line_checks_lists_and_exports(compliance: Person, tmp_path: object) -> None:
    import io
    import json as _json
    from pathlib import Path

    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command("compliance", "frameworks", stdout=out)
    assert "cop-checklist" in out.getvalue() and "42 items (19 minimum)" in out.getvalue()
    draft = _cop(compliance)
    with translation.override("en"), pytest.raises(CommandError, match="signed-off"):
        call_command("compliance", "package", str(draft.pk), stdout=io.StringIO())
    answer_rest(compliance.member, draft)
    assessment_sign_off(member=compliance.member, assessment_id=draft.pk, name="Chenda")
    out = io.StringIO()
    call_command("compliance", "package", str(draft.pk), stdout=out)
    envelope = _json.loads(out.getvalue())
    key = io.StringIO()
    call_command("compliance", "public-key", stdout=key)
    from karpear.core import signing

    signing.verify(envelope, key.getvalue().split()[0])
    pdf = Path(str(tmp_path)) / "r.pdf"
    call_command("compliance", "pdf", str(draft.pk), str(pdf), "--lang", "en")
    assert pdf.read_bytes().startswith(b"%PDF-")
    with pytest.raises(CommandError):
        call_command("compliance", "package", "99999", stdout=io.StringIO())


def test_each_drafted_policy_shows_labels_in_its_own_language(acme: Organisation) -> None:
    """Drafted from the English desk, the Khmer procedure still names the issuers' kinds in
    Khmer (and the English one in English)."""
    from karpear.compliance.policies import policy_draft
    from karpear.notices.services import issuers

    issuers(acme)  # the registry's two issuers of the guidelines
    with translation.override("en"):
        takedown = policy_draft(acme)["takedown"]
    assert "(Anti-Cybercrime Unit)" in takedown["en"]
    assert "(អង្គភាពប្រឆាំងបទល្មើសបច្ចេកវិទ្យា)" in takedown["km"]
    assert "(Anti-Cybercrime Unit)" not in takedown["km"]
