"""Re-applying contact erasures after a restore from backup (issue #23, item 4)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from karpear.audit.services import audit_record
from karpear.cases.models import Case, CaseReport
from karpear.reports.services import report_erase_contacts


def erase_contacts_again(*, cases: list[tuple[int, datetime]]) -> list[int]:
    """Erase again the reporters' contacts of cases a record says were erased after the backup.

    `cases` are (id, opened_at) pairs from the erasure journal; a case is touched only if both
    match, so an id reused after an earlier restore never loses another case's contacts.
    """
    done = []
    for case_id, opened_at in cases:
        with transaction.atomic():
            case = Case.objects.select_for_update().filter(pk=case_id).first()
            if case is None or case.opened_at != opened_at or case.contacts_erased_at:
                continue
            report_ids = list(
                CaseReport.objects.filter(case_id=case_id).values_list("report_id", flat=True)
            )
            erased = report_erase_contacts(report_ids=report_ids)
            Case.objects.filter(pk=case_id).update(contacts_erased_at=timezone.now())
            audit_record(
                action="contacts_erased",
                organisation=None,
                actor_label="restore",
                object_type="case",
                object_id=case_id,
                detail={"reports": len(report_ids), "erased": erased, "reapplied": True},
            )
            done.append(case_id)
    return done
