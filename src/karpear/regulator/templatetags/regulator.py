"""`{% regulator_panel %}`: the regulator section of a company's Compliance page (issue #20)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from karpear.compliance.services import assessment_list
from karpear.regulator import outbound

register = template.Library()


@register.inclusion_tag("desk/regulator/_company_panel.html", takes_context=True)
def regulator_panel(context: template.Context) -> dict[str, Any]:
    member = context["request"].staff
    org = member.organisation
    local = outbound.local_registration(org)
    link = outbound.regulator_link(org)
    today = timezone.localdate()
    received = outbound.received_requests(org)
    return {
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "connected": local is not None or link is not None,
        "regulator_name": local.regulator.display_name if local else (link.url if link else ""),
        "remote": local is None and link is not None,
        "signed": [a for a in assessment_list(org) if a.signed_at is not None],
        "sent": outbound.submissions_sent(org)[:5],
        "received": [(r, r.answered_at is None and r.deadline < today) for r in received],
        "can_write": member.role == "compliance",
    }
