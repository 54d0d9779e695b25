"""Swipe Safe lessons, learning paths and curricula as data (issue #19, item 1; guidelines 2.4).

The shipped files live in `content/` beside this module: `paths.yaml` (one learning path per
audience and age band), `curricula.yaml` (quizzes and follow-up questions tied to the lessons'
learning goals) and one file per lesson in `content/lessons/`. A company or CNCC may point
KARPEAR_LEARN_DIR at a folder laid out the same way: it replaces the shipped content whole.

Everything is checked when it is loaded, like the compliance frameworks: a file that names an
unknown lesson, misses a language, has a quiz answer out of range or a lesson without "what to
do" stops the load with a message naming the file and the item.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.utils.translation import get_language

SHIPPED_DIR = Path(__file__).resolve().parent / "content"

# The CNCC's four groups (training of trainers, social service workforce, parents and carers,
# adolescents and young people), the young split by Appendix 1's age bands.
AUDIENCES = ("trainers", "workforce", "parents", "young_10_12", "young_13_15", "young_16_17")
MIN_QUESTIONS, MAX_QUESTIONS = 3, 20
MAX_CHOICES = 5


class ContentError(Exception):
    """Learning content that cannot be used, with every problem found in it."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Text:
    en: str
    km: str

    def __str__(self) -> str:
        return self.km if (get_language() or "km").startswith("km") else self.en

    def as_dict(self) -> dict[str, str]:
        return {"en": self.en, "km": self.km}


@dataclass(frozen=True)
class Block:
    heading: Text
    paragraphs: tuple[Text, ...]
    points: tuple[Text, ...]


@dataclass(frozen=True)
class Lesson:
    id: str
    title: Text
    summary: Text
    goals: dict[str, Text]  # goal id -> text; quiz questions name "lesson-id.goal-id"
    blocks: tuple[Block, ...]
    do: tuple[Text, ...]  # "what to do": every lesson ends with it (issue #19, item 1)


@dataclass(frozen=True)
class LearningPath:
    id: str
    audience: str
    title: Text
    intro: Text
    lessons: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    id: str
    goal: str
    text: Text
    choices: tuple[Text, ...]
    answer: int  # index into choices


@dataclass(frozen=True)
class CurriculumTemplate:
    id: str
    audience: str
    title: Text
    lessons: tuple[str, ...]
    questions: tuple[Question, ...]
    practice: tuple[tuple[str, Text], ...]  # follow-up: (item id, "did you …?")


@dataclass(frozen=True)
class Content:
    lessons: dict[str, Lesson]
    paths: dict[str, LearningPath]
    curricula: dict[str, CurriculumTemplate]


def _text(raw: Any, where: str, problems: list[str]) -> Text:
    if not isinstance(raw, dict):
        problems.append(f"{where}: needs text in both languages (en and km)")
        return Text("", "")
    en, km = raw.get("en"), raw.get("km")
    for lang, value in (("English", en), ("Khmer", km)):
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{where}: the {lang} text is missing")
    return Text(str(en or "").strip(), str(km or "").strip())


def _texts(raw: Any, where: str, problems: list[str]) -> tuple[Text, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append(f"{where}: must be a list")
        return ()
    return tuple(_text(v, f"{where} {i + 1}", problems) for i, v in enumerate(raw))


def _id(raw: Any, where: str, problems: list[str]) -> str:
    if not isinstance(raw, str) or not raw or not raw.replace("-", "").replace("_", "").isalnum():
        problems.append(f"{where}: needs an id of letters, digits, - and _")
        return ""
    return raw


def _load_yaml(path: Path, problems: list[str]) -> Any:
    try:
        return yaml.safe_load(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        problems.append(f"{path}: not readable YAML in UTF-8 ({exc})")
        return None


def parse_lesson(raw: Any, path: str, problems: list[str]) -> Lesson | None:
    if not isinstance(raw, dict):
        problems.append(f"{path}: a lesson must be a mapping with id, title, body and do")
        return None
    lid = _id(raw.get("id"), path, problems)
    where = f"{path}: lesson {lid}"
    goals: dict[str, Text] = {}
    for i, goal in enumerate(raw.get("goals") or []):
        gid = _id(goal.get("id") if isinstance(goal, dict) else None, f"{where} goal {i}", problems)
        goals[gid] = _text(goal, f"{where} goal {gid}", problems)
    if not goals:
        problems.append(f"{where}: name at least one learning goal")
    blocks = []
    for i, block in enumerate(raw.get("body") or []):
        if not isinstance(block, dict):
            problems.append(f"{where}: body part {i + 1} must be a mapping")
            continue
        bw = f"{where} body part {i + 1}"
        blocks.append(
            Block(
                _text(block.get("heading"), bw, problems),
                _texts(block.get("paragraphs"), f"{bw} paragraph", problems),
                _texts(block.get("points"), f"{bw} point", problems),
            )
        )
    if not blocks:
        problems.append(f"{where}: the lesson has no body")
    do = _texts(raw.get("do"), f"{where} do", problems)
    if not do:
        # Guidelines 2.4 and issue #19: each lesson ends with what to do and where to get help.
        problems.append(f"{where}: every lesson ends with what to do (do)")
    return Lesson(
        lid,
        _text(raw.get("title"), f"{where} title", problems),
        _text(raw.get("summary"), f"{where} summary", problems),
        goals,
        tuple(blocks),
        do,
    )


def _question(raw: Any, where: str, goals: set[str], problems: list[str]) -> Question | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: a question must be a mapping")
        return None
    qid = _id(raw.get("id"), where, problems)
    where = f"{where} {qid}"
    goal = str(raw.get("goal") or "")
    if goal not in goals:
        problems.append(f"{where}: names unknown learning goal {goal!r} (use lesson-id.goal-id)")
    choices = _texts(raw.get("choices"), f"{where} choice", problems)
    if not 2 <= len(choices) <= MAX_CHOICES:
        problems.append(f"{where}: give 2 to {MAX_CHOICES} choices")
    answer = raw.get("answer")
    if not isinstance(answer, int) or isinstance(answer, bool) or not 0 <= answer < len(choices):
        problems.append(f"{where}: answer must be the number of a choice, counted from 0")
        answer = 0
    return Question(qid, goal, _text(raw.get("text"), where, problems), choices, answer)


def parse_curriculum(
    raw: Any, path: str, lessons: dict[str, Lesson], problems: list[str]
) -> CurriculumTemplate | None:
    if not isinstance(raw, dict):
        problems.append(f"{path}: a curriculum must be a mapping")
        return None
    cid = _id(raw.get("id"), f"{path}: curriculum", problems)
    where = f"{path}: curriculum {cid}"
    audience = str(raw.get("audience") or "")
    if audience not in AUDIENCES:
        problems.append(f"{where}: unknown audience {audience!r} (use one of {AUDIENCES})")
    names = tuple(str(v) for v in raw.get("lessons") or [])
    for name in names:
        if name not in lessons:
            problems.append(f"{where}: names unknown lesson {name!r}")
    goals = {f"{n}.{g}" for n in names if n in lessons for g in lessons[n].goals}
    questions = [
        q
        for i, r in enumerate(raw.get("questions") or [])
        if (q := _question(r, f"{where} question {i + 1}", goals, problems)) is not None
    ]
    if not MIN_QUESTIONS <= len(questions) <= MAX_QUESTIONS:
        problems.append(f"{where}: a quiz has {MIN_QUESTIONS} to {MAX_QUESTIONS} questions")
    if len({q.id for q in questions}) != len(questions):
        problems.append(f"{where}: two questions share an id")
    practice = []
    for i, item in enumerate(raw.get("practice") or []):
        pid = _id(item.get("id") if isinstance(item, dict) else None, f"{where} practice", problems)
        practice.append((pid, _text(item, f"{where} practice {i + 1}", problems)))
    if not practice:
        problems.append(f"{where}: the follow-up asks about at least one practice")
    return CurriculumTemplate(
        cid,
        audience,
        _text(raw.get("title"), f"{where} title", problems),
        names,
        tuple(questions),
        tuple(practice),
    )


def _paths(
    raw_paths: Any, paths_file: Path, lessons: dict[str, Lesson], problems: list[str]
) -> dict[str, LearningPath]:
    paths: dict[str, LearningPath] = {}
    for i, raw in enumerate(raw_paths or []):
        if not isinstance(raw, dict):
            problems.append(f"{paths_file}: path {i + 1} must be a mapping")
            continue
        pid = _id(raw.get("id"), f"{paths_file}: path {i + 1}", problems)
        where = f"{paths_file}: path {pid}"
        audience = str(raw.get("audience") or "")
        if audience not in AUDIENCES:
            problems.append(f"{where}: unknown audience {audience!r}")
        names = tuple(str(v) for v in raw.get("lessons") or [])
        if not names:
            problems.append(f"{where}: a path has at least one lesson")
        problems.extend(f"{where}: names unknown lesson {n!r}" for n in names if n not in lessons)
        if pid in paths:
            problems.append(f"{where}: path id used twice")
        paths[pid] = LearningPath(
            pid,
            audience,
            _text(raw.get("title"), f"{where} title", problems),
            _text(raw.get("intro"), f"{where} intro", problems),
            names,
        )
    return paths


def load_content(directory: Path) -> Content:
    """Read and check one content folder: lessons/*.yaml, paths.yaml, curricula.yaml."""
    problems: list[str] = []
    lessons: dict[str, Lesson] = {}
    for path in sorted((directory / "lessons").glob("*.yaml")):
        lesson = parse_lesson(_load_yaml(path, problems), str(path), problems)
        if lesson is None:
            continue
        if lesson.id in lessons:
            problems.append(f"{path}: lesson id {lesson.id} is used twice")
        lessons[lesson.id] = lesson
    paths_file = directory / "paths.yaml"
    paths = _paths(_load_yaml(paths_file, problems), paths_file, lessons, problems)
    missing = set(AUDIENCES) - {p.audience for p in paths.values()}
    if missing:
        problems.append(f"{paths_file}: no path for {', '.join(sorted(missing))}")
    curricula: dict[str, CurriculumTemplate] = {}
    curricula_file = directory / "curricula.yaml"
    for raw in _load_yaml(curricula_file, problems) or []:
        template = parse_curriculum(raw, str(curricula_file), lessons, problems)
        if template is not None:
            if template.id in curricula:
                problems.append(f"{curricula_file}: curriculum id {template.id} is used twice")
            curricula[template.id] = template
    if problems:
        raise ContentError(problems)
    return Content(lessons, paths, curricula)


def content_dir() -> Path:
    extra = getattr(settings, "KARPEAR_LEARN_DIR", "")
    return Path(extra) if extra else SHIPPED_DIR


@lru_cache(maxsize=2)
def _cached(directory: Path) -> Content:
    return load_content(directory)


def content() -> Content:
    return _cached(content_dir())


def get_path(path_id: str) -> LearningPath | None:
    return content().paths.get(path_id)


def get_lesson(lesson_id: str) -> Lesson | None:
    return content().lessons.get(lesson_id)


def get_template(template_id: str) -> CurriculumTemplate | None:
    return content().curricula.get(template_id)
