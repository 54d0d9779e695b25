"""Before the one-open-case index (0007): join open cases that share a content key.

Two first reports or notices about one link that arrived together could each open a case (the
race 0007 closes). The index cannot be built while such pairs exist, so each group of open
cases with the same organisation and group key is joined into its oldest case, the one every
later report and notice already joined: the others' reports move there and they close as its
duplicates, as the desk's bulk "join" does (cases/bulk.py), with a timeline event on each side
naming this migration. Their decisions, evidence and referrals stay on them, reachable from the
kept case's timeline. The audit log is not written here (the desk's join writes it; this is a
repair of rows a race made, recorded on the cases' timelines).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.models import Count, F, Q
from django.utils import timezone

# The public status a report shows for its case's state (cases.workflow.PUBLIC_STATUS at the
# time of writing; a migration does not import live code that may change).
PUBLIC_STATUS = {
    "received": "received",
    "in_review": "checking",
    "isolated": "checking",
    "referred": "checking",
    "confirmed_illegal": "action_taken",
    "outside_service": "to_hotline",
    "not_illegal": "checking",
    "no_action": "checking",
    "closed": "closed",
}
REASON = "Joined automatically: a second open case about the same content (migration cases 0006)."


def merge(apps: Any, schema_editor: Any) -> None:
    Case = apps.get_model("cases", "Case")
    CaseEvent = apps.get_model("cases", "CaseEvent")
    CaseReport = apps.get_model("cases", "CaseReport")
    Report = apps.get_model("reports", "Report")
    open_cases = Case.objects.filter(~Q(state="closed"))
    groups = (
        open_cases.values("organisation_id", "group_key")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by()
    )
    now = timezone.now().replace(microsecond=0)
    for group in groups:
        keeper, *others = open_cases.filter(
            organisation_id=group["organisation_id"], group_key=group["group_key"]
        ).order_by("id")
        moved_in_all = 0
        for other in others:
            moved = CaseReport.objects.filter(case=other).update(case=keeper)
            moved_in_all += moved
            CaseEvent.objects.create(
                case=other,
                kind="duplicate",
                from_state=other.state,
                to_state="closed",
                reason=REASON,
                actor=None,
                at=now,
                detail={"target": keeper.pk, "reports_moved": moved},
            )
            Case.objects.filter(pk=other.pk).update(
                state="closed",
                closed_at=now,
                duplicate_of=keeper,
                report_count=0,
                version=F("version") + 1,
            )
        CaseEvent.objects.create(
            case=keeper,
            kind="joined",
            actor=None,
            at=now,
            reason=REASON,
            detail={"cases": [c.pk for c in others]},
        )
        Case.objects.filter(pk=keeper.pk).update(
            version=F("version") + 1, report_count=F("report_count") + moved_in_all
        )
        report_ids = CaseReport.objects.filter(case=keeper).values("report_id")
        Report.objects.filter(id__in=report_ids).update(status=PUBLIC_STATUS[keeper.state])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_four_eyes_confirmation"),
        ("reports", "0003_public_status_passed_to_hotline"),
    ]

    operations = [migrations.RunPython(merge, migrations.RunPython.noop)]
