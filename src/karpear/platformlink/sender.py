"""POSTing signed webhooks to one platform on one kept-alive connection (issue #24, item 5).

Profiling the worker draining a backlog showed a new TCP connection (and urllib's opener) per
event; a platform's web server keeps HTTP/1.1 connections open, so a batch reuses one. A
connection the platform closed while idle fails on its next request before any answer: the
event is sent again once on a fresh connection, which at-least-once delivery already allows
(the platform applies each `webhook-id` once). Through an HTTP(S) proxy from the environment,
each event still goes through urllib, as before.
"""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from datetime import datetime
from http.client import HTTPConnection, HTTPException, HTTPSConnection
from urllib.parse import urlsplit

from django.utils import timezone
from standardwebhooks import Webhook

from karpear.platformlink.models import PlatformLink

REPLY_LIMIT = 65536  # the platform's answer is a small JSON object; never read more


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is the platform's answer, a failure, as on the kept connection: followed, the
    POST became a GET to whatever host the answer named, carrying the event's id and signature,
    and a 200 there recorded an event the platform never received as delivered."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # urllib then raises HTTPError with the 3xx status


class Sender:
    """Signs and sends events to one platform; `close()` when the batch is done."""

    def __init__(self, link: PlatformLink, *, timeout: float) -> None:
        self.url = link.webhook_url
        self.timeout = timeout
        self._target = urlsplit(link.webhook_url)
        self._path = (self._target.path or "/") + (
            "?" + self._target.query if self._target.query else ""
        )
        # HMAC keys decoded once per batch, not once per event.
        self._hook = Webhook(link.secret)
        self._previous = Webhook(link.previous_secret) if link.previous_secret else None
        self._previous_until = link.previous_until
        host = self._target.hostname or ""
        proxy = urllib.request.getproxies().get(self._target.scheme)
        self._proxied = bool(proxy) and not urllib.request.proxy_bypass(host)
        self._conn: HTTPConnection | None = None

    def _signature(self, msg_id: str, when: datetime, body: str) -> str:
        signatures = [self._hook.sign(msg_id, when, body)]
        if self._previous and self._previous_until and self._previous_until > when:
            signatures.append(self._previous.sign(msg_id, when, body))  # while rotating
        return " ".join(signatures)

    def post(self, msg_id: str, body: str) -> tuple[int | None, str]:
        """POST one event; (status, error). Success needs 2xx and the event id echoed back."""
        when = timezone.now()
        headers = {
            "Content-Type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(when.timestamp())),
            "webhook-signature": self._signature(msg_id, when, body),
            "User-Agent": "Karpear-Webhooks/1",
        }
        data = body.encode("utf-8")
        try:
            if self._proxied:
                status, reply = self._via_urllib(data, headers)
            else:
                status, reply = self._on_connection(data, headers)
        except urllib.error.HTTPError as exc:
            return exc.code, f"HTTP {exc.code}"
        except (OSError, ValueError, HTTPException) as exc:
            return None, type(exc).__name__
        if not 200 <= status < 300:
            return status, f"HTTP {status}"
        try:
            echoed = json.loads(reply or b"{}").get("received")
        except (ValueError, AttributeError):
            echoed = None
        if echoed != msg_id:
            return status, "reply did not confirm this event id"
        return status, ""

    def _connect(self) -> HTTPConnection:
        host, port = self._target.hostname or "", self._target.port
        if self._target.scheme == "https":
            context = ssl.create_default_context()  # verifies the platform's certificate
            return HTTPSConnection(host, port, timeout=self.timeout, context=context)
        return HTTPConnection(host, port, timeout=self.timeout)

    def _on_connection(self, data: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        for retry in (False, True):
            reused = self._conn is not None
            conn = self._conn or self._connect()
            self._conn = conn
            try:
                conn.request("POST", self._path, body=data, headers=headers)
                response = conn.getresponse()
                reply = response.read(REPLY_LIMIT)
            except (ConnectionResetError, BrokenPipeError, ConnectionAbortedError):
                self.close()
                if reused and not retry:
                    continue  # closed by the platform while idle: once more, on a new one
                raise
            except BaseException:
                self.close()  # a timeout or a bad answer leaves the connection unusable
                raise
            if not response.isclosed():  # (an answer longer than REPLY_LIMIT, or streamed)
                self.close()
            return response.status, reply
        raise AssertionError("unreachable")

    def _via_urllib(self, data: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        request = urllib.request.Request(  # noqa: S310 - the company's configured endpoint only
            self.url, data=data, method="POST", headers=headers
        )
        # Built here, not at import: its ProxyHandler reads the proxy from the environment.
        opener = urllib.request.build_opener(_NoRedirect)
        with opener.open(request, timeout=self.timeout) as response:
            return int(response.status), response.read(REPLY_LIMIT)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
