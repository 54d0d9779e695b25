"""The Khmer catalogue and documents hold no word the segmenter does not know (issue #22, 10)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "check_khmer_words.py"


@pytest.fixture(scope="module")
def check() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_khmer_words", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_khmer_word_is_known_or_accepted(check: ModuleType) -> None:
    assert check.unknown_words(check.texts()) == {}


def test_a_misspelled_word_is_listed_with_where_it_was(check: ModuleType) -> None:
    found = check.unknown_words(
        [
            ("good", "អ្នកមិនមានកំហុសអ្វីទេ។"),  # "you are not in trouble"
            ("typo", "សូមប្រាប់អាសយដ្ឋន"),  # "address" with its vowel missing
        ]
    )
    assert found == {"អាសយដ្ឋន": "typo"}


def test_both_spellings_of_coeng_da_and_ta_are_one_word(check: ModuleType) -> None:
    assert check.unknown_words([("ta", "ផ្តល់"), ("da", "ផ្ដល់")]) == {}


def test_the_accepted_terms_are_few_glossed_and_each_needed(check: ModuleType) -> None:
    lines = [
        line
        for line in check.ACCEPTED.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(lines) <= 100, "the accepted terms are for review: keep them few"
    lexicon = check.lexicon()
    for line in lines:
        term, _tab, gloss = line.partition("\t")
        assert gloss.strip(), f"{term}: give its meaning for the reviewer"
        assert check.normalise(term) not in lexicon, f"{term} is known already: remove it"
