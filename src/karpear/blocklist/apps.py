from django.apps import AppConfig


class BlocklistConfig(AppConfig):
    name = "karpear.blocklist"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from karpear.blocklist.health import appeals_to_forward
        from karpear.blocklist.services import forward_appeals
        from karpear.core.jobs import register_job

        register_job(
            name="forward_blocklist_appeals",
            run=forward_appeals,
            every=30.0,
            depth=appeals_to_forward,
        )
