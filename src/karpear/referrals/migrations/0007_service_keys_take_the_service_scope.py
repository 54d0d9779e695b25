"""Keys issued for a child-protection service's inbox take the `service` scope (they were
`issuer` keys, which also send takedown notices). A token carries its scope, so a service
holding a key issued before this migration is refused (403) until a keeper issues it a new
key on the desk's Referral services page (docs/operations.md, upgrade notes)."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    ApiKey = apps.get_model("apikeys", "ApiKey")
    ServiceInbox = apps.get_model("referrals", "ServiceInbox")
    ApiKey.objects.filter(pk__in=ServiceInbox.objects.values("key_id")).update(scope="service")


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    ApiKey = apps.get_model("apikeys", "ApiKey")
    ApiKey.objects.filter(scope="service").update(scope="issuer")


class Migration(migrations.Migration):
    dependencies = [
        ("apikeys", "0003_service_scope"),
        ("referrals", "0006_service_inbox"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
