"""The session link (issue #19, items 3, 4, 7): a participant answers on their phone with no
account and no script, paired by a code they choose. The page shows only the quiz the trainer
opened and, after sending, the score of what was just sent: nothing about anyone else."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods

from karpear.core.errors import ApplicationError, RateLimited
from karpear.core.ratelimit import enforce
from karpear.education import services
from karpear.education.models import Phase, Session, SessionStatus


def _lang() -> str:
    return "km" if (get_language() or "km").startswith("km") else "en"


def _quiz(session: Session) -> list[dict[str, Any]]:
    lang = _lang()
    return [
        {
            "id": q["id"],
            "text": q["text"][lang],
            "choices": [(i, c[lang]) for i, c in enumerate(q["choices"])],
        }
        for q in session.curriculum.questions
    ]


def _what_is_open(session: Session) -> str:
    if session.status == SessionStatus.BEFORE:
        return Phase.PRE
    if session.status == SessionStatus.AFTER:
        return Phase.POST
    if session.status == SessionStatus.CLOSED and services.followup_open(session):
        return "followup"
    return ""


def _int(value: object) -> int | None:
    text = str(value or "")
    # isdecimal, not isdigit: "²" is a digit that int() refuses (Khmer digits still count).
    return int(text) if text.isdecimal() and len(text) < 3 else None


@require_http_methods(["GET", "POST"])
def session_link(request: HttpRequest, token: str) -> HttpResponse:
    try:
        session = services.session_by_token(token)
    except ApplicationError as exc:
        return render(request, "education/link_missing.html", {"message": exc.message}, status=404)
    stage = _what_is_open(session)
    context: dict[str, Any] = {
        "session": session,
        "title": session.curriculum.title_km if _lang() == "km" else session.curriculum.title_en,
        "stage": stage,
        "questions": _quiz(session),
        "practice": [
            {"id": p["id"], "text": p["text"][_lang()]} for p in session.curriculum.practice
        ],
        "chosen": {},
        "errors": {},
    }
    if request.method != "POST":
        return render(request, "education/link.html", context)
    code = str(request.POST.get("code", ""))[:200]
    try:
        enforce(request, "education_quiz", settings.KARPEAR_RATE_QUIZ)
        if stage in (Phase.PRE, Phase.POST):
            answers = {
                q["id"]: choice
                for q in session.curriculum.questions
                if (choice := _int(request.POST.get(f"q_{q['id']}"))) is not None
            }
            context["chosen"] = answers
            result = services.quiz_submit(session=session, code=code, phase=stage, answers=answers)
            return render(request, "education/link_done.html", {**context, "result": result})
        if stage == "followup":
            practice = {
                p["id"]: request.POST[f"p_{p['id']}"] == "yes"
                for p in session.curriculum.practice
                if request.POST.get(f"p_{p['id']}") in ("yes", "no")
            }
            services.followup_submit(session=session, code=code, practice=practice)
            return render(request, "education/link_done.html", context)
        raise ApplicationError(services.CLOSED_MESSAGE, code="closed", status=409)
    except ApplicationError as exc:
        context.update({"message": exc.message, "errors": exc.fields, "code": code[:40]})
        response = render(request, "education/link.html", context, status=exc.status)
        if isinstance(exc, RateLimited):
            response["Retry-After"] = str(exc.retry_after)
        return response
