from __future__ import annotations

from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    """Complaints about content and account decisions (issue #17, items 6-9). Named `complaints`
    because the blocklist already has its own `Appeal` (splash-page appeals about list entries)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "karpear.complaints"
