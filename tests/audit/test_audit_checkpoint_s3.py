"""Checkpoints in an S3 bucket with Object Lock (issue #15, item 9), against moto's S3 server."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from karpear.audit.checkpoint_s3 import PREFIX
from karpear.audit.checkpoints import checkpoint_dir, checkpoint_write, checkpoints_read
from karpear.orgs.models import Organisation
from tests.audit.test_audit_keyed import _entries, _sql, rechain
from tests.platform_fixture import free_port


@dataclass
class Bucket:
    client: Any
    name: str


@pytest.fixture
def bucket(settings: Any) -> Iterator[Bucket]:
    """A bucket with Object Lock on moto's S3 server. moto keeps buckets for the whole process
    and locked objects cannot be removed, so each test gets a bucket of its own."""
    import boto3
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    settings.KARPEAR_EVIDENCE_S3_ENDPOINT = f"http://127.0.0.1:{port}"
    settings.KARPEAR_EVIDENCE_S3_ACCESS_KEY = "test"
    settings.KARPEAR_EVIDENCE_S3_SECRET_KEY = "test"
    name = f"karpear-audit-worm-{uuid.uuid4().hex[:8]}"
    settings.KARPEAR_AUDIT_CHECKPOINT_S3_BUCKET = name
    settings.KARPEAR_AUDIT_CHECKPOINT_S3_RETAIN_DAYS = 400
    client = boto3.client(
        "s3",
        endpoint_url=settings.KARPEAR_EVIDENCE_S3_ENDPOINT,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    yield Bucket(client, name)
    server.stop()


def test_each_checkpoint_is_a_locked_object(acme: Organisation, bucket: Bucket) -> None:
    _entries(acme, 2)
    point = checkpoint_write()
    assert point is not None
    (item,) = bucket.client.list_objects_v2(Bucket=bucket.name, Prefix=PREFIX)["Contents"]
    assert item["Key"].endswith(f"-{point.entry_id}.json")
    head = bucket.client.head_object(Bucket=bucket.name, Key=item["Key"])
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert checkpoint_write() is None  # nothing new, no new object
    # Read from both places, counted once.
    assert [p.entry_id for p in checkpoints_read().points] == [point.entry_id]


def test_the_bucket_copy_catches_a_rewrite_after_the_local_files_are_gone(
    acme: Organisation, bucket: Bucket
) -> None:
    entries = _entries(acme)
    checkpoint_write()
    shutil.rmtree(checkpoint_dir())
    _sql("DELETE FROM audit_auditentry WHERE id = %s", [entries[1].id])
    rechain(entries[0].id, key=None)
    with pytest.raises(CommandError, match=f"entry {entries[-1].id}"):
        call_command("audit", "verify", stdout=StringIO())


def test_a_refusing_bucket_writes_no_local_line_either(
    acme: Organisation, bucket: Bucket, settings: Any
) -> None:
    from karpear.audit.checkpoint_s3 import CheckpointUploadError

    _entries(acme, 1)
    settings.KARPEAR_AUDIT_CHECKPOINT_S3_BUCKET = "no-such-bucket"
    with pytest.raises(CheckpointUploadError):
        checkpoint_write()
    assert not list(checkpoint_dir().glob("*.jsonl"))
    settings.KARPEAR_AUDIT_CHECKPOINT_S3_BUCKET = bucket.name
    assert checkpoint_write() is not None  # the next round catches up
