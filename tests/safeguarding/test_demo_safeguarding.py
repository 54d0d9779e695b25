"""The demo's safeguarding part (issue #21 "Done when"): twenty staff, the policy adopted, the
desk at 0 of 20; five links from the outbox acknowledged: 5 of 20; a concern for the officer."""

from __future__ import annotations

import re
from typing import Any

from django.core import mail

from karpear.concerns.models import Concern
from karpear.orgs.models import Organisation
from karpear.safeguarding.demo import _demo_safeguarding
from karpear.staff.models import Role
from tests.cast import _person, sign_in
from tests.conftest import Client

LINK = re.compile(r"http://127\.0\.0\.1:8000(/en/safeguarding/ack/[A-Za-z0-9_-]+/)")


def test_the_demo_adopts_the_policy_for_twenty_and_five_links_make_5_of_20(
    acme: Organisation, django_capture_on_commit_callbacks: Any
) -> None:
    people = {
        name: _person(acme, name, role)
        for name, role in (
            ("admin", Role.ADMIN),
            ("lead", Role.LEAD),
            ("compliance", Role.COMPLIANCE),
        )
    }
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _demo_safeguarding(acme)
    links = [m for message in mail.outbox for m in LINK.findall(str(message.body))]
    assert len(links) == 20
    desk = sign_in(people["compliance"])
    assert (
        "Version 1: 0 of 20 acknowledged."
        in desk.get("/en/desk/safeguarding/policies/").content.decode()
    )
    for link in links[:5]:
        assert Client().post(link).status_code == 200
    assert (
        "Version 1: 5 of 20 acknowledged."
        in desk.get("/en/desk/safeguarding/policies/").content.decode()
    )
    concern = Concern.objects.get(organisation=acme)
    assert sign_in(people["lead"]).get(f"/en/desk/concerns/{concern.pk}/").status_code == 200
