from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "karpear.monitoring"
    label = "monitoring"
    verbose_name = "Monitoring (Prometheus metrics)"
