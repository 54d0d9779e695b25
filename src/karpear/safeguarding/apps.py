from __future__ import annotations

from django.apps import AppConfig


class SafeguardingConfig(AppConfig):
    """Safeguarding inside the company (guidelines 2.2; checklist items 3, 7, 8; issue #21): the
    staff directory, the designated officer and deputy, the policy and code of conduct with
    everyone's acknowledgement, and training records. Concerns live in `karpear.concerns`."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "karpear.safeguarding"

    def ready(self) -> None:
        from karpear.core.jobs import register_job
        from karpear.safeguarding.directory import erase_departed
        from karpear.safeguarding.documents import remind_due

        # Acknowledgement links for newcomers and reminders; erasure of leavers' personal data
        # after their retention (issue #21).
        register_job(name="safeguarding_reminders", run=remind_due, every=3600.0)
        register_job(name="erase_departed_staff", run=erase_departed, every=3600.0, erasure=True)
