"""The evidence vault (issue #5): keys, storage, size and retention."""

from __future__ import annotations

import base64
import hashlib
import os

from karpear.config.env import env_int, env_list, env_str, secret_from_data_dir


# KEKs are "id:base64(32 bytes)", newest first.
def _default_kek() -> str:
    raw = secret_from_data_dir("evidence_kek", "KARPEAR_EVIDENCE_KEK")
    return "k1:" + base64.b64encode(hashlib.sha256(raw.encode()).digest()).decode()


KARPEAR_EVIDENCE_KEKS = env_list("KARPEAR_EVIDENCE_KEKS") or [_default_kek()]

KARPEAR_EVIDENCE_BACKEND = os.environ.get("KARPEAR_EVIDENCE_BACKEND", "local")  # local | s3
KARPEAR_EVIDENCE_S3_BUCKET = os.environ.get("KARPEAR_EVIDENCE_S3_BUCKET", "karpear-evidence")
KARPEAR_EVIDENCE_S3_ENDPOINT = os.environ.get("KARPEAR_EVIDENCE_S3_ENDPOINT", "")
KARPEAR_EVIDENCE_S3_REGION = os.environ.get("KARPEAR_EVIDENCE_S3_REGION", "us-east-1")
KARPEAR_EVIDENCE_S3_ACCESS_KEY = env_str("KARPEAR_EVIDENCE_S3_ACCESS_KEY")
KARPEAR_EVIDENCE_S3_SECRET_KEY = env_str("KARPEAR_EVIDENCE_S3_SECRET_KEY")
KARPEAR_EVIDENCE_MAX_BYTES = env_int("KARPEAR_EVIDENCE_MAX_BYTES", 64 * 1024 * 1024)
# Days kept from capture, per legal basis; 2.6 a: "not longer than absolutely
# required"; the draft Cyber Crime law allows up to 180 days.
KARPEAR_RETENTION_DAYS = {"default": env_int("KARPEAR_RETENTION_DAYS", 180)}
