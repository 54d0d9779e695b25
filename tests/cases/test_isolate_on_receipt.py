"""Reported content is isolated on receipt while it is assessed (issue #16, item 2)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_create
from karpear.cases import services
from karpear.cases.models import Case, CaseReport, Decision, DecisionKind, Ground, State
from karpear.cases.timeline import timeline
from karpear.compliance.policies import policy_draft
from karpear.orgs.models import Organisation
from karpear.platformlink.models import WebhookEvent
from karpear.platformlink.services import deliver_due, link_configure
from karpear.reports.models import Category, Report
from tests.cast import Person
from tests.conftest import BAYON_HOST, Client, valid_form, valid_json
from tests.platform_fixture import RefPlatform


@pytest.fixture
def linked(acme: Organisation) -> Organisation:
    """Acme's platform link: content on social.example is Acme's (no platform running)."""
    link_configure(
        organisation=acme, webhook_url="http://127.0.0.1:9/hook", hosted_domains=["social.example"]
    )
    return acme


def portal(client: Client, address: str = "10.0.0.1", **fields: Any) -> Case:
    response = client.post("/en/", valid_form(**fields), REMOTE_ADDR=address)
    assert response.status_code == 200, response.content
    report = Report.objects.order_by("-id").first()
    assert report is not None
    return CaseReport.objects.select_related("case").get(report=report).case


def events(case: Case, kind: str) -> list[WebhookEvent]:
    return list(WebhookEvent.objects.filter(event_type=kind, payload__data__case_id=case.pk))


def isolated(case: Case) -> bool:
    return case.decisions.filter(kind=DecisionKind.CONTENT_ISOLATE).exists()


def test_a_sexual_image_on_our_service_is_isolated_at_once(
    client: Client, linked: Organisation
) -> None:
    case = portal(client, links="https://social.example/p/4\nhttps://elsewhere.example/x")
    assert case.state == State.ISOLATED
    decision = Decision.objects.get(case=case)
    assert (decision.kind, decision.ground, decision.decided_by) == (
        DecisionKind.CONTENT_ISOLATE,
        Ground.TERMS,
        None,
    )
    (isolate,) = events(case, "content.isolate")
    # Only the link on our own service goes to the platform.
    assert isolate.payload["data"]["content"]["urls"] == ["https://social.example/p/4"]
    assert len(events(case, "content.preserve")) == 1
    report = Report.objects.get(id=case.case_reports.get().report_id)
    assert report.status == "checking"
    sentences = [entry.sentence for entry in timeline(list(case.events.all()))]
    assert "Content isolated on receipt, provisionally, until the desk assesses it." in sentences


@pytest.mark.parametrize("category", ["grooming", "sextortion", "other"])
def test_other_categories_wait_for_the_desk(
    client: Client, linked: Organisation, category: str
) -> None:
    case = portal(client, category=category, links="https://social.example/p/5")
    assert case.state == State.RECEIVED and not isolated(case)
    assert not events(case, "content.isolate")


def test_a_link_elsewhere_is_not_isolated_and_the_case_says_so(
    client: Client, linked: Organisation
) -> None:
    case = portal(client, links="https://elsewhere.example/p/5")
    assert case.state == State.RECEIVED and not isolated(case)
    (entry,) = [e for e in timeline(list(case.events.all())) if "Not isolated" in e.sentence]
    assert "not on our service" in entry.sentence


def test_without_a_platform_link_nothing_is_isolated(client: Client, acme: Organisation) -> None:
    case = portal(client, links="https://social.example/p/5")
    assert case.state == State.RECEIVED and not isolated(case)
    assert not case.events.filter(kind="isolation_skipped").exists()  # the feature is off


def test_another_organisations_link_does_not_count(
    bayon_client: Client, linked: Organisation, bayon: Organisation
) -> None:
    response = bayon_client.post("/en/", valid_form(links="https://social.example/p/6"))
    assert response.status_code == 200
    case = Case.objects.get(organisation=bayon)
    assert case.state == State.RECEIVED and not isolated(case)
    assert not WebhookEvent.objects.exists()
    assert BAYON_HOST  # bayon has no platform link: social.example is Acme's, not Bayon's


def test_a_repeated_submission_isolates_once(client: Client, linked: Organisation) -> None:
    token = client.get("/en/?who=teen").context["form"]["submission"].value()
    form = valid_form(links="https://social.example/p/7", submission=token)
    client.post("/en/", form)
    client.post("/en/", form)
    assert Report.objects.count() == 1
    assert Decision.objects.count() == 1


def test_a_second_report_of_isolated_content_joins_without_a_second_decision(
    client: Client, linked: Organisation
) -> None:
    first = portal(client, links="https://social.example/p/8")
    second = portal(client, address="10.0.0.2", links="https://social.example/p/8")
    assert first.pk == second.pk
    assert Decision.objects.filter(case=first).count() == 1


def test_the_reporter_limit_queues_without_isolating(
    client: Client, linked: Organisation, settings: Any
) -> None:
    settings.KARPEAR_ISOLATE_PER_REPORTER = 2
    settings.KARPEAR_RATE_REPORTS = "100/60"
    cases = [portal(client, links=f"https://social.example/p/{n}") for n in (11, 12, 13)]
    assert [c.state for c in cases] == [State.ISOLATED, State.ISOLATED, State.RECEIVED]
    over = cases[2]
    assert over.report_count == 1  # the report is still taken and queued
    sentences = [e.sentence for e in timeline(list(over.events.all()))]
    assert any("this reporter passed the hourly limit" in s for s in sentences)
    # Another reporter is not held back by the first one's flood.
    other = portal(client, address="10.0.0.9", links="https://social.example/p/14")
    assert other.state == State.ISOLATED


def test_the_hourly_limit_for_the_organisation(
    client: Client, linked: Organisation, settings: Any
) -> None:
    settings.KARPEAR_ISOLATE_PER_HOUR = 2
    states = [
        portal(client, address=f"10.0.1.{n}", links=f"https://social.example/p/{n}").state
        for n in (21, 22, 23)
    ]
    assert states == [State.ISOLATED, State.ISOLATED, State.RECEIVED]
    over = Case.objects.order_by("-id").first()
    assert over is not None
    sentences = [e.sentence for e in timeline(list(over.events.all()))]
    assert any("hourly limit for isolations" in s for s in sentences)


def test_a_content_id_counts_only_from_the_platforms_own_key(
    client: Client, linked: Organisation
) -> None:
    body = valid_json(links=["https://elsewhere.example/a"], platform_content_id="post:3")
    anonymous = client.post("/api/v1/reports", body, content_type="application/json")
    assert anonymous.status_code == 201
    assert not Decision.objects.exists()
    _key, token = apikey_create(organisation=linked, scope=Scope.PLATFORM, name="App")
    body = valid_json(links=["https://elsewhere.example/b"], platform_content_id="post:4")
    keyed = client.post(
        "/api/v1/reports",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert keyed.status_code == 201
    (decision,) = Decision.objects.all()
    (isolate,) = events(decision.case, "content.isolate")
    assert isolate.payload["data"]["content"] == {"platform_content_ids": ["post:4"], "urls": []}


def test_the_desk_restores_content_it_finds_not_illegal(
    client: Client, linked: Organisation, analyst: Person
) -> None:
    case = portal(client, links="https://social.example/p/9")
    case = services.case_transition(
        case=case,
        member=analyst.member,
        to_state=State.NOT_ILLEGAL,
        reason="a holiday photo, nothing sexual",
        expected_version=case.version,
    )
    restore = case.decisions.get(kind=DecisionKind.CONTENT_RESTORE)
    assert restore.ground == Ground.TERMS
    assert len(events(case, "content.restore")) == 1


def test_the_reference_platform_hides_the_post(client: Client, ref_platform: RefPlatform) -> None:
    portal(client, links="https://social.example/p/2")
    deliver_due()
    assert ref_platform.state()["posts"]["post:2"]["state"] == "hidden"


# ------------------------------------------------ the drafted procedure says what happens


LINE = {
    "en": (
        re.compile(r"^   - (.+): (isolated from public access on receipt|not isolated on receipt)"),
        "isolated from public access on receipt",
    ),
    "km": (
        re.compile(r"^   - (.+)៖ (ត្រូវបានញែកចេញពីការចូលមើល|មិនត្រូវបានញែកចេញពេលទទួល)"),
        "ត្រូវបានញែកចេញពីការចូលមើល",
    ),
}


def said(text: str, lang: str) -> dict[str, bool]:
    """{category label: the procedure says it is isolated on receipt}."""
    pattern, yes = LINE[lang]
    found = {}
    for line in text.splitlines():
        match = pattern.match(line)
        if match:
            found[match.group(1)] = match.group(2).startswith(yes)
    return found


@pytest.mark.parametrize("configured", [None, ["grooming"], []])
def test_the_procedure_text_and_the_behaviour_agree(
    client: Client, linked: Organisation, settings: Any, configured: list[str] | None
) -> None:
    if configured is not None:
        settings.KARPEAR_ISOLATE_ON_RECEIPT = configured
    settings.KARPEAR_RATE_REPORTS = "100/60"
    drafted = policy_draft(linked)["takedown"]
    from django.utils import translation

    for lang in ("en", "km"):
        with translation.override(lang):
            labels = {code: str(label) for code, label in Category.choices}
        text_says = said(drafted[lang], lang)
        assert set(text_says) == set(labels.values()), drafted[lang]
        for number, code in enumerate(labels, start=1):
            case = portal(
                client,
                address=f"10.2.{number}.{len(lang)}",
                category=code,
                links=f"https://social.example/p/{lang}{number}",
            )
            assert text_says[labels[code]] == isolated(case), (lang, code)
    assert f"at most {settings.KARPEAR_ISOLATE_PER_REPORTER} isolations" in drafted["en"]
    assert f"{settings.KARPEAR_ISOLATE_PER_HOUR} for the whole service" in drafted["en"]
