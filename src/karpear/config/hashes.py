"""Hash checks (issue #6), the ISP blocklist (issue #7) and the decoding budget for pictures
and videos (issue #15, item 6)."""

from __future__ import annotations

import os
from pathlib import Path

from karpear.config.env import DATA_DIR, env_int, env_str

# A hash matching more than FLOOD_MAX distinct items within FLOOD_MINUTES is quarantined: it
# stops triggering automatic action until the lead releases it.
KARPEAR_HASH_FLOOD_MAX = env_int("KARPEAR_HASH_FLOOD_MAX", 20)
KARPEAR_HASH_FLOOD_MINUTES = env_int("KARPEAR_HASH_FLOOD_MINUTES", 60)
# The PDQ index snapshot (memory-mapped, shared by every process on the host) and how many hashes
# added since it a process keeps in memory before writing a new one (issue #6, item 9).
KARPEAR_HASH_INDEX_DIR = Path(os.environ.get("KARPEAR_HASH_INDEX_DIR", DATA_DIR / "hash-index"))
KARPEAR_HASH_INDEX_COMPACT_AT = env_int("KARPEAR_HASH_INDEX_COMPACT_AT", 100_000)
# Seconds between the worker's rounds that keep the PDQ snapshots in the page cache (issue #24).
KARPEAR_HASH_INDEX_TOUCH_EVERY = env_int("KARPEAR_HASH_INDEX_TOUCH_EVERY", 60)
# Hash exchanges (docs/hashes.md): NCMEC "user:password", StopNCII "fetch_key,subscription_key".
KARPEAR_NCMEC_CREDENTIALS = env_str("KARPEAR_NCMEC_CREDENTIALS")
KARPEAR_STOPNCII_KEYS = env_str("KARPEAR_STOPNCII_KEYS")

# ISP blocklist (issue #7). The compiled list that the Squid helper, the check
# API and the splash page read lives here, one file per organisation.
KARPEAR_BLOCKLIST_DIR = Path(os.environ.get("KARPEAR_BLOCKLIST_DIR", DATA_DIR / "blocklist"))
KARPEAR_BLOCKLIST_FETCH_TIMEOUT = env_int("KARPEAR_BLOCKLIST_FETCH_TIMEOUT", 60)  # seconds
KARPEAR_BLOCKLIST_MAX_BYTES = env_int("KARPEAR_BLOCKLIST_MAX_BYTES", 512 * 1024 * 1024)
KARPEAR_RATE_APPEALS = os.environ.get("KARPEAR_RATE_APPEALS", "5/600")

# Decoding budget (issue #15, item 6; docs/operations.md "Decoding budget"). Images and videos are
# decoded only in a decoder process of their own (karpear.hashes.sandbox), each job in a fresh
# child limited to DECODE_MEMORY_MB more address space and DECODE_SECONDS of CPU and wall-clock
# time, after the headers were checked: over budget answers 413, too slow 422.
KARPEAR_DECODE_MAX_PIXELS = env_int("KARPEAR_DECODE_MAX_PIXELS", 25_000_000)  # Pillow's bomb limit
# Video: what one core hashes (a PDQ a second) within DECODE_SECONDS: 1080p, a minute.
KARPEAR_DECODE_MAX_FRAME_PIXELS = env_int("KARPEAR_DECODE_MAX_FRAME_PIXELS", 1920 * 1080)
KARPEAR_DECODE_MAX_VIDEO_SECONDS = env_int("KARPEAR_DECODE_MAX_VIDEO_SECONDS", 60)
# Frames x width x height x 1.5 bytes (YUV 4:2:0): 6 GB is about 66 s of 1080p at 30 frames a
# second (33 s at 60); it bounds the decoding work, as frames are decoded one at a time.
KARPEAR_DECODE_MAX_VIDEO_DECODED_MB = env_int("KARPEAR_DECODE_MAX_VIDEO_DECODED_MB", 6144)
KARPEAR_DECODE_MEMORY_MB = env_int("KARPEAR_DECODE_MEMORY_MB", 1024)
# Below gunicorn's --timeout (30 s by default), so the decode is stopped before the worker is.
KARPEAR_DECODE_SECONDS = env_int("KARPEAR_DECODE_SECONDS", 20)
