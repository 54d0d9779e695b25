"""Case search on the desk (issue #16, item 10): open and closed cases by report reference,
link, platform content ID, account name, hash match and dates. A POST form, so that no reported
link or reference ends up in an access log or the browser history."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from karpear.audit.services import audit_record
from karpear.cases.bulk import BulkAction, BulkRequest, cases_bulk
from karpear.cases.models import Authority
from karpear.cases.search import CaseSearch, MalformedURL, case_search, link_key
from karpear.core.dates import parse_day
from karpear.core.errors import ApplicationError
from karpear.desk.access import CASE_WORK, desk_view, int_or_none
from karpear.hashes.selectors import cases_matching
from karpear.staff.models import Role, StaffMember

FIELDS = ("reference", "link", "content_id", "account", "hash", "opened_from", "opened_to")
MAX_FIELD = 2000


def _read(post: Any) -> tuple[dict[str, str], dict[str, list[str]]]:
    values = {name: str(post.get(name, "")).strip()[:MAX_FIELD] for name in FIELDS}
    values["status"] = str(post.get("status", "all"))
    # NUL never gets here: the input guard (core/guards.py) refuses it before any view.
    errors: dict[str, list[str]] = {}
    if values["link"]:
        try:
            link_key(values["link"])
        except MalformedURL as exc:
            errors["link"] = [_("This is not a link we can read: %(reason)s") % {"reason": exc}]
    for name in ("opened_from", "opened_to"):
        if values[name] and parse_day(values[name]) is None:
            errors[name] = [_("Write the date like 2026-01-31.")]
    if values["status"] not in ("all", "open", "closed"):
        values["status"] = "all"
    return values, errors


def bulk_context(member: StaffMember) -> dict[str, Any]:
    """What the bulk form on the queue and the search page offers this member."""
    actions = [
        (v, label)
        for v, label in BulkAction.CHOICES
        if v != BulkAction.ASSIGN or member.role == Role.LEAD
    ]
    return {
        "bulk_actions": actions,
        "bulk_staff": list(
            StaffMember.objects.filter(
                organisation=member.organisation, role__in=[Role.ANALYST, Role.LEAD]
            )
            .select_related("user")
            .order_by("user__username")
        )
        if member.role == Role.LEAD
        else [],
        "bulk_authorities": Authority.choices,
    }


def _context(member: StaffMember) -> dict[str, Any]:
    return {
        "search_fields": [
            ("reference", _("Report reference")),
            ("link", _("Link (any form: it is compared in its canonical form)")),
            ("content_id", _("Platform content ID")),
            ("account", _("Account name")),
            ("hash", _("Hash match: a bank hash value or the matched content ID")),
            ("opened_from", _("Opened on or after")),
            ("opened_to", _("Opened on or before")),
        ],
        "statuses": [("all", _("Open and closed")), ("open", _("Open")), ("closed", _("Closed"))],
        **bulk_context(member),
    }


@desk_view(*CASE_WORK, reveals_content=True)
def search(request: HttpRequest, member: StaffMember) -> HttpResponse:
    context: dict[str, Any] = {
        **_context(member),
        "values": {"status": "all"},
        "errors": {},
        "searched": False,
    }
    if request.method == "POST":
        values, errors = _read(request.POST)
        context.update(values=values, errors=errors)
        ids: tuple[int, ...] = ()
        if values["hash"]:
            ids = cases_matching(member.organisation, values["hash"]) or (0,)
        criteria = CaseSearch(
            reference=values["reference"],
            link=values["link"],
            content_id=values["content_id"],
            account=values["account"],
            case_ids=ids,
            opened_from=parse_day(values["opened_from"]) if values["opened_from"] else None,
            opened_to=parse_day(values["opened_to"]) if values["opened_to"] else None,
            status=values["status"],
        )
        if not errors and criteria.is_empty and values["status"] == "all":
            errors["form"] = [_("Give at least one thing to search for.")]
        if errors:
            return render(request, "desk/search.html", context, status=400)
        results = case_search(organisation=member.organisation, search=criteria)
        # The audit names what was searched by, not the values (a link or reference stays in
        # the case records it belongs to).
        audit_record(
            action="case_search",
            organisation=member.organisation,
            actor=member.user,
            object_type="case",
            detail={
                "by": sorted(k for k in FIELDS if values[k]),
                "status": values["status"],
                "results": [c.pk for c in results],
            },
            request=request,
        )
        context.update(results=results, searched=True)
    return render(request, "desk/search.html", context)


@require_POST
@desk_view(*CASE_WORK)
def bulk(request: HttpRequest, member: StaffMember) -> HttpResponse:
    """One action on every selected case (issue #16, item 11); all or nothing."""
    ids = tuple(i for i in (int_or_none(v) for v in request.POST.getlist("case")) if i)
    assignee_id = int_or_none(request.POST.get("assignee"))
    assignee = (
        StaffMember.objects.filter(pk=assignee_id, organisation=member.organisation).first()
        if assignee_id
        else None
    )
    try:
        if assignee_id and assignee is None:
            raise ApplicationError(_("There is no such staff member."))
        changed = cases_bulk(
            member=member,
            request=BulkRequest(
                action=str(request.POST.get("action", "")),
                case_ids=ids,
                reason=str(request.POST.get("reason", ""))[:4000],
                target_id=int_or_none(request.POST.get("target")),
                assignee=assignee,
                authority=str(request.POST.get("authority", "")),
                reference=str(request.POST.get("reference", ""))[:100],
            ),
            http=request,
        )
    except ApplicationError as exc:
        results = case_search(
            organisation=member.organisation, search=CaseSearch(case_ids=ids or (0,))
        )
        context = {
            **_context(member),
            "values": {"status": "all"},
            "errors": {"form": [exc.message, *[m for ms in exc.fields.values() for m in ms]]},
            "searched": True,
            "results": results,
        }
        return render(request, "desk/search.html", context, status=exc.status)
    messages.success(
        request,
        _("Done for cases %(cases)s.") % {"cases": ", ".join(f"#{c.pk}" for c in changed)},
    )
    return redirect("desk:queue")
