from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "karpear.notices"
    label = "notices"
    verbose_name = "Notice and takedown"

    def ready(self) -> None:
        from karpear.notices import receivers  # noqa: F401
