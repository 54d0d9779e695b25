"""One open case per piece of content, and only one (the index one_open_case_per_content): a
closed case never stops a new report or notice from opening a new one, and a closed case does
not reopen beside an open one about the same content (two analysts on one item, 2.6 b)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_create
from karpear.cases import services
from karpear.cases.models import Case, State
from karpear.core.errors import ApplicationError
from karpear.notices.models import Action, NoticeItem
from karpear.notices.services import ItemIn, issuer_for_key, notice_receive
from karpear.orgs.models import Organisation
from karpear.platformlink.services import link_configure
from tests.cast import Person, make_case

URL = "https://social.example/p/again"


def _move(case: Case, person: Person, to: State) -> Case:
    return services.case_transition(
        case=case,
        member=person.member,
        to_state=to,
        reason="checked",
        expected_version=case.version,
    )


def _close(case: Case, person: Person) -> Case:
    for state in [State.IN_REVIEW, State.NO_ACTION, State.CLOSED]:
        case = _move(case, person, state)
    return case


def test_a_report_after_the_case_closed_opens_a_new_case(
    acme: Organisation, analyst: Person
) -> None:
    first = _close(make_case(acme, URL), analyst)
    second = make_case(acme, URL)
    assert second.pk != first.pk and second.state == State.RECEIVED
    assert second.report_count == 1 and second.group_key == first.group_key
    assert Case.objects.get(pk=first.pk).state == State.CLOSED
    assert make_case(acme, URL).pk == second.pk  # and the next one joins the open case


def test_a_notice_after_the_case_closed_opens_a_new_case(
    acme: Organisation, analyst: Person
) -> None:
    first = _close(make_case(acme, URL), analyst)
    link_configure(
        organisation=acme, webhook_url="http://127.0.0.1:9/hook", hosted_domains=["social.example"]
    )
    key = apikey_create(organisation=acme, scope=Scope.ISSUER, name="Anti-Cybercrime Unit")[0]
    notice, _created = notice_receive(
        issuer=issuer_for_key(key),
        issuer_reference="ACU/7",
        legal_basis="art. 41",
        items=[ItemIn(url=URL)],
        actions=[Action.TAKEDOWN],
        deadline=None,
    )
    case = NoticeItem.objects.get(notice=notice).case
    assert case is not None and case.pk != first.pk and case.state == State.ISOLATED


def test_a_hash_review_after_the_case_closed_opens_a_new_case(
    acme: Organisation, analyst: Person
) -> None:
    def review() -> Case:
        return services.case_open_for_content(
            organisation=acme,
            keys=["content:post-1"],
            category="sexual_image",
            opened_at=timezone.now(),
            source="hash_match",
        )

    first = _close(review(), analyst)
    second = review()
    assert second.pk != first.pk and second.is_open
    assert review().pk == second.pk


def test_a_closed_case_does_not_reopen_beside_an_open_one(
    acme: Organisation, analyst: Person, lead: Person
) -> None:
    first = _close(make_case(acme, URL), analyst)
    second = make_case(acme, URL)
    with pytest.raises(ApplicationError) as refused:
        _move(first, lead, State.IN_REVIEW)
    assert refused.value.code == "open_case_exists" and refused.value.status == 409
    assert f"#{second.pk}" in str(refused.value.message)
    assert Case.objects.get(pk=first.pk).state == State.CLOSED
    _close(second, analyst)
    assert _move(Case.objects.get(pk=first.pk), lead, State.IN_REVIEW).is_open


def test_another_organisations_open_case_does_not_stop_a_reopening(
    acme: Organisation, bayon: Organisation, analyst: Person, lead: Person
) -> None:
    first = _close(make_case(acme, URL), analyst)
    make_case(bayon, URL)
    assert _move(first, lead, State.IN_REVIEW).is_open


def test_the_index_refuses_a_second_open_case_written_by_hand(acme: Organisation) -> None:
    """Whatever path writes cases, the database holds the rule."""
    from django.db import IntegrityError, transaction

    case = make_case(acme, URL)
    values: dict[str, Any] = {
        f.attname: getattr(case, f.attname) for f in Case._meta.concrete_fields if not f.primary_key
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.create(**values)
    Case.objects.create(**{**values, "state": State.CLOSED})  # a closed twin is allowed
