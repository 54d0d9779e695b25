"""The demo company's link to the reference platform (`karpear demo`, core/demo.py)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_check, apikey_create
from karpear.core.demo import DemoContext, register_demo
from karpear.core.errors import ApplicationError
from karpear.orgs.models import Organisation
from karpear.platformlink.models import PlatformLink
from karpear.platformlink.services import link_configure


def demo_platform_link(context: DemoContext) -> None:
    """Point the demo company at the reference platform (examples/reference_platform), where
    it runs now: a demo started on other ports than last time follows (issue #23, item 9)."""
    org = context.organisation
    webhook_url = context.platform_url + "/webhooks/karpear"
    link = PlatformLink.objects.filter(organisation=org).first()
    if link is None or link.webhook_url != webhook_url:
        link, _secret = link_configure(
            organisation=org,
            webhook_url=webhook_url,
            hosted_domains=link.hosts() if link else ["social.example"],
        )
    path = settings.DATA_DIR / "reference-platform.secret"
    path.write_text(link.secret)
    path.chmod(0o600)
    key_path = settings.DATA_DIR / "reference-platform.karpear-key"
    if not _platform_key_works(key_path, org):  # missing, or left from an older database
        _key, token = apikey_create(
            organisation=org, scope=Scope.PLATFORM, name="Reference platform (demo)"
        )
        key_path.write_text(token)
        key_path.chmod(0o600)


def _platform_key_works(path: Path, org: Organisation) -> bool:
    if not path.exists():
        return False
    try:
        key = apikey_check(path.read_text().strip(), frozenset({Scope.PLATFORM}))
    except ApplicationError:
        return False
    return key.organisation_id == org.pk


register_demo(name="platform_link", order=20, run=demo_platform_link)
