"""The demo's reference recipient (examples/reference_recipient) gets an ACU issuer key."""

from __future__ import annotations

from django.conf import settings

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_check, apikey_create
from karpear.core.demo import DemoContext, register_demo
from karpear.core.errors import ApplicationError
from karpear.notices.services import DEFAULT_ISSUERS
from karpear.orgs.models import Organisation


def demo_recipient_key(org: Organisation) -> None:
    """Write var/reference-recipient.karpear-key: an `issuer` key named as the ACU, so the
    recipient started by `make run` reads the ACU's referral inbox."""
    path = settings.DATA_DIR / "reference-recipient.karpear-key"
    if path.exists():
        try:
            key = apikey_check(path.read_text().strip(), frozenset({Scope.ISSUER}))
            if key.organisation_id == org.pk:
                return
        except ApplicationError:
            pass  # left from an older database: make a new one
    _key, token = apikey_create(organisation=org, scope=Scope.ISSUER, name=DEFAULT_ISSUERS[0][0])
    path.write_text(token)
    path.chmod(0o600)


def _demo_step(context: DemoContext) -> None:
    demo_recipient_key(context.organisation)  # the reference recipient (issue #17, item 4)


# `karpear demo` runs what the apps register (core/demo.py, issue #23 item 7).
register_demo(name="reference_recipient", order=21, run=_demo_step)
