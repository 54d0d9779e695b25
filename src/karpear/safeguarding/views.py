"""The personal acknowledgement page an employee reaches from their e-mail (issue #21, item 3).

Reading (GET) changes nothing, so a mail scanner that follows the link does not acknowledge for
the person; the button (POST) does, once.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from karpear.orgs.services import current_organisation
from karpear.safeguarding.documents import LinkRefused, access_acknowledgement, acknowledge


@never_cache
@require_http_methods(["GET", "POST"])
def ack(request: HttpRequest, token: str) -> HttpResponse:
    org = current_organisation(request)
    try:
        if request.method == "POST":
            done = acknowledge(token=token[:100], organisation=org, request=request)
            return render(request, "safeguarding/ack_done.html", {"ack": done})
        found = access_acknowledgement(token=token[:100], organisation=org, request=request)
    except LinkRefused as exc:
        return render(
            request, "safeguarding/ack_refused.html", {"message": exc.message}, status=410
        )
    doc = found.document
    body = doc.body_km if get_language() == "km" else doc.body_en
    return render(request, "safeguarding/ack.html", {"doc": doc, "body": body})
