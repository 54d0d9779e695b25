"""Public portal pages: report, receipt, status. Thin: parse, check, one service call."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods

from karpear.core.clients import client_key
from karpear.core.errors import ApplicationError, RateLimited
from karpear.core.ratelimit import enforce
from karpear.orgs.services import current_organisation
from karpear.reports.forms import WHO_CHOICES, WHO_IS_CHILD, ReportForm
from karpear.reports.models import Category, Channel, PublicStatus
from karpear.reports.outcomes import report_outcome
from karpear.reports.services import report_public_status, report_submit
from karpear.takeitdown.selectors import self_report_by_reference

PICTOGRAMS = "reports/pictograms/%s.svg"
# The youngest band's words and pictograms for each category (issue #22, item 3; CNCC
# Appendix 1: under 13). Older bands read the category's own label.
YOUNG_CATEGORIES = {
    Category.SEXUAL_IMAGE: (_("A picture or video of a child's private parts"), "picture"),
    Category.LIVE_STREAM: (_("A live video where a child is hurt or touched"), "video"),
    Category.GROOMING: (_("A grown-up asking a child for private pictures or secrets"), "message"),
    Category.SEXTORTION: (_("Someone saying they will share private pictures"), "threat"),
    Category.OTHER: (_("Something else that made me worried"), "worry"),
}
# The more-details fold opens by itself when something in it needs her attention.
_FOLDED = [
    "seen_on",
    "seen_at_time",
    "seen_approximate",
    "description",
    "age",
    "contact_choice",
    "contact_name",
    "contact_phone",
    "contact_email",
]


def _form_page(
    request: HttpRequest, form: ReportForm, *, status: int = 200, notice: str = ""
) -> HttpResponse:
    who = form["who"].value() or ""
    categories: list[tuple[str, object, str]]
    if who == "child":
        categories = [
            (str(v), label, PICTOGRAMS % pic) for v, (label, pic) in YOUNG_CATEGORIES.items()
        ]
    else:
        categories = [(v, label, "") for v, label in Category.choices]
    more_open = any(name in form.errors for name in _FOLDED) or (
        form.is_bound and form.data.get("contact_choice") == "contact"
    )
    context = {"form": form, "categories": categories, "more_open": more_open, "notice": notice}
    return render(request, "reports/form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    """GET: who is reporting (start page), then the form in their words; POST: the report."""
    org = current_organisation(request)
    if request.method == "GET":
        who = str(request.GET.get("who", ""))
        if who not in WHO_IS_CHILD:
            choices = [(v, label, PICTOGRAMS % v) for v, label in WHO_CHOICES]
            return render(request, "reports/start.html", {"choices": choices})
        return _form_page(request, ReportForm(initial={"who": who}))
    form = ReportForm(request.POST)
    try:
        enforce(request, "report", settings.KARPEAR_RATE_REPORTS)
    except RateLimited as exc:
        form.is_valid()  # keep what they typed; show it back with the notice
        response = _form_page(request, form, status=429, notice=str(exc.message))
        response["Retry-After"] = str(exc.retry_after)
        return response
    if not form.is_valid():
        return _form_page(request, form, status=400)
    submitted, _created = report_submit(
        organisation=org,
        channel=Channel.WEB,
        data=form.to_data(),
        submission_token=form.cleaned_data["submission"],
        caller="portal",  # the form's own unguessable one-time token, unbound to a client
        reporter=f"client:{client_key(request)}",  # for the isolation abuse guard only
    )
    return render(request, "reports/receipt.html", {"report": submitted, "organisation": org})


FAVICON = Path(__file__).resolve().parent.parent / "static" / "karpear" / "favicon.ico"


@cache_control(public=True, max_age=86400)
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says; answer instead of a 404 (item 4)."""
    return HttpResponse(FAVICON.read_bytes(), content_type="image/x-icon")


@require_http_methods(["GET", "POST"])
def status(request: HttpRequest) -> HttpResponse:
    org = current_organisation(request)
    context: dict[str, object] = {"reference": "", "statuses": PublicStatus.choices}
    if request.method == "POST":
        reference = str(request.POST.get("reference", ""))[:40]
        context["reference"] = reference
        try:
            enforce(request, "status", settings.KARPEAR_RATE_STATUS)
            # A take-it-down code gets its own answer here (issue #22, item 8).
            self_report = self_report_by_reference(organisation=org, reference=reference)
            if self_report is not None:
                context["reference"], context["self_report"] = self_report.reference, self_report
                return render(request, "reports/status.html", context)
            context["reference"], context["status"] = report_public_status(
                organisation=org, reference=reference
            )
            # The plain reason for the outcome (issue #17, item 7), from whichever app
            # registered a reader (cases does), so reports need not know cases.
            context["outcome"] = report_outcome(
                organisation=org, reference=str(context["reference"])
            )
        except ApplicationError as exc:
            context["error"] = exc.message
            return render(request, "reports/status.html", context, status=exc.status)
    return render(request, "reports/status.html", context)
