"""/take-it-down/ (issue #22, item 5): the page hashes her pictures; the server sees hashes only."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from karpear.core.errors import RateLimited
from karpear.core.ratelimit import enforce
from karpear.orgs.services import current_organisation
from karpear.takeitdown.forms import TakeItDownForm
from karpear.takeitdown.services import self_report_submit


@require_http_methods(["GET", "POST"])
def take_it_down(request: HttpRequest) -> HttpResponse:
    org = current_organisation(request)
    if request.method == "GET":
        return render(request, "takeitdown/page.html", {"form": TakeItDownForm()})
    form = TakeItDownForm(request.POST)
    try:
        enforce(request, "take-it-down", settings.KARPEAR_RATE_REPORTS)
    except RateLimited as exc:
        form.is_valid()
        response = render(
            request, "takeitdown/page.html", {"form": form, "notice": exc.message}, status=429
        )
        response["Retry-After"] = str(exc.retry_after)
        return response
    if not form.is_valid():
        return render(request, "takeitdown/page.html", {"form": form}, status=400)
    self_report, _created = self_report_submit(
        organisation=org,
        situation=form.cleaned_data["situation"],
        hashes=form.cleaned_data["hashes"],
        pictures=form.cleaned_data["pictures"],
        contact=form.cleaned_data["contact"],
        submission_token=form.cleaned_data["submission"],
    )
    return render(request, "takeitdown/receipt.html", {"self_report": self_report})
