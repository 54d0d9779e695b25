"""Withheld-field reasons were stored in the language of the desk that sent the referral; store
the untranslated message instead, so every reader sees them in their own language (issue #17,
item 7). A reason that matches no known message (none should) is left as it is."""

from typing import Any

from django.db import migrations


def untranslate(apps: Any, schema_editor: Any) -> None:
    from django.utils import translation

    from karpear.referrals.report import WITHHELD_REASONS

    known: dict[str, str] = {}
    for language in ("km", "en"):
        with translation.override(language):
            known.update({translation.gettext(m): m for m in WITHHELD_REASONS})
    Referral = apps.get_model("referrals", "Referral")
    for referral in Referral.objects.exclude(withheld=[]).only("pk", "withheld").iterator():
        withheld = [
            {**w, "reason": known.get(w.get("reason", ""), w.get("reason", ""))}
            for w in referral.withheld
        ]
        if withheld != referral.withheld:
            Referral.objects.filter(pk=referral.pk).update(withheld=withheld)


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0003_child_referral_proposal"),
    ]

    operations = [migrations.RunPython(untranslate, migrations.RunPython.noop)]
