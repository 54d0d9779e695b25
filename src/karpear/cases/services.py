"""The cases app's public services: every change to a case, as one typed function that views,
API, commands and workers call. The functions live in modules by sub-capability (issue #16,
"Structure"): common (access, locking, audit), intake, transitions, decisions, referrals,
identity, classification, bulk, preservation, four_eyes and confirmation (item 14); other apps
import them from here.
"""

from __future__ import annotations

from karpear.cases.common import (
    InvalidTransition,
    StaleEdit,
    access_case,
    check_version,
)
from karpear.cases.confirmation import confirmation_answer, four_eyes_set
from karpear.cases.decisions import (
    CSAM_CATEGORIES,
    EVENT_FOR_DECISION,
    PRESERVING_DECISIONS,
    case_content,
    decision_account,
)
from karpear.cases.four_eyes import (
    FOUR_EYES_DECISIONS,
    confirmation_request,
    four_eyes_required,
    pending_decision,
)
from karpear.cases.identity import (
    case_reports,
    contact_reveal,
    erase_expired_contacts,
    link_copy,
    may_see_identity,
    require_identity_access,
    screening_clear,
)
from karpear.cases.intake import (
    case_open_for_content,
    case_open_or_join,
    sla_policy_set,
    sla_targets,
)
from karpear.cases.referrals import (
    DEFAULT_REFERRAL_SERVICES,
    referral_services,
    victim_referral_record,
)
from karpear.cases.takedown import Takedown, TakenDown, case_takedowns_by_notice
from karpear.cases.transitions import case_assign, case_note_add, case_transition

__all__ = [
    "CSAM_CATEGORIES",
    "DEFAULT_REFERRAL_SERVICES",
    "EVENT_FOR_DECISION",
    "FOUR_EYES_DECISIONS",
    "PRESERVING_DECISIONS",
    "InvalidTransition",
    "StaleEdit",
    "Takedown",
    "TakenDown",
    "access_case",
    "case_assign",
    "case_content",
    "case_note_add",
    "case_open_for_content",
    "case_open_or_join",
    "case_reports",
    "case_takedowns_by_notice",
    "case_transition",
    "check_version",
    "confirmation_answer",
    "confirmation_request",
    "contact_reveal",
    "decision_account",
    "erase_expired_contacts",
    "four_eyes_required",
    "four_eyes_set",
    "link_copy",
    "may_see_identity",
    "pending_decision",
    "referral_services",
    "require_identity_access",
    "screening_clear",
    "sla_policy_set",
    "sla_targets",
    "victim_referral_record",
]
