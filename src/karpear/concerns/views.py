"""The public concern pages (Khmer at /concerns/, English at /en/concerns/): no JavaScript.

Thin: parse, rate limit, one service call. Pages that show a receipt are never cached.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from karpear.concerns.forms import ConcernForm, ReceiptForm
from karpear.concerns.services import (
    concern_answer,
    concern_open,
    concern_raise,
    concern_refused,
    thread,
)
from karpear.core.errors import ApplicationError, RateLimited
from karpear.core.ratelimit import enforce
from karpear.orgs.services import current_organisation


def _limited(response: HttpResponse, exc: RateLimited) -> HttpResponse:
    response["Retry-After"] = str(exc.retry_after)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def raise_concern(request: HttpRequest) -> HttpResponse:
    org = current_organisation(request)
    if request.method == "GET":
        return render(request, "concerns/form.html", {"form": ConcernForm()})
    form = ConcernForm(request.POST)
    try:
        enforce(request, "concern", settings.KARPEAR_RATE_CONCERNS)
    except RateLimited as exc:
        form.is_valid()
        page = render(
            request, "concerns/form.html", {"form": form, "notice": exc.message}, status=429
        )
        return _limited(page, exc)
    if not form.is_valid():
        concern_refused(organisation=org, fields=list(form.errors), request=request)
        return render(request, "concerns/form.html", {"form": form}, status=400)
    try:
        concern, secret = concern_raise(organisation=org, request=request, **form.cleaned_data)
    except ApplicationError as exc:
        for name, messages in exc.fields.items():
            form.add_error(name if name in form.fields else None, messages[0])
        return render(request, "concerns/form.html", {"form": form}, status=exc.status)
    return render(request, "concerns/receipt.html", {"concern": concern, "secret": secret})


@never_cache
@require_http_methods(["GET", "POST"])
def follow(request: HttpRequest) -> HttpResponse:
    """Read the replies and answer, with the receipt code and secret (sent again with every
    answer as form fields, so no cookie or session is needed)."""
    org = current_organisation(request)
    if request.method == "GET":
        return render(request, "concerns/follow.html", {"form": ReceiptForm()})
    form = ReceiptForm(request.POST)
    if not form.is_valid():
        return render(request, "concerns/follow.html", {"form": form}, status=400)
    try:
        concern = concern_open(organisation=org, request=request, **form.cleaned_data)
    except RateLimited as exc:
        page = render(
            request, "concerns/follow.html", {"form": form, "notice": exc.message}, status=429
        )
        return _limited(page, exc)
    except ApplicationError as exc:
        return render(
            request,
            "concerns/follow.html",
            {"form": form, "notice": exc.message},
            status=exc.status,
        )
    context: dict[str, object] = {"concern": concern, "receipt": form.cleaned_data}
    status = 200
    body = str(request.POST.get("body", ""))
    if "answer" in request.POST:
        try:
            concern_answer(concern=concern, body=body, request=request)
            context["sent"] = True
            body = ""
        except ApplicationError as exc:
            context["error"], status = exc.message, exc.status
    context.update({"messages_": thread(concern), "body": body})
    return render(request, "concerns/thread.html", context, status=status)
