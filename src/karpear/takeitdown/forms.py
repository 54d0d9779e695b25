"""The take-it-down form: hashes made in her browser, what is happening, an optional contact."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from karpear.hashes.self_report import parse_hashes
from karpear.reports.rules import clean_text
from karpear.takeitdown.models import Situation

MAX_PICTURES = 10
_NO_HASHES = _("Please choose the picture first: your phone makes the codes.")


class TakeItDownForm(forms.Form):
    # Filled by the page's script: one "pdq:HEX" or "md5:HEX" a line. Never the image.
    hashes = forms.CharField(
        widget=forms.HiddenInput,
        max_length=4000,
        error_messages={
            "required": _NO_HASHES,
            "max_length": _NO_HASHES,
            "null_characters_not_allowed": _NO_HASHES,
        },
    )
    pictures = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=1, max_value=MAX_PICTURES
    )
    situation = forms.ChoiceField(
        label=_("What is happening?"),
        choices=Situation.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose what is happening."),
            "invalid_choice": _("Please choose what is happening."),
        },
    )
    contact = forms.CharField(
        label=_("A phone number or email, if you want us to contact you"),
        required=False,
        max_length=200,
        help_text=_("Only our safety team sees it. Leave it empty to stay anonymous."),
    )
    submission = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission", secrets.token_urlsafe(24))

    def clean_hashes(self) -> list[tuple[str, str]]:
        try:
            return parse_hashes(str(self.cleaned_data.get("hashes") or "").splitlines())
        except ValueError as exc:
            raise ValidationError(_NO_HASHES, code="hashes") from exc

    def clean_pictures(self) -> int:
        return int(self.cleaned_data.get("pictures") or 1)

    def clean_contact(self) -> str:
        return clean_text(str(self.cleaned_data.get("contact") or ""))

    def clean_submission(self) -> str:
        return clean_text(str(self.cleaned_data.get("submission") or ""))
