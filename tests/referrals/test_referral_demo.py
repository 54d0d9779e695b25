"""`make run`'s reference recipient reads the demo ACU's inbox (issue #17, "Done when")."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_check
from karpear.notices.services import issuer_for_key


@pytest.mark.django_db
def test_the_demo_writes_working_acu_and_helpline_keys_for_the_reference_recipients(
    settings: Any,
) -> None:
    key_file = settings.DATA_DIR / "reference-recipient.karpear-key"
    key_file.write_text("kp_issuer_stale_0000000000000000")
    call_command("demo", "--if-empty", stdout=io.StringIO())
    key = apikey_check(key_file.read_text().strip(), frozenset({Scope.ISSUER}))
    assert key.organisation.slug == "demo" and issuer_for_key(key).kind == "acu"
    before = key_file.read_text()
    call_command("demo", "--if-empty", stdout=io.StringIO())
    assert key_file.read_text() == before
    # The helpline has an inbox too, so a child's referral can be walked by hand (make run
    # starts a second recipient with this key).
    from karpear.cases.referrals import referral_services
    from karpear.referrals.child import service_inbox

    key = apikey_check(
        (settings.DATA_DIR / "reference-helpline.karpear-key").read_text().strip(),
        frozenset({Scope.SERVICE}),
    )
    helpline = next(s for s in referral_services(key.organisation) if s.phone == "1280")
    inbox = service_inbox(helpline)
    assert inbox is not None and issuer_for_key(key) == inbox
    # Bound by two demo people, as any service's inbox must be (referrals/inboxes.py).
    from karpear.referrals.models import ServiceInbox

    binding = ServiceInbox.objects.get(key=key)
    assert binding.confirmed_by is not None
    assert (binding.bound_by.username, binding.confirmed_by.username) == ("lead", "admin")
