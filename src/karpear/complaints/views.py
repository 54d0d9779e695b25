"""The public complaint page (Khmer at /contest/, English at /en/contest/): no JavaScript, a
receipt with a reference. Thin: parse, rate limit, one service call."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from karpear.cases.decisions import decision_by_code
from karpear.complaints.forms import ComplaintForm
from karpear.complaints.models import ComplaintChannel
from karpear.complaints.services import complaint_submit
from karpear.core.errors import ApplicationError, RateLimited
from karpear.core.ratelimit import enforce
from karpear.orgs.services import current_organisation

TEMPLATE = "complaints/form.html"


@require_http_methods(["GET", "POST"])
def complaint(request: HttpRequest) -> HttpResponse:
    org = current_organisation(request)
    if request.method == "GET":
        code = str(request.GET.get("code", ""))[:40]
        return render(request, TEMPLATE, {"form": ComplaintForm(initial={"code": code})})
    form = ComplaintForm(request.POST)
    try:
        enforce(request, "complaint", settings.KARPEAR_RATE_COMPLAINTS)
    except RateLimited as exc:
        form.is_valid()  # keep what they typed
        response = render(request, TEMPLATE, {"form": form, "notice": exc.message}, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    if not form.is_valid():
        return render(request, TEMPLATE, {"form": form}, status=400)
    decision = decision_by_code(organisation=org, code=form.cleaned_data["code"])
    if decision is None:
        form.add_error("code", _("This code is not right. Please check each letter and number."))
        return render(request, TEMPLATE, {"form": form}, status=404)
    try:
        submitted, _created = complaint_submit(
            organisation=org,
            decision=decision,
            channel=ComplaintChannel.WEB,
            reason=form.cleaned_data["reason"],
            request=request,
        )
    except ApplicationError as exc:
        form.add_error(None, str(exc.message))
        return render(request, TEMPLATE, {"form": form}, status=exc.status)
    return render(request, "complaints/receipt.html", {"complaint": submitted})
