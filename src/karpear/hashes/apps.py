from django.apps import AppConfig


class HashesConfig(AppConfig):
    name = "karpear.hashes"
    default_auto_field = "django.db.models.BigAutoField"
