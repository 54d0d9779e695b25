"""Running it: the audit chain (issue #15, item 9), monitoring and the erasure journal
(issue #23)."""

from __future__ import annotations

import os

from karpear.config.env import env_int, env_list, env_str

# The audit chain (issue #15, item 9). Entries are sealed with an HMAC under keys that never enter
# the database: KARPEAR_AUDIT_KEYS (or _FILE), comma-separated, newest first (older ones still
# verify their entries); empty means derived from SECRET_KEY (+ SECRET_KEY_FALLBACKS) with HKDF.
KARPEAR_AUDIT_KEYS = env_list("KARPEAR_AUDIT_KEYS")  # a _FILE may hold one key a line
# Signed checkpoints of the chain's head, written by the worker (and `karpear audit checkpoint`)
# outside the database; empty means DATA_DIR/audit-checkpoints. Copy them to another host or a
# WORM bucket (docs/operations.md, "The audit log").
KARPEAR_AUDIT_CHECKPOINT_DIR = os.environ.get("KARPEAR_AUDIT_CHECKPOINT_DIR", "")
KARPEAR_AUDIT_CHECKPOINT_SECONDS = env_int("KARPEAR_AUDIT_CHECKPOINT_SECONDS", 3600)
# Also put each checkpoint into this S3 bucket (the vault's endpoint and credentials), locked for
# RETAIN_DAYS in COMPLIANCE mode when > 0 (the bucket must have Object Lock enabled).
KARPEAR_AUDIT_CHECKPOINT_S3_BUCKET = os.environ.get("KARPEAR_AUDIT_CHECKPOINT_S3_BUCKET", "")
KARPEAR_AUDIT_CHECKPOINT_S3_RETAIN_DAYS = env_int("KARPEAR_AUDIT_CHECKPOINT_S3_RETAIN_DAYS", 0)

# Operations (issue #23; docs/operations.md "Monitoring"). /metrics answers only with
# "Authorization: Bearer <KARPEAR_METRICS_TOKEN>" (401 otherwise) and does not exist (404)
# while the token is unset.
KARPEAR_METRICS_TOKEN = env_str("KARPEAR_METRICS_TOKEN")
# The erasure journal (issue #23, item 4; backups/journal.py): evidence destroyed and contacts
# erased, as signed lines of ids outside the database, so `karpear restore` does them again.
# Empty means DATA_DIR/erasure-journal; copy it off the host with the audit checkpoints.
KARPEAR_ERASURE_JOURNAL_DIR = os.environ.get("KARPEAR_ERASURE_JOURNAL_DIR", "")
