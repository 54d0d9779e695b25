"""The analyst classifies each case; the figures count that classification (#16 item 9)."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from karpear.audit.models import AuditEntry
from karpear.cases.classification import case_classify
from karpear.cases.models import Case
from karpear.cases.selectors import period_cases
from karpear.core.errors import ApplicationError
from karpear.orgs.models import Organisation
from karpear.transparency.figures import period_bounds
from karpear.transparency.services import report_publish
from tests.cast import Person, make_case, sign_in

pytestmark = pytest.mark.django_db


def _classify(case: Case, person: Person, **kw: str) -> Case:
    values = {"legal_assessment": "baseline", "content_type": "video", "age_band": "6-9", **kw}
    return case_classify(
        case=case,
        member=person.member,
        expected_version=case.version,
        legal_assessment=values["legal_assessment"],
        content_type=values["content_type"],
        age_band=values["age_band"],
    )


def test_the_analyst_classifies_and_the_reporters_category_stays(
    acme: Organisation, analyst: Person
) -> None:
    case = make_case(acme)  # reported as "sexual_image"
    case = _classify(case, analyst)
    assert (case.legal_assessment, case.content_type, case.age_band) == ("baseline", "video", "6-9")
    assert case.category == "sexual_image" and case.classified_by == analyst.member.user
    case = _classify(case, analyst, legal_assessment="national")
    entry = AuditEntry.objects.filter(action="case_classify").last()
    assert entry is not None
    assert entry.detail["before"]["legal_assessment"] == "baseline"
    assert entry.detail["after"]["legal_assessment"] == "national"


@pytest.mark.parametrize(
    "bad",
    [
        {"legal_assessment": ""},
        {"legal_assessment": "maybe"},
        {"content_type": ""},
        {"age_band": "18+"},
        {"age_band": "x\x00"},
    ],
)
def test_nothing_defaults_and_nonsense_is_refused(
    acme: Organisation, analyst: Person, bad: dict[str, str]
) -> None:
    case = make_case(acme)
    with pytest.raises(ApplicationError) as refused:
        _classify(case, analyst, **bad)
    assert set(refused.value.fields) == set(bad)
    case.refresh_from_db()
    assert case.version == 0 and not case.classified_at


def test_the_desk_form_classifies_and_shows_it(acme: Organisation, analyst: Person) -> None:
    case = make_case(acme)
    client = sign_in(analyst)
    page = client.get(f"/en/desk/cases/{case.pk}/").content.decode()
    assert "Not classified yet." in page
    assert (
        'name="legal_assessment"' in page
        and "checked" not in page.split("classification")[1][:3000]
    )
    refused = client.post(
        f"/en/desk/cases/{case.pk}/classify/", {"version": case.version, "legal_assessment": ""}
    )
    assert refused.status_code == 400 and "Choose the legal assessment." in refused.content.decode()
    done = client.post(
        f"/en/desk/cases/{case.pk}/classify/",
        {
            "version": case.version,
            "legal_assessment": "national",
            "content_type": "grooming",
            "age_band": "13-15",
        },
    )
    assert done.status_code == 302
    page = client.get(f"/en/desk/cases/{case.pk}/").content.decode()
    assert "Illegal under Cambodian law · Text or grooming · apparent age 13-15 years" in page
    assert "Classified: Illegal under Cambodian law; Text or grooming" in page


def test_another_organisation_cannot_classify(
    acme: Organisation, bayon: Organisation, analyst: Person, outsider: Person
) -> None:
    case = make_case(acme)
    response = sign_in(outsider, host="bayon.test").post(
        f"/en/desk/cases/{case.pk}/classify/",
        {"version": 0, "legal_assessment": "baseline", "content_type": "image", "age_band": "0-5"},
    )
    assert response.status_code == 404
    case.refresh_from_db()
    assert not case.classified_at


def test_figures_count_the_classification_and_say_what_is_not_classified(
    acme: Organisation, analyst: Person, compliance: Person
) -> None:
    classified = [make_case(acme, url=f"https://x.example/{i}") for i in range(12)]
    for case in classified:
        _classify(case, analyst, legal_assessment="baseline", content_type="image")
    make_case(acme, url="https://x.example/unclassified")
    today = timezone.localdate()
    since, until = period_bounds(date(today.year, 1, 1), today)
    figures = period_cases(acme, since, until)["classification"]
    assert figures["classified"] == 12 and figures["not_classified"] == 1
    assert figures["legal_assessment"] == {"baseline": 12, "national": 0, "not_illegal": 0}
    assert figures["content_type"]["image"] == 12 and figures["age_band"]["6-9"] == 12
    text = {h: {"en": f"{h}.", "km": f"{h}។"} for h in ("policies", "processes", "outcomes")}
    report = report_publish(
        member=compliance.member, start=date(today.year, 1, 1), end=today, narrative=text
    )
    page = sign_in(compliance).get(f"/en/transparency/{report.pk}/").content.decode()
    assert "counted by our analysts&#x27; own classification" in page or (
        "counted by our analysts' own classification" in page
    )
    assert "12 classified" in page
