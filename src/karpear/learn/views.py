"""The public learning pages (issue #19, item 1): Khmer at /learn/, English at /en/learn/.

Plain HTML with no script and no third-party request; each lesson is also a printable PDF sheet
(WeasyPrint with Debian's Khmer OS fonts) for sessions where participants have no phone.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import get_language

from karpear.core.pdf import CSS_PATH, public_pdf
from karpear.learn.content import LearningPath, Lesson, content, get_lesson, get_path

# The order the index lists paths in: young people first (the pages are for them), by age.
ORDER = ("young_10_12", "young_13_15", "young_16_17", "parents", "workforce", "trainers")


def index(request: HttpRequest) -> HttpResponse:
    paths = sorted(content().paths.values(), key=lambda p: ORDER.index(p.audience))
    return render(request, "learn/index.html", {"paths": paths})


def _path_and_lesson(
    path_id: str, lesson_id: str | None = None
) -> tuple[LearningPath, Lesson | None]:
    path = get_path(path_id)
    if path is None:
        raise Http404("no such learning path")
    if lesson_id is None:
        return path, None
    lesson = get_lesson(lesson_id)
    if lesson is None or lesson_id not in path.lessons:
        raise Http404("no such lesson")
    return path, lesson


def path_page(request: HttpRequest, path_id: str) -> HttpResponse:
    path, _none = _path_and_lesson(path_id)
    lessons = [get_lesson(name) for name in path.lessons]
    return render(request, "learn/path.html", {"path": path, "lessons": lessons})


def lesson_page(request: HttpRequest, path_id: str, lesson_id: str) -> HttpResponse:
    path, lesson = _path_and_lesson(path_id, lesson_id)
    position = path.lessons.index(lesson_id)
    following = get_lesson(path.lessons[position + 1]) if position + 1 < len(path.lessons) else None
    return render(
        request,
        "learn/lesson.html",
        {"path": path, "lesson": lesson, "next": following, "number": position + 1},
    )


def lesson_pdf(request: HttpRequest, path_id: str, lesson_id: str) -> HttpResponse:
    path, lesson = _path_and_lesson(path_id, lesson_id)
    html = render_to_string(
        "learn/lesson_sheet.html",
        {"path": path, "lesson": lesson, "css": CSS_PATH.read_text(encoding="utf-8")},
        request=request,
    )
    name = f"swipe-safe-{lesson_id}-{get_language() or 'km'}.pdf"
    return public_pdf(request, html, filename=name, inline=True)
