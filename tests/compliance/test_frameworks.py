"""Frameworks as data: the shipped files, and broken files refused at load with a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core import checks

from karpear.compliance import frameworks as fw
from karpear.compliance.frameworks import FrameworkError, load_frameworks
from karpear.compliance.live import PROVIDERS

# Our reading of Appendix 2 note 2 with section 2.6 "at minimum" (see cop-checklist.yaml).
MINIMUM = {1, 7, 11, 19, 20, 21, 22, 23, 24, 25, 26, 28, 29, 30, 31, 32, 33, 35, 36}


def test_the_cop_checklist_has_the_42_items_of_appendix_2_in_order() -> None:
    cop = fw.frameworks()["cop-checklist"]
    refs = [item.ref for section in cop.sections for item in section.items]
    assert refs == [f"COP-{n}" for n in range(1, 43)]
    assert [s.id for s in cop.sections] == ["A", "B", "C", "D", "E"]
    assert {int(i.ref[4:]) for i in cop.items.values() if i.minimum} == MINIMUM
    assert all(i.answer == "cop" for i in cop.items.values())
    # The Appendix's own words, kept as they are.
    assert cop.items["COP-22"].text.en == (
        "Company has a CSAM reporting facility in place (may be a functioning link to the CSAM "
        "Hotline, IWF or NCMEC reporting portal)"
    )
    assert cop.items["COP-28"].text.en.startswith("If Company uses any URL blocking")
    assert all(i.text.km for i in cop.items.values())


def test_every_shipped_framework_loads_with_both_languages() -> None:
    loaded = fw.frameworks()
    assert set(loaded) == {"cop-checklist", "cria", "sbd", "aadc"}
    assert len(loaded["aadc"].items) == 15  # the ICO code's 15 standards
    assert loaded["cria"].per_product
    assert {i.answer for i in loaded["cria"].items.values()} >= {"risk", "text", "yesno", "date"}
    for framework in loaded.values():
        assert framework.title.km and framework.title.en
        for item in framework.items.values():
            assert item.text.en and item.text.km, item.ref


GOOD = """
id: mini
version: "1"
kind: checklist
default_answer: cop
title: {en: Mini, km: តូច}
sections:
  - id: S
    title: {en: Section, km: ផ្នែក}
    items:
      - ref: M-1
        text: {en: One, km: មួយ}
      - ref: M-2
        requires: [M-1]
        text: {en: Two, km: ពីរ}
"""


def _load(tmp_path: Path, *texts: str | bytes) -> dict[str, fw.Framework]:
    for n, text in enumerate(texts):
        data = text.encode() if isinstance(text, str) else text
        (tmp_path / f"f{n}.yaml").write_bytes(data)
    return load_frameworks([tmp_path], PROVIDERS)


def test_a_good_file_loads(tmp_path: Path) -> None:
    loaded = _load(tmp_path, GOOD)
    assert loaded["mini"].items["M-2"].requires == ("M-1",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace("ref: M-2", "ref: M-1"), "item M-1 appears twice"),
        (GOOD.replace("requires: [M-1]", "requires: [M-9]"), "requires unknown item M-9"),
        (
            GOOD.replace("      - ref: M-1\n", "      - ref: M-1\n        requires: [M-2]\n"),
            "cycle: M-1 -> M-2 -> M-1",
        ),
        (GOOD.replace("requires: [M-1]", "xref: [other:X-1]"), "refers to unknown item other:X-1"),
        (GOOD.replace("ref: M-2", "live: crystal_ball\n        ref: M-2"), "unknown live figure"),
        (GOOD.replace("ref: M-2", "answer: essay\n        ref: M-2"), "unknown answer type"),
        (GOOD.replace("{en: Two, km: ពីរ}", "{en: Two}"), "item M-2: the Khmer text is missing"),
        (GOOD.replace("      - ref: M-1\n", "      - text: {en: a, km: b}\n"), "has no reference"),
        (GOOD.replace("id: mini\n", ""), "id is missing"),
        (GOOD.replace("sections:", "sections: []\nx:"), "has no items"),
        ("id: [unclosed", "not readable YAML"),
        ("- just\n- a list\n", "must be a mapping"),
    ],
)
def test_broken_files_are_refused_naming_the_problem(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(FrameworkError) as exc:
        _load(tmp_path, text)
    assert message in str(exc.value), exc.value.problems
    assert str(tmp_path) in str(exc.value)  # the message names the file


def test_wrong_encoding_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FrameworkError, match="UTF-8"):
        _load(tmp_path, GOOD.encode("utf-16"))


def test_two_files_with_one_id_are_refused(tmp_path: Path) -> None:
    with pytest.raises(FrameworkError, match="framework id mini is also used"):
        _load(tmp_path, GOOD, GOOD)


def test_an_edited_copy_replaces_the_shipped_framework(tmp_path: Path, settings: object) -> None:
    edited = (fw.SHIPPED_DIR / "cop-checklist.yaml").read_text(encoding="utf-8")
    edited = edited.replace('version: "2024.1"', 'version: "2024.1-acme"', 1)
    (tmp_path / "cop.yaml").write_text(edited, encoding="utf-8")
    loaded = load_frameworks([fw.SHIPPED_DIR, tmp_path], PROVIDERS)
    assert loaded["cop-checklist"].version == "2024.1-acme"


def test_the_system_check_stops_on_a_broken_framework(tmp_path: Path, settings: object) -> None:
    (tmp_path / "bad.yaml").write_text(GOOD.replace("requires: [M-1]", "requires: [M-9]"))
    settings.KARPEAR_FRAMEWORK_DIR = str(tmp_path)  # type: ignore[attr-defined]
    fw._cached.cache_clear()
    try:
        errors = [m for m in checks.run_checks() if m.id == "karpear.E101"]
        assert errors and "requires unknown item M-9" in errors[0].msg
    finally:
        settings.KARPEAR_FRAMEWORK_DIR = ""  # type: ignore[attr-defined]
        fw._cached.cache_clear()
