"""Words for who may change a setting and for age-assurance levels, for the desk and the public
parental guidance alike."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

CHANGE_LABELS = {
    "locked": gettext_lazy("Locked"),
    "parent": gettext_lazy("With a parent"),
    "child": gettext_lazy("The child alone"),
}
ASSURANCE_LABELS = {
    "self-declared": gettext_lazy("Self-declared"),
    "estimated": gettext_lazy("Estimated"),
    "verified": gettext_lazy("Verified"),
    "parent-confirmed": gettext_lazy("Confirmed by a parent"),
}
