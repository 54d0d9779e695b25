"""The splash page and the appeal form (issue #7, items 9 and 10). Thin: parse, one service call.

The address in `?url=` is only looked up in the compiled list as text; it is
never fetched and never shown back with any detail of the content.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from karpear.blocklist.matcher import Hit
from karpear.blocklist.services import appeal_submit, matcher_for
from karpear.core.errors import ApplicationError
from karpear.core.ratelimit import enforce
from karpear.links.canonical import MalformedURL
from karpear.orgs.services import current_organisation


@require_http_methods(["GET", "POST"])
def blocked(request: HttpRequest) -> HttpResponse:
    org = current_organisation(request)
    data = request.POST if request.method == "POST" else request.GET
    url = str(data.get("url", ""))[:2048]
    hit: Hit | None = None
    if url:
        try:
            hit = matcher_for(org).lookup(url)
        except MalformedURL:
            hit = None
    context: dict[str, object] = {"url": url, "hit": hit, "reason": "", "contact": ""}
    if request.method == "GET":
        return render(request, "blocklist/blocked.html", context, status=403 if hit else 200)
    context["reason"] = str(data.get("reason", ""))[:4000]
    context["contact"] = str(data.get("contact", ""))[:300]
    try:
        enforce(request, "appeal", settings.KARPEAR_RATE_APPEALS)
        appeal = appeal_submit(
            organisation=org,
            url=url,
            reason=str(context["reason"]),
            contact=str(context["contact"]),
        )
    except ApplicationError as exc:
        context["error"] = exc.message
        context["fields"] = exc.fields
        return render(request, "blocklist/blocked.html", context, status=exc.status)
    return render(request, "blocklist/appeal_received.html", {"appeal": appeal})
