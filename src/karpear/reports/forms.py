"""The report form: the one set of rules for the portal and the in-app API.

The JSON API builds this same form from its payload, so a rule and its
message live in one place (guidelines 2.6: URL or link, nature of the
material, date and time, optional contact, anonymous allowed).
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from karpear.reports.models import Category
from karpear.reports.rules import (
    BAD_EMAIL,
    MAX_LENGTHS,
    TOO_LONG,
    UNREADABLE,
    ContactData,
    LinkData,
    ReportData,
    clean_text,
    cross_check,
    links_check,
    phone_check,
    seen_on_check,
)

# Who is reporting (issue #22, item 3): the start page's four answers, which set the wording
# (CNCC Appendix 1 age bands) and, unless the reporter says otherwise, whether she is a child.
WHO_CHOICES = [
    ("child", _("I am under 13")),
    ("teen", _("I am 13 to 17")),
    ("parent", _("I am a parent or carer")),
    ("adult", _("I am an adult who saw something")),
]
WHO_IS_CHILD = {"child": True, "teen": True, "parent": False, "adult": False}


class ReportForm(forms.Form):
    links = forms.CharField(
        # Short, so the whole minimum report fits a phone's first screen (issue #22, item 1);
        # several links, one a line, are still taken.
        label=_("Paste the link here"),
        required=False,
        max_length=MAX_LENGTHS["links"],
        widget=forms.Textarea(
            attrs={
                "rows": 1,
                "inputmode": "url",
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "none",
            }
        ),
    )
    app_name = forms.CharField(
        label=_("App or website name"),
        required=False,
        max_length=MAX_LENGTHS["app_name"],
        help_text=_("Only if you have no link. For example: Facebook, Telegram, TikTok."),
    )
    account_name = forms.CharField(
        label=_("Username, page or group name"),
        required=False,
        max_length=MAX_LENGTHS["account_name"],
    )
    category = forms.ChoiceField(
        label=_("What did you see?"),
        choices=Category.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose what you saw."),
            "invalid_choice": _("Please choose what you saw."),
        },
    )
    seen_on = forms.DateField(
        label=_("When did you see it?"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": _("Please write the date like 2026-01-31.")},
    )
    seen_at_time = forms.TimeField(
        label=_("About what time? (if you know)"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": _("Please write the time like 14:30.")},
    )
    seen_approximate = forms.BooleanField(
        label=_("I am not sure of the exact day or time"), required=False
    )
    description = forms.CharField(
        label=_("Tell us more (if you want)"),
        required=False,
        max_length=MAX_LENGTHS["description"],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Do not write your password or anyone's home address."),
    )
    age = forms.ChoiceField(
        label=_("How old are you?"),
        required=False,
        choices=[
            ("", _("I'd rather not say")),
            ("child", _("I am under 18")),
            ("adult", _("I am 18 or older")),
        ],
        widget=forms.RadioSelect,
    )
    contact_choice = forms.ChoiceField(
        label=_("Can we contact you?"),
        choices=[
            ("anonymous", _("No, I want to stay anonymous")),
            ("contact", _("Yes, you may contact me")),
        ],
        initial="anonymous",
        required=False,
        widget=forms.RadioSelect,
    )
    contact_name = forms.CharField(
        label=_("Your name"), required=False, max_length=MAX_LENGTHS["contact_name"]
    )
    contact_phone = forms.CharField(
        label=_("Phone number"),
        required=False,
        max_length=MAX_LENGTHS["contact_phone"],
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    contact_email = forms.EmailField(
        label=_("Email"),
        required=False,
        max_length=MAX_LENGTHS["contact_email"],
        error_messages={"invalid": BAD_EMAIL},
    )
    # The start page's answer, carried through the form (not a question on it).
    who = forms.CharField(required=False, widget=forms.HiddenInput)
    # Honeypot: hidden from people (CSS and aria-hidden), filled by bots.
    website = forms.CharField(required=False, max_length=200, label=_("Leave this empty"))
    # One-time token so a double tap or a reload gives the same receipt.
    submission = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for form_field in self.fields.values():
            for validator in form_field.validators:
                if isinstance(validator, ProhibitNullCharactersValidator):
                    validator.message = UNREADABLE
            if getattr(form_field, "max_length", None):
                form_field.error_messages["max_length"] = TOO_LONG
        if not self.is_bound:
            # No default date (issue #16, item 4): a report that skips the question must say
            # "not given", not "seen today".
            self.initial.setdefault("submission", secrets.token_urlsafe(24))

    def _clean_line(self, name: str) -> str:
        return clean_text(self.cleaned_data.get(name) or "")

    def clean_app_name(self) -> str:
        return self._clean_line("app_name")

    def clean_account_name(self) -> str:
        return self._clean_line("account_name")

    def clean_contact_name(self) -> str:
        return self._clean_line("contact_name")

    def clean_who(self) -> str:
        """An unknown answer is no answer: the form is still the form, only worded generally."""
        who = str(self.cleaned_data.get("who") or "")
        return who if who in WHO_IS_CHILD else ""

    def clean_submission(self) -> str:
        return self._clean_line("submission")

    def clean_description(self) -> str:
        return clean_text(self.cleaned_data.get("description") or "", multiline=True)

    # The rules live in reports/rules.py, which the API calls too (issue #24, u2).
    def clean_contact_phone(self) -> str:
        return phone_check(self.cleaned_data.get("contact_phone") or "")

    def clean_links(self) -> list[LinkData]:
        return links_check(self.cleaned_data.get("links") or "")

    def clean_seen_on(self) -> date | None:
        return seen_on_check(self.cleaned_data.get("seen_on"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("website"):
            raise ValidationError(_("Please leave the last box empty."), code="honeypot")
        for name, error in cross_check(data, set(self.errors)):
            self.add_error(name, error)
        return data

    def to_data(self) -> ReportData:
        data = self.cleaned_data
        items = list(data["links"])
        if not items:
            items = [LinkData(app_name=data["app_name"], account_name=data["account_name"])]
        contact = None
        if data.get("contact_choice") == "contact":
            contact = ContactData(
                name=data["contact_name"], phone=data["contact_phone"], email=data["contact_email"]
            )
        return ReportData(
            items=items,
            category=data["category"],
            seen_on=data.get("seen_on"),
            seen_at_time=data.get("seen_at_time"),
            seen_approximate=bool(data.get("seen_approximate")),
            description=data.get("description", ""),
            reporter_is_child={"child": True, "adult": False}.get(
                data.get("age") or "", WHO_IS_CHILD.get(data.get("who") or "")
            ),
            contact=contact,
        )
