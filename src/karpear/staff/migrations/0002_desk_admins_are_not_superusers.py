"""Desk administrators were made Django superusers by `karpear demo`; they no longer are
(issue #15). An operator who needs the Django admin runs `karpear superuser grant NAME`."""

from typing import Any

from django.conf import settings
from django.db import migrations


def demote(apps: Any, schema_editor: Any) -> None:
    user_model = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    staff_model = apps.get_model("staff", "StaffMember")
    user_model.objects.filter(pk__in=staff_model.objects.values("user_id")).update(
        is_superuser=False, is_staff=False
    )


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(demote, migrations.RunPython.noop)]
