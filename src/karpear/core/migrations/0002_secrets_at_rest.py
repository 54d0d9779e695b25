"""Secrets at rest (issue #15, item 11).

1. Sessions: rows written by Django's database engine are keyed by the raw
   cookie value; karpear.core.sessions keys them by a hash, so those rows
   can never be found again. Deleting them (everyone signs in once more)
   removes the raw keys from the database instead of leaving them to expire.
2. TOTP seeds: django-otp stored them as hex; seal each one with the field
   keys (core/otp_seeds.py). The historical model reads the column as it is.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

from karpear.core.otp_seeds import PREFIX, open_seed, seal_seed


def forget_raw_session_keys(apps: Any, schema_editor: Any) -> None:
    apps.get_model("sessions", "Session").objects.all().delete()


def _convert_seeds(apps: Any, *, seal: bool) -> None:
    device_model = apps.get_model("otp_totp", "TOTPDevice")
    for device in device_model.objects.only("pk", "key"):
        if device.key.startswith(PREFIX) != seal:
            key = seal_seed(device.key) if seal else open_seed(device.key)
            device_model.objects.filter(pk=device.pk).update(key=key)


def seal_totp_seeds(apps: Any, schema_editor: Any) -> None:
    _convert_seeds(apps, seal=True)


def open_totp_seeds(apps: Any, schema_editor: Any) -> None:
    _convert_seeds(apps, seal=False)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("sessions", "0001_initial"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [
        migrations.RunPython(forget_raw_session_keys, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(seal_totp_seeds, open_totp_seeds),
    ]
