from django.apps import AppConfig


class TakeItDownConfig(AppConfig):
    name = "karpear.takeitdown"
    label = "takeitdown"
    verbose_name = "Take it down (self-reports)"
