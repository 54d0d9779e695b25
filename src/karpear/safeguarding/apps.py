from __future__ import annotations

from django.apps import AppConfig


class SafeguardingConfig(AppConfig):
    """Safeguarding inside the company (guidelines 2.2; checklist items 3, 7, 8; issue #21): the
    staff directory, the designated officer and deputy, the policy and code of conduct with
    everyone's acknowledgement, and training records. Concerns live in `karpear.concerns`."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "karpear.safeguarding"
