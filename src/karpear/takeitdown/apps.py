from django.apps import AppConfig


class TakeItDownConfig(AppConfig):
    name = "karpear.takeitdown"
    label = "takeitdown"
    verbose_name = "Take it down (self-reports)"

    def ready(self) -> None:
        from karpear.core.jobs import register_job
        from karpear.takeitdown.services import erase_expired_self_report_contacts

        # A child's contact on a self-report is erased like reporters' contacts (issue #22).
        register_job(
            name="erase_expired_self_report_contacts",
            run=erase_expired_self_report_contacts,
            every=3600.0,
            erasure=True,
        )
