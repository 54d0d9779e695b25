from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "karpear.desk"
    label = "desk"
    verbose_name = "CSAM desk"
