"""The public complaint form: the decision's code and the person's reasons."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from karpear.complaints.services import REASON_MAX


class ComplaintForm(forms.Form):
    code = forms.CharField(
        label=_("The code in our message"),
        help_text=_("For example: D42-7K3M9-QHT2X"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    reason = forms.CharField(
        label=_("Why do you think the decision is wrong?"),
        max_length=REASON_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
