"""A password hasher that counts how often it runs (the spy for sign-in throttling tests)."""

from __future__ import annotations

import threading
from typing import Any

from django.contrib.auth.hashers import MD5PasswordHasher


class CountingMD5Hasher(MD5PasswordHasher):
    """MD5 (the suite's fast hasher) that counts every hash it computes, across threads."""

    runs = 0
    _lock = threading.Lock()

    def encode(self, password: str, salt: str) -> str:
        with CountingMD5Hasher._lock:
            CountingMD5Hasher.runs += 1
        return super().encode(password, salt)

    @classmethod
    def reset(cls) -> None:
        with cls._lock:
            cls.runs = 0


def use_counting_hasher(settings: Any) -> type[CountingMD5Hasher]:
    settings.PASSWORD_HASHERS = ["tests.desk.hashers.CountingMD5Hasher"]
    CountingMD5Hasher.reset()
    return CountingMD5Hasher
