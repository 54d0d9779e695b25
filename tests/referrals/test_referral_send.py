"""Referring a case delivers a report to the recipient's inbox (issue #17, items 1 and 3)."""

from __future__ import annotations

from karpear.audit.models import AuditEntry
from karpear.cases import services
from karpear.cases.models import Authority, Case, CaseEvent, State
from karpear.orgs.models import Organisation
from karpear.referrals.models import Purpose, Referral
from karpear.referrals.report import report_build
from karpear.reports.models import PublicStatus, Report
from karpear.reports.services import report_public_status
from tests.cast import Person, make_case
from tests.conftest import Client
from tests.referrals.helpers import ACU, HOTLINE, refer


def _outside_our_service(case: Case, analyst: Person) -> None:
    """The analyst reviews the case and finds it outside the service."""
    for to in (State.IN_REVIEW, State.OUTSIDE_SERVICE):
        case.refresh_from_db()
        case = services.case_transition(
            case=case,
            member=analyst.member,
            to_state=to,
            reason="not ours",
            expected_version=case.version,
        )


def test_referring_to_the_acu_puts_a_report_in_its_inbox(
    acme: Organisation, analyst: Person
) -> None:
    case = refer(make_case(acme, contact=True), analyst, Authority.ACU)
    referral = Referral.objects.get()
    assert referral.case == case and referral.recipient.name == ACU
    assert referral.purpose == Purpose.REFERRED
    report = referral.report
    assert report["schema_version"] == "1.0"
    assert report["incident_summary"]["incident_type"] == "sexual_image"
    assert report["incident_summary"]["escalate_to_high_priority"] is True
    assert report["internet_details"] == [{"url": "https://social.example/p/1", "app_name": ""}]
    assert report["reporting_company"]["name"] == "Acme Mobile"
    # The reporter's contact never leaves the company, and the analyst is told why.
    assert "Sokha" not in str(report) and "012345678" not in str(report)
    withheld = {w["field"]: w["reason"] for w in referral.withheld}
    # Frozen in the deployment's language (Khmer by default), as the recipient reads it.
    assert "reporter.contact" in withheld and "2.6" in withheld["reporter.contact"]
    assert "ip_capture_events" in withheld
    assert CaseEvent.objects.filter(case=case, kind="referral_sent").count() == 1
    assert AuditEntry.objects.filter(action="referral_send", object_id=str(case.pk)).exists()


def test_both_authorities_get_one_referral_each(acme: Organisation, analyst: Person) -> None:
    refer(make_case(acme), analyst, Authority.ACU, Authority.HOTLINE)
    assert sorted(Referral.objects.values_list("recipient__name", flat=True)) == sorted(
        [ACU, HOTLINE]
    )


def test_other_authority_stays_a_typed_reference(acme: Organisation, analyst: Person) -> None:
    refer(make_case(acme), analyst, Authority.OTHER)
    assert not Referral.objects.exists()


def test_outside_our_service_passes_the_report_to_the_hotline_and_says_so(
    acme: Organisation, analyst: Person
) -> None:
    _outside_our_service(make_case(acme), analyst)
    referral = Referral.objects.get()
    assert referral.recipient.name == HOTLINE and referral.purpose == Purpose.OUTSIDE_SERVICE
    report = Report.objects.get()
    assert report.status == PublicStatus.PASSED_TO_HOTLINE
    assert report_public_status(organisation=acme, reference=report.reference)[1] == "to_hotline"


def test_the_status_page_says_passed_to_the_hotline(
    client: Client, acme: Organisation, analyst: Person
) -> None:
    _outside_our_service(make_case(acme), analyst)
    reference = Report.objects.get().reference
    page = client.post("/en/status/", {"reference": reference}).content.decode()
    assert "passed your report to the Internet Hotline Cambodia" in page
    assert "We took action" not in page and "Action taken" not in page


def test_the_report_lists_files_with_hashes_and_whether_staff_viewed_them(
    acme: Organisation, analyst: Person
) -> None:
    from karpear.evidence.services import evidence_capture, evidence_open

    case = make_case(acme)
    item = evidence_capture(
        organisation=acme,
        case_id=case.pk,
        content=b"not really an image",
        content_type="application/octet-stream",
        metadata={
            "publicly_available": True,
            "ip_capture_events": [{"ip": "203.0.113.9", "event": "upload", "at": "2026-11-20"}],
        },
        source="platform",
        actor=None,
    )
    built = report_build(case=case)
    [file] = built.report["files"]
    assert file["sha256"] == item.sha256 and file["md5"] == item.md5
    assert file["file_viewed_by_company"] is False and file["publicly_available"] is True
    assert built.report["ip_capture_events"] == [
        {"ip": "203.0.113.9", "event": "upload", "at": "2026-11-20"}
    ]
    assert "ip_capture_events" in built.filled
    evidence_open(item=item, member=analyst.member, reason="confirm")
    assert report_build(case=case).report["files"][0]["file_viewed_by_company"] is True


def test_referring_again_resends_the_one_referral(acme: Organisation, analyst: Person) -> None:
    from karpear.referrals.services import referral_send

    refer(make_case(acme), analyst, Authority.ACU)
    first = Referral.objects.get()
    again = referral_send(
        case=first.case,
        recipient=first.recipient,
        purpose=Purpose.REFERRED,
        member=analyst.member,
    )
    assert again.pk == first.pk and again.send_count == 2
    assert Referral.objects.count() == 1


def test_every_report_matches_the_published_schema(acme: Organisation, analyst: Person) -> None:
    import json
    from pathlib import Path

    import jsonschema

    from karpear.evidence.services import evidence_capture

    schema = json.loads(
        (Path(__file__).parents[2] / "docs" / "referral-report.schema.json").read_text()
    )
    jsonschema.Draft202012Validator.check_schema(schema)
    bare = make_case(acme, url="https://a.example/1")
    full = make_case(acme, url="https://b.example/2", contact=True)
    evidence_capture(
        organisation=acme,
        case_id=full.pk,
        content=b"bytes",
        content_type="application/octet-stream",
        metadata={
            "publicly_available": False,
            "ip_capture_events": [{"ip": "203.0.113.9", "event": "login"}],
            "devices": [{"type": "android", "id": "dev-1"}],
        },
        source="platform",
        actor=None,
    )
    for case in (bare, full):
        jsonschema.validate(report_build(case=case).report, schema)
