from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "karpear.evidence"
    label = "evidence"
    verbose_name = "Evidence vault"
