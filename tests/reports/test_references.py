"""Reference codes are unguessable, readable aloud, and catch typing mistakes."""

from __future__ import annotations

import re

from karpear.reports.references import ALPHABET, new_reference, parse_reference

FORMAT = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


def test_new_references_have_the_readable_format() -> None:
    for _ in range(200):
        ref = new_reference()
        assert FORMAT.match(ref), ref
        assert parse_reference(ref) == ref


def test_references_do_not_repeat() -> None:
    refs = {new_reference() for _ in range(5000)}
    assert len(refs) == 5000


def test_it_reads_codes_the_way_people_type_them() -> None:
    ref = new_reference()
    sloppy = ref.lower().replace("-", " ")
    assert parse_reference(sloppy) == ref
    assert parse_reference(ref.replace("-", "")) == ref
    if "0" in ref:
        assert parse_reference(ref.replace("0", "O")) == ref
    if "1" in ref:
        assert parse_reference(ref.replace("1", "l")) == ref


def test_every_single_wrong_character_is_caught() -> None:
    ref = new_reference().replace("-", "")
    for position in range(len(ref)):
        for char in ALPHABET:
            if char == ref[position]:
                continue
            typo = ref[:position] + char + ref[position + 1 :]
            assert parse_reference(typo) is None, typo


def test_most_swapped_neighbours_are_caught() -> None:
    caught = total = 0
    for _ in range(300):
        ref = new_reference().replace("-", "")
        for i in range(len(ref) - 1):
            if ref[i] == ref[i + 1]:
                continue
            swapped = ref[:i] + ref[i + 1] + ref[i] + ref[i + 2 :]
            total += 1
            caught += parse_reference(swapped) is None
    assert caught / total > 0.9


def test_wrong_lengths_and_letters_are_refused() -> None:
    for text in ["", "ABC", "ABCD-EFGH-JKM", "ABCD-EFGH-JKMNP", "ABCD-EFGH-JKU!"]:
        assert parse_reference(text) is None
