from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "karpear.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from karpear.cases import receivers  # noqa: F401  (connects signal receivers)
        from karpear.cases.outcomes import outcome_reader
        from karpear.reports.outcomes import register_outcome_reader

        # The status page's plain reason comes from the cases (reports do not import cases).
        register_outcome_reader(outcome_reader)
