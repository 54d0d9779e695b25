"""Preservation on every content decision (guidelines 2.6, box on agency roles: "preserve the
material along with any user data"; issue #16, item 1).

Isolating or removing the company's own content asks the platform, once per case, to upload the
content and its user data to the vault (`content.preserve`); the vault tells the case when the
first item arrives. Neither changes the case's version: they are background facts, not edits an
analyst could overwrite.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from karpear.cases.models import Case, CaseEvent
from karpear.platformlink.services import event_enqueue


@transaction.atomic(savepoint=False)
def preservation_request(*, case: Case, content: dict[str, list[str]], reason: str) -> bool:
    """Queue `content.preserve` unless the case's content was already asked for or preserved.

    The conditional UPDATE claims the request, so two decisions at once send it once.
    """
    now = timezone.now().replace(microsecond=0)
    claimed = Case.objects.filter(
        pk=case.pk, preserve_requested_at__isnull=True, preserved_at__isnull=True
    ).update(preserve_requested_at=now)
    if not claimed:
        return False
    case.preserve_requested_at = now
    event_enqueue(
        organisation_id=case.organisation_id,
        event_type="content.preserve",
        data={"case_id": case.pk, "content": content, "reason": reason[:200]},
        subject_type="case",
        subject_id=case.pk,
    )
    CaseEvent.objects.create(case=case, kind="preserve_requested", actor=None, at=now)
    return True


def case_lock_for_preservation(*, case_id: int, organisation_id: int) -> bool:
    """Lock the organisation's case row (FOR UPDATE) for the caller's transaction; whether the
    vault already holds content for it. `Case.DoesNotExist` when the organisation has no such
    case (another's is never locked or named). Evidence capture calls it first, before any
    audit entry: a case's row is always locked before the audit head (lock order,
    `audit.services.audit_record`), as a notice's takedown locks it, else the two could each
    wait for the other."""
    preserved = (
        Case.objects.select_for_update()
        .filter(pk=case_id, organisation_id=organisation_id)
        .values_list("preserved_at", flat=True)
        .get()
    )
    return preserved is not None


def case_lock_sql() -> str:
    """The same lock as `case_lock_for_preservation`, as SQL for a caller that builds its rows
    on it in one statement (evidence capture on PostgreSQL, issue #24): two placeholders (case
    id, organisation id); one row (id, preserved_at), or none when the organisation has no such
    case. Used as the first CTE of a data-modifying statement, so the row is locked before
    anything else the statement writes and before the audit head."""
    qn = connection.ops.quote_name
    meta = Case._meta
    return (
        f"SELECT {qn(meta.pk.column)}, {qn(meta.get_field('preserved_at').column)} "  # noqa: S608 - model names only
        f"FROM {qn(meta.db_table)} WHERE {qn(meta.pk.column)} = %s "
        f"AND {qn(meta.get_field('organisation').column)} = %s FOR UPDATE"
    )


@transaction.atomic(savepoint=False)
def case_preserved(*, case_id: int, at: datetime) -> None:
    """The vault stored content for the case (called by evidence capture, in its transaction)."""
    if Case.objects.filter(pk=case_id, preserved_at__isnull=True).update(preserved_at=at):
        CaseEvent.objects.create(
            case_id=case_id, kind="preserved", actor=None, at=at.replace(microsecond=0)
        )
