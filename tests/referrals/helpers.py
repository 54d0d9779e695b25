"""Moving a case to a referral through the real services, and calling the inbox."""

from __future__ import annotations

import json
from typing import Any

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_create
from karpear.cases import services
from karpear.cases.models import Authority, Case, State
from karpear.orgs.models import Organisation
from tests.cast import Person
from tests.conftest import Client

ACU = "Anti-Cybercrime Unit"
HOTLINE = "Internet Hotline Cambodia (APLE)"


def key(org: Organisation, name: str = ACU) -> str:
    return apikey_create(organisation=org, scope=Scope.ISSUER, name=name)[1]


def refer(case: Case, person: Person, *authorities: Authority) -> Case:
    for to in (State.IN_REVIEW, State.REFERRED):
        case.refresh_from_db()
        case = services.case_transition(
            case=case,
            member=person.member,
            to_state=to,
            reason="checked",
            expected_version=case.version,
            referrals=[(a, "") for a in authorities or (Authority.ACU,)]
            if to == State.REFERRED
            else None,
        )
    return case


def get(client: Client, token: str, path: str) -> Any:
    return client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")


def ack(client: Client, token: str, referral_id: int | str, body: Any) -> Any:
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(
        f"/api/v1/referrals/{referral_id}/acknowledge",
        data,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def service_key(org: Organisation, name: str, issuer: Person, confirmer: Person) -> str:
    """A key issued for the directory's service `name` by one keeper, confirmed by another:
    the only way a service receives a child's referral (referrals/inboxes.py)."""
    from karpear.cases.referrals import referral_services
    from karpear.referrals.inboxes import inbox_confirm, inbox_issue

    service = next(s for s in referral_services(org) if s.name_en == name)
    _binding, token = inbox_issue(member=issuer.member, service_id=service.pk)
    inbox_confirm(member=confirmer.member, service_id=service.pk)
    return token
