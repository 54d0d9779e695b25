from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "karpear.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from django.utils import timezone

        from karpear.cases import receivers  # noqa: F401  (connects signal receivers)
        from karpear.cases.health import contacts_due_for_erasure
        from karpear.cases.models import State
        from karpear.cases.outcomes import report_outcome
        from karpear.cases.services import erase_expired_contacts
        from karpear.core.jobs import register_job
        from karpear.core.labels import register_labels
        from karpear.reports.models import Category, Channel
        from karpear.reports.outcomes import register_outcome_reader

        # The status page's plain reason comes from the cases (reports do not import cases).
        register_outcome_reader(report_outcome)

        from karpear.cases.reportwrite import report_and_case_write
        from karpear.reports.signals import register_report_writer

        # A report and its case in one statement on PostgreSQL (issue #24).
        register_report_writer(report_and_case_write)

        # The desk's {{ code|label:"state" }} filter lives in core (core/labels.py).
        register_labels("state", State)
        register_labels("category", Category)
        register_labels("channel", Channel)

        # The worker runs what apps register (core/jobs.py, issue #23 item 7).
        register_job(
            name="erase_expired_contacts",
            run=erase_expired_contacts,
            every=60.0,
            depth=lambda: contacts_due_for_erasure(now=timezone.now()),
            erasure=True,
        )
