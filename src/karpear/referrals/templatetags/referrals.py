"""`{% case_referrals case as rows %}`: the case page lists inbox referrals without the desk
view knowing this app."""

from __future__ import annotations

from django import template

from karpear.cases.models import Case, VictimReferral
from karpear.referrals.child import SHAREABLE_LABELS
from karpear.referrals.models import Referral
from karpear.referrals.selectors import referrals_for_case

register = template.Library()


@register.simple_tag
def case_referrals(case: Case) -> list[Referral]:
    return referrals_for_case(case=case)


@register.simple_tag
def child_referral_sent(victim_referral: VictimReferral) -> bool:
    return Referral.objects.filter(victim_referral=victim_referral).exists()


@register.simple_tag
def child_field_choices() -> list[tuple[str, str]]:
    return [(k, str(v)) for k, v in SHAREABLE_LABELS.items()]
