from django.apps import AppConfig


class BlocklistConfig(AppConfig):
    name = "karpear.blocklist"
    default_auto_field = "django.db.models.BigAutoField"
