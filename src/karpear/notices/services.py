"""Receiving a notice and acting on it at once; the issuer's view of its state."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.apikeys.models import ApiKey
from karpear.audit.services import audit_record
from karpear.cases.services import case_open_for_content, case_takedown_by_notice
from karpear.core.errors import ApplicationError, NotFound
from karpear.core.filecrypt import store_encrypted
from karpear.links.canonical import canonical_string
from karpear.notices.models import Action, Issuer, IssuerKind, ItemStatus, Notice, NoticeItem
from karpear.orgs.models import Organisation
from karpear.platformlink.services import is_hosted

DEFAULT_ISSUERS = [
    ("Anti-Cybercrime Unit", IssuerKind.ACU),
    ("Internet Hotline Cambodia (APLE)", IssuerKind.HOTLINE),
]


def issuers(organisation: Organisation) -> list[Issuer]:
    """The registry, with the guidelines' two issuers present by default."""
    for name, kind in DEFAULT_ISSUERS:
        Issuer.objects.get_or_create(organisation=organisation, name=name, defaults={"kind": kind})
    return list(Issuer.objects.filter(organisation=organisation).order_by("name"))


def issuer_for_key(key: ApiKey) -> Issuer:
    """The issuer an `issuer` key speaks for: matched by name, registered if new."""
    issuer = Issuer.objects.filter(
        organisation=key.organisation, name__iexact=key.name.strip()
    ).first()
    if issuer is None:
        issuers(key.organisation)  # seed the defaults once, then look again
        issuer = Issuer.objects.filter(
            organisation=key.organisation, name__iexact=key.name.strip()
        ).first()
    if issuer is None:
        issuer = Issuer.objects.create(
            organisation=key.organisation, name=key.name.strip(), kind=IssuerKind.OTHER
        )
    if not issuer.active:
        raise ApplicationError(_("This issuer is not active."), code="forbidden", status=403)
    return issuer


@dataclass(frozen=True)
class ItemIn:
    url: str = ""
    platform_content_id: str = ""
    user_id: str = ""


def _group_keys(item: ItemIn, normalised: str) -> list[str]:
    keys = []
    if item.platform_content_id:
        keys.append(f"content:{item.platform_content_id}")
    if normalised:
        keys.append("url:" + hashlib.sha256(normalised.encode("utf-8")).hexdigest())
    return keys


def notice_receive(
    *,
    issuer: Issuer,
    issuer_reference: str,
    legal_basis: str,
    items: list[ItemIn],
    actions: list[Action],
    deadline: datetime | None,
    channel: str = "api",
    scan: tuple[str, bytes] | None = None,
    entered_by: Any = None,
) -> tuple[Notice, bool]:
    """Store a notice and act on every item in one transaction; (notice, created).

    1. The same issuer reference again returns the first notice untouched
       (idempotent: a retried request acts once).
    2. Each item on this company's service (a platform content ID, or a link
       to a hosted domain) is joined to a case at the top of the queue and
       isolated at once, with a preserve request when asked; other items are
       answered "not hosted here". The acknowledgement is returned only after
       COMMIT, and the webhooks that carry out the takedown are in the same
       commit (outbox), so an acknowledged notice is always acted on.
    3. A notice entered on the desk keeps its scanned letter, encrypted.
    """
    existing = Notice.objects.filter(issuer=issuer, issuer_reference=issuer_reference).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            notice = _receive(
                issuer, issuer_reference, legal_basis, items, actions, deadline, channel
            )
            if scan is not None or entered_by is not None:
                notice.scan_name = scan[0][:200] if scan else ""
                notice.scan_file = store_encrypted("notice-scans", scan[1]) if scan else ""
                notice.entered_by = entered_by
                notice.save(update_fields=["scan_name", "scan_file", "entered_by"])
            return notice, True
    except IntegrityError:
        # The same reference raced in through a second request: answer with it.
        found = Notice.objects.filter(issuer=issuer, issuer_reference=issuer_reference).first()
        if found is None:
            raise
        return found, False


def _receive(  # noqa: PLR0917 - private, called once with every field
    issuer: Issuer,
    reference: str,
    legal_basis: str,
    items: list[ItemIn],
    actions: list[Action],
    deadline: datetime | None,
    channel: str,
) -> Notice:
    org = issuer.organisation
    now = timezone.now().replace(microsecond=0)
    notice = Notice.objects.create(
        organisation=org,
        issuer=issuer,
        issuer_reference=reference,
        legal_basis=legal_basis,
        actions=[str(a) for a in actions],
        deadline=deadline,
        channel=channel,
        received_at=now,
    )
    label = f"{issuer.name} notice {reference}"
    rows = []
    for position, item in enumerate(items):
        normalised = canonical_string(item.url) if item.url else ""
        hosted = bool(item.platform_content_id) or is_hosted(organisation=org, url=item.url)
        row = NoticeItem(
            notice=notice,
            position=position,
            url=item.url,
            normalised_url=normalised,
            platform_content_id=item.platform_content_id,
            user_id=item.user_id,
            status=ItemStatus.NOT_HOSTED,
        )
        if hosted and Action.TAKEDOWN in actions:
            case = case_open_for_content(
                organisation=org,
                keys=_group_keys(item, normalised),
                category="sexual_image",
                opened_at=now,
                source="notice",
                priority=1,
                detail={"notice": notice.pk},
            )
            content = {
                "platform_content_ids": [item.platform_content_id]
                if item.platform_content_id
                else [],
                "urls": [item.url] if item.url else [],
                "user_ids": [item.user_id] if item.user_id else [],
            }
            decision = case_takedown_by_notice(
                case=case,
                legal_basis=legal_basis,
                notice_label=label,
                content=content,
                preserve=Action.PRESERVE in actions,
            )
            row.status, row.case, row.decision_id, row.acted_at = (
                ItemStatus.ISOLATED,
                case,
                decision.pk,
                now,
            )
        rows.append(row)
    NoticeItem.objects.bulk_create(rows)
    if any(r.status == ItemStatus.ISOLATED for r in rows):
        Notice.objects.filter(pk=notice.pk).update(acted_at=now)
        notice.acted_at = now
    audit_record(
        action="notice_received",
        organisation=org,
        actor_label=issuer.name,
        object_type="notice",
        object_id=notice.pk,
        detail={
            "reference": reference,
            "items": len(rows),
            "isolated": sum(r.status == ItemStatus.ISOLATED for r in rows),
        },
    )
    return notice


def access_notice(*, issuer: Issuer, notice_id: int) -> Notice:
    """A notice as its own issuer may see it; any other is "not found"."""
    notice = Notice.objects.filter(pk=notice_id, issuer=issuer).first()
    if notice is None:
        raise NotFound(_("There is no such notice."))
    return notice
