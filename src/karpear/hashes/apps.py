from django.apps import AppConfig


class HashesConfig(AppConfig):
    name = "karpear.hashes"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings

        from karpear.core.jobs import register_job
        from karpear.hashes import receivers  # noqa: F401  (connects signal receivers)
        from karpear.hashes.warm import keep_warm

        # Issue #24: keep the memory-mapped PDQ snapshots in the page cache (see hashes/warm.py).
        register_job(
            name="hash_index_keep_warm",
            run=keep_warm,
            every=lambda: float(settings.KARPEAR_HASH_INDEX_TOUCH_EVERY),
        )
