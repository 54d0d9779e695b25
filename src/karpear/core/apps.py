from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "karpear.core"
    label = "core"
    verbose_name = "Karpear core"

    def ready(self) -> None:
        from karpear.core import otp_seeds

        # TOTP seeds are sealed at rest (issue #15, item 11; core/otp_seeds.py).
        otp_seeds.install()
