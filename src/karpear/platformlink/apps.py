from django.apps import AppConfig


class PlatformLinkConfig(AppConfig):
    name = "karpear.platformlink"
    label = "platformlink"
    verbose_name = "Platform link (webhooks)"
