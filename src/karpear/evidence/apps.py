from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "karpear.evidence"
    label = "evidence"
    verbose_name = "Evidence vault"

    def ready(self) -> None:
        from karpear.evidence import jobs

        jobs.register()  # purge and integrity check (core/jobs.py, issue #23 item 7)
