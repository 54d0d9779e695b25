"""Checkpoints also go to an S3 bucket, one object each (issue #15, item 9).

S3 has no append, so each checkpoint is its own object under `audit-checkpoints/`. With a bucket
created with Object Lock and KARPEAR_AUDIT_CHECKPOINT_S3_RETAIN_DAYS set, every object is locked
in COMPLIANCE mode: not even the bucket's owner can delete or overwrite it before the date,
which is what makes the copy worth more than the local files. The endpoint and credentials are
the evidence vault's (KARPEAR_EVIDENCE_S3_*); give that credential no delete right on this bucket.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

PREFIX = "audit-checkpoints/"


class CheckpointUploadError(Exception):
    """The bucket refused the checkpoint (the worker retries on its next round)."""


def s3_enabled() -> bool:
    return bool(settings.KARPEAR_AUDIT_CHECKPOINT_S3_BUCKET)


def _client() -> Any:
    import boto3

    options = {
        "endpoint_url": settings.KARPEAR_EVIDENCE_S3_ENDPOINT or None,
        "region_name": settings.KARPEAR_EVIDENCE_S3_REGION,
        "aws_access_key_id": settings.KARPEAR_EVIDENCE_S3_ACCESS_KEY or None,
        "aws_secret_access_key": settings.KARPEAR_EVIDENCE_S3_SECRET_KEY or None,
    }
    return boto3.client("s3", **{k: v for k, v in options.items() if v})


def s3_put(line: str, *, entry_id: int, when: datetime) -> str:
    """Store one signed checkpoint line; returns its address."""
    from botocore.exceptions import BotoCoreError, ClientError

    bucket = settings.KARPEAR_AUDIT_CHECKPOINT_S3_BUCKET
    key = f"{PREFIX}{when:%Y-%m-%dT%H%M%SZ}-{entry_id}.json"
    extra: dict[str, Any] = {}
    days = settings.KARPEAR_AUDIT_CHECKPOINT_S3_RETAIN_DAYS
    if days > 0:
        extra = {
            "ObjectLockMode": "COMPLIANCE",
            "ObjectLockRetainUntilDate": when + timedelta(days=days),
        }
    try:
        _client().put_object(
            Bucket=bucket,
            Key=key,
            Body=line.encode("ascii"),
            ContentType="application/json",
            **extra,
        )
    except (BotoCoreError, ClientError) as exc:
        raise CheckpointUploadError(f"the checkpoint bucket refused it: {exc}") from exc
    return f"s3://{bucket}/{key}"


def s3_lines() -> Iterator[tuple[str, str]]:
    """(address, line) of every checkpoint object in the bucket, oldest first."""
    bucket = settings.KARPEAR_AUDIT_CHECKPOINT_S3_BUCKET
    client = _client()
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=PREFIX)
    for page in pages:
        for item in sorted(page.get("Contents", []), key=lambda o: str(o["Key"])):
            body = client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            yield f"s3://{bucket}/{item['Key']}", body.decode("ascii", "replace").strip()
