from django.apps import AppConfig


class ApiKeysConfig(AppConfig):
    name = "karpear.apikeys"
    label = "apikeys"
    verbose_name = "API keys"
