"""Template filters for the safeguarding and concern pages."""

from __future__ import annotations

from django import template

from karpear.safeguarding.models import Course
from karpear.safeguarding.officers import officer_positions
from karpear.staff.models import StaffMember

register = template.Library()


@register.filter
def course_labels(codes: list[str]) -> str:
    """Course codes as their names in the page's language."""
    labels = dict(Course.choices)
    return ", ".join(str(labels.get(c, c)) for c in codes)


@register.filter
def reads_concerns(member: StaffMember | None) -> bool:
    """Whether the desk shows this person the concerns link (the officer and deputy only)."""
    return member is not None and bool(officer_positions(member))
