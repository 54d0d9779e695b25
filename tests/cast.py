"""The desk cast: one member per role in Acme, an outsider analyst in Bayon."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from karpear.cases.models import Case
from karpear.evidence.models import Recipient
from karpear.orgs.models import Organisation
from karpear.reports.models import Channel
from karpear.reports.rules import LinkData, ReportData
from karpear.reports.services import report_submit
from karpear.staff.models import Role, StaffMember
from karpear.staff.services import staff_create
from tests.conftest import Client

PASSWORD = "correct horse battery staple 42"


@dataclass
class Person:
    member: StaffMember
    device: TOTPDevice

    @property
    def username(self) -> str:
        return str(self.member.user.get_username())

    def code(self) -> str:
        return f"{totp(self.device.bin_key):06d}"


@pytest.fixture(autouse=True)
def _fast_hasher(settings: Any) -> None:
    # Argon2 is checked once (test_sign_in); elsewhere it would only slow the suite.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _person(org: Organisation, username: str, role: Role) -> Person:
    member = staff_create(organisation=org, username=username, password=PASSWORD, role=role)
    device = TOTPDevice.objects.create(user=member.user, name="phone", confirmed=True)
    return Person(member, device)


@pytest.fixture
def analyst(acme: Organisation) -> Person:
    return _person(acme, "dara", Role.ANALYST)


@pytest.fixture
def analyst2(acme: Organisation) -> Person:
    return _person(acme, "sophea", Role.ANALYST)


@pytest.fixture
def lead(acme: Organisation) -> Person:
    return _person(acme, "vanna", Role.LEAD)


@pytest.fixture
def compliance(acme: Organisation) -> Person:
    return _person(acme, "chenda", Role.COMPLIANCE)


@pytest.fixture
def admin(acme: Organisation) -> Person:
    return _person(acme, "rith", Role.ADMIN)


@pytest.fixture
def trainer(acme: Organisation) -> Person:
    return _person(acme, "sreyneang", Role.TRAINER)


@pytest.fixture
def outsider(bayon: Organisation) -> Person:
    return _person(bayon, "mony", Role.ANALYST)


def sign_in(person: Person, host: str = "testserver") -> Client:
    """The real flow: password, then the current one-time code.

    django-otp refuses a code that was already used; tests that sign one
    person in twice within 30 seconds stand for two phones, so the helper
    forgets the last used time step first.
    """
    TOTPDevice.objects.filter(pk=person.device.pk).update(last_t=-1)
    client = Client(HTTP_HOST=host)
    response = client.post("/en/desk/login/", {"username": person.username, "password": PASSWORD})
    assert response.status_code == 302, response.content
    response = client.post("/en/desk/code/", {"code": person.code()})
    assert response.status_code == 302, response.content
    return client


def report_data(*urls: str, **fields: Any) -> ReportData:
    """A report's answers as the form hands them on: each link with its canonical form, and
    nothing else answered unless `fields` says so (category "grooming")."""
    from karpear.links.canonical import canonical_string

    answers: dict[str, Any] = {
        "category": "grooming",
        "seen_on": None,
        "seen_at_time": None,
        "seen_approximate": False,
        "description": "",
        "reporter_is_child": None,
        "contact": None,
    }
    return ReportData(
        items=[LinkData(url=u, normalised_url=canonical_string(u)) for u in urls],
        **{**answers, **fields},
    )


def make_case(
    org: Organisation,
    url: str = "https://social.example/p/1",
    category: str = "sexual_image",
    contact: bool = False,
) -> Case:
    from karpear.reports.rules import ContactData

    report, _ = report_submit(
        organisation=org,
        channel=Channel.WEB,
        data=report_data(
            url,
            category=category,
            description="seen in a group",
            reporter_is_child=True,
            contact=ContactData(name="Sokha", phone="012345678") if contact else None,
        ),
    )
    from karpear.cases.models import CaseReport

    return CaseReport.objects.select_related("case").get(report=report).case


def decide_account(
    person: Person,
    case: Case,
    kind: str,
    *,
    account_id: str,
    clause: str = "Rules 4",
    ground: str = "terms",
    ends_at: Any = None,
) -> Any:
    """An account decision on a case, at the case's current version, as the desk records it."""
    from karpear.cases import services as case_services
    from karpear.cases.models import DecisionKind, Ground

    case.refresh_from_db()
    return case_services.decision_account(
        case=case,
        member=person.member,
        kind=DecisionKind(kind),
        ground=Ground(ground),
        clause=clause,
        account_id=account_id,
        ends_at=ends_at,
        expected_version=case.version,
    )


def record_removal_under_law(case: Case) -> Any:
    """The row a `content_remove` decision on the ground of law leaves (what feeds own banks)."""
    from karpear.cases.models import Decision

    return Decision.objects.create(
        case=case,
        organisation=case.organisation,
        kind="content_remove",
        ground="law",
        clause="Criminal Code",
        decided_at=case.opened_at,
    )


def isolate_post(
    org: Organisation,
    by: Person,
    post: int = 3,
    *,
    category: str = "sexual_image",
    preserved: bool = False,
) -> Any:
    """A case about https://social.example/p/<post> that `by` reviews and isolates under the
    terms; returns the isolation decision. With `preserved`, the content is already in the
    vault first, so the isolation is the only event."""
    from django.utils import timezone

    from karpear.cases import services as case_services
    from karpear.cases.models import Decision, DecisionKind, Ground, State
    from karpear.cases.preservation import case_preserved

    case = make_case(org, url=f"https://social.example/p/{post}", category=category)
    if preserved:
        case_preserved(case_id=case.pk, at=timezone.now())
    case = case_services.case_transition(
        case=case,
        member=by.member,
        to_state=State.IN_REVIEW,
        reason="look",
        expected_version=case.version,
    )
    case_services.case_transition(
        case=case,
        member=by.member,
        to_state=State.ISOLATED,
        reason="isolate until assessed",
        expected_version=case.version,
        ground=Ground.TERMS,
        clause="Terms 3.1",
    )
    return Decision.objects.get(case=case, kind=DecisionKind.CONTENT_ISOLATE)


# --- the regulator (issue #20): its own organisation and roles ----------------------------------

MPTC_HOST = "mptc.test"


@pytest.fixture
def mptc(db: None, settings: Any) -> Organisation:
    from karpear.orgs.services import organisation_create

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, MPTC_HOST]
    return organisation_create(
        name="Ministry of Post and Telecommunications",
        name_km="ក្រសួងប្រៃសណីយ៍និងទូរគមនាគមន៍",
        slug="mptc",
        domain=MPTC_HOST,
        kind=Organisation.Kind.REGULATOR,
    )


@pytest.fixture
def reviewer(mptc: Organisation) -> Person:
    return _person(mptc, "bopha", Role.REVIEWER)


@pytest.fixture
def head(mptc: Organisation) -> Person:
    return _person(mptc, "kosal", Role.HEAD)


@pytest.fixture
def regulator_admin(mptc: Organisation) -> Person:
    return _person(mptc, "nimol", Role.REGULATOR_ADMIN)


def register_recipient(member: StaffMember, **fields: Any) -> Recipient:
    """A recipient added by `member` (a keeper) and confirmed by a second keeper of the same
    organisation, as the desk needs before anything is sent to it (evidence/recipients.py)."""
    from karpear.evidence.recipients import recipient_add, recipient_confirm

    recipient = recipient_add(member=member, **fields)
    org = member.organisation
    second = (
        StaffMember.objects.filter(organisation=org, role__in=[Role.ADMIN, Role.LEAD])
        .exclude(pk=member.pk)
        .first()
        or _person(org, f"keeper-{org.slug}", Role.ADMIN).member
    )
    return recipient_confirm(member=second, recipient_id=recipient.pk)
