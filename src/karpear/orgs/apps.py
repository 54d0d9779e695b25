from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "karpear.orgs"
    label = "orgs"
    verbose_name = "Organisations"
