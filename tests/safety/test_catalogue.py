"""The catalogue and policies are checked: contradictions are named and change nothing
(issue #18, items 1 and 8)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from karpear.compliance.frameworks import AGE_BANDS
from karpear.safety.catalogue import SHIPPED, CatalogueError, catalogue, parse_catalogue
from karpear.safety.catalogue import check_settings as check

EXTRA = """
features:
  - id: voice_chat
    sources: [AADC standard 7]
    parent_control: true
    values: ["off", contacts, everyone]
    title: {en: Voice chat, km: ការជជែកដោយសំឡេង}
    what: {en: Who can talk to the child by voice., km: អ្នកណាអាចនិយាយជាមួយកុមារដោយសំឡេង។}
    limits: {en: Voice is not moderated., km: សំឡេងមិនត្រូវបានត្រួតពិនិត្យទេ។}
    talk: {en: Agree who they talk to., km: ព្រមព្រៀងគ្នាថាពួកគេនិយាយជាមួយអ្នកណា។}
    defaults:
"""


def _extra(rows: dict[str, str], tmp_path: Path, text: str = EXTRA) -> Path:
    body = text + "".join(
        f'      "{band}": {{value: {value}, change: locked}}\n' for band, value in rows.items()
    )
    path = tmp_path / "company.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def _load(path: Path) -> Any:
    base = parse_catalogue(SHIPPED.read_bytes(), str(SHIPPED))
    return parse_catalogue(path.read_bytes(), str(path), base=base)


def test_the_shipped_defaults_are_private_and_location_off_in_every_band() -> None:
    defaults = catalogue().defaults()
    for band in AGE_BANDS:
        assert defaults[band]["profile_visibility"]["value"] == "private"
        assert defaults[band]["location_sharing"]["value"] == "off"
        assert defaults[band]["personalised_ads"]["value"] == "off"
    assert defaults["13-15"]["messages_from"]["value"] == "contacts"


def test_a_company_adds_its_own_feature(tmp_path: Path) -> None:
    loaded = _load(_extra(dict.fromkeys(AGE_BANDS, '"off"'), tmp_path))
    assert "voice_chat" in loaded.features and "profile_visibility" in loaded.features


def test_a_younger_band_relaxed_beyond_an_older_one_is_refused(tmp_path: Path) -> None:
    rows = dict.fromkeys(AGE_BANDS, '"off"') | {"6-9": "everyone"}
    with pytest.raises(CatalogueError) as caught:
        _load(_extra(rows, tmp_path))
    assert any("the 6-9 band is given 'everyone'" in p for p in caught.value.problems)


def test_a_missing_language_an_unknown_value_and_band_are_all_named(tmp_path: Path) -> None:
    text = EXTRA.replace(", km: ការជជែកដោយសំឡេង", "")
    rows = dict.fromkeys(AGE_BANDS, '"off"') | {"10-12": "loud"}
    path = _extra(rows, tmp_path, text)
    path.write_text(path.read_text() + '      "18-25": {value: "off", change: locked}\n')
    with pytest.raises(CatalogueError) as caught:
        _load(path)
    problems = " | ".join(caught.value.problems)
    assert "voice_chat title: the Khmer text is missing" in problems
    assert "no label for value" not in problems
    assert "unknown age band '18-25'" in problems


def test_a_policy_naming_an_unknown_feature_or_missing_one_is_refused() -> None:
    features = catalogue().features
    chosen = catalogue().defaults()
    chosen["13-15"]["x_ray_vision"] = {"value": "on", "change": "child", "assurance": "verified"}
    del chosen["16-17"]["location_sharing"]
    problems = check(features, chosen)
    assert "13-15: unknown feature 'x_ray_vision'" in problems
    assert "16-17: location_sharing has no setting" in problems
    assert check(features, "nonsense") == ["the settings must be a mapping of age bands"]


def test_a_younger_band_may_not_change_more_freely_than_an_older_one() -> None:
    chosen = catalogue().defaults()
    chosen["10-12"]["live_streaming"]["change"] = "child"
    assert any("may change it more freely" in p for p in check(catalogue().features, chosen))
