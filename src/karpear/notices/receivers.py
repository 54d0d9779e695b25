"""Mark notice items confirmed when the platform confirms their takedown webhook."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from karpear.notices.models import NoticeItem
from karpear.platformlink.models import WebhookEvent
from karpear.platformlink.signals import webhook_delivered


@receiver(webhook_delivered, sender=WebhookEvent)
def _confirm_items(sender: type[WebhookEvent], event: WebhookEvent, **kwargs: Any) -> None:
    if event.subject_type == "decision" and event.subject_id:
        NoticeItem.objects.filter(
            decision_id=event.subject_id, platform_confirmed_at__isnull=True
        ).update(platform_confirmed_at=event.delivered_at)
