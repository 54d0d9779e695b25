"""The lead's page for isolation on receipt per category (issue #16, item 2)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from karpear.cases.receipt import receipt_policy, receipt_policy_set
from karpear.core.errors import ApplicationError
from karpear.desk.access import LEAD_ONLY, desk_view
from karpear.platformlink.services import link_isolation_categories
from karpear.reports.models import Category
from karpear.staff.models import StaffMember


@desk_view(*LEAD_ONLY)
def isolation(request: HttpRequest, member: StaffMember) -> HttpResponse:
    error = ""
    if request.method == "POST":
        default = request.POST.get("reset") == "1"
        categories = None if default else [str(c) for c in request.POST.getlist("category")]
        try:
            receipt_policy_set(member=member, categories=categories, request=request)
        except ApplicationError as exc:
            error = str(exc.message)
        else:
            messages.success(request, _("Saved. Draft the takedown procedure again to adopt it."))
            return redirect("desk:isolation")
    policy = receipt_policy(member.organisation)
    context = {
        "rows": [(code, label, policy.isolates(code)) for code, label in Category.choices],
        "policy": policy,
        "follows_default": link_isolation_categories(member.organisation) is None,
        "error": error,
    }
    return render(request, "desk/isolation.html", context, status=400 if error else 200)
