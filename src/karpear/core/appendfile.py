"""Append-only files of signed lines kept outside the database: the audit checkpoints
(audit/checkpoints.py) and the erasure journal (backups/journal.py)."""

from __future__ import annotations

import os
from pathlib import Path


def append_line(path: Path, line: str) -> None:
    """Append one line (O_APPEND: concurrent writers never interleave a short line) and fsync.

    A last line torn by a crash is left as it is (its reader reports it) and the new line
    starts on a line of its own, so the torn fragment never takes a good line down with it. A
    new file's directory entry is fsynced too, so the file survives a power loss.
    """
    created = not path.exists()
    if not created and path.stat().st_size:
        with path.open("rb") as handle:
            handle.seek(-1, os.SEEK_END)
            if handle.read(1) != b"\n":  # a write torn by a crash: start on a line of its own
                line = "\n" + line
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
