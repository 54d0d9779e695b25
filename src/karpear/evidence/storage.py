"""Where encrypted evidence bytes live: a local directory (default) or S3-compatible storage."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings

from karpear.core.errors import ApplicationError


class StorageError(ApplicationError):
    """The object store refused or lost something; the message says what."""

    status = 507
    code = "storage"


class Backend(Protocol):
    name: str

    def put(self, key: str, data: bytes) -> None: ...
    def put_new(self, key: str, data: bytes) -> None: ...
    def put_new_chunks(self, key: str, chunks: Iterable[bytes | memoryview]) -> None: ...
    def get(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...
    def exists(self, key: str) -> bool: ...


class LocalBackend:
    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True, mode=0o700)

    def _path(self, key: str) -> Path:
        return self.root / Path(key).name

    def put(self, key: str, data: bytes) -> None:
        target = self._path(key)
        temporary = target.with_suffix(".partial")
        try:
            # Owner-only from the first byte (issue #15, item 11), whatever the umask.
            private = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(private, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            temporary.replace(target)  # all or nothing
            _fsync_directory(self.root)  # the rename itself survives a power cut
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise StorageError(f"could not store the item: {exc.strerror or exc}") from exc

    def put_new(self, key: str, data: bytes) -> None:
        """Store a new object under a fresh key, durably, with one flush of the disk.

        `put` writes a temporary file, renames it and fsyncs the directory: the rename is a
        second metadata change, so the directory's fsync is a second journal commit on ext4
        (the item's third flush with the database's COMMIT; issue #24, item 6). A capture's key
        is new and its row commits only after this returns, so the file is created under its
        final name (O_EXCL: never over another object). The directory is still fsynced, as POSIX
        asks for a new entry, but the file's fsync has already committed the creation with the
        data, so that fsync finds nothing left to write. A crash before this returns leaves at
        most an unreferenced file that no row names, never a partial object behind a row.
        """
        self.put_new_chunks(key, (data,))

    def put_new_chunks(self, key: str, chunks: Iterable[bytes | memoryview]) -> None:
        """`put_new` of the pieces' concatenation, each written as it comes (evidence capture
        encrypts into one reused buffer while it writes: `keys.encrypt_chunks`). Anything
        raised while writing, by the disk or by whatever makes the pieces, removes the file."""
        target = self._path(key)
        try:
            private = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(private, "wb") as handle:
                    for chunk in chunks:
                        handle.write(chunk)
                    handle.flush()
                    os.fsync(handle.fileno())
                _fsync_directory(self.root)
            except BaseException:
                target.unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise StorageError(f"could not store the item: {exc.strerror or exc}") from exc

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise StorageError("the stored object is missing") from exc

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)
        _fsync_directory(self.root)  # a destroyed item's file does not come back after a crash

    def exists(self, key: str) -> bool:
        return self._path(key).exists()


def _fsync_directory(directory: Path) -> None:
    """Make a rename or unlink in `directory` durable: fsync of the file alone does not
    persist its directory entry (POSIX; ext4 and XFS lose renames without it)."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class S3Backend:
    name = "s3"

    def __init__(self, bucket: str, **client_options: Any) -> None:
        import boto3

        self.bucket = bucket
        self.client = boto3.client("s3", **client_options)

    def put(self, key: str, data: bytes) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data)
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"object storage refused the item: {exc}") from exc

    def put_new(self, key: str, data: bytes) -> None:
        """Store a new object under a fresh key; never over another object (as
        `LocalBackend.put_new`'s O_EXCL). A conditional PUT (`If-None-Match: *`, in S3 since
        August 2024 and in MinIO) makes the store refuse with 412 when the name exists, in the
        same request: a HEAD first would leave a window between the check and the write. One
        PUT is durable once answered.
        """
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data, IfNoneMatch="*")
        except ClientError as exc:
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 412:
                # The filesystem's refusal, word for word: callers see one error either way.
                raise StorageError(
                    f"could not store the item: {os.strerror(errno.EEXIST)}"
                ) from exc
            raise StorageError(f"object storage refused the item: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"object storage refused the item: {exc}") from exc

    def put_new_chunks(self, key: str, chunks: Iterable[bytes | memoryview]) -> None:
        """One conditional PUT of the pieces joined (each copied as it comes: a piece may be
        a view of a buffer its maker reuses)."""
        body = bytearray()
        for chunk in chunks:
            body += chunk
        self.put_new(key, bytes(body))

    def get(self, key: str) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return bytes(self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read())
        except (BotoCoreError, ClientError) as exc:
            raise StorageError("the stored object is missing") from exc

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError:
            return False
        return True


def backend(name: str | None = None) -> Backend:
    """The configured backend, or the one an item was stored in."""
    chosen = name or settings.KARPEAR_EVIDENCE_BACKEND
    if chosen == "s3":
        options = {
            k: v
            for k, v in {
                "endpoint_url": settings.KARPEAR_EVIDENCE_S3_ENDPOINT or None,
                "region_name": settings.KARPEAR_EVIDENCE_S3_REGION,
                "aws_access_key_id": settings.KARPEAR_EVIDENCE_S3_ACCESS_KEY or None,
                "aws_secret_access_key": settings.KARPEAR_EVIDENCE_S3_SECRET_KEY or None,
            }.items()
            if v
        }
        return S3Backend(settings.KARPEAR_EVIDENCE_S3_BUCKET, **options)
    return LocalBackend(Path(settings.DATA_DIR) / "vault")
