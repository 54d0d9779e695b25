"""Assessment frameworks as data: YAML files of sections and items (issue #8, guidelines 2.1-2.5, 3,
Appendix 2).

The shipped files live beside this module; a company may point KARPEAR_FRAMEWORK_DIR at a folder of
edited copies, and a file there replaces the shipped framework with the same id. Every file is
checked when it is loaded, and a broken one stops the load with a message naming the file and the
item, so a typo never silently drops a checklist item.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.utils.translation import get_language

SHIPPED_DIR = Path(__file__).resolve().parent / "frameworks"

# The checklist's four answers (Appendix 2), plus the other kinds of answer the frameworks need.
ANSWER_TYPES = ("cop", "yesno", "scale", "text", "number", "date", "risk")
# What a company says about itself when it starts an assessment; items may apply only to some.
PROFILE_FLAGS = (
    "isp",
    "hosts_user_content",
    "url_blocking",
    "used_by_children",
    "targets_children",
    "parental_controls",
    "connected_devices",
)
# Appendix 1: age and developmental stages.
AGE_BANDS = ("0-5", "6-9", "10-12", "13-15", "16-17")


class FrameworkError(Exception):
    """A framework file that cannot be used, with every problem found in it."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Text:
    en: str
    km: str

    def __str__(self) -> str:
        return self.km if (get_language() or "").startswith("km") and self.km else self.en

    def as_dict(self) -> dict[str, str]:
        return {"en": self.en, "km": self.km}


@dataclass(frozen=True)
class Item:
    ref: str
    section: str
    text: Text
    guidance: Text
    evidence: str
    answer: str
    minimum: bool
    applies_to: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    xref: tuple[str, ...] = ()
    live: str = ""
    scale: tuple[int, int] = (1, 5)


@dataclass(frozen=True)
class Section:
    id: str
    title: Text
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Framework:
    id: str
    version: str
    kind: str
    title: Text
    source: str
    per_product: bool
    sections: tuple[Section, ...]
    digest: str
    path: str
    items: dict[str, Item] = field(default_factory=dict, compare=False)

    def item(self, ref: str) -> Item | None:
        return self.items.get(ref)


def bilingual_text(raw: Any, where: str, problems: list[str], *, required: bool = True) -> Text:
    """{en, km} from a data file as Text; a missing or empty language is a problem at `where`.
    The safety catalogue reads its texts with it too."""
    if not isinstance(raw, dict):
        if required:
            problems.append(f"{where}: needs text in both languages (en and km)")
        return Text("", "")
    en, km = raw.get("en"), raw.get("km")
    if required and (not isinstance(en, str) or not en.strip()):
        problems.append(f"{where}: the English text is missing")
    if required and (not isinstance(km, str) or not km.strip()):
        problems.append(f"{where}: the Khmer text is missing")
    return Text(str(en or "").strip(), str(km or "").strip())


def _strings(raw: Any, where: str, problems: list[str]) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        problems.append(f"{where}: must be a list of names")
        return ()
    return tuple(raw)


def _item(raw: Any, section: str, default_answer: str, problems: list[str]) -> Item | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("ref"), str) or not raw["ref"]:
        problems.append(f"section {section}: an item has no reference (ref)")
        return None
    ref = raw["ref"]
    where = f"item {ref}"
    answer = raw.get("answer", default_answer)
    if answer not in ANSWER_TYPES:
        problems.append(f"{where}: unknown answer type {answer!r} (use one of {ANSWER_TYPES})")
    applies = _strings(raw.get("applies_to"), f"{where} applies_to", problems)
    for flag in applies:
        if flag not in PROFILE_FLAGS:
            problems.append(f"{where}: unknown applicability {flag!r} (use one of {PROFILE_FLAGS})")
    scale = raw.get("scale", [1, 5])
    if not (
        isinstance(scale, list)
        and len(scale) == 2
        and all(isinstance(v, int) for v in scale)
        and scale[0] < scale[1]
    ):
        problems.append(f"{where}: scale must be [lowest, highest]")
        scale = [1, 5]
    return Item(
        ref=ref,
        section=section,
        text=bilingual_text(raw.get("text"), where, problems),
        guidance=bilingual_text(raw.get("guidance"), f"{where} guidance", problems, required=False),
        evidence=str(raw.get("evidence") or ""),
        answer=str(answer),
        minimum=bool(raw.get("minimum", False)),
        applies_to=applies,
        requires=_strings(raw.get("requires"), f"{where} requires", problems),
        xref=_strings(raw.get("xref"), f"{where} xref", problems),
        live=str(raw.get("live") or ""),
        scale=(scale[0], scale[1]),
    )


def _sections(
    raw_sections: Any, path: str, default_answer: str, known_live: set[str], problems: list[str]
) -> tuple[list[Section], dict[str, Item]]:
    sections: list[Section] = []
    items: dict[str, Item] = {}
    section_ids: set[str] = set()
    for raw_section in raw_sections or []:
        if not isinstance(raw_section, dict) or not raw_section.get("id"):
            problems.append(f"{path}: a section has no id")
            continue
        sid = str(raw_section["id"])
        if sid in section_ids:
            problems.append(f"{path}: section {sid} appears twice")
        section_ids.add(sid)
        section_items = []
        for raw_item in raw_section.get("items") or []:
            item = _item(raw_item, sid, default_answer, problems)
            if item is None:
                continue
            if item.ref in items:
                problems.append(f"{path}: item {item.ref} appears twice")
                continue
            if item.live and item.live not in known_live:
                problems.append(f"{path}: item {item.ref} names unknown live figure {item.live!r}")
            items[item.ref] = item
            section_items.append(item)
        title = bilingual_text(raw_section.get("title"), f"section {sid}", problems)
        sections.append(Section(sid, title, tuple(section_items)))
    return sections, items


def parse_framework(data: bytes, path: str, live_providers: Iterable[str]) -> Framework:
    """Check one framework file on its own (cross-framework references are checked later)."""
    try:
        raw = yaml.safe_load(data.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise FrameworkError([f"{path}: not readable YAML in UTF-8 ({exc})"]) from exc
    if not isinstance(raw, dict):
        raise FrameworkError([f"{path}: a framework must be a mapping with id and sections"])
    problems: list[str] = []
    for key in ("id", "version", "kind"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            problems.append(f"{path}: {key} is missing")
    default_answer = str(raw.get("default_answer", "text"))
    sections, items = _sections(
        raw.get("sections"), path, default_answer, set(live_providers), problems
    )
    if not items:
        problems.append(f"{path}: the framework has no items")
    for item in items.values():
        for needed in item.requires:
            if needed not in items:
                problems.append(f"{path}: item {item.ref} requires unknown item {needed}")
    problems.extend(f"{path}: {p}" for p in _cycles(items))
    title = bilingual_text(raw.get("title"), "title", problems)
    if problems:
        raise FrameworkError([p if p.startswith(path) else f"{path}: {p}" for p in problems])
    return Framework(
        id=str(raw["id"]),
        version=str(raw["version"]),
        kind=str(raw["kind"]),
        title=title,
        source=str(raw.get("source") or ""),
        per_product=bool(raw.get("per_product", False)),
        sections=tuple(sections),
        digest=hashlib.sha256(data).hexdigest(),
        path=path,
        items=items,
    )


def _cycles(items: dict[str, Item]) -> list[str]:
    """Items that (indirectly) require themselves can never be answered in order."""
    problems: list[str] = []
    state: dict[str, int] = {}  # 1 = being visited, 2 = done

    def visit(ref: str, trail: list[str]) -> None:
        if state.get(ref) == 2 or ref not in items:
            return
        if state.get(ref) == 1:
            loop = [*trail[trail.index(ref) :], ref]
            problems.append("items require each other in a cycle: " + " -> ".join(loop))
            return
        state[ref] = 1
        for needed in items[ref].requires:
            visit(needed, [*trail, ref])
        state[ref] = 2

    for ref in items:
        visit(ref, [])
    return problems


def load_frameworks(
    directories: Iterable[Path], live_providers: Iterable[str]
) -> dict[str, Framework]:
    """Load each folder's *.yaml in order; a later file with the same id replaces the first."""
    providers = list(live_providers)
    found: dict[str, Framework] = {}
    problems: list[str] = []
    for directory in directories:
        seen_here: dict[str, str] = {}
        for path in sorted(Path(directory).glob("*.yaml")):
            try:
                framework = parse_framework(path.read_bytes(), str(path), providers)
            except FrameworkError as exc:
                problems.extend(exc.problems)
                continue
            if framework.id in seen_here:
                problems.append(
                    f"{path}: framework id {framework.id} is also used by {seen_here[framework.id]}"
                )
                continue
            seen_here[framework.id] = str(path)
            found[framework.id] = framework
    for framework in found.values():
        for item in framework.items.values():
            for ref in item.xref:
                other, _, other_ref = ref.partition(":")
                if other not in found or other_ref not in found[other].items:
                    problems.append(
                        f"{framework.path}: item {item.ref} refers to unknown item {ref}"
                    )
    if problems:
        raise FrameworkError(problems)
    return found


def framework_dirs() -> list[Path]:
    extra = getattr(settings, "KARPEAR_FRAMEWORK_DIR", "")
    return [SHIPPED_DIR, *([Path(extra)] if extra else [])]


@lru_cache(maxsize=1)
def _cached(dirs: tuple[Path, ...]) -> dict[str, Framework]:
    from karpear.compliance.live import PROVIDERS

    return load_frameworks(dirs, PROVIDERS)


def frameworks() -> dict[str, Framework]:
    return _cached(tuple(framework_dirs()))


def get_framework(framework_id: str) -> Framework | None:
    return frameworks().get(framework_id)
