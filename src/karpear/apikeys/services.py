"""Creating, revoking and checking API keys; `ScopedKey` guards API endpoints."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja.security import HttpBearer

from karpear.apikeys.models import ApiKey, Scope
from karpear.audit.services import audit_record
from karpear.core.errors import ApplicationError
from karpear.core.rows import columns, fetch_optional, from_row
from karpear.orgs.models import Organisation


class KeyRefused(ApplicationError):
    status = 401
    code = "unauthenticated"


# The longest token a key can have (scope, 12-character prefix, 43-character secret) and room.
_TOKEN_MAX = 200


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


@dataclass(frozen=True)
class KeyJoin:
    """A row the caller needs with the key, read in the key check's own statement (issue #24:
    the notices API reads the key's issuer with it, one round trip less per notice).

    `sql` joins at most one row of `model` as `alias` (`k` is the key's row, e.g. a LEFT JOIN
    LATERAL … LIMIT 1); the instance, or None when nothing joined, is set on the key as
    `attribute`. PostgreSQL only: elsewhere the attribute is left unset and the caller reads
    the row itself."""

    model: type[models.Model]
    alias: str
    sql: str
    attribute: str


@cache
def _key_statement(join: KeyJoin | None) -> str:
    """The key, its organisation and `join`'s row: the text depends only on the models."""
    key_table = ApiKey._meta.db_table
    org_table = Organisation._meta.db_table
    extra = f", {columns(join.model, join.alias)}" if join else ""
    return (
        f"SELECT {columns(ApiKey, 'k')}, {columns(Organisation, 'o')}{extra} "  # noqa: S608 - names only
        f"FROM {key_table} AS k JOIN {org_table} AS o ON o.id = k.organisation_id "
        f"{join.sql if join else ''} WHERE k.prefix = %s"
    )


def _key_by_prefix(prefix: str, join: KeyJoin | None) -> ApiKey | None:
    """The key with `prefix`, its organisation loaded: one prepared statement on PostgreSQL
    (the ORM compiled the same query on every request, a tenth of a notice's CPU, issue #24)."""
    if connection.vendor != "postgresql":
        # `prefix` is unique: no ORDER BY (`.first()` sorted by id for nothing).
        return ApiKey.objects.select_related("organisation").filter(prefix=prefix).first()
    row = fetch_optional(_key_statement(join), [prefix])
    if row is None:
        return None
    n_key, n_org = len(ApiKey._meta.concrete_fields), len(Organisation._meta.concrete_fields)
    key: ApiKey = from_row(ApiKey, row[:n_key])
    key.organisation = from_row(Organisation, row[n_key : n_key + n_org])
    if join is not None:
        joined = row[n_key + n_org :]
        setattr(key, join.attribute, None if joined[0] is None else from_row(join.model, joined))
    return key


def apikey_check(
    token: str,
    scopes: frozenset[Scope],
    *,
    now: datetime | None = None,
    join: KeyJoin | None = None,
) -> ApiKey:
    """The key behind `token` if it is valid for one of `scopes`; otherwise KeyRefused.

    Every refusal has the same message, so a caller learns nothing about
    which keys exist. The key is read from the database on every call (no cache), so a
    revoked key stops working at once. `join`: see `KeyJoin`.
    """
    refused = KeyRefused(_("A valid API key is needed."))
    # A token is ASCII (its secret is hashed as such): anything else is refused as any
    # wrong key is, not a server error (atk5).
    if not token.isascii() or len(token) > _TOKEN_MAX or "\x00" in token:
        raise refused
    parts = token.split("_", 3)
    if len(parts) != 4 or parts[0] != "kp":
        raise refused
    _kp, token_scope, prefix, secret = parts
    key = _key_by_prefix(prefix, join)
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
    `join`: see `KeyJoin`."""

    def __init__(self, *scopes: Scope, join: KeyJoin | None = None) -> None:
        super().__init__()
        self.scopes = frozenset(scopes)
        self.join = join

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        key = apikey_check(token, self.scopes, join=self.join)
        request.api_key = key  # type: ignore[attr-defined]
        return key
