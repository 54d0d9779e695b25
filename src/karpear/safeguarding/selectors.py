"""Reads of the safeguarding records for the desk, the compliance checklist (items 3, 7, 8)
and the personnel screening figure. Other apps call these, never the models."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

from karpear.orgs.models import Organisation
from karpear.safeguarding.documents import latest_documents
from karpear.safeguarding.models import Acknowledgement, Document, Employee
from karpear.safeguarding.officers import current_appointments
from karpear.safeguarding.training import training_figures


@dataclass(frozen=True)
class DepartmentCount:
    department: str
    acknowledged: int
    total: int


def acknowledgement_status(document: Document) -> tuple[int, int, list[DepartmentCount]]:
    """(acknowledged, asked, per department) for one version, counting people still at work
    (one query)."""
    rows = (
        Acknowledgement.objects.filter(
            document=document, employee__left_on__isnull=True, employee__erased_at__isnull=True
        )
        .values("employee__department")
        .annotate(total=Count("id"), done=Count("id", filter=Q(acknowledged_at__isnull=False)))
        .order_by("employee__department")
    )
    per = [DepartmentCount(r["employee__department"], r["done"], r["total"]) for r in rows]
    return sum(d.acknowledged for d in per), sum(d.total for d in per), per


def pending_people(document: Document) -> list[Employee]:
    """Who has not acknowledged this version yet (for the desk; names decrypt in Python)."""
    return list(
        Employee.objects.filter(
            acks__document=document,
            acks__acknowledged_at__isnull=True,
            left_on__isnull=True,
            erased_at__isnull=True,
        ).order_by("department", "pk")
    )


def officer_summary(organisation: Organisation) -> dict[str, Any]:
    """Checklist item 3: who is appointed, since when, with which mandate."""
    current = current_appointments(organisation)
    officer, deputy = current.get("officer"), current.get("deputy")
    return {
        "officer": officer.member.user.get_username() if officer else "",
        "officer_since": officer.appointed_on.isoformat() if officer else "",
        "officer_mandate": bool(officer and officer.mandate),
        "deputy": deputy.member.user.get_username() if deputy else "",
    }


def acknowledgement_figures(organisation: Organisation) -> dict[str, Any]:
    """Checklist items 7 and 8: the latest versions and how many staff acknowledged them."""
    figures: dict[str, Any] = {}
    for kind, doc in latest_documents(organisation).items():
        done, asked, _per = acknowledgement_status(doc)
        figures[f"{kind}_version"] = doc.version
        figures[f"{kind}_acknowledged"] = f"{done} / {asked}"
        figures[f"{kind}_ack_share"] = round(100 * done / asked) if asked else 0
    return figures


def safeguarding_figures(organisation: Organisation) -> dict[str, Any]:
    return {
        **officer_summary(organisation),
        **acknowledgement_figures(organisation),
        **training_figures(organisation),
    }
