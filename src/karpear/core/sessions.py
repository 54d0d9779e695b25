"""Database sessions whose rows hold only a hash of the session key (issue #15, item 11).

Django's database engine uses the cookie's value as the row's primary key, so
anyone holding a copy of the database (a backup, a replica, a support dump)
could sign in as every staff member with a live session by setting that cookie.
Here the row's key is SHA-256 of the cookie value (with a label of its own, so
it never equals the audit log's session tag): the browser keeps the only copy
of the key. Keys are 32 random characters (about 165 bits), so the hash cannot
be turned back into a key; 40 hex characters (160 bits) fit Django's column.

Selected with SESSION_ENGINE = "karpear.core.sessions". The data migration
core 0002 deletes the rows written before, whose keys were stored raw.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.contrib.sessions.backends import db
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone

_LABEL = b"karpear session row v1\x00"


def stored_key(session_key: str) -> str:
    """The primary key a session row is stored under: never the key itself."""
    return hashlib.sha256(_LABEL + session_key.encode("utf-8")).hexdigest()[:40]


class SessionStore(db.SessionStore):
    """django.contrib.sessions' database store, looking rows up by `stored_key`."""

    def _missing(self, error: Exception) -> None:
        if isinstance(error, SuspiciousOperation):
            logger = logging.getLogger(f"django.security.{error.__class__.__name__}")
            logger.warning(str(error))
        self._session_key = None

    def _get_session_from_db(self) -> AbstractBaseSession | None:
        try:
            return self.model.objects.get(
                session_key=stored_key(self.session_key or ""), expire_date__gt=timezone.now()
            )
        except (self.model.DoesNotExist, SuspiciousOperation) as error:
            self._missing(error)
            return None

    async def _aget_session_from_db(self) -> AbstractBaseSession | None:
        try:
            return await self.model.objects.aget(
                session_key=stored_key(self.session_key or ""), expire_date__gt=timezone.now()
            )
        except (self.model.DoesNotExist, SuspiciousOperation) as error:
            self._missing(error)
            return None

    def exists(self, session_key: str) -> bool:
        return bool(self.model.objects.filter(session_key=stored_key(session_key)).exists())

    async def aexists(self, session_key: str) -> bool:
        return bool(await self.model.objects.filter(session_key=stored_key(session_key)).aexists())

    def create_model_instance(self, data: dict[str, Any]) -> AbstractBaseSession:
        return self.model(
            session_key=stored_key(
                self._get_or_create_session_key()  # type: ignore[attr-defined]
            ),
            session_data=self.encode(data),
            expire_date=self.get_expiry_date(),
        )

    async def acreate_model_instance(self, data: dict[str, Any]) -> AbstractBaseSession:
        return self.model(
            session_key=stored_key(
                await self._aget_or_create_session_key()  # type: ignore[attr-defined]
            ),
            session_data=self.encode(data),
            expire_date=await self.aget_expiry_date(),
        )

    def delete(self, session_key: str | None = None) -> None:
        session_key = session_key or self.session_key
        if session_key is None:
            return
        self.model.objects.filter(session_key=stored_key(session_key)).delete()

    async def adelete(self, session_key: str | None = None) -> None:
        session_key = session_key or self.session_key
        if session_key is None:
            return
        await self.model.objects.filter(session_key=stored_key(session_key)).adelete()
