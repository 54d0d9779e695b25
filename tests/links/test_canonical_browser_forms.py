"""Links as lists, mail clients and browsers really write them (issue #24, "The URL engine
must also be right", items 1-3): each is read as the page a browser would open."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from karpear.links.canonical import (
    MalformedURL,
    _canonicalize_bytes,
    canonical_string,
    canonicalize,
    canonicalize_site,
    lookup_expressions,
)

TESTDATA = Path(__file__).resolve().parents[2].parent / "shared" / "testdata" / "url"
CANON = json.loads((TESTDATA / "canonicalization.json").read_text("utf-8"))["cases"]


@pytest.mark.parametrize(
    "text",
    [
        "http%3A%2F%2Fbad.example%2Fgallery%2F1.html",  # escaped once as a whole
        "http%3a%2f%2fbad.example%2fgallery%2f1.html",
        "http%253A%252F%252Fbad.example%252Fgallery%252F1.html",  # twice
        "HTTP%3A//bad.example/gallery/1.html",
        "http://bad.example%2Fgallery%2F1.html",  # only the path's slashes escaped
    ],
)
def test_a_url_escaped_as_a_whole_is_the_page_it_names(text: str) -> None:
    assert canonical_string(text) == "http://bad.example/gallery/1.html"
    assert "bad.example/" in lookup_expressions(text)


def test_an_escaped_query_mark_starts_the_query_as_safe_browsing_reads_it() -> None:
    # Safe Browsing unescapes the whole URL before it splits it (developers.google.com/
    # safe-browsing/v4/urls-hashing, "Canonicalization"), as gglsbl does.
    canonical = canonicalize("http%3A%2F%2Fbad.example%2Fp%3Fid%3D7%26x%3D1")
    assert (canonical.host, canonical.path, canonical.query) == ("bad.example", "/p", "id=7&x=1")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("http://[2001:DB8:0:0:0:0:0:1]/a", "http://[2001:db8::1]/a"),
        ("https://[2001:db8::1]:8443/a/../b", "https://[2001:db8::1]/b"),
        ("http://user:pw@[2001:db8::1]/", "http://[2001:db8::1]/"),
        ("http://[::1]/", "http://[::1]/"),
        # IPv4-mapped, in both spellings: the IPv4 host itself.
        ("http://[::ffff:192.0.2.1]/x", "http://192.0.2.1/x"),
        ("http://[::FFFF:C000:201]/x", "http://192.0.2.1/x"),
        ("http://%5B2001:db8::1%5D/", "http://[2001:db8::1]/"),
    ],
)
def test_ipv6_literals_are_canonical(text: str, expected: str) -> None:
    assert canonical_string(text) == expected


def test_an_ipv6_host_has_no_suffixes_and_is_a_site() -> None:
    assert sorted(lookup_expressions("http://[2001:db8::1]/a/b.html")) == sorted(
        ["[2001:db8::1]/a/b.html", "[2001:db8::1]/", "[2001:db8::1]/a/"]
    )
    assert canonicalize_site("http://[2001:db8::1]/").is_ip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("//bad.example/p", "http://bad.example/p"),
        ("///bad.example/p", "http://bad.example/p"),
        ("\\\\bad.example\\p", "http://bad.example/p"),
        ("http:\\\\bad.example\\a\\b.html", "http://bad.example/a/b.html"),
        ("http:/\\bad.example/a", "http://bad.example/a"),
        ("http:/bad.example/a", "http://bad.example/a"),
        ("http:///bad.example/a", "http://bad.example/a"),
        ("https:bad.example/a", "https://bad.example/a"),
        # A backslash in the query is data, as a browser keeps it.
        ("http://bad.example\\a?q=x\\y", "http://bad.example/a?q=x\\y"),
    ],
)
def test_protocol_relative_links_and_backslashes_resolve_as_in_a_browser(
    text: str, expected: str
) -> None:
    assert canonical_string(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "http://bad example.com/x",
        "http://bad.example%00/x",
        "http://bad.example\x00.com/x",
        "http://[bad.example/x",
        "http://bad.example,com/x",
        "http://\x01\x80.com/",
    ],
)
def test_a_host_that_is_no_host_name_is_refused_where_links_come_in(text: str) -> None:
    with pytest.raises(MalformedURL) as info:
        canonicalize_site(text)
    assert info.value.reason == "not a valid host name"


def _generated() -> list[str]:
    """Plain and nearly plain links: the fast path must answer exactly as the full rules."""
    rng = random.Random(24)
    parts = ["a", "B", "0", "-", "_", ".", "/", "?", "=", "&", "%41", "..", "//", "~", "\\", " "]
    hosts = ["site.example", "a.b.c.example", "x-1.example", "1.2.3.4", "0x7f.1", "xn--p.com"]
    urls = []
    for _ in range(3000):
        path = "".join(rng.choice(parts) for _ in range(rng.randrange(8)))
        scheme = rng.choice(["http://", "https://", "HTTP://", ""])
        port = rng.choice(["", ":80", ":8080"])
        urls.append(f"{scheme}{rng.choice(hosts)}{port}/{path}")
    return urls


def test_the_fast_path_agrees_with_the_full_rules() -> None:
    cases = [c["input"] for c in CANON if "input_hex" not in c] + _generated()
    for text in cases:
        try:
            fast: object = canonicalize(text)
        except MalformedURL as exc:
            fast = exc.reason
        try:
            full: object = _canonicalize_bytes(text.encode())
        except MalformedURL as exc:
            full = exc.reason
        assert fast == full, text


def test_nul_and_oversized_input_are_refused_not_crashing() -> None:
    assert canonical_string("http://bad.example/a\x00b") == "http://bad.example/a%00b"
    with pytest.raises(MalformedURL):
        canonicalize("http%3A%2F%2F" + "%41" * 1000)
