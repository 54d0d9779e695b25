"""The compiled blocklist and its lookup, shared by the Squid helper, the API and the splash page.

Deliberately free of Django: the Squid helper imports only this module and
`karpear.links.canonical`, starts in a fraction of a second and holds the list
in memory at 32 bytes per listed page plus 2 for its source.

File layout (written by `write_compiled`, replaced atomically by rename):

    b"KBL2\\n" | header length (8 bytes, little endian) | header JSON | padding to 8
    | N sorted SHA-256 digests (32 bytes each) | N source indexes (uint16, little endian)
    | SHA-256 of everything before it (32 bytes)

The trailing checksum is verified on every load (issue #15, item 8): a truncated, flipped or
half-copied file is refused as a whole, never used in part, so a corrupt file cannot quietly
answer "not listed". A plain SHA-256, not a MAC: it guards against damage, not against someone
who can already write the data directory (and the helper has no deployment secret to key it).
KBL1 files (no checksum) are refused too; `karpear blocklist compile` rewrites them.

The header holds the serial, the sources and the whole-domain entries (few,
and DNS needs them in clear anyway). The file is read into private memory, not
memory-mapped: a list overwritten in place (cp instead of rename) must never
change or crash a running helper.

A lookup goes through a prefix-bucket table (issue #24): the leading bits of a digest index a
table of offsets, and the digest is then found with one `bytes.find` inside its bucket. The
table grows with the list (one bucket per one or two digests: 2^20 at a million, as a 4 MB
array of uint32), so a bucket holds about one digest at any size. With a fixed 16-bit table a
bucket held 15 digests at a million and `bytes.find` over its 480 bytes cost 600-800 ns of
CPU against ~150 at 10k (measured, warm cache): the cost that grew with the list. A binary
search over the sorted digests touched ~20 cache lines of a 32 MB array per expression; the
bucket touches one or two. The verified file is then copied into a private anonymous mapping
backed by transparent huge pages where the kernel offers them (`_resident`): at a million
entries a lookup's random reads in the 2 MB bitmap and the 32 MB of digests otherwise each
miss the TLB as well as the cache (the kernel's default THP mode is "madvise", so it has to
be asked; the mapping is private, so a file overwritten in place still changes nothing).
bench/blocklist.py prints the cost at both sizes.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import struct
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from karpear.links.canonical import (
    CanonicalURL,
    MalformedURL,
    canonicalize,
    lookup_expressions,
    page_expression,
)

MAGIC = b"KBL2\n"
CHECKSUM = 32  # trailing SHA-256
FILTER_BITS = (16, 28)  # the bitmap's address bits: at least 16, at most 28 (32 MB)
BUCKET_BITS_BELOW_FILTER = 4  # prefix buckets: 2^(filter bits - 4), one per 0.5-1 digest


@dataclass(frozen=True)
class SourceInfo:
    code: str
    name: str
    appeals_email: str = ""
    id: int = 0  # the Source row at the instance that compiled the list


@dataclass(frozen=True)
class Hit:
    kind: str  # "url" or "domain"
    source: SourceInfo
    expression: str  # the domain or the matching lookup expression


@dataclass
class CompiledList:
    serial: int
    sources: list[SourceInfo]
    domains: dict[str, int]
    digests: list[tuple[bytes, int]] = field(default_factory=list)  # (sha256, source index)


def expression_digest(expression: str) -> bytes:
    return hashlib.sha256(expression.encode("utf-8")).digest()


def url_digest_hex(canonical: CanonicalURL) -> str:
    """What a list carries for an exact-page entry: SHA-256 of its full canonical expression."""
    return expression_digest(lookup_expressions(canonical)[0]).hex()


def page_digest_hex(canonical: CanonicalURL) -> str:
    """What a list carries for a "this page only" entry (links.canonical.page_expression)."""
    return expression_digest(page_expression(canonical)).hex()


def encode_compiled(compiled: CompiledList) -> bytes:
    """The file's bytes, checksum included."""
    compiled.digests.sort()
    header = json.dumps(
        {
            "serial": compiled.serial,
            "count": len(compiled.digests),
            "sources": [s.__dict__ for s in compiled.sources],
            "domains": compiled.domains,
        },
        ensure_ascii=True,
    ).encode("ascii")
    padding = (-(len(MAGIC) + 8 + len(header))) % 8
    body = b"".join(
        [
            MAGIC + struct.pack("<Q", len(header)) + header + b"\0" * padding,
            b"".join(d for d, _ in compiled.digests),
            np.array([i for _, i in compiled.digests], dtype="<u2").tobytes(),
        ]
    )
    return body + hashlib.sha256(body).digest()


def write_compiled(path: Path, compiled: CompiledList) -> None:
    """Write the file beside its final name and rename it into place (never half-written)."""
    data = encode_compiled(compiled)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
    directory = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(directory)  # the rename survives a power cut
    finally:
        os.close(directory)


def read_header(path: Path) -> dict[str, Any]:
    with open(path, "rb") as handle:
        if handle.read(len(MAGIC)) != MAGIC:
            raise ValueError(f"{path} is not a compiled Karpear blocklist")
        (length,) = struct.unpack("<Q", handle.read(8))
        header: dict[str, Any] = json.loads(handle.read(length))
    return header


@dataclass(frozen=True)
class _Loaded:
    serial: int
    sources: list[SourceInfo]
    domains: dict[str, int]
    digests: np.ndarray[Any, Any]
    source_of: np.ndarray[Any, Any]
    body: bytes  # the verified file, digests at `offset` (lookups search it in place)
    offset: int


def _parse(data: bytes, name: str) -> _Loaded:
    """A verified list from a file's bytes; ValueError saying why when it is not one."""
    broken = f"{name} is not a compiled Karpear blocklist"
    if data[: len(MAGIC)] != MAGIC or len(data) < len(MAGIC) + 8 + CHECKSUM:
        raise ValueError(broken)
    body, checksum = data[:-CHECKSUM], data[-CHECKSUM:]
    if hashlib.sha256(body).digest() != checksum:
        raise ValueError(f"{broken} (checksum mismatch: truncated or damaged)")
    (length,) = struct.unpack("<Q", body[len(MAGIC) : len(MAGIC) + 8])
    start = len(MAGIC) + 8
    offset = start + length
    offset += (-offset) % 8
    try:
        header = json.loads(body[start : start + length])
        count = int(header["count"])
        if len(body) != offset + 34 * count:
            raise ValueError("wrong length")
        return _Loaded(
            serial=int(header["serial"]),
            sources=[SourceInfo(**s) for s in header["sources"]],
            domains={str(k): int(v) for k, v in header["domains"].items()},
            digests=np.frombuffer(body, dtype="S32", count=count, offset=offset),
            source_of=np.frombuffer(body, dtype="<u2", count=count, offset=offset + 32 * count),
            body=body,
            offset=offset,
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{broken} ({exc})") from exc


HUGE_PAGE = 1 << 21


def _resident(data: bytes) -> bytes | mmap.mmap:
    """`data` in transparent huge pages (a private anonymous copy), or as it is when small or
    when the platform cannot map one: lookups read either the same way (issue #24)."""
    if len(data) < HUGE_PAGE:
        return data
    try:
        mapped = mmap.mmap(-1, len(data), flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        mapped.madvise(mmap.MADV_HUGEPAGE)  # before the first write: faults take huge pages
    except (OSError, AttributeError, ValueError):
        return data
    mapped.write(data)
    return mapped


class Matcher:
    """Looks URLs up in a compiled list; `refresh()` picks up a newer file cheaply.

    A matcher always holds a verified list: the constructor raises FileNotFoundError or
    ValueError rather than start empty, and a later broken or missing file leaves the last
    good list in place. An empty list therefore only ever means "nothing is listed".
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._stamp: tuple[int, int, int] | None = None
        self._failed: tuple[int, int, int] | None = None
        self.serial = 0
        self.sources: list[SourceInfo] = []
        self.domains: dict[str, int] = {}
        self._digests: np.ndarray[Any, Any] = np.empty(0, dtype="S32")
        self._source_of: np.ndarray[Any, Any] = np.empty(0, dtype="<u2")
        self._blob: bytes | mmap.mmap = b""
        self._base = 0
        self._starts: array[int] = array("Q", [0, 0])
        self._filter: bytes | mmap.mmap = b""
        self._shift = 32
        self._bucket_shift = 0
        if not self.refresh():
            raise FileNotFoundError(f"{self.path}: no compiled Karpear blocklist there")

    @classmethod
    def from_compiled(cls, compiled: CompiledList) -> Matcher:
        """A matcher over a list built in memory (the web's fallback when the file is bad)."""
        matcher = cls.__new__(cls)
        matcher.path, matcher._stamp, matcher._failed = Path(), None, None
        matcher._adopt(_parse(encode_compiled(compiled), "the list built from the database"))
        return matcher

    def __len__(self) -> int:
        return len(self._digests) + len(self.domains)

    def _adopt(self, loaded: _Loaded) -> None:
        count = len(loaded.digests)
        body = _resident(loaded.body) if count else b""
        self._blob, self._base = body, loaded.offset if count else 0
        self._digests = np.frombuffer(body, dtype="S32", count=count, offset=self._base)
        self._source_of = np.frombuffer(
            body, dtype="<u2", count=count, offset=self._base + 32 * count
        )
        region = np.frombuffer(body, dtype=np.uint8, count=32 * count, offset=self._base)
        # A bitmap of ~16 bits per entry, indexed by the digest's leading bits: it stays in
        # the CPU cache at a million entries and answers most "not listed" without touching
        # the 32 MB of digests (a cache miss costs ~200 ns here, more than the rest of a probe).
        bits = min(max((16 * count).bit_length(), FILTER_BITS[0]), FILTER_BITS[1])
        self._shift = 32 - bits
        leading = region.view(">u4")[::8] >> self._shift
        marks = np.zeros(1 << (bits - 3), dtype=np.uint8)
        np.bitwise_or.at(marks, leading >> 3, (1 << (leading & 7)).astype(np.uint8))
        self._filter = _resident(marks.tobytes())
        # Bucket b holds the digests whose leading (bits - 4) bits are b, i.e. whose bitmap
        # address shifted right by 4 is b: bytes starts[b]..starts[b+1] of the file.
        self._bucket_shift = BUCKET_BITS_BELOW_FILTER
        buckets = 1 << (bits - BUCKET_BITS_BELOW_FILTER)
        starts = np.searchsorted(leading >> self._bucket_shift, np.arange(buckets + 1))
        offsets = starts * 32 + self._base
        kind = "I" if len(body) < 1 << 32 else "Q"  # 4 MB at a million entries, not 8
        self._starts = array(
            kind, offsets.astype(np.uint32 if kind == "I" else np.uint64).tobytes()
        )
        self.serial, self.sources, self.domains = loaded.serial, loaded.sources, loaded.domains

    def refresh(self) -> bool:
        """Reload if the file changed since the last load; keep the old list if it is broken."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return False
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        if stamp in (self._stamp, self._failed):
            return False
        self._failed = stamp  # until it loads: a broken file is reported once, not every second
        self._adopt(_parse(self.path.read_bytes(), str(self.path)))
        self._stamp, self._failed = stamp, None
        return True

    def _domain_hit(self, host: str) -> Hit | None:
        if not self.domains:
            return None
        labels = host.split(".")
        for start in range(len(labels)):
            candidate = ".".join(labels[start:])
            index = self.domains.get(candidate)
            if index is not None:
                return Hit("domain", self.sources[index], candidate)
        return None

    def _position(self, expressions: list[str]) -> tuple[int, int]:
        """(which expression, its index in the list) for the first one listed, or (-1, -1).

        One SHA-256 and one `bytes.find` inside the digest's bucket per expression, all in
        one loop (this is the Squid helper's inner loop: no calls it can do without).
        """
        blob, base, starts, sha256 = self._blob, self._base, self._starts, hashlib.sha256
        marks, shift, below = self._filter, self._shift, self._bucket_shift
        for number, expression in enumerate(expressions):
            digest = sha256(expression.encode()).digest()
            mark = int.from_bytes(digest[:4]) >> shift
            if not marks[mark >> 3] & (1 << (mark & 7)):
                continue
            bucket = mark >> below
            lo, hi = starts[bucket], starts[bucket + 1]
            at = blob.find(digest, lo, hi)
            while at >= 0 and (at - base) & 31:  # a match straddling two digests
                at = blob.find(digest, at + 1, hi)
            if at >= 0:
                return number, (at - base) >> 5
        return -1, -1

    def lookup_canonical(self, canonical: CanonicalURL) -> Hit | None:
        hit = self._domain_hit(canonical.host)
        if hit is not None or not self._blob:
            return hit
        # The Safe Browsing expressions, then the "this page only" one.
        expressions = lookup_expressions(canonical)
        expressions.append(page_expression(canonical))
        number, at = self._position(expressions)
        if number < 0:
            return None
        return Hit("url", self.sources[int(self._source_of[at])], expressions[number])

    def lookup(self, url: str | bytes) -> Hit | None:
        """The entry that blocks `url`, or None. Raises MalformedURL for text that is no URL."""
        return self.lookup_canonical(canonicalize(url))


def compile_from(
    *,
    serial: int,
    sources: Iterable[SourceInfo],
    entries: Iterable[tuple[str, str, int]],
) -> CompiledList:
    """Build a CompiledList from (kind, value, source index) rows."""
    compiled = CompiledList(serial=serial, sources=list(sources), domains={})
    for kind, value, index in entries:
        if kind == "domain":
            compiled.domains.setdefault(value, index)
        else:
            compiled.digests.append((bytes.fromhex(value), index))
    # The same page listed by two sources: keep one (lookup needs unique keys).
    seen: set[bytes] = set()
    unique = []
    for digest, index in sorted(compiled.digests):
        if digest not in seen:
            seen.add(digest)
            unique.append((digest, index))
    compiled.digests = unique
    return compiled


__all__ = [
    "CompiledList",
    "Hit",
    "MalformedURL",
    "Matcher",
    "SourceInfo",
    "compile_from",
    "encode_compiled",
    "expression_digest",
    "page_digest_hex",
    "read_header",
    "url_digest_hex",
    "write_compiled",
]
