"""Canonical links follow Safe Browsing's rules on every published case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from karpear.links.canonical import (
    MalformedURL,
    canonical_string,
    canonicalize,
    is_plausible_site,
    lookup_expressions,
)

TESTDATA = Path(__file__).resolve().parents[2].parent / "shared" / "testdata" / "url"
CANON = json.loads((TESTDATA / "canonicalization.json").read_text("utf-8"))["cases"]
EXPRESSIONS = json.loads((TESTDATA / "expressions.json").read_text("utf-8"))["cases"]


@pytest.mark.parametrize("case", CANON, ids=[c["input"][:60] for c in CANON])
def test_it_canonicalises_every_specification_case(case: dict[str, str]) -> None:
    raw: str | bytes = bytes.fromhex(case["input_hex"]) if "input_hex" in case else case["input"]
    assert canonical_string(raw) == case["expected"]


@pytest.mark.parametrize("case", EXPRESSIONS, ids=[c["input"] for c in EXPRESSIONS])
def test_it_lists_every_lookup_expression(case: dict[str, object]) -> None:
    expected = case["expected"]
    assert isinstance(expected, list)
    assert sorted(lookup_expressions(str(case["input"]))) == sorted(expected)


def test_the_spec_files_are_all_there() -> None:
    assert len(CANON) >= 30 and len(EXPRESSIONS) >= 3


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("javascript:alert(1)", "not a web link"),
        ("data:text/html,hi", "not a web link"),
        ("ftp://files.example/x", "not a web link"),
        ("mailto:a@b.example", "not a web link"),
        ("http://", "no site name"),
        ("//", "no site name"),
        ("/path-only", "no site name"),
        ("http://[::1/", "not a valid host name"),
        ("http://[fe80::1%25eth0]/", "not a valid host name"),
        ("http://[::1]x/", "not a valid host name"),
        ("http://[not-an-address]/", "not a valid host name"),
        ("http://x.example/" + "a" * 3000, "too long"),
    ],
)
def test_it_refuses_what_is_not_a_web_link(text: str, reason: str) -> None:
    with pytest.raises(MalformedURL) as info:
        canonicalize(text)
    assert info.value.reason == reason


def test_variants_of_one_page_share_a_canonical_form() -> None:
    variants = [
        "https://Social.Example/p/1",
        "https://social.example./p/1#comments",
        "https://social.example:443/p/./1",
        "https://social.example/p/%31",
        "  https://social.example//p/1  ",
    ]
    assert {canonical_string(v) for v in variants} == {"https://social.example/p/1"}


def test_khmer_site_names_compare_as_punycode() -> None:
    assert canonicalize("https://ឧទាហរណ៍.com/").host.startswith("xn--")


def test_plausible_site_needs_a_real_looking_name() -> None:
    assert is_plausible_site(canonicalize("t.me/abc"))
    assert is_plausible_site(canonicalize("http://3279880203/"))
    assert not is_plausible_site(canonicalize("facebook"))
    assert not is_plausible_site(canonicalize("http://localhost/x"))
