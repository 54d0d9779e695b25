"""An outsider's attack (atk4) on what changed last: the desk page that issues a child
service's inbox key and the regulator's submission-key page (core/show_once.py), the desk's
"send again" on a dead letter, `/api/v1/notices*` with a service's inbox key, and
orgs/selectors.py `public_url`. Each test states what a user relies on and failed on the code
as it was found, or guards a property the attack could not break."""

from __future__ import annotations

import base64
import re
import zlib
from typing import Any

from django.contrib.sessions.models import Session

from karpear.cases.referrals import referral_services
from karpear.orgs.models import Organisation
from karpear.referrals.models import ServiceInbox
from tests.cast import Person, sign_in
from tests.regulator.conftest import acme_payload, registered  # noqa: F401 - fixtures

TOKEN = re.compile(r"kp_[a-z]+_[A-Za-z0-9_-]{8,}")


def _helpline(acme: Organisation) -> int:
    return next(s.pk for s in referral_services(acme) if s.name_en == "Child Helpline Cambodia")


def _session_rows_unsigned() -> str:
    """What a copy of the sessions table says without any key: Django signs session data but
    does not encrypt it (base64 of JSON, compressed when shorter), so anyone holding the copy
    reads it."""
    texts = []
    for data in Session.objects.values_list("session_data", flat=True):
        payload = data.split(":", 1)[0]
        compressed = payload.startswith(".")
        payload = payload.lstrip(".")
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        texts.append((zlib.decompress(raw) if compressed else raw).decode("utf-8"))
    return "\n".join(texts)


# ---------------------------------------------------------------- 1. keys shown once


def test_an_inbox_key_waiting_for_its_page_is_not_in_a_copy_of_the_sessions_table(
    acme: Organisation, admin: Person
) -> None:
    """The inbox key is held in the session between the POST that issues it and the page that
    shows it; a keeper whose browser never followed the redirect (a dropped connection, a
    closed tab) left it there until the session expired, readable by anyone with a copy of
    the database (docs/operations.md, "What a copy reveals": API keys are stored hashed). A
    confirmed inbox key reads children's names and phone numbers (guidelines 2.6)."""
    client = sign_in(admin)
    answer = client.post(f"/en/desk/referral-services/{_helpline(acme)}/issue/")
    assert answer.status_code == 302 and "kp_" not in answer["Location"]
    copy = _session_rows_unsigned()
    page = client.get("/en/desk/referral-services/").content.decode()
    token = TOKEN.search(page)
    assert token is not None  # shown once, on the page the redirect leads to
    secret = token.group(0).split("_", 3)[3]
    assert secret not in copy and token.group(0) not in copy
    # ... and never again: a reload shows the prefix only.
    assert token.group(0) not in client.get("/en/desk/referral-services/").content.decode()
    assert ServiceInbox.objects.get(service_id=_helpline(acme)).key.prefix in page


def test_a_submission_key_waiting_for_its_page_is_not_in_a_copy_of_the_sessions_table(
    head: Person,
    registered: Any,  # noqa: F811 - the fixture imported above
) -> None:
    """The same for the company's submission key at the regulator."""
    client = sign_in(head)
    page_url = f"/en/desk/regulator/companies/{registered.pk}/"
    answer = client.post(f"{page_url}token/")
    assert answer.status_code == 302 and "kp_" not in answer["Location"]
    copy = _session_rows_unsigned()
    token = TOKEN.search(client.get(page_url).content.decode())
    assert token is not None
    assert token.group(0).split("_", 3)[3] not in copy
    assert token.group(0) not in client.get(page_url).content.decode()
