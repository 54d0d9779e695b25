"""Finding cases, open or closed (issue #16, item 10).

One query per search: every criterion given narrows the same queryset, and each is served by an
index (report reference: unique; link: the canonical form's SHA-256, indexed per organisation
on reported items and as the case's group key; content ID: the group key; dates: opened_at).
The link is canonicalised as text (links.canonical) and never fetched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet

from karpear.cases.intake import group_keys
from karpear.cases.models import Case, CaseReport, State
from karpear.core.dates import day_start
from karpear.links.canonical import MalformedURL, canonical_key, canonical_string
from karpear.orgs.models import Organisation
from karpear.reports.models import Report, ReportedItem

RESULTS = 100


@dataclass(frozen=True)
class CaseSearch:
    reference: str = ""
    link: str = ""
    content_id: str = ""
    account: str = ""
    case_ids: tuple[int, ...] = ()  # found by other apps (a hash match's cases)
    opened_from: date | None = None
    opened_to: date | None = None
    status: str = "all"  # all | open | closed

    @property
    def is_empty(self) -> bool:
        return not (
            self.reference
            or self.link
            or self.content_id
            or self.account
            or self.case_ids
            or self.opened_from
            or self.opened_to
        )


def link_key(link: str) -> str:
    """The SHA-256 of a link's canonical form, as reports and notices store it; raises
    MalformedURL with a reason a person can read."""
    return canonical_key(canonical_string(link.strip()))


def case_search(*, organisation: Organisation, search: CaseSearch) -> list[Case]:
    """Cases of one organisation matching every criterion given, newest first (at most 100)."""
    cases: QuerySet[Case] = Case.objects.filter(organisation=organisation)
    in_case = CaseReport.objects.filter(case=OuterRef("pk"))
    if search.reference:
        reference = search.reference.strip().upper()
        cases = cases.filter(
            Exists(in_case.filter(report__reference=reference, report__organisation=organisation))
        )
    if search.link:
        key = link_key(search.link)
        linked = ReportedItem.objects.filter(organisation=organisation, normalised_url_sha256=key)
        cases = cases.filter(
            Q(group_key=f"url:{key}")
            | Exists(in_case.filter(report_id__in=linked.values("report_id")))
        )
    if search.content_id:
        content_id = search.content_id.strip()
        reported = Report.objects.filter(
            organisation=organisation, platform_content_id=content_id
        ).values("pk")
        cases = cases.filter(
            Q(group_key=group_keys([f"content:{content_id}"])[0])
            | Exists(in_case.filter(report_id__in=reported))
        )
    if search.account:
        named = ReportedItem.objects.filter(
            organisation=organisation, account_name__iexact=search.account.strip()
        ).values("report_id")
        cases = cases.filter(Exists(in_case.filter(report_id__in=named)))
    if search.case_ids:
        cases = cases.filter(pk__in=search.case_ids)
    if search.opened_from:
        cases = cases.filter(opened_at__gte=day_start(search.opened_from))
    if search.opened_to:
        cases = cases.filter(opened_at__lt=day_start(search.opened_to + timedelta(days=1)))
    if search.status == "open":
        cases = cases.exclude(state=State.CLOSED)
    elif search.status == "closed":
        cases = cases.filter(state=State.CLOSED)
    return list(cases.select_related("assignee").order_by("-opened_at", "-id")[:RESULTS])


__all__ = ["RESULTS", "CaseSearch", "MalformedURL", "case_search", "link_key"]
