from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "karpear.reports"
    label = "reports"
    verbose_name = "Reports"
