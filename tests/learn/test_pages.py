"""The public learning pages and the lesson files' checks (issue #19, item 1)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from karpear.learn.content import SHIPPED_DIR, ContentError, content, load_content
from tests.conftest import Client

PAGE_BUDGET = 60 * 1024  # bytes: a cheap phone on a slow connection


def _all_pages() -> list[str]:
    pages = ["/learn/"]
    for path in content().paths.values():
        pages.append(f"/learn/{path.id}/")
        pages += [f"/learn/{path.id}/{lesson}/" for lesson in path.lessons]
    return pages


@pytest.mark.django_db
def test_every_page_is_khmer_by_default_small_and_script_free(client: Client) -> None:
    for url in _all_pages():
        for prefix, lang in (("", "km"), ("/en", "en")):
            response = client.get(prefix + url)
            assert response.status_code == 200, url
            body = response.content
            assert len(body) < PAGE_BUDGET, (url, len(body))
            # Only the quick exit's script (#22); the page works without it.
            assert re.findall(rb"<script[^>]*>", body) == [
                b'<script src="/static/karpear/exit.js" defer>'
            ]
            assert f'<html lang="{lang}"'.encode() in body


@pytest.mark.django_db
def test_the_adolescent_lessons_say_it_is_not_your_fault_and_where_to_get_help(
    client: Client,
) -> None:
    page = client.get("/learn/young-13-15/sextortion/").content.decode()
    assert "វាមិនមែនជាកំហុសរបស់អ្នកទេ" in page  # "it is not your fault"
    assert "១២៨០" in page  # Child Helpline Cambodia, in Khmer digits
    assert "កន្លែងស្វែងរកជំនួយ" in page  # "Where to get help"
    english = client.get("/en/learn/young-13-15/sextortion/").content.decode()
    assert "It is not your fault" in english and "1280" in english
    assert 'href="/en/"' in english  # the reporting portal


@pytest.mark.django_db
def test_paths_cover_every_audience_and_age_band(client: Client) -> None:
    index = client.get("/en/learn/").content.decode()
    for title in ("aged 10 to 12", "aged 13 to 15", "aged 16 and 17", "parents", "social service"):
        assert title in index


@pytest.mark.django_db
def test_unknown_paths_and_lessons_outside_their_path_are_not_found(client: Client) -> None:
    assert client.get("/learn/nobody/").status_code == 404
    assert client.get("/learn/parents/sextortion/").status_code == 404  # not in that path
    assert client.get("/learn/parents/%00/").status_code in (400, 404)


@pytest.mark.django_db
def test_a_lesson_prints_as_a_pdf_sheet(client: Client) -> None:
    response = client.get("/learn/parents/talk-openly.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


def _copy(tmp_path: Path) -> Path:
    import shutil

    target = tmp_path / "content"
    shutil.copytree(SHIPPED_DIR, target)
    return target


def test_the_shipped_content_loads() -> None:
    loaded = load_content(SHIPPED_DIR)
    assert {"parents-core", "young-13-15-core"} <= set(loaded.curricula)


def test_a_lesson_without_what_to_do_or_khmer_is_refused_by_name(tmp_path: Path) -> None:
    target = _copy(tmp_path)
    lesson = target / "lessons" / "sextortion.yaml"
    text = lesson.read_text(encoding="utf-8")
    text = text.split("\ndo:\n")[0] + "\n"
    text = text.replace("km: អ្វីទៅជាការគំរាមដោយរូបភាពឯកជន", "km: ''")
    lesson.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_content(target)
    problems = " ".join(caught.value.problems)
    assert "sextortion.yaml: lesson sextortion: every lesson ends with what to do" in problems
    assert "the Khmer text is missing" in problems


def test_a_quiz_naming_an_unknown_goal_or_answer_is_refused(tmp_path: Path) -> None:
    target = _copy(tmp_path)
    curricula = target / "curricula.yaml"
    text = curricula.read_text(encoding="utf-8")
    text = text.replace("goal: risks-from-known-people.known", "goal: nowhere.nothing", 1)
    text = text.replace("      answer: 1\n", "      answer: 7\n", 1)
    curricula.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_content(target)
    problems = " ".join(caught.value.problems)
    assert "question 1 p1: names unknown learning goal 'nowhere.nothing'" in problems
    assert "answer must be the number of a choice" in problems


def test_a_path_naming_a_missing_lesson_is_refused(tmp_path: Path) -> None:
    target = _copy(tmp_path)
    (target / "lessons" / "kind-and-safe.yaml").unlink()
    with pytest.raises(ContentError) as caught:
        load_content(target)
    assert any("names unknown lesson 'kind-and-safe'" in p for p in caught.value.problems)
