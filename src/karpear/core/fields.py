"""A model field encrypted with the field keys (core.crypto) (issue #15, item 11).

For secrets Karpear must use again in clear, such as webhook signing secrets:
the database holds a Fernet token, the model instance the plain text. A copy
of the database alone reveals neither (docs/operations.md, "What a copy
reveals"). Tokens are randomised, so the field cannot be filtered on.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from karpear.core.crypto import decrypt_text, encrypt_text


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Text stored encrypted; "" stays "" (nothing to hide, and blank=True keeps working)."""

    description = "Text encrypted with the field keys"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        return decrypt_text(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt_text(str(value))
