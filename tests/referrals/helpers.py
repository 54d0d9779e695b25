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
