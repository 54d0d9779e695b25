"""What compliance shows as live evidence of the documents (checklist items 17-21, 35)."""

from __future__ import annotations

from typing import Any

from karpear.documents.models import AUDIENCES, DocumentKind
from karpear.documents.services import latest_versions
from karpear.orgs.models import Organisation


def document_summary(organisation: Organisation) -> dict[str, dict[str, Any]]:
    """{kind: {"version", "adopted_on", "easy_read", "readable", "prohibits_csam"}} of the
    newest adopted version of each kind; version 0 where none is adopted."""
    latest = latest_versions(organisation)
    out: dict[str, dict[str, Any]] = {}
    for kind in DocumentKind.values:
        doc = latest.get(kind)
        if doc is None:
            out[kind] = {"version": 0, "adopted_on": "", "easy_read": 0, "readable": 0}
            continue
        bands = [a for a in AUDIENCES if a != "all"]
        out[kind] = {
            "version": doc.version,
            "adopted_on": doc.adopted_at.date().isoformat(),
            "easy_read": sum(1 for a in bands if all(doc.texts[a].values())),
            "readable": sum(
                1 for a in bands if all(f["meets_target"] for f in doc.readability[a].values())
            ),
        }
    return out
