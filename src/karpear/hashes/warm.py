"""Keep the PDQ index snapshots in the page cache (issue #24, PDQ index row).

A snapshot is memory-mapped, so its pages live in the host's page cache. On a quiet host the
kernel evicts them (other files, backups, the database push them out); the next query then
faults in a few thousand random 4 KB pages from disk: 0.2-1.5 s instead of milliseconds. The
worker runs `keep_warm` every `KARPEAR_HASH_INDEX_TOUCH_EVERY` seconds: for each organisation's
current snapshot it asks for the whole files (madvise WILLNEED: the kernel reads them ahead in
large sequential requests) and reads one byte of every page, which marks the pages recently
used so the kernel evicts other pages first. When the pages are resident a round costs a few
milliseconds per GB; when they were evicted it reads them back once, sequentially.

Not mlock: it needs CAP_IPC_LOCK or a raised RLIMIT_MEMLOCK, and a locked GB can starve
PostgreSQL; a periodic touch keeps the index warm without taking memory from anyone for good.
"""

from __future__ import annotations

import logging
import mmap
from pathlib import Path

import numpy as np

from karpear.hashes import mih

log = logging.getLogger("karpear.hashes")


def touch(directory: Path) -> int:
    """Read ahead and touch every page of one snapshot's arrays; returns the pages touched."""
    pages = 0
    for name in mih.ARRAYS:
        path = directory / f"{name}.npy"
        with open(path, "rb") as handle:
            size = path.stat().st_size
            if not size:
                continue
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
                mapped.madvise(mmap.MADV_WILLNEED)
                view = np.frombuffer(mapped, dtype=np.uint8)
                touched = view[:: mmap.PAGESIZE]
                int(touched.sum(dtype=np.uint64))  # the read is the point, not the sum
                pages += len(touched)
                del view, touched
    return pages


def keep_warm() -> int:
    """The worker job: touch every organisation's current snapshot; returns how many."""
    from django.conf import settings

    root = Path(settings.KARPEAR_HASH_INDEX_DIR)
    warmed = 0
    for pointer in sorted(root.glob("*/current")):
        version = pointer.read_text().strip()
        if not version:
            continue
        try:
            touch(pointer.parent / version)
        except OSError as exc:  # replaced meanwhile, or damaged: the search path handles it
            log.info("PDQ index snapshot %s not warmed: %s", pointer.parent / version, exc)
            continue
        warmed += 1
    return warmed
