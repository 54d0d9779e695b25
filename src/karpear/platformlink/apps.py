from django.apps import AppConfig


class PlatformLinkConfig(AppConfig):
    name = "karpear.platformlink"
    label = "platformlink"
    verbose_name = "Platform link (webhooks)"

    def ready(self) -> None:
        from django.utils import timezone

        from karpear.core.jobs import register_job
        from karpear.platformlink.health import webhooks_due
        from karpear.platformlink.services import deliver_due

        # Often: a takedown notice must reach the platform within seconds (core/jobs.py).
        register_job(
            name="deliver_webhooks",
            run=deliver_due,
            every=0.2,
            depth=lambda: webhooks_due(now=timezone.now()),
            batch=100,  # deliver_due's batch: a full one means a backlog (issue #24, item 5)
        )
