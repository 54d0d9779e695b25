"""Receiving a notice and acting on it at once; the issuer's view of its state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.apikeys.models import ApiKey
from karpear.apikeys.services import KeyJoin
from karpear.audit.services import AuditIn
from karpear.cases.services import Takedown, TakenDown, case_takedowns_by_notice
from karpear.core.errors import ApplicationError, NotFound
from karpear.core.filecrypt import store_encrypted
from karpear.core.inserts import json_insert
from karpear.core.rows import fetch_all, mark_saved
from karpear.links.canonical import MalformedURL, canonical_key, canonical_string, canonicalize
from karpear.notices.models import Action, Issuer, IssuerKind, ItemStatus, Notice, NoticeItem
from karpear.orgs.models import Organisation
from karpear.platformlink.models import PlatformLink

DEFAULT_ISSUERS = [
    ("Anti-Cybercrime Unit", IssuerKind.ACU),
    ("Internet Hotline Cambodia (APLE)", IssuerKind.HOTLINE),
]


def issuers(organisation: Organisation) -> list[Issuer]:
    """The registry, with the guidelines' two issuers present by default."""
    for name, kind in DEFAULT_ISSUERS:
        Issuer.objects.get_or_create(organisation=organisation, name=name, defaults={"kind": kind})
    return list(Issuer.objects.filter(organisation=organisation).order_by("name"))


# The issuer an `issuer` key speaks for, read with the key in the key check's own statement
# (`apikeys.services.KeyJoin`; issue #24: one round trip less per notice): the rule of
# `issuer_for_key` below (same organisation, the key's name without surrounding blanks, any
# case, the oldest first). Not a cache: both are read again on every request, so a revoked
# key or a deactivated issuer is refused at once.
ISSUER_WITH_KEY = KeyJoin(
    model=Issuer,
    alias="i",
    sql=(
        f"LEFT JOIN LATERAL (SELECT * FROM {Issuer._meta.db_table} AS x "  # noqa: S608 - names only
        "WHERE x.organisation_id = k.organisation_id AND upper(x.name) = upper(btrim(k.name)) "
        "ORDER BY x.id LIMIT 1) AS i ON TRUE"
    ),
    attribute="issuer_with_key",
)


def issuer_for_key(key: ApiKey) -> Issuer:
    """The issuer an `issuer` key speaks for: matched by name, registered if new."""
    issuer: Issuer | None = getattr(key, ISSUER_WITH_KEY.attribute, None)
    if issuer is None:  # not read with the key (SQLite, other endpoints), or not registered
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
    # The key's organisation, already read with it: `issuer.organisation` was one more
    # statement inside every notice's transaction (issue #24).
    issuer.organisation = key.organisation
    return issuer


@dataclass(frozen=True)
class ItemIn:
    url: str = ""
    platform_content_id: str = ""
    user_id: str = ""

    def identity(self) -> ItemKey:
        """What makes two items the same: the canonical URL, content ID and user."""
        return (
            canonical_string(self.url) if self.url else "",
            self.platform_content_id,
            self.user_id,
        )


# (canonical URL, platform content ID, user ID)
ItemKey = tuple[str, str, str]


def _row_identity(row: NoticeItem) -> ItemKey:
    return (row.normalised_url, row.platform_content_id, row.user_id)


def _shown(key: ItemKey) -> dict[str, str]:
    names = ("url", "platform_content_id", "user_id")
    return {name: value for name, value in zip(names, key, strict=True) if value}


class NoticeConflict(ApplicationError):
    """An issuer reference sent again with other items or terms (issue #15, item 5).

    Nothing is done and nothing is silently ignored: the answer names the
    notice already recorded under this reference and what differs, so the
    issuer can amend it (`notice_amend`) or use a new reference.
    """

    status = 409
    code = "notice_reference_conflict"

    def __init__(
        self, *, notice: Notice, added: list[ItemKey], missing: list[ItemKey], changed: list[str]
    ) -> None:
        super().__init__(
            _(
                "This reference was already used for notice %(id)s, which differs from this "
                "one. Nothing was done. To add items to notice %(id)s, send them to "
                "/api/v1/notices/%(id)s/items; for a new order, use a new reference."
            )
            % {"id": notice.pk}
        )
        self.notice_id = notice.pk
        self.added = [_shown(k) for k in added]
        self.missing = [_shown(k) for k in missing]
        self.changed = changed

    def as_dict(self) -> dict[str, Any]:
        body = super().as_dict()
        body["error"]["notice_id"] = self.notice_id
        body["error"]["differences"] = {
            "items_added": self.added,
            "items_missing": self.missing,
            "changed": self.changed,
        }
        return body


def _aware(deadline: datetime | None) -> datetime | None:
    """A deadline sent without an offset is in the server's time zone, as Django stores it;
    made aware here so that a retry compares equal to the row (an aware datetime never
    equals a naive one: the retry was answered 409 "deadline changed")."""
    if deadline is None or timezone.is_aware(deadline):
        return deadline
    return timezone.make_aware(deadline)


def _same_or_conflict(
    existing: Notice,
    legal_basis: str,
    items: list[ItemIn],
    actions: list[Action],
    deadline: datetime | None,
) -> Notice:
    """The notice already recorded, if this one asks for exactly the same; else NoticeConflict.

    Items are compared as a set (order and repeats do not matter), actions
    too; the legal basis and deadline must be equal. Only the items the notice
    came with count: a late retry of the first request, arriving after an
    amendment, is still the same request.
    """
    sent = {item.identity() for item in items}
    known = {_row_identity(row) for row in existing.items.all() if row.added_at is None}
    changed = [
        name
        for name, differs in (
            ("legal_basis", existing.legal_basis != legal_basis),
            ("actions", set(existing.actions) != {str(a) for a in actions}),
            ("deadline", existing.deadline != _aware(deadline)),
        )
        if differs
    ]
    if sent != known or changed:
        raise NoticeConflict(
            notice=existing,
            added=sorted(sent - known),
            missing=sorted(known - sent),
            changed=changed,
        )
    return existing


def _group_keys(item: ItemIn, normalised: str) -> list[str]:
    keys = []
    if item.platform_content_id:
        keys.append(f"content:{item.platform_content_id}")
    if normalised:
        keys.append("url:" + canonical_key(normalised))
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

    As `notice_receive_items`, without the item rows.
    """
    notice, created, _items = notice_receive_items(
        issuer=issuer,
        issuer_reference=issuer_reference,
        legal_basis=legal_basis,
        items=items,
        actions=actions,
        deadline=deadline,
        channel=channel,
        scan=scan,
        entered_by=entered_by,
    )
    return notice, created


def notice_receive_items(
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
) -> tuple[Notice, bool, list[NoticeItem] | None]:
    """Store a notice and act on every item in one transaction; (notice, created, the new
    notice's item rows as written, None when it was not created: the API answers with them
    without reading them back, issue #24).

    1. The same issuer reference again with the same items, actions, legal
       basis and deadline returns the first notice untouched (idempotent: a
       retried request acts once); with anything different it raises
       NoticeConflict (409) and does nothing (issue #15, item 5).
    2. Each item on this company's service (a platform content ID, or a link
       to a hosted domain) is joined to a case at the top of the queue and
       isolated at once, with a preserve request when asked; other items are
       answered "not hosted here". The acknowledgement is returned only after
       COMMIT, and the webhooks that carry out the takedown are in the same
       commit (outbox), so an acknowledged notice is always acted on.
    3. A notice entered on the desk keeps its scanned letter, encrypted.
    """
    # No read first (issue #24): the unique constraint on (issuer, reference) refuses a
    # repeat at the transaction's first INSERT, before anything is acted on.
    try:
        with transaction.atomic():
            notice, rows = _receive_many(
                issuer,
                [NoticeSpec(issuer_reference, legal_basis, items, actions, deadline)],
                channel=channel,
            )[0]
            if scan is not None or entered_by is not None:
                notice.scan_name = scan[0][:200] if scan else ""
                notice.scan_file = store_encrypted("notice-scans", scan[1]) if scan else ""
                notice.entered_by = entered_by
                notice.save(update_fields=["scan_name", "scan_file", "entered_by"])
            return notice, True, rows
    except IntegrityError:
        # The reference is known (a retry, or a second request racing in): answer with it.
        found = Notice.objects.filter(issuer=issuer, issuer_reference=issuer_reference).first()
        if found is None:
            raise
        return _same_or_conflict(found, legal_basis, items, actions, deadline), False, None


@dataclass(frozen=True)
class NoticeSpec:
    """One notice of a batch (`notices_receive`), as the issuer sent it."""

    issuer_reference: str
    legal_basis: str
    items: list[ItemIn]
    actions: list[Action]
    deadline: datetime | None = None


def _will_act(notice: NoticeSpec, hosted: Callable[[ItemIn], bool]) -> bool:
    return Action.TAKEDOWN in notice.actions and any(hosted(i) for i in notice.items)


def _receive_many(
    issuer: Issuer, notices: list[NoticeSpec], *, channel: str
) -> list[tuple[Notice, list[NoticeItem]]]:
    """Insert notices that are all new and act on every item; runs in the caller's transaction.

    One INSERT for the notices, one for their items, and the takedowns of all items together
    (`case_takedowns_by_notice`, a fixed number of statements), with each notice's
    `notice_received` audit entry appended under the same head lock (issue #24).
    """
    org = issuer.organisation
    now = timezone.now().replace(microsecond=0)
    hosted = _hosted_test(org)
    rows = _insert_notices(
        [
            Notice(
                organisation=org,
                issuer=issuer,
                issuer_reference=n.issuer_reference,
                legal_basis=n.legal_basis,
                actions=[str(a) for a in n.actions],
                deadline=_aware(n.deadline),
                channel=channel,
                received_at=now,
                acted_at=now if _will_act(n, hosted) else None,
            )
            for n in notices
        ]
    )
    planned = [
        _plan(row, _distinct(n.items), start=0, added_at=None, hosted=hosted)
        for row, n in zip(rows, notices, strict=True)
    ]
    _carry_out(
        org,
        planned,
        now,
        audit=[
            AuditIn(
                action="notice_received",
                organisation=org,
                actor_label=issuer.name,
                object_type="notice",
                object_id=row.pk,
                detail={
                    "reference": row.issuer_reference,
                    "items": len(items),
                    "isolated": sum(i.status == ItemStatus.ISOLATED for i, _t in items),
                },
            )
            for row, items in zip(rows, planned, strict=True)
        ],
    )
    return [(row, [item for item, _t in items]) for row, items in zip(rows, planned, strict=True)]


def _insert_notices(rows: list[Notice]) -> list[Notice]:
    """`bulk_create`, as one prepared statement on PostgreSQL (issue #24, u1: the ORM compiled
    the INSERT and PostgreSQL planned it again for every notice). The unique (issuer,
    reference) constraint refuses a repeat here as before: IntegrityError, nothing written."""
    if connection.vendor != "postgresql" or not rows:
        return Notice.objects.bulk_create(rows)
    sql, params = json_insert(rows)
    for row, (pk,) in zip(rows, fetch_all(f"{sql} RETURNING id", params), strict=True):
        row.pk = pk
    mark_saved(rows)
    return rows


def _distinct(items: list[ItemIn]) -> list[ItemIn]:
    """The items in the order sent, each piece of content once: a repeated line of a notice
    was taken down twice (two decisions, two isolate webhooks). `_same_or_conflict` compares
    items as a set and `notice_amend` drops repeats, so this is the same notice."""
    seen: set[ItemKey] = set()
    kept = []
    for item in items:
        if (key := item.identity()) not in seen:
            seen.add(key)
            kept.append(item)
    return kept


def _hosted_test(org: Organisation) -> Callable[[ItemIn], bool]:
    """Whether an item is on this company's service: a platform content ID, or a link to one
    of its hosts (`platformlink.is_hosted`'s rule, with the link read once per call)."""
    hosts: list[str] = []
    read = False

    def test(item: ItemIn) -> bool:
        nonlocal hosts, read
        if item.platform_content_id:
            return True
        if not item.url:
            return False
        if not read:  # only notices with links read the platform link, once
            link = PlatformLink.objects.filter(organisation=org).first()
            hosts, read = (link.hosts() if link else []), True
        if not hosts:
            return False
        try:
            host = canonicalize(item.url).host
        except MalformedURL:
            return False
        return any(host == h or host.endswith("." + h) for h in hosts)

    return test


Planned = list[tuple[NoticeItem, Takedown | None]]


def _plan(
    notice: Notice,
    items: list[ItemIn],
    *,
    start: int,
    added_at: datetime | None,
    hosted: Callable[[ItemIn], bool],
) -> Planned:
    """A notice's item rows from position `start`, each with the takedown it orders (if any)."""
    takedown = Action.TAKEDOWN in {Action(a) for a in notice.actions}
    label = f"{notice.issuer.name} notice {notice.issuer_reference}"
    planned: Planned = []
    for position, item in enumerate(items, start=start):
        normalised = canonical_string(item.url) if item.url else ""
        row = NoticeItem(
            notice=notice,
            position=position,
            url=item.url,
            normalised_url=normalised,
            platform_content_id=item.platform_content_id,
            user_id=item.user_id,
            status=ItemStatus.NOT_HOSTED,
            added_at=added_at,
        )
        order = None
        if takedown and hosted(item):
            row.status = ItemStatus.ISOLATED
            order = Takedown(
                keys=_group_keys(item, normalised),
                legal_basis=notice.legal_basis,
                notice_label=label,
                content={
                    "platform_content_ids": [item.platform_content_id]
                    if item.platform_content_id
                    else [],
                    "urls": [item.url] if item.url else [],
                    "user_ids": [item.user_id] if item.user_id else [],
                },
                opened={"notice": notice.pk},
            )
        planned.append((row, order))
    return planned


def _carry_out(
    org: Organisation, planned: list[Planned], now: datetime, *, audit: list[AuditIn]
) -> None:
    """Take down every planned item at once, then write the item rows with their case and
    decision. The one place a notice's items are acted on, whether they came with the notice,
    in an amendment or in a batch; inside the caller's transaction, so the items, their cases
    and the webhooks that carry out the takedown commit together (outbox)."""
    orders = [(row, t) for items in planned for row, t in items if t is not None]

    def item_rows(done: list[TakenDown]) -> list[NoticeItem]:
        # Written in the takedown's own statement on PostgreSQL (issue #24).
        for (row, _t), result in zip(orders, done, strict=True):
            row.case, row.decision_id, row.acted_at = result.case, result.decision.pk, now
        return [row for items in planned for row, _t in items]

    case_takedowns_by_notice(
        organisation=org,
        takedowns=[t for _row, t in orders],
        at=now,
        audit_also=audit,
        rows_also=item_rows,
    )


def _act_on_items(
    notice: Notice,
    items: list[ItemIn],
    *,
    start: int,
    now: datetime,
    added_at: datetime | None,
) -> list[NoticeItem]:
    """Write an amendment's items from position `start`, act on each at once, audit it."""
    planned = _plan(
        notice, items, start=start, added_at=added_at, hosted=_hosted_test(notice.organisation)
    )
    rows = [row for row, _t in planned]
    audit = AuditIn(
        action="notice_amended",
        organisation=notice.organisation,
        actor_label=notice.issuer.name,
        object_type="notice",
        object_id=notice.pk,
        detail={
            "reference": notice.issuer_reference,
            "items_added": len(rows),
            "isolated": sum(r.status == ItemStatus.ISOLATED for r in rows),
        },
    )
    _carry_out(notice.organisation, [planned], now, audit=[audit])
    if notice.acted_at is None and any(r.status == ItemStatus.ISOLATED for r in rows):
        Notice.objects.filter(pk=notice.pk).update(acted_at=now)
        notice.acted_at = now
    return rows


def notice_amend(*, issuer: Issuer, notice_id: int, items: list[ItemIn]) -> tuple[Notice, int]:
    """Add items to one of the issuer's own notices and act on the new ones at once.

    Returns (notice, number of items added). Issue #15, item 5: an explicit
    amendment, acted on exactly like the notice's first items.

    1. Lock the notice row (SELECT … FOR UPDATE on PostgreSQL; SQLite's
       BEGIN IMMEDIATE holds the write lock) so two amendments at once cannot
       both add the same item. Another issuer's notice is "not found".
    2. Items the notice already has (same canonical URL, content ID and user),
       and repeats within the request, are left alone: a retried amendment acts
       once.
    3. The new items are acted on by `_act_on_items` with the notice's own
       actions and legal basis, and the amendment is audited.
    """
    with transaction.atomic():
        notice = (
            Notice.objects.select_for_update()
            .select_related("issuer", "organisation")
            .filter(pk=notice_id, issuer=issuer)
            .first()
        )
        if notice is None:
            raise NotFound(_("There is no such notice."))
        rows = list(notice.items.all())
        known = {_row_identity(row) for row in rows}
        new: list[ItemIn] = []
        for item in items:
            key = item.identity()
            if key not in known:
                known.add(key)
                new.append(item)
        if not new:
            return notice, 0
        now = timezone.now().replace(microsecond=0)
        start = max((row.position for row in rows), default=-1) + 1
        added = _act_on_items(notice, new, start=start, now=now, added_at=now)
        return notice, len(added)


@dataclass(frozen=True)
class NoticeResult:
    """One notice's answer in a batch: the notice and whether it is new, or its conflict."""

    notice: Notice | None
    created: bool
    conflict: NoticeConflict | None = None
    items: list[NoticeItem] | None = None  # the new notice's item rows, as written


def notices_receive(
    *, issuer: Issuer, notices: list[NoticeSpec], channel: str = "api"
) -> list[NoticeResult]:
    """A batch of notices, each answered as `notice_receive` would answer it alone.

    For issuers who send bursts (issue #24): the new notices are stored and acted on in ONE
    transaction, with a fixed number of statements for the whole batch, and committed before
    the answer, so every notice answered 201 is durable and acted on exactly as a single one.

    1. One read finds the references already used: the same notice again is answered 200
       with the notice on record, a different one a conflict (nothing done for it). A
       reference repeated inside the batch is created once; its repeats are compared with it.
    2. If another request creates one of the references meanwhile (a unique constraint
       refuses the insert), the whole batch is rolled back and taken one notice at a time,
       so every notice still gets its own, true answer.
    """
    refs = {n.issuer_reference for n in notices}
    known = {
        n.issuer_reference: n
        for n in Notice.objects.filter(issuer=issuer, issuer_reference__in=refs)
    }
    first: dict[str, int] = {}
    for index, spec in enumerate(notices):
        if spec.issuer_reference not in known:
            first.setdefault(spec.issuer_reference, index)
    try:
        with transaction.atomic():
            rows = _receive_many(issuer, [notices[i] for i in first.values()], channel=channel)
    except IntegrityError:
        return [_alone(issuer, spec, channel) for spec in notices]
    made = {row.issuer_reference: (row, items) for row, items in rows}
    results = []
    for index, spec in enumerate(notices):
        ref = spec.issuer_reference
        if first.get(ref) == index:
            row, items = made[ref]
            results.append(NoticeResult(row, True, items=items))
            continue
        try:
            same = _same_or_conflict(
                known.get(ref) or made[ref][0],
                spec.legal_basis,
                spec.items,
                spec.actions,
                spec.deadline,
            )
            results.append(NoticeResult(same, False))
        except NoticeConflict as conflict:
            results.append(NoticeResult(None, False, conflict))
    return results


def _alone(issuer: Issuer, spec: NoticeSpec, channel: str) -> NoticeResult:
    try:
        notice, created = notice_receive(
            issuer=issuer,
            issuer_reference=spec.issuer_reference,
            legal_basis=spec.legal_basis,
            items=spec.items,
            actions=spec.actions,
            deadline=spec.deadline,
            channel=channel,
        )
    except NoticeConflict as conflict:
        return NoticeResult(None, False, conflict)
    return NoticeResult(notice, created)


def access_notice(*, issuer: Issuer, notice_id: int) -> Notice:
    """A notice as its own issuer may see it; any other is "not found"."""
    notice = Notice.objects.filter(pk=notice_id, issuer=issuer).first()
    if notice is None:
        raise NotFound(_("There is no such notice."))
    return notice
