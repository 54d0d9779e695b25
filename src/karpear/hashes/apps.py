from django.apps import AppConfig


class HashesConfig(AppConfig):
    name = "karpear.hashes"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from karpear.hashes import receivers  # noqa: F401  (connects signal receivers)
