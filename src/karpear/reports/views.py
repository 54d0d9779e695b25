"""Public portal pages: report, receipt, status. Thin: parse, check, one service call."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from karpear.core.clients import client_key
from karpear.core.errors import ApplicationError, RateLimited
from karpear.core.ratelimit import enforce
from karpear.orgs.services import current_organisation
from karpear.reports.forms import ReportForm
from karpear.reports.models import Channel, PublicStatus
from karpear.reports.outcomes import report_outcome
from karpear.reports.services import report_public_status, report_submit


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    org = current_organisation(request)
    if request.method == "GET":
        return render(request, "reports/form.html", {"form": ReportForm()})
    form = ReportForm(request.POST)
    try:
        enforce(request, "report", settings.KARPEAR_RATE_REPORTS)
    except RateLimited as exc:
        form.is_valid()  # keep what they typed; show it back with the notice
        response = render(
            request, "reports/form.html", {"form": form, "notice": exc.message}, status=429
        )
        response["Retry-After"] = str(exc.retry_after)
        return response
    if not form.is_valid():
        return render(request, "reports/form.html", {"form": form}, status=400)
    submitted, _created = report_submit(
        organisation=org,
        channel=Channel.WEB,
        data=form.to_data(),
        submission_token=form.cleaned_data["submission"],
        caller="portal",  # the form's own unguessable one-time token, unbound to a client
        reporter=f"client:{client_key(request)}",  # for the isolation abuse guard only
    )
    return render(request, "reports/receipt.html", {"report": submitted, "organisation": org})


@require_http_methods(["GET", "POST"])
def status(request: HttpRequest) -> HttpResponse:
    org = current_organisation(request)
    context: dict[str, object] = {"reference": "", "statuses": PublicStatus.choices}
    if request.method == "POST":
        reference = str(request.POST.get("reference", ""))[:40]
        context["reference"] = reference
        try:
            enforce(request, "status", settings.KARPEAR_RATE_STATUS)
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
