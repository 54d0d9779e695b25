"""Publishing, the public pages and files, suppression, and statements of reasons (issue #9)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from karpear.cases.models import Decision, DecisionKind
from karpear.core.errors import ApplicationError
from karpear.orgs.models import Organisation
from karpear.transparency import suppression
from karpear.transparency.figures import period_bounds
from karpear.transparency.models import TransparencyReport
from karpear.transparency.services import public_figures, report_publish
from karpear.transparency.statements import problems, statements
from tests.cast import Person, decide_account, make_case, sign_in
from tests.conftest import Client

pytestmark = pytest.mark.django_db
YEAR = (date(2025, 1, 1), date(2025, 12, 31))
TEXT = {
    h: {"en": f"{h} in English", "km": f"{h} ជាភាសាខ្មែរ"}
    for h in ("policies", "processes", "outcomes")
}


def test_small_numbers_cannot_be_recovered_by_subtraction() -> None:
    assert suppression.breakdown({"a": 15, "b": 3, "c": 0}, 10) == {"a": 15, "b": "<10", "c": "<10"}
    assert suppression.breakdown({"a": 15, "b": 3, "c": 4}, 10) == {"a": 15, "b": "<10", "c": "<10"}
    assert suppression.breakdown({"a": 15, "b": 30}, 10) == {"a": 15, "b": 30}
    assert suppression.breakdown({"a": 15, "b": 3}, 10) == {"a": "<10", "b": "<10"}
    assert suppression.hide(0, 10) == 0 and suppression.hide(9, 10) == "<10"
    assert suppression.hide(10, 10) == 10
    assert suppression.timing({"n": 9, "p50": 1.0, "p90": 2.0}, 10)["p50"] is None
    assert suppression.timing({"n": 10, "p50": 1.0, "p90": 2.0}, 10)["p50"] == 1.0


def _year_with_cases(org: Organisation, n: int) -> None:
    for i in range(n):
        case = make_case(org, url=f"https://social.example/p/y{i}")
        when = datetime(2025, 3, 1, tzinfo=UTC) + timedelta(hours=i)
        from karpear.cases.models import Case, CaseReport
        from karpear.reports.models import Report

        Report.objects.filter(pk=CaseReport.objects.get(case=case).report_id).update(
            received_at=when
        )
        Case.objects.filter(pk=case.pk).update(
            opened_at=when, first_action_at=when + timedelta(hours=1)
        )
        Decision.objects.create(
            case=case,
            organisation=org,
            kind="content_remove",
            ground="law",
            clause="Law on Suppression of Human Trafficking and Sexual Exploitation, art. 41",
            decided_at=when + timedelta(hours=1),
            decided_by=None,
        )


def test_the_public_figures_hide_small_numbers_everywhere(acme: Organisation) -> None:
    _year_with_cases(acme, 12)
    from karpear.transparency.figures import compute

    public = public_figures(compute(acme, *YEAR), 10)
    assert public["reports"]["total"] == 12
    assert public["reports"]["by_channel"] == {"web": 12, "in_app": 0}
    # One category with 12, the rest 0: nothing hidden, nothing to subtract.
    assert public["content_actions"]["content_remove"] == {"law": 12, "terms": 0}
    assert public["response_times"]["all"]["all"]["first_action"]["p50"] == 1.0
    small = public_figures(compute(acme, *YEAR), 13)
    assert small["reports"]["total"] == "<13"
    assert small["response_times"]["all"]["all"]["first_action"]["p50"] is None


def test_publish_versions_and_corrections(
    acme: Organisation, compliance: Person, lead: Person
) -> None:
    _year_with_cases(acme, 3)
    with pytest.raises(ApplicationError) as exc:
        report_publish(member=compliance.member, start=YEAR[0], end=YEAR[1], narrative={})
    assert "policies_km" in exc.value.fields
    with pytest.raises(ApplicationError) as exc:
        report_publish(member=lead.member, start=YEAR[0], end=YEAR[1], narrative=TEXT)
    assert exc.value.status == 403
    with pytest.raises(ApplicationError):
        report_publish(member=compliance.member, start=YEAR[1], end=YEAR[0], narrative=TEXT)
    first = report_publish(member=compliance.member, start=YEAR[0], end=YEAR[1], narrative=TEXT)
    assert first.version == 1 and first.figures["reports"]["total"] == 3
    with pytest.raises(ApplicationError) as exc:
        report_publish(member=compliance.member, start=YEAR[0], end=YEAR[1], narrative=TEXT)
    assert "change_note" in exc.value.fields
    client = Client()
    second = report_publish(
        member=compliance.member,
        start=YEAR[0],
        end=YEAR[1],
        narrative=TEXT,
        change_note="Two reports were counted in the wrong year.",
    )
    assert second.version == 2
    # Both stay published: the index shows the correction and lists the first as earlier.
    index = client.get("/en/transparency/").content.decode()
    assert f"/en/transparency/{second.pk}/" in index and "Earlier versions" in index
    assert f"/en/transparency/{first.pk}/" in index
    page = client.get(f"/en/transparency/{second.pk}/").content.decode()
    assert "Two reports were counted in the wrong year." in page
    first.refresh_from_db()
    assert first.figures["reports"]["total"] == 3  # the first version stays as published


def test_public_pages_in_both_languages_and_every_format(
    acme: Organisation, compliance: Person, bayon: Organisation
) -> None:
    _year_with_cases(acme, 12)
    report = report_publish(member=compliance.member, start=YEAR[0], end=YEAR[1], narrative=TEXT)
    client = Client()
    index = client.get("/transparency/")
    assert index.status_code == 200 and f"/transparency/{report.pk}/".encode() in index.content
    english = client.get(f"/en/transparency/{report.pk}/")
    assert english.status_code == 200
    assert b"How fast we acted" in english.content and b"policies in English" in english.content
    assert b"<svg" in english.content
    # No script but the quick exit's, from this origin (issue #22, item 2).
    assert re.findall(rb"<script[^>]*>", english.content) == [
        b'<script src="/static/karpear/exit.js" defer>'
    ]
    khmer = client.get(f"/transparency/{report.pk}/")
    assert "ជាភាសាខ្មែរ".encode() in khmer.content
    doc = json.loads(client.get(f"/transparency/{report.pk}.json").content)
    assert doc["figures"]["reports"]["total"] == 12 and doc["version"] == 1
    rows = list(
        csv.DictReader(io.StringIO(client.get(f"/transparency/{report.pk}.csv").content.decode()))
    )
    total = next(r for r in rows if r["karpear_field"] == "reports.total")
    assert total["dsa_section"] == "notices_art16" and total["value"] == "12"
    pdf = client.get(f"/transparency/{report.pk}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    # Another organisation's host sees none of it.
    other = Client(HTTP_HOST="bayon.test")
    assert other.get(f"/transparency/{report.pk}/").status_code == 404
    assert f"/transparency/{report.pk}/".encode() not in other.get("/transparency/").content


def test_statements_of_reasons_pass_the_databases_rules(
    acme: Organisation, analyst: Person
) -> None:
    _year_with_cases(acme, 2)
    case = make_case(acme, url="https://social.example/p/acct", category="grooming")
    decide_account(
        analyst,
        case,
        DecisionKind.ACCOUNT_SUSPENSION,
        account_id="u1",
        ends_at=datetime.now(UTC) + timedelta(days=7),
    )
    decide_account(analyst, case, DecisionKind.ACCOUNT_WARNING, account_id="u2", clause="Rules 2")
    since, until = period_bounds(date(2025, 1, 1), timezone.localdate() + timedelta(days=1))
    rows = list(statements(acme, since, until))
    assert len(rows) == 4
    dsa = [r["dsa"] for r in rows if r["dsa"]]
    assert len(dsa) == 3  # the warning restricts nothing: Karpear's record only
    for sor in dsa:
        assert problems(sor) == [], sor
    removal = dsa[0]
    assert removal["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]
    assert removal["category_specification"] == ["KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL"]
    assert removal["automated_decision"] == "AUTOMATED_DECISION_FULLY"  # decided_by None
    suspension = dsa[2]
    assert suspension["decision_account"] == "DECISION_ACCOUNT_SUSPENDED" and suspension["end_date"]
    assert suspension["category_specification"] == ["KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS"]
    warning = next(r for r in rows if r["dsa"] is None)
    assert warning["karpear"]["kind"] == "account_warning"


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"decision_visibility": None}, "one of decision_visibility"),
        ({"decision_ground": "DECISION_GROUND_BAD"}, "decision_ground"),
        ({"illegal_content_legal_ground": ""}, "illegal_content_legal_ground"),
        ({"content_type": ["CONTENT_TYPE_OTHER"]}, "content_type_other"),
        ({"content_date": "2019-12-31"}, "content_date"),
        ({"application_date": "2025-02-30"}, "application_date"),
        ({"end_date": "2020-01-02"}, "end_date"),
        ({"automated_detection": "yes"}, "automated_detection"),
        ({"puid": "x" * 501}, "puid"),
        ({"category_specification": ["KEYWORD_HATE_SPEECH"]}, "category_specification"),
    ],
)
def test_the_validator_refuses_what_the_database_refuses(
    change: dict[str, object], rule: str
) -> None:
    good = {
        "decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"],
        "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
        "illegal_content_legal_ground": "Criminal Code",
        "illegal_content_explanation": "Removed.",
        "category": "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
        "category_specification": ["KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL"],
        "content_type": ["CONTENT_TYPE_IMAGE"],
        "content_date": "2025-03-01",
        "application_date": "2025-03-02",
        "decision_facts": "Facts.",
        "source_type": "SOURCE_ARTICLE_16",
        "automated_detection": "No",
        "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED",
        "puid": "karpear-acme-decision-1",
    }
    assert problems(good) == []
    assert any(rule in p for p in problems({**good, **change}))


def test_the_officer_publishes_from_the_desk(acme: Organisation, compliance: Person) -> None:
    client = sign_in(compliance)
    page = client.get("/en/desk/transparency/?start=2025-01-01&end=2025-12-31")
    html = page.content.decode()
    assert page.status_code == 200 and "Preview, as it would be published" in html
    # The form starts empty: no field carries its own name, no stray error (issue #16, item 5).
    for h in ("policies", "processes", "outcomes"):
        for lang in ("km", "en"):
            textarea = re.search(rf'<textarea name="{h}_{lang}"[^>]*>(.*?)</textarea>', html, re.S)
            assert textarea and textarea.group(1) == "", f"{h}_{lang} is pre-filled"
    assert 'class="error"' not in html
    form = {"start": "2025-01-01", "end": "2025-12-31", "threshold": "10"}
    refused = client.post("/en/desk/transparency/", form).content.decode()
    assert "Write this section" in refused and "W r i t e" not in refused
    assert "The report was not published." in refused
    bad_threshold = client.post("/en/desk/transparency/", {**form, "threshold": "x1"})
    assert bad_threshold.status_code == 400
    assert "Choose a number between 2 and 100." in bad_threshold.content.decode()
    for h, texts in TEXT.items():
        form.update({f"{h}_en": texts["en"], f"{h}_km": texts["km"]})
    preview = client.post("/en/desk/transparency/", form)
    assert preview.status_code == 200
    assert "Confirm and publish" in preview.content.decode()
    assert TEXT["outcomes"]["en"] in preview.content.decode()
    assert not TransparencyReport.objects.filter(organisation=acme).exists()  # only a preview
    published = client.post("/en/desk/transparency/", {**form, "confirm": "1"})
    assert published.status_code == 302
    report = TransparencyReport.objects.get(organisation=acme)
    assert report.narrative["outcomes"]["en"] == TEXT["outcomes"]["en"]
    export = client.get("/en/desk/transparency/statements.json?start=2025-01-01&end=2025-12-31")
    assert json.loads(export.content)["invalid"] == []
