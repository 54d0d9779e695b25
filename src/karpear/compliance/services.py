"""The compliance workflow's public module: start an assessment, answer items, attach evidence,
sign off, build the package for the MPTC, remind.

One function per state change; the desk, the command line and the tests all call these. The work
is split by sub-capability (issue #20): `common` (writer check, draft lock, outcomes),
`assessments` (starting, products), `answers` (answers and evidence files), `overview` (the view
of an assessment), `packages` (sign-off and the signed package), `reminders`, and `policies`
(drafted and adopted policy documents). Other apps import from here only.
"""

from __future__ import annotations

from karpear.compliance.answers import (
    PARSERS,
    AnswerInput,
    answer_history,
    answer_save,
    file_attach,
    get_file,
)
from karpear.compliance.assessments import (
    applies,
    assessment_list,
    assessment_start,
    product_add,
    products,
)
from karpear.compliance.common import (
    COP_CHOICES,
    FILE_TYPES,
    MAX_FILE_BYTES,
    MAX_TEXT,
    OUTCOMES,
    Frozen,
    current_answers,
    get_assessment,
    outcome,
    risk_level,
)
from karpear.compliance.overview import Area, Overview, Row, framework_title, item_row, overview
from karpear.compliance.packages import (
    assessment_sign_off,
    latest_signed_summary,
    package,
    package_signed,
    signing_context,
)
from karpear.compliance.policies import adopted_policies
from karpear.compliance.reminders import Reminder, reminders

__all__ = [
    "COP_CHOICES",
    "FILE_TYPES",
    "MAX_FILE_BYTES",
    "MAX_TEXT",
    "OUTCOMES",
    "PARSERS",
    "AnswerInput",
    "Area",
    "Frozen",
    "Overview",
    "Reminder",
    "Row",
    "adopted_policies",
    "answer_history",
    "answer_save",
    "applies",
    "assessment_list",
    "assessment_sign_off",
    "assessment_start",
    "current_answers",
    "file_attach",
    "framework_title",
    "get_assessment",
    "get_file",
    "item_row",
    "latest_signed_summary",
    "outcome",
    "overview",
    "package",
    "package_signed",
    "product_add",
    "products",
    "reminders",
    "risk_level",
    "signing_context",
]
