"""Building a list through the real services, as the list holder's commands do."""

from __future__ import annotations

from datetime import date

from karpear.blocklist.lists import parse_list
from karpear.blocklist.models import Entry, Source, SourceKind
from karpear.blocklist.services import ImportResult, blocklist_import, entry_add, source_register
from karpear.orgs.models import Organisation

DAY = date(2026, 11, 20)


def register(org: Organisation, code: str = "IWF", email: str = "appeals@iwf.test") -> Source:
    return source_register(
        organisation=org,
        code=code,
        name="Internet Watch Foundation" if code == "IWF" else f"{code} hotline",
        kind=SourceKind.DATABASE_HOLDER,
        agreement="IWF member licence 2026-0007",
        appeals_email=email,
        actor_label="test",
    )


def import_text(
    org: Organisation,
    source: Source,
    text: str,
    *,
    reference: str = "IWF-2026-11-20",
    full: bool = True,
) -> ImportResult:
    parsed = parse_list(text.encode("utf-8"), reference=reference, confirmed_on=DAY)
    return blocklist_import(
        organisation=org, source=source, parsed=parsed, actor_label="test", full=full
    )


def add_domain(org: Organisation, source: Source, domain: str, reference: str) -> Entry:
    """A whole-site entry added by hand, as for an order naming a domain."""
    return entry_add(
        organisation=org,
        source=source,
        kind="domain",
        target=domain,
        reference=reference,
        confirmed_on=DAY,
        actor_label="t",
    )
