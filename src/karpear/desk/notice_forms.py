"""The form for a notice that arrived by letter or e-mail (issue #4, item 3)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from karpear.links.canonical import MalformedURL, canonicalize_site
from karpear.notices.models import Action, Issuer
from karpear.notices.services import ItemIn

MAX_SCAN_BYTES = 10 * 1024 * 1024
SCAN_TYPES = {b"%PDF": "pdf", b"\xff\xd8\xff": "jpeg", b"\x89PNG": "png"}


class ManualNoticeForm(forms.Form):
    issuer = forms.ModelChoiceField(queryset=Issuer.objects.none(), label=_("Issuer"))
    issuer_reference = forms.CharField(max_length=100, label=_("Their reference"))
    legal_basis = forms.CharField(max_length=500, label=_("Legal basis"))
    items = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        label=_("Items"),
        help_text=_("One per line: a link, or the platform's content ID written as id:post:123."),
    )
    actions = forms.MultipleChoiceField(
        choices=Action.choices,
        initial=[Action.TAKEDOWN, Action.PRESERVE],
        widget=forms.CheckboxSelectMultiple,
        label=_("Requested actions"),
    )
    scan = forms.FileField(label=_("Scan of the letter or e-mail (PDF, JPEG or PNG)"))

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["issuer"].queryset = Issuer.objects.filter(  # type: ignore[attr-defined]
            organisation=organisation, active=True
        )

    def clean_items(self) -> list[ItemIn]:
        items: list[ItemIn] = []
        for raw in str(self.cleaned_data["items"]).splitlines():
            line = raw.strip()
            if not line:
                continue
            if line.startswith("id:"):
                items.append(ItemIn(platform_content_id=line[3:].strip()[:200]))
                continue
            try:
                canonicalize_site(line)
            except MalformedURL as exc:
                raise ValidationError(
                    _("This does not look like a link: %(link)s") % {"link": line[:80]}
                ) from exc
            items.append(ItemIn(url=line))
        if not 1 <= len(items) <= 1000:
            raise ValidationError(_("List between 1 and 1000 items."))
        return items

    def clean_scan(self) -> tuple[str, bytes]:
        upload = self.cleaned_data["scan"]
        if upload.size > MAX_SCAN_BYTES:
            raise ValidationError(_("The scan is larger than 10 MB."))
        data = upload.read()
        if not any(data.startswith(magic) for magic in SCAN_TYPES):
            raise ValidationError(_("The scan must be a PDF, JPEG or PNG file."))
        return str(upload.name)[:200], data
