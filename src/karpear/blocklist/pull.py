"""Subscribing (the ISP side): fetch, verify and apply a list holder's published list."""

from __future__ import annotations

import base64
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.blocklist.digests import _hex, _line_sum, _published
from karpear.blocklist.enforcement import compile_enforcement
from karpear.blocklist.imports import _BATCH, _insert_entries
from karpear.blocklist.models import (
    Entry,
    EntryKind,
    Source,
    SourceKind,
    Subscription,
)
from karpear.blocklist.publishing import FORMAT
from karpear.core import signing
from karpear.core.crypto import decrypt_text, encrypt_text
from karpear.core.errors import ApplicationError
from karpear.core.guards import parse_json
from karpear.orgs.models import Organisation

# --- Subscribing (the ISP side) ----------------------------------------------------


class PullError(Exception):
    """The list could not be fetched, verified or applied; the last good version stays."""


class DeltaNotApplicable(PullError):
    """The delta does not fit our copy (publisher reset, local divergence): take the full list."""


@dataclass
class PullResult:
    version: int
    added: int
    removed: int
    full: bool
    changed: bool


def subscription_add(
    *,
    organisation: Organisation,
    name: str,
    url: str,
    token: str,
    public_key: str,
    actor_label: str,
) -> Subscription:
    try:
        if len(base64.b64decode(public_key, validate=True)) != 32:
            raise ValueError("not 32 bytes")
    except ValueError as exc:
        raise ApplicationError(
            _("The publisher's key must be a base64 Ed25519 public key.")
        ) from exc
    subscription, _created = Subscription.objects.update_or_create(
        organisation=organisation,
        name=name,
        defaults={
            "url": url.rstrip("/"),
            "token_enc": encrypt_text(token),
            "public_key": public_key,
        },
    )
    audit_record(
        action="blocklist_subscription_configured",
        organisation=organisation,
        actor_label=actor_label,
        object_type="blocklist_subscription",
        object_id=subscription.pk,
        detail={"name": name, "url": subscription.url, "key_id": signing.key_id(public_key)},
    )
    return subscription


def _fetch(subscription: Subscription, since: int | None) -> bytes:
    query = "full" if since is None else f"delta?since={since}"
    request = urllib.request.Request(  # noqa: S310 - the administrator's configured publisher
        f"{subscription.url}/api/v1/blocklist/{query}",
        headers={"Authorization": f"Bearer {decrypt_text(subscription.token_enc)}"},
    )
    limit = settings.KARPEAR_BLOCKLIST_MAX_BYTES
    try:
        with urllib.request.urlopen(  # noqa: S310
            request, timeout=settings.KARPEAR_BLOCKLIST_FETCH_TIMEOUT
        ) as response:
            body: bytes = response.read(limit + 1)
    except urllib.error.HTTPError as exc:
        if exc.code == 404 and since is not None:  # the publisher no longer knows our version
            raise DeltaNotApplicable("the publisher does not know our version") from exc
        raise PullError(f"the publisher answered HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise PullError(f"cannot reach the publisher: {exc}") from exc
    if len(body) > limit:
        raise PullError(f"the list is larger than {limit} bytes")
    return body


def _verified(subscription: Subscription, body: bytes) -> dict[str, Any]:
    try:
        envelope = parse_json(body)
    except ValueError as exc:
        raise PullError("the publisher's answer is not JSON") from exc
    try:
        payload = signing.verify(envelope, subscription.public_key)
    except signing.BadSignature as exc:
        raise PullError(str(exc)) from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise PullError("not a Karpear blocklist")
    for key, kind in (("version", int), ("added", list), ("removed", list), ("sources", dict)):
        if not isinstance(payload.get(key), kind):
            raise PullError(f"the list has no valid {key!r}")
    return payload


def _subscribed_sources(subscription: Subscription, sources: dict[str, Any]) -> dict[str, Source]:
    out: dict[str, Source] = {}
    for code, info in sources.items():
        if not isinstance(info, dict) or not str(info.get("agreement", "")).strip():
            raise PullError(f"source {code!r} has no agreement")
        kind = str(info.get("kind", ""))
        if kind not in SourceKind.values:
            raise PullError(f"source {code!r} has an unknown kind")
        out[code], _ = Source.objects.update_or_create(
            organisation=subscription.organisation,
            subscription=subscription,
            code=str(code)[:40],
            defaults={
                "name": str(info.get("name", code))[:200],
                "kind": kind,
                "agreement": str(info["agreement"])[:300],
                "appeals_email": str(info.get("appeals_email", ""))[:254],
                "registered_by": f"subscription:{subscription.name}",
            },
        )
    return out


def _subscribed_entries(
    subscription: Subscription, sources: dict[str, Source], rows: list[Any]
) -> list[tuple[Any, ...]]:
    entries = []
    for row in rows:
        if not (isinstance(row, list) and len(row) == 6):
            raise PullError("an entry is not in the published layout")
        remote_id, kind, value, code, reference, day = row
        if code not in sources:
            raise PullError(f"entry {remote_id} names an unregistered source")
        if kind == EntryKind.URL:
            ok = (
                isinstance(value, str)
                and len(value) == 64
                and all(c in "0123456789abcdef" for c in value)
            )
        else:
            ok = kind == EntryKind.DOMAIN and isinstance(value, str) and 0 < len(value) <= 253
        if not ok or not isinstance(remote_id, int) or not str(reference).strip():
            raise PullError(f"entry {remote_id} is not valid")
        try:
            confirmed = date.fromisoformat(str(day))
        except ValueError as exc:
            raise PullError(f"entry {remote_id} has no valid date") from exc
        entries.append(
            (
                subscription.organisation_id,
                sources[code].pk,
                str(reference)[:200],
                kind,
                value,
                "",
                confirmed,
                f"subscription:{subscription.name}",
                None,
                subscription.pk,
                remote_id,
            )
        )
    return entries


def _subscribed_digest(subscription: Subscription) -> int:
    return _line_sum(
        tuple(_published(*row))
        for row in Entry.objects.filter(subscription=subscription).values_list(
            "remote_id", "kind", "value", "source__code", "reference", "confirmed_on"
        )
    )


def _apply(subscription: Subscription, payload: dict[str, Any]) -> PullResult:
    full = payload.get("since") is None
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if not full and payload["since"] != sub.version:
            raise DeltaNotApplicable("the delta does not start at our version")
        if not full and payload["version"] == sub.version and not payload["added"]:
            return PullResult(sub.version, 0, 0, full=False, changed=False)
        sources = _subscribed_sources(sub, payload["sources"])
        entries = _subscribed_entries(sub, sources, payload["added"])
        if full:
            Entry.objects.filter(subscription=sub).delete()
        else:
            removed_ids = [int(i) for i in payload["removed"]]
            for start in range(0, len(removed_ids), _BATCH):
                Entry.objects.filter(
                    subscription=sub, remote_id__in=removed_ids[start : start + _BATCH]
                ).delete()
        try:
            _insert_entries(entries)
        except IntegrityError as exc:
            raise PullError("the list repeats an entry") from exc
        if _hex(_subscribed_digest(sub)) != payload.get("digest"):
            error = DeltaNotApplicable if not full else PullError
            raise error("after applying, our copy differs from the publisher's (digest)")
        sub.version = int(payload["version"])
        sub.pulled_at = timezone.now()
        sub.last_error = ""
        sub.save(update_fields=["version", "pulled_at", "last_error"])
        audit_record(
            action="blocklist_pulled",
            organisation=sub.organisation,
            actor_label=f"subscription:{sub.name}",
            object_type="blocklist_subscription",
            object_id=sub.pk,
            detail={
                "version": sub.version,
                "full": full,
                "added": len(entries),
                "removed": len(payload["removed"]),
            },
        )
    return PullResult(sub.version, len(entries), len(payload["removed"]), full, True)


def subscription_pull(subscription: Subscription, *, force_full: bool = False) -> PullResult:
    """Fetch, verify and apply the publisher's changes; on any error keep the last good list."""
    try:
        since = None if force_full or subscription.version == 0 else subscription.version
        try:
            result = _apply(subscription, _verified(subscription, _fetch(subscription, since)))
        except DeltaNotApplicable:
            # Only a delta that does not fit is retried in full; a network or signature
            # error would fail the same way twice.
            result = _apply(subscription, _verified(subscription, _fetch(subscription, None)))
    except PullError as exc:
        Subscription.objects.filter(pk=subscription.pk).update(
            last_error=str(exc)[:1000], last_error_at=timezone.now()
        )
        audit_record(
            action="blocklist_pull_failed",
            organisation=subscription.organisation,
            actor_label=f"subscription:{subscription.name}",
            object_type="blocklist_subscription",
            object_id=subscription.pk,
            detail={"error": str(exc)[:300], "kept_version": subscription.version},
        )
        raise
    if result.changed:
        compile_enforcement(subscription.organisation)
    return result


def run_reload_command(command: str) -> None:
    """Run the operator's reload command (e.g. unbound-control auth_zone_reload)."""
    completed = subprocess.run(  # noqa: S602 - the operator's own command line
        command, shell=True, capture_output=True, text=True, timeout=120, check=False
    )
    if completed.returncode != 0:
        raise PullError(
            f"reload command failed ({completed.returncode}): {completed.stderr[-300:]}"
        )
