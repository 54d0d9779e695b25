"""Statements of reasons in the DSA Transparency Database format (issue #9, point 5).

One statement per content or account restriction, in the field names and values of the
database's API (transparency.dsa.ec.europa.eu, "API and Schema"), with Karpear's own record of
the decision beside it under "karpear" (warnings, referrals, exact times), because the format
has no field for those. A warning or a restoration restricts nothing, so it has only the Karpear
part. `problems()` checks a statement against the database's published validation rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from karpear.cases.selectors import decisions_between
from karpear.complaints.selectors import complaint_outcomes
from karpear.orgs.models import Organisation

VISIBILITY = {
    "content_isolate": "DECISION_VISIBILITY_CONTENT_DISABLED",
    "content_remove": "DECISION_VISIBILITY_CONTENT_REMOVED",
}
ACCOUNT = {
    "account_suspension": "DECISION_ACCOUNT_SUSPENDED",
    "account_ban": "DECISION_ACCOUNT_TERMINATED",
}
KEYWORD = {
    "sexual_image": "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL",
    "live_stream": "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL",
    "grooming": "KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS",
    "sextortion": "KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS",
}
CONTENT_TYPE = {
    "sexual_image": ["CONTENT_TYPE_IMAGE"],
    "live_stream": ["CONTENT_TYPE_VIDEO"],
    "grooming": ["CONTENT_TYPE_TEXT"],
    "sextortion": ["CONTENT_TYPE_TEXT"],
}
SOURCE = {
    "report": "SOURCE_ARTICLE_16",  # a notice from a member of the public
    "notice": "SOURCE_TYPE_OTHER_NOTIFICATION",  # an order from the police or the hotline
    "hash_match": "SOURCE_VOLUNTARY",  # own-initiative detection
}
FACTS = {
    "content_isolate": "The content was reported as {what} and was made unavailable to the "
    "public while it is assessed and referred to the Cambodian authorities.",
    "content_remove": "The content was reported as {what}. After review it was removed "
    "permanently; it was preserved as evidence for the authorities.",
    "account_suspension": "The account shared or requested content reported as {what}. It is "
    "suspended until the stated end date.",
    "account_ban": "The account shared or requested content reported as {what}. It is closed "
    "permanently.",
}
WHAT = {
    "sexual_image": "sexual images or videos of a child",
    "live_stream": "live-streamed sexual abuse of a child",
    "grooming": "an adult seeking sexual contact with a child",
    "sextortion": "threats to share sexual images",
    "other": "harm to a child",
}


def statement(
    decision: Any, referrals: list[str], complaint: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The statement for one decision: {"dsa": {...} or None, "karpear": {...}}. `complaint` is
    the outcome of a complaint about it, if any: whether it was reversed on complaint
    (issue #17, item 8; the database's format has no field for it)."""
    case = decision.case
    kind, category = decision.kind, case.category
    karpear = {
        "decision_id": decision.pk,
        "kind": kind,
        "ground": decision.ground,
        "clause": decision.clause,
        "case_id": case.pk,
        "case_source": case.source,
        "category": category,
        "decided_at": decision.decided_at.isoformat(),
        "ends_at": decision.ends_at.isoformat() if decision.ends_at else None,
        "automated": decision.decided_by_id is None,
        "referrals": referrals,
        "platform_confirmed_at": decision.platform_confirmed_at.isoformat()
        if decision.platform_confirmed_at
        else None,
        "complaint": complaint,
        "reversed_on_complaint": bool(complaint and complaint["reversed_on_complaint"]),
    }
    if kind not in VISIBILITY and kind not in ACCOUNT:
        return {"dsa": None, "karpear": karpear}
    facts = FACTS[kind].format(what=WHAT.get(category, WHAT["other"]))
    dsa: dict[str, Any] = {
        "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT"
        if decision.ground == "law"
        else "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "category": "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
        "category_specification": [KEYWORD.get(category, "KEYWORD_OTHER")],
        "content_type": CONTENT_TYPE.get(category, ["CONTENT_TYPE_OTHER"]),
        "content_date": case.opened_at.date().isoformat(),
        "application_date": decision.decided_at.date().isoformat(),
        "decision_facts": facts,
        "source_type": SOURCE.get(case.source, "SOURCE_ARTICLE_16"),
        "automated_detection": "Yes" if case.source == "hash_match" else "No",
        "automated_decision": "AUTOMATED_DECISION_FULLY"
        if decision.decided_by_id is None
        else "AUTOMATED_DECISION_NOT_AUTOMATED",
        "puid": f"karpear-{decision.organisation.slug}-decision-{decision.pk}",
    }
    if dsa["content_type"] == ["CONTENT_TYPE_OTHER"]:
        dsa["content_type_other"] = "Reported link to content of an unrecorded type"
    if kind in VISIBILITY:
        dsa["decision_visibility"] = [VISIBILITY[kind]]
    else:
        dsa["decision_account"] = ACCOUNT[kind]
        if decision.ends_at:
            dsa["end_date"] = decision.ends_at.date().isoformat()
    if decision.ground == "law":
        dsa["illegal_content_legal_ground"] = decision.clause[:500]
        dsa["illegal_content_explanation"] = facts
    else:
        dsa["incompatible_content_ground"] = decision.clause[:500]
        dsa["incompatible_content_explanation"] = facts
        dsa["incompatible_content_illegal"] = "Yes" if category in KEYWORD else "No"
    return {"dsa": dsa, "karpear": karpear}


def statements(
    organisation: Organisation, since: datetime, until: datetime
) -> Iterator[dict[str, Any]]:
    # Decisions stream in chunks (a year can hold many); complaints are read once per chunk.
    batch: list[tuple[Any, list[str]]] = []
    for row in decisions_between(organisation, since, until):
        batch.append(row)
        if len(batch) == STATEMENT_BATCH:
            yield from _with_complaints(batch)
            batch = []
    yield from _with_complaints(batch)


STATEMENT_BATCH = 2000


def _with_complaints(batch: list[tuple[Any, list[str]]]) -> Iterator[dict[str, Any]]:
    complaints = complaint_outcomes([decision.pk for decision, _referrals in batch])
    for decision, referrals in batch:
        yield statement(decision, referrals, complaints.get(decision.pk))


# --- the database's published rules (StatementStoreRequest) -------------------------------------

DECISION_VISIBILITIES = {
    "DECISION_VISIBILITY_CONTENT_REMOVED",
    "DECISION_VISIBILITY_CONTENT_DISABLED",
    "DECISION_VISIBILITY_CONTENT_DEMOTED",
    "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_LABELLED",
    "DECISION_VISIBILITY_OTHER",
}
DECISION_ACCOUNTS = {"DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED"}
DECISION_GROUNDS = {"DECISION_GROUND_ILLEGAL_CONTENT", "DECISION_GROUND_INCOMPATIBLE_CONTENT"}
CONTENT_TYPES = {
    "CONTENT_TYPE_APP",
    "CONTENT_TYPE_AUDIO",
    "CONTENT_TYPE_IMAGE",
    "CONTENT_TYPE_PRODUCT",
    "CONTENT_TYPE_SYNTHETIC_MEDIA",
    "CONTENT_TYPE_TEXT",
    "CONTENT_TYPE_VIDEO",
    "CONTENT_TYPE_OTHER",
}
SOURCE_TYPES = {
    "SOURCE_ARTICLE_16",
    "SOURCE_TRUSTED_FLAGGER",
    "SOURCE_TYPE_OTHER_NOTIFICATION",
    "SOURCE_VOLUNTARY",
}
AUTOMATED_DECISIONS = {
    "AUTOMATED_DECISION_FULLY",
    "AUTOMATED_DECISION_PARTIALLY",
    "AUTOMATED_DECISION_NOT_AUTOMATED",
}
MINORS_KEYWORDS = {
    "KEYWORD_AGE_SPECIFIC_RESTRICTIONS_MINORS",
    "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL",
    "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE",
    "KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS",
    "KEYWORD_UNSAFE_CHALLENGES",
    "KEYWORD_OTHER",
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _date(value: Any) -> date | None:
    if not isinstance(value, str) or not _DATE.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def problems(sor: dict[str, Any]) -> list[str]:  # noqa: PLR0912, PLR0915 - one check per rule
    """What the Transparency Database would refuse in this statement (empty when valid)."""
    found: list[str] = []
    decisions = (
        "decision_visibility",
        "decision_monetary",
        "decision_provision",
        "decision_account",
    )
    if not any(sor.get(name) for name in decisions):
        found.append("one of decision_visibility, _monetary, _provision, _account is required")
    visibility = sor.get("decision_visibility")
    if visibility is not None and (
        not isinstance(visibility, list) or not set(visibility) <= DECISION_VISIBILITIES
    ):
        found.append("decision_visibility: unknown value")
    if "DECISION_VISIBILITY_OTHER" in (visibility or []) and not sor.get(
        "decision_visibility_other"
    ):
        found.append("decision_visibility_other is required")
    if sor.get("decision_account") not in (None, *DECISION_ACCOUNTS):
        found.append("decision_account: unknown value")
    ground = sor.get("decision_ground")
    if ground not in DECISION_GROUNDS:
        found.append("decision_ground is required")
    if ground == "DECISION_GROUND_ILLEGAL_CONTENT":
        for name, limit in (
            ("illegal_content_legal_ground", 500),
            ("illegal_content_explanation", 2000),
        ):
            if not sor.get(name) or len(str(sor[name])) > limit:
                found.append(f"{name} is required (at most {limit} characters)")
    if ground == "DECISION_GROUND_INCOMPATIBLE_CONTENT":
        for name, limit in (
            ("incompatible_content_ground", 500),
            ("incompatible_content_explanation", 2000),
        ):
            if not sor.get(name) or len(str(sor[name])) > limit:
                found.append(f"{name} is required (at most {limit} characters)")
        if sor.get("incompatible_content_illegal") not in (None, "Yes", "No"):
            found.append("incompatible_content_illegal must be Yes or No")
    types = sor.get("content_type")
    if not isinstance(types, list) or not types or not set(types) <= CONTENT_TYPES:
        found.append("content_type is required and must use the listed values")
    elif "CONTENT_TYPE_OTHER" in types and not sor.get("content_type_other"):
        found.append("content_type_other is required")
    if sor.get("category") != "STATEMENT_CATEGORY_PROTECTION_OF_MINORS":
        found.append("category must be STATEMENT_CATEGORY_PROTECTION_OF_MINORS here")
    keywords = sor.get("category_specification", [])
    if not isinstance(keywords, list) or not set(keywords) <= MINORS_KEYWORDS:
        found.append("category_specification: keyword outside the protection of minors")
    content_date, applied = _date(sor.get("content_date")), _date(sor.get("application_date"))
    for name, day in (("content_date", content_date), ("application_date", applied)):
        if day is None or day <= date(2020, 1, 1):
            found.append(f"{name} is required as YYYY-MM-DD after 2020-01-01")
    if "end_date" in sor and sor["end_date"] is not None:
        end = _date(sor["end_date"])
        if end is None or (applied is not None and end < applied):
            found.append("end_date must be YYYY-MM-DD, on or after application_date")
    facts = sor.get("decision_facts")
    if not facts or len(str(facts)) > 5000:
        found.append("decision_facts is required (at most 5000 characters)")
    if sor.get("source_type") not in SOURCE_TYPES:
        found.append("source_type is required")
    if sor.get("automated_detection") not in ("Yes", "No"):
        found.append("automated_detection must be Yes or No")
    if sor.get("automated_decision") not in AUTOMATED_DECISIONS:
        found.append("automated_decision is required")
    puid = sor.get("puid")
    if not puid or len(str(puid)) > 500:
        found.append("puid is required (at most 500 characters)")
    return found
