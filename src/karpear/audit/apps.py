from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "karpear.audit"
    label = "audit"
    verbose_name = "Audit log"
