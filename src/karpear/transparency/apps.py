from django.apps import AppConfig


class TransparencyConfig(AppConfig):
    name = "karpear.transparency"
    default_auto_field = "django.db.models.BigAutoField"
