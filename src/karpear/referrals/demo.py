"""The demo's reference recipients (examples/reference_recipient): an ACU issuer key, and the
Child Helpline's key, bound to the helpline's directory entry by two demo people."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from karpear.apikeys.models import ApiKey, Scope
from karpear.apikeys.services import apikey_check, apikey_create
from karpear.cases.referrals import DEFAULT_REFERRAL_SERVICES, referral_services
from karpear.core.demo import DemoContext, register_demo
from karpear.core.errors import ApplicationError
from karpear.notices.services import DEFAULT_ISSUERS
from karpear.orgs.models import Organisation
from karpear.referrals.inboxes import inbox_binding, inbox_confirm, inbox_issue
from karpear.staff.models import StaffMember

HELPLINE_KEY_FILE = "reference-helpline.karpear-key"


def demo_recipient_key(org: Organisation) -> None:
    """Write var/reference-recipient.karpear-key: an `issuer` key named as the ACU, so the
    recipient started by `make run` reads the ACU's referral inbox."""
    path = settings.DATA_DIR / "reference-recipient.karpear-key"
    if _valid_key(path, org, Scope.ISSUER) is None:
        _key, token = apikey_create(
            organisation=org, scope=Scope.ISSUER, name=DEFAULT_ISSUERS[0][0]
        )
        _write(path, token)


def demo_helpline_key(org: Organisation) -> None:
    """Write var/reference-helpline.karpear-key, the Child Helpline's key, issued for its
    directory entry by the demo lead and confirmed by the demo administrator (a child's
    referral goes only to a service's bound inbox), so a second recipient plays the helpline."""
    path = settings.DATA_DIR / HELPLINE_KEY_FILE
    helpline = next(
        s for s in referral_services(org) if s.name_en == DEFAULT_REFERRAL_SERVICES[0]["name_en"]
    )
    binding = inbox_binding(helpline)
    key = _valid_key(path, org, Scope.SERVICE)
    if binding is not None and key is not None and binding.key_id == key.pk:
        return
    lead, admin = (
        StaffMember.objects.filter(organisation=org, user__username=name).first()
        for name in ("lead", "admin")
    )
    if lead is None or admin is None:  # an older demo without them: the helpline stays unbound
        return
    _binding, token = inbox_issue(member=lead, service_id=helpline.pk)
    inbox_confirm(member=admin, service_id=helpline.pk)
    _write(path, token)


def _valid_key(path: Path, org: Organisation, scope: Scope) -> ApiKey | None:
    if not path.exists():
        return None
    try:
        key = apikey_check(path.read_text().strip(), frozenset({scope}))
    except ApplicationError:
        return None  # left from an older database: make a new one
    return key if key.organisation_id == org.pk else None


def _write(path: Path, token: str) -> None:
    path.write_text(token)
    path.chmod(0o600)


def _demo_step(context: DemoContext) -> None:
    demo_recipient_key(context.organisation)  # the reference recipient (issue #17, item 4)


def _helpline_step(context: DemoContext) -> None:
    demo_helpline_key(context.organisation)


# `karpear demo` runs what the apps register (core/demo.py, issue #23 item 7).
register_demo(name="reference_recipient", order=21, run=_demo_step)
# After the staff (60): the helpline's key is bound by the demo lead and administrator.
register_demo(name="reference_helpline", order=62, run=_helpline_step)
