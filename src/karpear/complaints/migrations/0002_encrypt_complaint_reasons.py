"""What account holders wrote in complaints is personal data: move it into an encrypted column
(field keys, core.crypto) and drop the clear one (issue #17, item 6)."""

from typing import Any

from django.db import migrations, models


def encrypt_existing(apps: Any, schema_editor: Any) -> None:
    from karpear.core.crypto import encrypt_text

    Complaint = apps.get_model("complaints", "Complaint")
    for complaint in Complaint.objects.exclude(reason="").only("pk", "reason").iterator():
        Complaint.objects.filter(pk=complaint.pk).update(
            reason_encrypted=encrypt_text(complaint.reason)
        )


def decrypt_existing(apps: Any, schema_editor: Any) -> None:
    from karpear.core.crypto import decrypt_text

    Complaint = apps.get_model("complaints", "Complaint")
    rows = Complaint.objects.exclude(reason_encrypted="").only("pk", "reason_encrypted")
    for complaint in rows.iterator():
        Complaint.objects.filter(pk=complaint.pk).update(
            reason=decrypt_text(complaint.reason_encrypted)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0001_complaints"),
    ]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="reason_encrypted",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="complaint",
            name="reason_erased_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
        migrations.RemoveField(model_name="complaint", name="reason"),
    ]
