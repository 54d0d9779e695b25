"""`{% case_referrals case as rows %}`: the case page lists inbox referrals without the desk
view knowing this app."""

from __future__ import annotations

from django import template

from karpear.cases.models import Case
from karpear.referrals.models import Referral
from karpear.referrals.selectors import referrals_for_case

register = template.Library()


@register.simple_tag
def case_referrals(case: Case) -> list[Referral]:
    return referrals_for_case(case=case)
