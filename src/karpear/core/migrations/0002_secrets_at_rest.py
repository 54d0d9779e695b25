"""Secrets at rest (issue #15, item 11).

1. Sessions: rows written by Django's database engine are keyed by the raw
   cookie value; karpear.core.sessions keys them by a hash, so those rows
   can never be found again. Deleting them (everyone signs in once more)
   removes the raw keys from the database instead of leaving them to expire.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def forget_raw_session_keys(apps: Any, schema_editor: Any) -> None:
    apps.get_model("sessions", "Session").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forget_raw_session_keys, migrations.RunPython.noop, elidable=True),
    ]
