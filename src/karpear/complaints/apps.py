from __future__ import annotations

from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    """Complaints about content and account decisions (issue #17, items 6-9). Named `complaints`
    because the blocklist already has its own `Appeal` (splash-page appeals about list entries)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "karpear.complaints"

    def ready(self) -> None:
        from karpear.complaints.services import erase_expired_complaint_reasons
        from karpear.core.jobs import register_job

        # What account holders wrote is erased on schedule (issue #17, item 6).
        register_job(
            name="erase_expired_complaint_reasons",
            run=erase_expired_complaint_reasons,
            every=300.0,
            erasure=True,
        )
