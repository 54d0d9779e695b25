from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "karpear.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from karpear.cases import receivers  # noqa: F401  (connects signal receivers)
