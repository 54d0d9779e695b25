"""The public concern forms: raise a concern; open it again with the receipt."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from karpear.concerns.models import ConcernAbout, RaisedBy
from karpear.concerns.services import CONTACT_MAX, TEXT_MAX

_NO_HELP = {"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}


class ConcernForm(forms.Form):
    raised_by = forms.ChoiceField(
        label=_("Who are you?"), choices=RaisedBy.choices, widget=forms.RadioSelect
    )
    about = forms.ChoiceField(
        label=_("What is your concern about?"),
        choices=ConcernAbout.choices,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=_("Tell us what happened"),
        help_text=_("When and where it happened, and who was involved, if you know."),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "max_length": _("Your message is too long. Please make it shorter."),
            "required": _("Please tell us what happened."),
        },
    )
    names_officer = forms.BooleanField(
        label=_("My concern is about the safeguarding officer"),
        help_text=_("Then only the deputy safeguarding officer reads it."),
        required=False,
    )
    contact = forms.CharField(
        label=_("How can we contact you?"),
        help_text=_("Leave this empty to stay anonymous. You can still read our replies."),
        max_length=CONTACT_MAX,
        required=False,
    )


class ReceiptForm(forms.Form):
    code = forms.CharField(
        label=_("Receipt code"),
        max_length=40,
        widget=forms.TextInput(attrs=_NO_HELP),
    )
    secret = forms.CharField(
        label=_("Secret"),
        max_length=40,
        widget=forms.PasswordInput(attrs=_NO_HELP, render_value=True),
    )
