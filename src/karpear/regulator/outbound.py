"""The company's side: send the signed package to the regulator, fetch its requests for
information, answer them (issue #20, items 2 and 5).

Within one deployment (the regulator registered this organisation as a local company) every step
is a direct call; otherwise Karpear talks to the regulator's API at the URL and with the key the
operator configured (`karpear regulator connect`). The server only ever calls that configured
URL (never one a reporter sent).
"""

from __future__ import annotations

import base64
import json
import logging
import urllib.error
import urllib.request
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.audit.services import audit_record
from karpear.compliance import services as compliance
from karpear.core.errors import ApplicationError, NotFound
from karpear.core.guards import parse_json
from karpear.orgs.models import Organisation
from karpear.regulator.models import (
    Channel,
    ReceivedRequest,
    RegisteredCompany,
    RegulatorLink,
    SentSubmission,
)
from karpear.regulator.receipt import SubmissionRefused, submission_receive
from karpear.regulator.rfi import FileIn, clean_files, rfi_answer_record
from karpear.staff.models import Role, StaffMember
from karpear.transparency import services as transparency

logger = logging.getLogger(__name__)


class RegulatorUnreachable(ApplicationError):
    status = 502
    code = "regulator_unreachable"


def _require_officer(member: StaffMember) -> None:
    if member.role != Role.COMPLIANCE:
        raise ApplicationError(
            _("Only the compliance officer can do this."), code="forbidden", status=403
        )


def local_registration(organisation: Organisation) -> RegisteredCompany | None:
    """The registry entry of this organisation at a regulator on this same deployment."""
    return (
        RegisteredCompany.objects.filter(local_organisation=organisation)
        .select_related("regulator")
        .first()
    )


def regulator_link(organisation: Organisation) -> RegulatorLink | None:
    return RegulatorLink.objects.filter(organisation=organisation).first()


@transaction.atomic
def link_set(*, organisation: Organisation, url: str, token: str, operator: str) -> RegulatorLink:
    """`karpear regulator connect`: the regulator's base URL and the key it issued."""
    url = url.strip().rstrip("/")
    if not url.startswith(("https://", "http://")) or len(url) > 300:
        raise ApplicationError(_("Give the regulator's address, starting with https://"))
    if not token.startswith("kp_company_"):
        raise ApplicationError(_("This is not a key issued for submissions."))
    link, _created = RegulatorLink.objects.update_or_create(
        organisation=organisation,
        defaults={"url": url, "token": token.strip(), "created_at": timezone.now()},
    )
    audit_record(
        action="regulator_link",
        organisation=organisation,
        actor_label=f"command line ({operator})"[:150],
        object_type="regulator_link",
        object_id=link.pk,
        detail={"url": url},
    )
    return link


def _call(
    url: str, token: str, method: str, path: str, body: dict[str, Any] | None = None
) -> tuple[int, Any]:
    """One call to the regulator's API; (status, parsed JSON). Never follows another host."""
    data = json.dumps(body).encode("utf-8") if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - the operator's configured regulator only
        f"{url}/api/v1/regulator/{path}",
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(  # noqa: S310
            request, timeout=settings.KARPEAR_REGULATOR_TIMEOUT
        ) as response:
            status, raw = response.status, response.read(4 * 1024 * 1024)
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read(64 * 1024)
    except (urllib.error.URLError, OSError) as exc:
        raise RegulatorUnreachable(
            _("The regulator's service cannot be reached. Try again later.")
        ) from exc
    try:
        return status, parse_json(raw or b"null")
    except ValueError as exc:
        raise RegulatorUnreachable(_("The regulator's service gave an unreadable answer.")) from exc


def latest_transparency(organisation: Organisation) -> dict[str, Any] | None:
    """The newest published transparency report's public JSON (suppressed figures only)."""
    reports = transparency.latest_versions(transparency.published(organisation))
    if not reports:
        return None
    newest = max(reports, key=lambda r: (r.period_end, r.version))
    return transparency.public_document(newest)


def submission_body(
    *, organisation: Organisation, assessment_id: int, period: str, actor: Any = None
) -> dict[str, Any]:
    assessment = compliance.get_assessment(organisation=organisation, assessment_id=assessment_id)
    return {
        "period": period,
        "package": compliance.package_signed(assessment, actor=actor),
        "transparency": latest_transparency(organisation),
    }


def default_period(organisation: Organisation) -> str:
    """The year of the newest published transparency report, else last year."""
    reports = transparency.published(organisation)
    if reports:
        return str(max(r.period_start for r in reports).year)
    return str(timezone.localdate().year - 1)


def submit(
    *,
    organisation: Organisation,
    assessment_id: int,
    period: str | None = None,
    member: StaffMember | None = None,
    url: str | None = None,
    token: str | None = None,
    request: HttpRequest | None = None,
) -> SentSubmission:
    """Send a signed-off assessment and the latest transparency report to the regulator.

    The answer (accepted, repeat, or the refusal's code and message) is kept and shown."""
    if member is not None:
        _require_officer(member)
    actor = member.user if member else None
    period = period or default_period(organisation)
    body = submission_body(
        organisation=organisation, assessment_id=assessment_id, period=period, actor=actor
    )
    local = local_registration(organisation) if url is None else None
    if local is not None:
        try:
            _submission, created = submission_receive(
                company=local,
                period_label=period,
                envelope=body["package"],
                transparency=body["transparency"],
                channel=Channel.LOCAL,
            )
            accepted, code, message = True, "accepted" if created else "repeat", ""
        except SubmissionRefused as exc:
            accepted, code, message = False, exc.code, str(exc.message)
    else:
        link = regulator_link(organisation)
        url = url or (link.url if link else None)
        token = token or (link.token if link else None)
        if not url or not token:
            raise ApplicationError(
                _("No regulator is configured for this organisation."), code="no_regulator"
            )
        status, answer = _call(url.rstrip("/"), token, "POST", "submissions", body)
        error = answer.get("error", {}) if isinstance(answer, dict) else {}
        accepted = status in (200, 201)
        code = ("accepted" if status == 201 else "repeat") if accepted else str(error.get("code"))
        message = "" if accepted else str(error.get("message", f"HTTP {status}"))[:2000]
    sent = SentSubmission.objects.create(
        organisation=organisation,
        assessment_id=assessment_id,
        sent_at=timezone.now(),
        accepted=accepted,
        code=code[:64],
        message=message,
    )
    audit_record(
        action="regulator_submit",
        organisation=organisation,
        actor=actor,
        actor_label="" if actor else "cli",
        object_type="assessment",
        object_id=assessment_id,
        detail={"code": code, "period": period},
        request=request,
    )
    return sent


def submissions_sent(organisation: Organisation) -> list[SentSubmission]:
    return list(SentSubmission.objects.filter(organisation=organisation)[:20])


def _read_request(item: Any) -> tuple[int, dict[str, Any], tuple[str, datetime] | None] | None:
    """One request as the regulator listed it: (remote id, fields, (answer, answered at) once
    answered), or None when it is unreadable."""
    try:
        remote_id = int(item["id"])
        fields = {
            "item_ref": str(item.get("item_ref") or "")[:32],
            "question": str(item["question"])[:5000],
            "deadline": date.fromisoformat(item["deadline"]),
            "sent_at": datetime.fromisoformat(item["sent_at"]),
        }
        answered = (
            (str(item.get("answer") or ""), datetime.fromisoformat(item["answered_at"]))
            if item.get("answered_at")
            else None
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    texts = [fields["item_ref"], fields["question"], answered[0] if answered else ""]
    if any("\x00" in str(text) for text in texts):  # PostgreSQL refuses a NUL in text
        return None
    return remote_id, fields, answered


def requests_pull(*, organisation: Organisation) -> int:
    """Fetch the regulator's requests (another deployment); returns how many are new.

    Fetch first, then write: the HTTP call (up to KARPEAR_REGULATOR_TIMEOUT) runs before any
    transaction opens, so a slow regulator holds no transaction or lock on this database; the
    answer is read whole and checked, then stored in one short transaction. Idempotent: a
    request is stored once per (organisation, remote id) (the unique constraint decides when
    two pulls race; `get_or_create` takes the other's row), and an answer is recorded only on
    a row that has none yet."""
    link = regulator_link(organisation)
    if link is None:
        return 0
    status, answer = _call(link.url, link.token, "GET", "requests")
    if (
        status != 200
        or not isinstance(answer, dict)
        or not isinstance(answer.get("requests"), list)
    ):
        raise RegulatorUnreachable(_("The regulator's service refused to list its requests."))
    listed = [_read_request(item) for item in answer["requests"][:500]]
    readable = [r for r in listed if r is not None]
    if len(readable) < len(listed):
        logger.warning(
            "%d requests from the regulator were unreadable and skipped",
            len(listed) - len(readable),
        )
    new = 0
    with transaction.atomic():
        for remote_id, fields, answered in readable:
            row, created = ReceivedRequest.objects.get_or_create(
                organisation=organisation, remote_id=remote_id, defaults=fields
            )
            new += created
            if answered is not None:
                ReceivedRequest.objects.filter(pk=row.pk, answered_at__isnull=True).update(
                    answer=answered[0], answered_at=answered[1]
                )
    return new


def received_requests(organisation: Organisation) -> list[ReceivedRequest]:
    return list(ReceivedRequest.objects.filter(organisation=organisation)[:200])


def request_answer(
    *,
    member: StaffMember,
    received_id: int,
    text: str,
    files: list[FileIn],
    request: HttpRequest | None = None,
) -> ReceivedRequest:
    """Answer a request on the Compliance page: directly within one deployment, else over the
    API. Only an answer the regulator took is marked answered here.

    Over the API, check, then call, then write: no transaction or row lock is held while the
    regulator's deployment takes the answer (files up to 25 MB, up to the timeout). Two
    officers answering at once both reach the regulator, which keeps the first answer and
    refuses a different second one (409); here the first answer taken is recorded once."""
    _require_officer(member)
    organisation = member.organisation
    found = ReceivedRequest.objects.filter(organisation=organisation, pk=received_id).first()
    if found is None:
        raise NotFound(_("There is no such request."))
    if found.answered_at is not None:
        raise _already_answered()
    files = clean_files(files)
    signer = member.user.get_username()
    if found.local_request_id is not None:
        return _answer_local(
            member=member,
            received_id=found.pk,
            text=text,
            files=files,
            signer=signer,
            request=request,
        )
    link = regulator_link(organisation)
    if link is None:
        raise ApplicationError(
            _("No regulator is configured for this organisation."), code="no_regulator"
        )
    status, answer = _call(
        link.url,
        link.token,
        "POST",
        f"requests/{found.remote_id}/answer",
        {
            "answer": text,
            "answered_by": signer,
            "files": [
                {
                    "name": f.name,
                    "content_type": f.content_type,
                    "data": base64.b64encode(f.data).decode("ascii"),
                }
                for f in files
            ],
        },
    )
    if status not in (200, 201):
        error = answer.get("error", {}) if isinstance(answer, dict) else {}
        raise ApplicationError(
            str(error.get("message") or _("The regulator refused the answer.")),
            code=str(error.get("code") or "refused"),
            status=409 if status == 409 else 400,
        )
    with transaction.atomic():
        recorded = ReceivedRequest.objects.filter(pk=found.pk, answered_at__isnull=True).update(
            answer=text.strip(), answered_at=timezone.now()
        )
        if recorded:
            _audit_answer(member=member, received_id=found.pk, files=len(files), request=request)
    found.refresh_from_db()
    return found


def _already_answered() -> ApplicationError:
    return ApplicationError(
        _("This request has already been answered."), code="already_answered", status=409
    )


def _audit_answer(
    *, member: StaffMember, received_id: int, files: int, request: HttpRequest | None
) -> None:
    audit_record(
        action="regulator_rfi_answered",
        organisation=member.organisation,
        actor=member.user,
        object_type="received_request",
        object_id=received_id,
        detail={"files": files},
        request=request,
    )


def _answer_local(
    *,
    member: StaffMember,
    received_id: int,
    text: str,
    files: list[FileIn],
    signer: str,
    request: HttpRequest | None,
) -> ReceivedRequest:
    """Within one deployment the answer reaches the regulator's side in the same transaction
    (no network call), under the row's lock."""
    organisation = member.organisation
    with transaction.atomic():
        row = ReceivedRequest.objects.select_for_update().get(pk=received_id)
        if row.answered_at is not None:
            raise _already_answered()
        local = local_registration(organisation)
        if local is None or row.local_request_id is None:
            raise NotFound(_("There is no such request."))
        rfi, _new = rfi_answer_record(
            rfi_id=row.local_request_id, company=local, text=text, files=files, answered_by=signer
        )
        row.answer = rfi.answer
        row.answered_at = rfi.answered_at
        row.save(update_fields=["answer", "answered_at"])
        _audit_answer(member=member, received_id=row.pk, files=len(files), request=request)
    return row
