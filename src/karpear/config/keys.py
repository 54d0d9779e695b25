"""Karpear's own secrets, and the production start-up check of every secret (issue #15,
item 10; the rules are in karpear/core/secret_rules.py)."""

from __future__ import annotations

import os
from pathlib import Path

from karpear.config.env import DATA_DIR, env_list, env_str, secret_from_data_dir

# Key for field-level encryption of personal data (reporter contact details).
# Comma-separated: the first encrypts, all decrypt (rotation; docs/operations.md).
KARPEAR_FIELD_KEYS = env_list("KARPEAR_FIELD_KEYS") or [
    secret_from_data_dir("field_key", "KARPEAR_FIELD_KEY")
]
# Keyed hash for rate limiting, so raw IP addresses are never stored.
KARPEAR_CLIENT_HASH_KEY = secret_from_data_dir("client_hash_key", "KARPEAR_CLIENT_HASH_KEY")
# Seed of the deployment's Ed25519 key (signed blocklists, packages for the MPTC).
KARPEAR_SIGNING_KEY = secret_from_data_dir("signing_key", "KARPEAR_SIGNING_KEY")

# Production start-up checks. Messages name variables, never values: this error is printed and
# logged.
TEXT_SECRETS = [
    "SECRET_KEY",
    "KARPEAR_FIELD_KEYS",
    "KARPEAR_FIELD_KEY",
    "KARPEAR_CLIENT_HASH_KEY",
    "KARPEAR_SIGNING_KEY",
    "KARPEAR_EVIDENCE_KEK",
    "KARPEAR_METRICS_TOKEN",
    "KARPEAR_AUDIT_KEYS",  # the audit chain's HMAC keys (issue #15, item 9)
]
LIST_SECRETS = {"KARPEAR_FIELD_KEYS", "KARPEAR_EVIDENCE_KEKS", "KARPEAR_AUDIT_KEYS"}


def production_problems(*, debug: bool) -> list[str]:
    from karpear.core.secret_rules import kek_weakness, text_secret_weakness

    problems = []
    if debug:
        problems.append("DEBUG is on")
    for name in TEXT_SECRETS:
        values = env_list(name) if name in LIST_SECRETS else [env_str(name)]
        for position, value in enumerate(v for v in values if v):
            weakness = text_secret_weakness(value)
            if weakness:
                label = f"{name} (item {position + 1})" if name in LIST_SECRETS else name
                problems.append(f"{label} {weakness}")
    for position, entry in enumerate(env_list("KARPEAR_EVIDENCE_KEKS")):
        weakness = kek_weakness(entry)
        if weakness:
            problems.append(f"KARPEAR_EVIDENCE_KEKS (item {position + 1}) {weakness}")
    # A key kept beside the data it protects protects nothing: a copy of the data
    # directory (database file, vault) would carry its own key (docs/operations.md).
    for name in [*TEXT_SECRETS, "KARPEAR_EVIDENCE_KEKS"]:
        file_name = os.environ.get(f"{name}_FILE")
        if file_name and Path(file_name).resolve().is_relative_to(DATA_DIR):
            problems.append(f"{name}_FILE is inside the data directory KARPEAR_DATA_DIR")
    return problems
