"""Configuring the link, queueing events, and delivering them."""

from __future__ import annotations

import base64
import json
import logging
import random
import secrets
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.core.errors import ApplicationError
from karpear.links.canonical import MalformedURL, canonicalize
from karpear.orgs.models import Organisation
from karpear.platformlink.models import EventStatus, PlatformLink, WebhookEvent
from karpear.platformlink.sender import Sender
from karpear.platformlink.signals import webhook_delivered

log = logging.getLogger("karpear.webhooks")

EVENT_TYPES = frozenset(
    {
        "content.isolate",
        "content.remove",
        "content.restore",
        "content.preserve",
        "account.warn",
        "account.suspend",
        "account.ban",
        "account.notice",  # plain-language notice for the account holder (issue #9)
        "account.restore",  # a suspension, ban or warning lifted on complaint (issue #17, item 6)
    }
)


def _new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


@transaction.atomic
def link_configure(
    *, organisation: Organisation, webhook_url: str, hosted_domains: list[str]
) -> tuple[PlatformLink, str]:
    """Set where events go and which hosts are ours; returns the signing secret."""
    link = PlatformLink.objects.filter(organisation=organisation).first()
    if link is None:
        link = PlatformLink(organisation=organisation, secret=_new_secret())
    link.webhook_url = webhook_url
    link.hosted_domains = "\n".join(h.strip().lower() for h in hosted_domains if h.strip())
    link.save()
    audit_record(
        action="settings_change",
        organisation=organisation,
        actor_label="cli",
        object_type="platform_link",
        detail={"url": webhook_url, "hosted": hosted_domains},
    )
    return link, link.secret


@transaction.atomic
def link_rotate_secret(*, organisation: Organisation, overlap_hours: int = 24) -> str:
    """New secret; the old one keeps signing (a second signature) for `overlap_hours`."""
    link = PlatformLink.objects.select_for_update().get(organisation=organisation)
    link.previous_secret = link.secret
    link.previous_until = timezone.now() + timedelta(hours=overlap_hours)
    secret = _new_secret()
    link.secret = secret
    link.save(update_fields=["secret", "previous_secret", "previous_until"])
    audit_record(
        action="secret_rotate",
        organisation=organisation,
        actor_label="cli",
        object_type="platform_link",
        object_id=link.pk,
    )
    return secret


def link_isolation_categories(organisation: Organisation) -> list[str] | None:
    """The categories this organisation isolates on receipt, or None for the deployment's."""
    value = (
        PlatformLink.objects.filter(organisation=organisation)
        .values_list("isolate_on_receipt", flat=True)
        .first()
    )
    return None if value is None else [str(c) for c in value]


def link_isolation_set(*, organisation: Organisation, categories: list[str] | None) -> bool:
    """Store the categories isolated on receipt (None: the deployment's); False without a link.

    The caller checks the role and audits (cases.receipt.receipt_policy_set).
    """
    updated = PlatformLink.objects.filter(organisation=organisation).update(
        isolate_on_receipt=categories
    )
    return updated == 1


def is_hosted(*, organisation: Organisation, url: str) -> bool:
    """Whether a link points at this company's own service (by host name)."""
    link = PlatformLink.objects.filter(organisation=organisation).first()
    if link is None or not url:
        return False
    try:
        host = canonicalize(url).host
    except MalformedURL:
        return False
    return any(host == h or host.endswith("." + h) for h in link.hosts())


def event_enqueue(
    *,
    organisation_id: int,
    event_type: str,
    data: dict[str, Any],
    subject_type: str = "",
    subject_id: int | None = None,
) -> WebhookEvent:
    """Queue one event in the caller's transaction (outbox): it commits with the decision."""
    event = event_build(
        organisation_id=organisation_id,
        event_type=event_type,
        data=data,
        subject_type=subject_type,
        subject_id=subject_id,
    )
    event.save(force_insert=True)
    return event


def event_build(
    *,
    organisation_id: int,
    event_type: str,
    data: dict[str, Any],
    subject_type: str = "",
    subject_id: int | None = None,
) -> WebhookEvent:
    """An event ready to queue, not saved yet: for `events_enqueue`."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type}")
    now = timezone.now()
    case_id = data.get("case_id")
    return WebhookEvent(
        organisation_id=organisation_id,
        msg_id="msg_" + uuid.uuid4().hex,
        event_type=event_type,
        payload={"type": event_type, "timestamp": now.isoformat(), "data": data},
        subject_type=subject_type,
        subject_id=subject_id,
        order_key="" if case_id is None else f"case:{case_id}",
        created_at=now,
        next_attempt_at=now,
    )


def events_enqueue(events: list[WebhookEvent]) -> list[WebhookEvent]:
    """Queue events built by `event_build` with one INSERT, in the caller's transaction
    (outbox), in list order: events of one case are delivered in the order given (issue #24:
    a notice's preserve request and takedown in one statement)."""
    return WebhookEvent.objects.bulk_create(events)


def _claim_seconds() -> int:
    """How long a claim holds: three timeouts, after which another worker may send again."""
    return int(settings.KARPEAR_WEBHOOK_TIMEOUT) * 3


def _claim(event_id: int, now: datetime) -> bool:
    """Take one event for delivery; False when another worker holds it (a conditional UPDATE)."""
    claimed = WebhookEvent.objects.filter(
        Q(locked_until__isnull=True) | Q(locked_until__lt=now),
        pk=event_id,
        status=EventStatus.PENDING,
    ).update(locked_until=now + timedelta(seconds=_claim_seconds()))
    return claimed == 1


def _backoff(attempts: int) -> timedelta:
    base = min(settings.KARPEAR_WEBHOOK_MAX_BACKOFF, 2 ** min(attempts, 20))
    return timedelta(seconds=base * random.uniform(0.5, 1.5))  # noqa: S311 - jitter only


_RESULT_FIELDS = [
    "attempts",
    "last_status_code",
    "last_error",
    "locked_until",
    "status",
    "delivered_at",
    "next_attempt_at",
]


def _sender(link: PlatformLink) -> Sender:
    return Sender(link, timeout=settings.KARPEAR_WEBHOOK_TIMEOUT)


def _attempt(event: WebhookEvent, sender: Sender | None, moment: datetime) -> bool:
    """POST one claimed event and set its fields from the answer (not saved); True if delivered."""
    if sender is None:
        status_code, error = None, "no platform link configured"
    else:
        body = json.dumps(event.payload, ensure_ascii=False, separators=(",", ":"))
        status_code, error = sender.post(event.msg_id, body)
    event.attempts += 1
    event.last_status_code = status_code
    event.last_error = error[:300]
    event.locked_until = None
    if not error and status_code is not None and 200 <= status_code < 300:
        event.status = EventStatus.DELIVERED
        event.delivered_at = timezone.now()
        return True
    if moment - event.created_at > timedelta(hours=settings.KARPEAR_WEBHOOK_GIVE_UP_HOURS):
        event.status = EventStatus.DEAD
        log.warning("webhook %s gave up after %d attempts: %s", event.msg_id, event.attempts, error)
    else:
        event.next_attempt_at = moment + _backoff(event.attempts)
    return False


def _save_results(events: list[WebhookEvent], claim: datetime) -> list[WebhookEvent]:
    """One UPDATE for the batch's results, of the events still under this worker's `claim`;
    returns those saved.

    A platform answering slowly can hold one POST past the claim (the socket timeout counts
    each read, not the whole answer): another worker may meanwhile have claimed the event,
    delivered it and the next one for the same content. Recording the late answer over that
    would send the isolation again after the restore, so the UPDATE is conditional on the
    claim, as the release of untried events is (STYLE 8).

    On PostgreSQL it joins the rows to arrays of their new values (`unnest`): `bulk_update`
    builds a CASE per field with a branch per row, and building that expression in Python was
    the largest part of the worker's time per event in the profile (issue #24, item 5).
    """
    if connection.vendor != "postgresql":
        # (SQLite: one writer at a time, so nothing changes between this read and the write.)
        mine = set(
            WebhookEvent.objects.filter(
                pk__in=[e.pk for e in events], locked_until=claim
            ).values_list("pk", flat=True)
        )
        kept = [e for e in events if e.pk in mine]
        if kept:
            WebhookEvent.objects.bulk_update(kept, _RESULT_FIELDS)
        return kept
    table = connection.ops.quote_name(WebhookEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS e SET attempts = r.attempts, "  # noqa: S608 - no user input
            "last_status_code = r.code, last_error = r.error, locked_until = NULL, "
            "status = r.status, delivered_at = r.delivered_at, next_attempt_at = r.due "
            "FROM unnest(%s::bigint[], %s::integer[], %s::integer[], %s::text[], %s::text[], "
            "%s::timestamptz[], %s::timestamptz[]) "
            "AS r(id, attempts, code, error, status, delivered_at, due) "
            "WHERE e.id = r.id AND e.locked_until = %s RETURNING e.id",
            [
                [e.pk for e in events],
                [e.attempts for e in events],
                [e.last_status_code for e in events],
                [e.last_error for e in events],
                [str(e.status) for e in events],
                [e.delivered_at for e in events],
                [e.next_attempt_at for e in events],
                claim,
            ],
        )
        saved = {row[0] for row in cursor.fetchall()}
    return [e for e in events if e.pk in saved]


def _record(events: list[WebhookEvent], claim: datetime) -> None:
    """Save attempted events in one statement and one commit, then tell the receivers (of the
    events still this worker's: `_save_results`)."""
    if not events:
        return
    with transaction.atomic():
        for event in _save_results(events, claim):
            if event.status == EventStatus.DELIVERED:
                webhook_delivered.send(sender=WebhookEvent, event=event)


def deliver_one(event_id: int, *, now: datetime | None = None) -> str | None:
    """Try to deliver one event; return its new status, or None if someone else has it."""
    moment = now or timezone.now()
    if not _claim(event_id, moment):
        return None
    event = WebhookEvent.objects.get(pk=event_id)
    claim = event.locked_until
    assert claim is not None  # (just set by _claim)
    link = PlatformLink.objects.filter(organisation_id=event.organisation_id).first()
    sender = None if link is None else _sender(link)
    try:
        _attempt(event, sender, moment)
    finally:
        if sender is not None:
            sender.close()
    _record([event], claim)
    return str(event.status)


def _claim_batch(moment: datetime, limit: int) -> list[WebhookEvent]:
    """Claim up to `limit` due events in one statement, in the order they were queued.

    `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING *` on PostgreSQL: two
    workers take disjoint batches without waiting for each other. SQLite (3.35+ has
    RETURNING) runs the same statement without the row locks: it has one writer at a time.
    An event is left out while an earlier one for the same content item is still waiting
    (not due, or held by another worker), so a restore never overtakes its isolation.
    The claim lasts as long as one event's (three timeouts), so a worker killed mid-batch
    holds its events only that long; `deliver_due` stops a batch before its claim runs out.
    """
    unlocked = Q(locked_until__isnull=True) | Q(locked_until__lt=moment)
    earlier_waiting = WebhookEvent.objects.filter(
        ~unlocked | Q(next_attempt_at__gt=moment),
        status=EventStatus.PENDING,
        order_key=OuterRef("order_key"),
        id__lt=OuterRef("id"),
    )
    due = (
        WebhookEvent.objects.filter(
            unlocked, status=EventStatus.PENDING, next_attempt_at__lte=moment
        )
        .exclude(~Q(order_key=""), Exists(earlier_waiting))
        .order_by("id")
        .values("id")[:limit]
    )
    if connection.features.has_select_for_update_skip_locked:
        due = due.select_for_update(skip_locked=True)
    table = connection.ops.quote_name(WebhookEvent._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(f.column) for f in WebhookEvent._meta.concrete_fields
    )
    until = moment + timedelta(seconds=_claim_seconds())
    with transaction.atomic():  # (Django builds FOR UPDATE only inside a transaction)
        inner, params = due.query.sql_with_params()
        # The batch is chosen once, in a materialised CTE: PostgreSQL may otherwise evaluate an
        # `IN (… LIMIT n FOR UPDATE SKIP LOCKED)` subquery again during the UPDATE and claim
        # more than `limit` rows (seen in the full suite: 5 claimed for a limit of 3).
        sql = (
            f"WITH due AS MATERIALIZED ({inner}) "  # noqa: S608 - ORM SQL
            f"UPDATE {table} SET locked_until = %s WHERE id IN (SELECT id FROM due) "
            f"RETURNING {columns}"
        )
        claimed = list(WebhookEvent.objects.raw(sql, [*params, until]))
    return sorted(claimed, key=lambda e: e.pk)


def deliver_due(*, limit: int = 100, now: datetime | None = None) -> int:
    """Deliver events whose time has come, in the order they were queued; how many were tried.

    One statement claims the batch and one commit records it (issue #24, item 5: the
    round trips per event, not the POSTs, were the cost). Still at least once: an event is
    marked delivered only after the platform echoed its id, and a worker killed mid-batch
    leaves its events claimed until the claim runs out, then they go again (the platform
    applies each `webhook-id` once). When an event fails, the later events for the same
    content item are released untried, to go after it.
    """
    moment = now or timezone.now()
    events = _claim_batch(moment, limit)
    if not events:
        return 0
    # One sender per platform for the batch: its signing keys and one kept-alive connection.
    senders = {
        link.organisation_id: _sender(link)
        for link in PlatformLink.objects.filter(
            organisation_id__in={e.organisation_id for e in events}
        )
    }
    claim = events[0].locked_until  # what RETURNING gave: this worker's claim
    assert claim is not None
    tried: list[WebhookEvent] = []
    held: set[str] = set()
    released: list[int] = []
    # Leave room for one more timeout before the claim runs out: past this, the rest of the
    # batch is released untried rather than sent while another worker may claim it.
    stop_at = time.monotonic() + _claim_seconds() - int(settings.KARPEAR_WEBHOOK_TIMEOUT) - 1
    try:
        for event in events:
            if (event.order_key and event.order_key in held) or time.monotonic() > stop_at:
                released.append(event.pk)
                continue
            sender = senders.get(event.organisation_id)
            if not _attempt(event, sender, moment) and event.order_key:
                held.add(event.order_key)
            tried.append(event)
    finally:
        for sender in senders.values():
            sender.close()
    _record(tried, claim)
    if released:  # (only while the claim is still this worker's)
        WebhookEvent.objects.filter(pk__in=released, locked_until=claim).update(locked_until=None)
    return len(tried)


def dead_letters(organisation: Organisation) -> list[WebhookEvent]:
    return list(
        WebhookEvent.objects.filter(organisation=organisation, status=EventStatus.DEAD).order_by(
            "-id"
        )[:200]
    )


@transaction.atomic
def dead_letter_retry(*, organisation: Organisation, event_id: int, actor: Any) -> None:
    """Put a given-up event back in the queue (desk action, audited).

    Refused when a later event about the same content item was delivered since: sent now,
    the old one would undo it on the platform (a dead restore after a later isolation shows
    the content again), and events go in order per content item. Refused too while a worker
    holds a later one (claimed, being sent): nothing earlier holds the dead event back then
    (`_claim_batch` waits only for lower ids), so it would go after it (attack atk4)."""
    now = timezone.now()
    given_up = WebhookEvent.objects.filter(
        pk=event_id, organisation=organisation, status=EventStatus.DEAD
    )
    dead = given_up.first()
    later = (
        WebhookEvent.objects.filter(
            organisation=organisation, order_key=dead.order_key, id__gt=dead.pk
        )
        if dead is not None and dead.order_key
        else WebhookEvent.objects.none()
    )
    # Locked (PostgreSQL): a worker's claim of a later event waits for this decision, or this
    # check waits for its claim and sees it; unclaimed, the later event goes after this one.
    claims = later.filter(status=EventStatus.PENDING).select_for_update()
    if any(u is not None and u > now for u in claims.values_list("locked_until", flat=True)):
        raise ApplicationError(
            _(
                "A later event about the same content is being sent right now. Try again in "
                "a few minutes."
            ),
            code="later_in_flight",
            status=409,
        )
    if later.filter(status=EventStatus.DELIVERED).exists():
        raise ApplicationError(
            _(
                "A later event about the same content was delivered since: sending this one "
                "again would undo it. It stays a dead letter."
            ),
            code="superseded",
            status=409,
        )
    # (Conditional on its still being dead: a second click or another keeper changes nothing.)
    updated = given_up.update(status=EventStatus.PENDING, next_attempt_at=now, created_at=now)
    if updated:
        audit_record(
            action="webhook_retry",
            organisation=organisation,
            actor=actor,
            object_type="webhook",
            object_id=event_id,
        )
