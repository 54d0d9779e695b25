"""One error type for the whole service, one JSON format for it.

Services raise ApplicationError; the API turns it into
`{"error": {"code": ..., "message": ..., "fields": {...}}}` with its status,
and pages show `message` in the person's language. Messages are lazy gettext
strings so they render in the language active at response time.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise


class ApplicationError(Exception):
    status: int = 400
    code: str = "invalid"

    def __init__(
        self,
        message: str | Promise,
        *,
        code: str | None = None,
        status: int | None = None,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.fields = fields or {}

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.fields:
            body["fields"] = self.fields
        return {"error": body}


class RateLimited(ApplicationError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str | Promise, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotFound(ApplicationError):
    status = 404
    code = "not_found"
