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
from karpear.orgs.models import Organisation
from karpear.orgs.services import current_organisation


def _hit(org: Organisation, url: str) -> Hit | None:
    if not url:
        return None
    try:
        return matcher_for(org).lookup(url)
    except MalformedURL:
        return None


@require_http_methods(["GET", "POST"])
def blocked(request: HttpRequest) -> HttpResponse:
    org = current_organisation(request)
    if request.method == "GET":
        url = str(request.GET.get("url", ""))[:2048]
        hit = _hit(org, url)
        context: dict[str, object] = {"url": url, "hit": hit, "reason": "", "contact": ""}
        return render(request, "blocklist/blocked.html", context, status=403 if hit else 200)
    url = str(request.POST.get("url", ""))[:2048]
    reason = str(request.POST.get("reason", ""))[:4000]
    contact = str(request.POST.get("contact", ""))[:300]
    try:
        enforce(request, "appeal", settings.KARPEAR_RATE_APPEALS)
        appeal = appeal_submit(organisation=org, url=url, reason=reason, contact=contact)
    except ApplicationError as exc:
        # Only a refused appeal shows the form again, so only then is the URL looked up here.
        context = {
            "url": url,
            "hit": _hit(org, url),
            "reason": reason,
            "contact": contact,
            "error": exc.message,
            "fields": exc.fields,
        }
        return render(request, "blocklist/blocked.html", context, status=exc.status)
    return render(request, "blocklist/appeal_received.html", {"appeal": appeal})
