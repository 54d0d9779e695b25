from __future__ import annotations

from django.apps import AppConfig


class ConcernsConfig(AppConfig):
    """The confidential concern channel (guidelines 2.2: "a confidential way for anyone to report
    a breach or a suspicion"; issue #21, items 5-7). Readable only by the safeguarding officer
    and deputy appointed in `karpear.safeguarding`."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "karpear.concerns"

    def ready(self) -> None:
        from karpear.concerns.services import erase_expired
        from karpear.core.jobs import register_job

        # Closed concerns' texts are erased after their retention (issue #21, item 5).
        register_job(name="erase_expired_concerns", run=erase_expired, every=3600.0, erasure=True)
