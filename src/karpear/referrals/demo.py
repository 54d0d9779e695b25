"""The demo's reference recipient (examples/reference_recipient) gets an ACU issuer key."""

from __future__ import annotations

from django.conf import settings

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_check, apikey_create
from karpear.cases.referrals import DEFAULT_REFERRAL_SERVICES
from karpear.core.demo import DemoContext, register_demo
from karpear.core.errors import ApplicationError
from karpear.notices.services import DEFAULT_ISSUERS
from karpear.orgs.models import Organisation


def demo_recipient_key(org: Organisation) -> None:
    """Write var/reference-recipient.karpear-key: an `issuer` key named as the ACU, so the
    recipient started by `make run` reads the ACU's referral inbox; and
    var/reference-helpline.karpear-key, named as the Child Helpline in the referral directory,
    so a second recipient plays the helpline (a child's referral needs the service's inbox)."""
    _key_file(org, "reference-recipient.karpear-key", DEFAULT_ISSUERS[0][0])
    _key_file(org, "reference-helpline.karpear-key", DEFAULT_REFERRAL_SERVICES[0]["name_en"])


def _key_file(org: Organisation, name: str, issuer: str) -> None:
    path = settings.DATA_DIR / name
    if path.exists():
        try:
            key = apikey_check(path.read_text().strip(), frozenset({Scope.ISSUER}))
            if key.organisation_id == org.pk:
                return
        except ApplicationError:
            pass  # left from an older database: make a new one
    _key, token = apikey_create(organisation=org, scope=Scope.ISSUER, name=issuer)
    path.write_text(token)
    path.chmod(0o600)


def _demo_step(context: DemoContext) -> None:
    demo_recipient_key(context.organisation)  # the reference recipient (issue #17, item 4)


# `karpear demo` runs what the apps register (core/demo.py, issue #23 item 7).
register_demo(name="reference_recipient", order=21, run=_demo_step)
