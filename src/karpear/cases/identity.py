"""A reporter's identity and the exact reported links: shown only to the screened person
working the case (issue #15, item 3); contacts erased when no longer needed."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.cases.common import audit_case
from karpear.cases.models import (
    Case,
    CaseReport,
    State,
)
from karpear.core.errors import ApplicationError, NotFound
from karpear.reports.models import Report, ReportedItem
from karpear.reports.services import (
    report_contact,
    report_erase_contacts,
)
from karpear.staff.models import StaffMember


def case_reports(case: Case) -> list[Report]:
    ids = case.case_reports.values_list("report_id", flat=True)
    return list(Report.objects.filter(id__in=ids).prefetch_related("items").order_by("received_at"))


def screening_clear(member: StaffMember) -> bool:
    """On the personnel register with a clear screening that is in date (2.6 b)."""
    from karpear.evidence.services import personnel_cleared

    return personnel_cleared(member)


def may_see_identity(*, case: Case, member: StaffMember) -> bool:
    """Whether this member may see a reporter's contact details and the exact reported links.

    Only someone working the case (its assignee) whose screening is clear and in date
    (guidelines 2.6 b: screened personnel; PRODUCT "no one alone", privacy by default).
    """
    return case.assignee_id == member.user_id and screening_clear(member)


def require_identity_access(*, case: Case, member: StaffMember) -> None:
    if not may_see_identity(case=case, member=member):
        raise ApplicationError(
            _(
                "Only the person working this case, with a clear screening in date on the "
                "personnel register, may see the reporter's contact details or the exact link."
            ),
            code="not_working_case",
            status=403,
        )


def contact_reveal(
    *, case: Case, member: StaffMember, report_id: int, request: HttpRequest | None = None
) -> dict[str, str] | None:
    """Show a reporter's contact details: the screened assignee only, on a click, audited."""
    require_identity_access(case=case, member=member)
    report = Report.objects.filter(
        pk=report_id, id__in=case.case_reports.values("report_id")
    ).first()
    if report is None:
        raise NotFound(_("There is no such report in this case."))
    audit_case(member, "contact_reveal", case, request, report=report.reference)
    return report_contact(report)


def link_copy(
    *, case: Case, member: StaffMember, item_id: int, request: HttpRequest | None = None
) -> str:
    """The exact reported link, for a deliberate copy (audited). Never fetched."""
    require_identity_access(case=case, member=member)
    item = ReportedItem.objects.filter(
        pk=item_id, report_id__in=case.case_reports.values("report_id")
    ).first()
    if item is None:
        raise NotFound(_("There is no such link in this case."))
    audit_case(member, "link_copy", case, request, item=item.pk)
    return item.url


# ---------------------------------------------------------------- background work


def erase_expired_contacts(*, now: datetime | None = None) -> int:
    """Delete reporter contacts of cases closed longer ago than the retention period.

    Idempotent and restart-safe: the state lives in the rows (closed_at,
    contacts_erased_at), so a run killed half-way is simply finished by the next.
    """
    cutoff = (now or timezone.now()) - timedelta(days=settings.KARPEAR_CONTACT_RETENTION_DAYS)
    erased = 0
    due = Case.objects.filter(
        state=State.CLOSED, closed_at__lt=cutoff, contacts_erased_at__isnull=True
    ).values_list("id", flat=True)
    for case_id in list(due[:1000]):
        with transaction.atomic():
            report_ids = list(
                CaseReport.objects.filter(case_id=case_id).values_list("report_id", flat=True)
            )
            erased += report_erase_contacts(report_ids=report_ids)
            Case.objects.filter(pk=case_id).update(contacts_erased_at=timezone.now())
            audit_record(
                action="contacts_erased",
                organisation=None,
                actor_label="worker",
                object_type="case",
                object_id=case_id,
                detail={"reports": len(report_ids)},
            )
    return erased
