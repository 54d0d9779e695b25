"""The compiled list's lookup table at every size (issue #24): the prefix buckets grow with the
list, so a lookup must find exactly the listed digests whatever the size, however many digests
share a bucket, and never a 32-byte run that straddles two listed digests."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from karpear.blocklist.matcher import Matcher, SourceInfo, compile_from, write_compiled
from karpear.links.canonical import canonicalize, lookup_expressions

SOURCES = [SourceInfo("IWF", "IWF"), SourceInfo("NCMEC", "NCMEC")]


def _expression(url: str) -> str:
    return lookup_expressions(canonicalize(url))[0]


def _digest(url: str) -> bytes:
    return hashlib.sha256(_expression(url).encode()).digest()


def _matcher(tmp_path: Path, digests: list[bytes], source: int = 0) -> Matcher:
    path = tmp_path / "list.kbl"
    write_compiled(
        path,
        compile_from(
            serial=1, sources=SOURCES, entries=(("url", d.hex(), source) for d in digests)
        ),
    )
    return Matcher(path)


@pytest.mark.parametrize("filler", [0, 1, 5_000, 70_000])
def test_every_listed_page_is_found_and_no_other_at_any_size(tmp_path: Path, filler: int) -> None:
    listed = [f"http://site{i}.example/p/{i}.html" for i in range(200)]
    others = [f"http://other{i}.example/p/{i}.html" for i in range(200)]
    noise = [os.urandom(32) for _ in range(filler)]
    matcher = _matcher(tmp_path, [_digest(u) for u in listed] + noise)
    assert len(matcher) == len(listed) + filler
    assert all(matcher.lookup(u) is not None for u in listed)
    assert not any(matcher.lookup(u) for u in others)


def test_digests_sharing_their_leading_bytes_are_told_apart(tmp_path: Path) -> None:
    """Hundreds of entries in the wanted digest's bucket and filter bit: only the exact one
    matches, and a run made of one entry's tail and the next one's head is no entry."""
    # A page whose digest's bytes 16-17 equal its bytes 0-1, so two entries that both start
    # like it (same bucket, side by side) can spell it across their boundary.
    url = next(
        u
        for u in (f"http://wanted.example/{i}.html" for i in range(1_000_000))
        if (d := _digest(u))[16:18] == d[:2]
    )
    target = _digest(url)
    straddle = [target[:2] + b"\0" * 14 + target[:16], target[16:] + b"\xff" * 16]
    crowd = [target[:6] + os.urandom(26) for _ in range(500)]
    matcher = _matcher(tmp_path, straddle)
    assert target in matcher._blob  # the run is there, across two entries
    assert matcher.lookup(url) is None
    matcher = _matcher(tmp_path, [*crowd, *straddle, *(os.urandom(32) for _ in range(3000))])
    assert matcher.lookup(url) is None
    matcher = _matcher(tmp_path, [*crowd, *straddle, target])
    hit = matcher.lookup(url)
    assert hit is not None and hit.expression == _expression(url)


def test_the_source_of_a_hit_is_the_entry_s_at_a_size_with_many_buckets(tmp_path: Path) -> None:
    listed = "http://site.example/a.html"
    matcher = _matcher(tmp_path, [_digest(listed), *(os.urandom(32) for _ in range(70_000))], 1)
    hit = matcher.lookup(listed)
    assert hit is not None and hit.source.code == "NCMEC"
