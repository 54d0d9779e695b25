from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "karpear.core"
    label = "core"
    verbose_name = "Karpear core"

    def ready(self) -> None:
        from karpear.core import otp_seeds

        # TOTP seeds are sealed at rest (issue #15, item 11; core/otp_seeds.py).
        otp_seeds.install()

        from django.core.signals import request_started

        from karpear.core.dbconnections import close_dead_connections

        # A dead persistent connection is closed before the request, without the SELECT 1
        # of CONN_HEALTH_CHECKS (issue #24; settings.DATABASES).
        request_started.connect(close_dead_connections, dispatch_uid="karpear-dead-connections")

        from django.utils import timezone

        from karpear.core.jobs import register_job
        from karpear.core.ratelimit import ended_windows, ratelimit_purge

        # Ended rate-limit windows: nothing links a client over time (issue #15, item 16).
        register_job(
            name="purge_rate_limit_windows",
            run=ratelimit_purge,
            every=300.0,
            depth=lambda: ended_windows(now=timezone.now()),
            erasure=True,  # nothing links a client over time, after a restore either
        )
