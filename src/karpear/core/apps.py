from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "karpear.core"
    label = "core"
    verbose_name = "Karpear core"
