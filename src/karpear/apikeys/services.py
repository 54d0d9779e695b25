"""Creating, revoking and checking API keys; `ScopedKey` guards API endpoints."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja.security import HttpBearer

from karpear.apikeys.models import ApiKey, Scope
from karpear.audit.services import audit_record
from karpear.core.errors import ApplicationError
from karpear.orgs.models import Organisation


class KeyRefused(ApplicationError):
    status = 401
    code = "unauthenticated"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


@transaction.atomic
def apikey_create(
    *,
    organisation: Organisation,
    scope: Scope,
    name: str,
    expires_in_days: int | None = None,
    actor_label: str = "cli",
) -> tuple[ApiKey, str]:
    """Create a key and return it with its token, which is never shown again."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        organisation=organisation,
        scope=scope,
        name=name[:200],
        prefix=prefix,
        secret_sha256=_hash(secret),
        expires_at=timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    audit_record(
        action="apikey_create",
        organisation=organisation,
        actor_label=actor_label,
        object_type="apikey",
        object_id=key.pk,
        detail={"scope": scope, "name": name},
    )
    return key, f"kp_{scope}_{prefix}_{secret}"


@transaction.atomic
def apikey_revoke(*, key: ApiKey, actor_label: str = "cli") -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_record(
            action="apikey_revoke",
            organisation=key.organisation,
            actor_label=actor_label,
            object_type="apikey",
            object_id=key.pk,
        )
    return key


KeyQuery = Callable[[QuerySet[ApiKey]], QuerySet[ApiKey]]


def apikey_check(
    token: str,
    scopes: frozenset[Scope],
    *,
    now: datetime | None = None,
    annotate: KeyQuery | None = None,
) -> ApiKey:
    """The key behind `token` if it is valid for one of `scopes`; otherwise KeyRefused.

    Every refusal has the same message, so a caller learns nothing about
    which keys exist. The key is read from the database on every call (no cache), so a
    revoked key stops working at once. `annotate` lets the caller read what it needs about
    the key in the same statement (issue #24: the notices API reads the key's issuer with it,
    one round trip less per notice).
    """
    refused = KeyRefused(_("A valid API key is needed."))
    parts = token.split("_", 3)
    if len(parts) != 4 or parts[0] != "kp":
        raise refused
    _kp, token_scope, prefix, secret = parts
    keys = ApiKey.objects.select_related("organisation").filter(prefix=prefix)
    # `prefix` is unique: no ORDER BY (`.first()` sorted by id for nothing).
    key = next(iter((annotate(keys) if annotate else keys)[:1]), None)
    if key is None or not hmac.compare_digest(key.secret_sha256, _hash(secret)):
        raise refused
    moment = now or timezone.now()
    if key.revoked_at is not None or (key.expires_at is not None and key.expires_at <= moment):
        raise refused
    if key.scope not in scopes or token_scope != key.scope:
        raise ApplicationError(
            _("This API key is not allowed to do this."), code="forbidden", status=403
        )
    if key.last_used_at is None or moment - key.last_used_at > timedelta(minutes=5):
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=moment)
    return key


class ScopedKey(HttpBearer):
    """`Authorization: Bearer kp_…` with a key of one of `scopes`; sets request.api_key.
    `annotate`: see `apikey_check`."""

    def __init__(self, *scopes: Scope, annotate: KeyQuery | None = None) -> None:
        super().__init__()
        self.scopes = frozenset(scopes)
        self.annotate = annotate

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        key = apikey_check(token, self.scopes, annotate=self.annotate)
        request.api_key = key  # type: ignore[attr-defined]
        return key
