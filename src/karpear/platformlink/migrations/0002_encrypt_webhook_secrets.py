"""Webhook signing secrets encrypted at rest with the field keys (issue #15, item 11).

1. Widen both columns to text (a Fernet token is longer than 100 characters).
2. Encrypt the stored values while the field is still a plain text field, so
   the historical model reads and writes them as they are.
3. Switch to EncryptedTextField (no change in the database).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

import karpear.core.fields
from karpear.core.crypto import decrypt_text, encrypt_text


def _convert(apps: Any, change: Any) -> None:
    link_model = apps.get_model("platformlink", "PlatformLink")
    for link in link_model.objects.only("pk", "secret", "previous_secret"):
        link_model.objects.filter(pk=link.pk).update(
            secret=change(link.secret) if link.secret else "",
            previous_secret=change(link.previous_secret) if link.previous_secret else "",
        )


def encrypt_secrets(apps: Any, schema_editor: Any) -> None:
    _convert(apps, encrypt_text)


def decrypt_secrets(apps: Any, schema_editor: Any) -> None:
    _convert(apps, decrypt_text)


class Migration(migrations.Migration):
    dependencies = [
        ("platformlink", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="platformlink", name="secret", field=models.TextField()
        ),
        migrations.AlterField(
            model_name="platformlink", name="previous_secret", field=models.TextField(blank=True)
        ),
        migrations.RunPython(encrypt_secrets, decrypt_secrets),
        migrations.AlterField(
            model_name="platformlink",
            name="previous_secret",
            field=karpear.core.fields.EncryptedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name="platformlink",
            name="secret",
            field=karpear.core.fields.EncryptedTextField(),
        ),
    ]
