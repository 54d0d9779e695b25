"""The safety settings catalogue as data, checked at load (issue #18, items 1 and 8).

`features.yaml` beside this module lists each feature's values from the most protective to the
least and its shipped default per Appendix 1 age band; KARPEAR_SAFETY_CATALOGUE may name a file
of the same shape that adds features or replaces shipped ones by id. A broken file stops the
load with every problem named, like the compliance frameworks (compliance/frameworks.py).

The same checks hold for a company's edited policy (`check_settings`): a value the feature does
not have, an unknown or missing feature, or a younger band given more freedom than an older one
is a contradiction (guidelines 2.3: design for the child's developmental stage).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

from karpear.compliance.frameworks import AGE_BANDS, Text, bilingual_text

SHIPPED = Path(__file__).resolve().parent / "features.yaml"
# Who may change a setting, from the least freedom to the most.
CHANGES = ("locked", "parent", "child")
# Age-assurance levels an app can have, from the weakest to the strongest (AADC standard 3).
ASSURANCE = ("self-declared", "estimated", "verified", "parent-confirmed")

Settings = dict[str, dict[str, dict[str, str]]]  # band -> feature -> {value, change, assurance}


class CatalogueError(Exception):
    """A catalogue or policy that cannot be used, with every problem found in it."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Feature:
    id: str
    title: Text
    what: Text
    limits: Text
    talk: Text
    values: tuple[str, ...]
    parent_control: bool
    sources: tuple[str, ...]
    defaults: dict[str, dict[str, str]]


@dataclass(frozen=True)
class Catalogue:
    version: str
    digest: str
    labels: dict[str, Text]
    older: Text
    features: dict[str, Feature]

    def label(self, value: str) -> Text:
        return self.labels.get(value, Text(value, value))

    def defaults(self) -> Settings:
        return {
            band: {fid: dict(f.defaults[band]) for fid, f in self.features.items()}
            for band in AGE_BANDS
        }


def _feature(raw: Any, path: str, problems: list[str]) -> Feature | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw["id"]:
        problems.append(f"{path}: a feature has no id")
        return None
    fid = raw["id"]
    where = f"{path}: feature {fid}"
    values = raw.get("values")
    if not (isinstance(values, list) and values and all(isinstance(v, str) for v in values)):
        problems.append(f"{where}: values must be a list, most protective first")
        values = []
    defaults: dict[str, dict[str, str]] = {}
    raw_defaults: dict[str, Any] = raw["defaults"] if isinstance(raw.get("defaults"), dict) else {}
    for band in AGE_BANDS:
        entry = raw_defaults.get(band)
        if not isinstance(entry, dict):
            problems.append(f"{where}: no default for the {band} band")
            continue
        defaults[band] = {
            "value": str(entry.get("value", "")),
            "change": str(entry.get("change", "")),
            "assurance": str(entry.get("relax_assurance", ASSURANCE[0])),
        }
    for band in raw_defaults:
        if band not in AGE_BANDS:
            problems.append(f"{where}: unknown age band {band!r} (use one of {AGE_BANDS})")
    return Feature(
        id=fid,
        title=bilingual_text(raw.get("title"), f"{where} title", problems),
        what=bilingual_text(raw.get("what"), f"{where} what", problems),
        limits=bilingual_text(raw.get("limits"), f"{where} limits", problems),
        talk=bilingual_text(raw.get("talk"), f"{where} talk", problems),
        values=tuple(values),
        parent_control=bool(raw.get("parent_control", False)),
        sources=tuple(str(s) for s in raw.get("sources") or ()),
        defaults=defaults,
    )


def check_settings(features: dict[str, Feature], chosen: Any) -> list[str]:
    """Every contradiction in a band -> feature -> setting mapping (issue #18, item 8)."""
    if not isinstance(chosen, dict):
        return ["the settings must be a mapping of age bands"]
    problems = [f"unknown age band {band!r}" for band in chosen if band not in AGE_BANDS]
    for band in AGE_BANDS:
        row = chosen.get(band)
        if not isinstance(row, dict):
            problems.append(f"the {band} band has no settings")
            continue
        problems.extend(f"{band}: unknown feature {fid!r}" for fid in row if fid not in features)
        for fid, feature in features.items():
            problems.extend(f"{band}: {fid} {p}" for p in _entry_problems(feature, row.get(fid)))
    return problems or _contradictions(features, chosen)


def entry_fits(feature: Feature, entry: Any) -> bool:
    """Whether a stored entry is still one of the feature's settings (the catalogue may have
    changed since a policy was adopted)."""
    return not _entry_problems(feature, entry)


def _entry_problems(feature: Feature, entry: Any) -> list[str]:
    if not isinstance(entry, dict):
        return ["has no setting"]
    problems = []
    if entry.get("value") not in feature.values:
        problems.append(f"cannot be {entry.get('value')!r} (use one of {feature.values})")
    if entry.get("change") not in CHANGES:
        problems.append(f"change must be one of {CHANGES}")
    if entry.get("assurance") not in ASSURANCE:
        problems.append(f"assurance must be one of {ASSURANCE}")
    return problems


def _contradictions(features: dict[str, Feature], chosen: Settings) -> list[str]:
    """A younger band given a less protective value, or more freedom to change it, than an
    older band (Appendix 1: capacities grow with age, never the other way)."""
    problems: list[str] = []
    for younger, older in pairwise(AGE_BANDS):
        for fid, feature in features.items():
            young, old = chosen[younger][fid], chosen[older][fid]
            if feature.values.index(young["value"]) > feature.values.index(old["value"]):
                problems.append(
                    f"{fid}: the {younger} band is given {young['value']!r}, less protective "
                    f"than {old['value']!r} for the older {older} band"
                )
            if CHANGES.index(young["change"]) > CHANGES.index(old["change"]):
                problems.append(
                    f"{fid}: the {younger} band may change it more freely ({young['change']}) "
                    f"than the older {older} band ({old['change']})"
                )
    return problems


def parse_catalogue(data: bytes, path: str, base: Catalogue | None = None) -> Catalogue:
    try:
        raw = yaml.safe_load(data.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CatalogueError([f"{path}: not readable YAML in UTF-8 ({exc})"]) from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("features"), list):
        raise CatalogueError([f"{path}: a catalogue is a mapping with a list of features"])
    problems: list[str] = []
    features = dict(base.features) if base else {}
    labels = dict(base.labels) if base else {}
    for value, text in (raw.get("labels") or {}).items():
        labels[str(value)] = bilingual_text(text, f"{path}: label {value}", problems)
    own: set[str] = set()
    for raw_feature in raw["features"]:
        feature = _feature(raw_feature, path, problems)
        if feature is None:
            continue
        if feature.id in own:
            problems.append(f"{path}: feature {feature.id} appears twice")
        own.add(feature.id)
        features[feature.id] = feature
        problems.extend(
            f"{path}: feature {feature.id}: no label for value {v!r}"
            for v in feature.values
            if v not in labels
        )
    if not problems:
        problems.extend(
            f"{path}: defaults: {p}"
            for p in check_settings(
                features, {b: {f: x.defaults[b] for f, x in features.items()} for b in AGE_BANDS}
            )
        )
    older = (
        bilingual_text(raw["older"], f"{path}: older", problems)
        if "older" in raw or base is None
        else base.older
    )
    if problems:
        raise CatalogueError(problems)
    digest = hashlib.sha256((base.digest if base else "").encode() + data).hexdigest()
    return Catalogue(
        version=str(raw.get("version") or (base.version if base else "")),
        digest=digest,
        labels=labels,
        older=older,
        features=features,
    )


@lru_cache(maxsize=4)
def _load(extra: str) -> Catalogue:
    shipped = parse_catalogue(SHIPPED.read_bytes(), str(SHIPPED))
    if not extra:
        return shipped
    return parse_catalogue(Path(extra).read_bytes(), extra, base=shipped)


def catalogue() -> Catalogue:
    """The shipped catalogue with the company's file over it (checked once per process)."""
    return _load(str(getattr(settings, "KARPEAR_SAFETY_CATALOGUE", "") or ""))
