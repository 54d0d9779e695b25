"""The report's figures, computed from the records for a period (issue #9, point 1).

Every number comes from an aggregate query in the app that owns the records (their public
selectors), so the report and the desk never disagree. Periods are calendar dates in
Asia/Phnom_Penh: a year runs from 1 January 00:00 ICT to 1 January 00:00 ICT of the next.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings

from karpear.blocklist.services import list_changes
from karpear.cases.selectors import period_cases, response_times
from karpear.complaints.selectors import period_complaints
from karpear.compliance.services import latest_signed_summary
from karpear.concerns.selectors import concern_figures
from karpear.core.dates import day_start
from karpear.education.selectors import period_education
from karpear.evidence.services import evidence_period_counts
from karpear.hashes.selectors import bank_summary, period_matches
from karpear.notices.selectors import period_notices
from karpear.orgs.models import Organisation
from karpear.referrals.selectors import period_referrals
from karpear.reports.selectors import period_reports


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, end+1 00:00) in the deployment's time zone (Asia/Phnom_Penh)."""
    return day_start(start), day_start(end + timedelta(days=1))


def compute(organisation: Organisation, start: date, end: date) -> dict[str, Any]:
    since, until = period_bounds(start, end)
    return {
        "period": {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "timezone": settings.TIME_ZONE,
        },
        "reports": period_reports(organisation, since, until),
        "notices": period_notices(organisation, since, until),
        "hash_matches": period_matches(organisation, since, until)
        if bank_summary(organisation)
        else {"status": "not_configured"},
        **period_cases(organisation, since, until),
        "response_times": {
            dim: response_times(organisation, since, until, dim)
            for dim in ("all", "channel", "category")
        },
        "blocklist": list_changes(organisation, since, until),
        "evidence": evidence_period_counts(organisation.pk, since, until),
        # Referral reports delivered and acknowledged (issue #17, item 8).
        "referral_deliveries": period_referrals(organisation=organisation, start=since, end=until),
        "self_assessment": latest_signed_summary(organisation, before=until),
        # Complaints about decisions (issue #17, item 8).
        "complaints": period_complaints(organisation, since, until),
        # Swipe Safe education and its measured effect (issue #19, item 6; guidelines 2.4, 3).
        "education": period_education(organisation, since, until),
        # Safeguarding concerns raised in confidence (issue #21, item 6; guidelines 2.2).
        "concerns": concern_figures(organisation, since, until),
    }
