"""Receiving a company's submission: verify, then store once (issue #20, items 2, 3 and 7).

1. The same body again (same SHA-256 of the canonical envelope) returns the stored submission.
2. The period must be one the regulator defined.
3. The package must name the company the key was issued to (not another company's package).
4. The signature must verify with a key registered for the company (never the key the envelope
   carries); a revoked or retired key is refused as such.
5. The payload must follow docs/compliance-package.schema.json.
6. It must be signed in the period's year or the year after, not in the future, and not before
   the last accepted package of the same framework (no replay of an old one).
7. The transparency report, when sent, must be Karpear's published JSON.
Refusals carry a machine-readable code and are logged and audited; nothing of them is stored.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.core import signing
from karpear.core.errors import ApplicationError
from karpear.regulator.common import audit
from karpear.regulator.models import (
    Channel,
    CompanyKey,
    RegisteredCompany,
    ReportingPeriod,
    Submission,
)

logger = logging.getLogger(__name__)
# A copy of docs/compliance-package.schema.json shipped with the code (a test keeps them equal).
SCHEMA = Path(__file__).with_name("compliance-package.schema.json")
TRANSPARENCY_FORMAT = "karpear-transparency-report/1"


class SubmissionRefused(ApplicationError):
    status = 422
    code = "refused"


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def envelope_sha256(envelope: Any) -> str:
    return hashlib.sha256(signing.canonical_json(envelope)).hexdigest()


def _refuse(code: str, message: Any, fields: dict[str, list[str]] | None = None) -> None:
    raise SubmissionRefused(message, code=code, fields=fields)


def _signing_key(company: RegisteredCompany, envelope: dict[str, Any]) -> CompanyKey:
    now = timezone.now()
    # A key nobody else has confirmed yet does not exist for verification (no one alone).
    keys = list(CompanyKey.objects.filter(company=company, confirmed_at__isnull=False))
    for key in keys:
        try:
            signing.verify(envelope, key.public_key)
        except signing.BadSignature:
            continue
        if key.revoked_at is not None:
            _refuse("revoked_key", _("The package is signed with a key that was revoked."))
        if key.retires_at is not None and key.retires_at <= now:
            _refuse("retired_key", _("The package is signed with a key that has been replaced."))
        return key
    if not keys:
        _refuse("no_key", _("No package key is registered for this company yet."))
    _refuse(
        "bad_signature",
        _(
            "The signature does not match the company's registered key: the package was changed "
            "or signed with another key."
        ),
    )
    raise AssertionError  # unreachable: _refuse raises


def _schema_errors(payload: Any) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for error in sorted(_validator().iter_errors(payload), key=lambda e: list(e.path))[:20]:
        where = "/".join(str(p) for p in error.path) or "(package)"
        errors.setdefault(where, []).append(error.message[:300])
    return errors


def _signed_at(payload: dict[str, Any]) -> datetime:
    try:
        moment = datetime.fromisoformat(str(payload["assessment"]["signed_at"]))
    except (KeyError, TypeError, ValueError):
        moment = None
    if moment is None or moment.tzinfo is None:
        _refuse("schema", _("The package has no valid time of sign-off."))
        raise AssertionError
    return moment


def summarise(payload: dict[str, Any]) -> dict[str, Any]:
    """What the dashboard compares: outcomes per item, minimum items, gaps with their actions."""
    answers = [a for a in payload.get("answers", []) if isinstance(a, dict)]
    outcomes = {str(a["ref"]): str(a["outcome"]) for a in answers}
    minimum = [a for a in answers if a.get("minimum")]
    gaps = [
        {
            "ref": a["ref"],
            "outcome": a["outcome"],
            "minimum": bool(a.get("minimum")),
            "action": str(a.get("action", ""))[:500],
            "owner": str(a.get("action_owner", ""))[:200],
            "due": a.get("action_due"),
            "done_on": a.get("action_done_on"),
        }
        for a in answers
        if a["outcome"] in ("partially", "no")
    ]
    return {
        "outcomes": outcomes,
        "minimum_total": len(minimum),
        "minimum_met": sum(1 for a in minimum if a["outcome"] in ("yes", "na")),
        "minimum_partial": sum(1 for a in minimum if a["outcome"] == "partially"),
        "minimum_not_met": sum(1 for a in minimum if a["outcome"] == "no"),
        "gaps": gaps,
        "reassess_by": payload["assessment"].get("reassess_by"),
        "signed_by": payload["assessment"]["signed_by"].get("name", ""),
    }


def _check_transparency(document: Any) -> None:
    if document is None:
        return
    if (
        not isinstance(document, dict)
        or document.get("format") != TRANSPARENCY_FORMAT
        or not isinstance(document.get("figures"), dict)
        or not isinstance(document.get("period"), dict)
    ):
        _refuse(
            "transparency_invalid",
            _("The transparency report is not a published Karpear transparency report (JSON)."),
        )


def _verified(
    company: RegisteredCompany, period: ReportingPeriod, envelope: Any, transparency: Any
) -> dict[str, Any]:
    if not isinstance(envelope, dict) or not isinstance(envelope.get("payload"), dict):
        _refuse("not_signed", _("This is not a signed package (payload and signature)."))
    payload: dict[str, Any] = envelope["payload"]
    organisation = payload.get("organisation")
    slug = organisation.get("slug") if isinstance(organisation, dict) else None
    if slug != company.slug:
        _refuse("other_company", _("This package is another company's."))
    key = _signing_key(company, envelope)
    errors = _schema_errors(payload)
    if errors:
        _refuse("schema", _("The package does not follow the published schema."), errors)
    signed_at = _signed_at(payload)
    year = int(period.label)
    # The period is a year in Cambodia's time (settings.TIME_ZONE), as the label the regulator
    # gave it: a package signed on 1 January at 00:30 in Phnom Penh (31 December, 17:30 UTC)
    # is signed in that year, not the one before.
    signed_year = timezone.localtime(signed_at).year
    if signed_at > timezone.now() or signed_year not in (year, year + 1):
        _refuse(
            "wrong_period",
            _("The package was not signed off in or just after the period %(period)s.")
            % {"period": period.label},
        )
    framework_id = str(payload["framework"]["id"])
    last = (
        Submission.objects.filter(company=company, framework_id=framework_id)
        .order_by("-signed_at")
        .first()
    )
    if last is not None and signed_at < last.signed_at:
        _refuse(
            "older_than_last",
            _("A package signed later (%(when)s) was already received.")
            % {"when": last.signed_at.date().isoformat()},
        )
    _check_transparency(transparency)
    return {
        "key": key,
        "payload": payload,
        "signed_at": signed_at,
        "framework_id": framework_id,
    }


def submission_receive(
    *,
    company: RegisteredCompany,
    period_label: str,
    envelope: Any,
    transparency: Any = None,
    channel: Channel,
    actor: Any = None,
    request: HttpRequest | None = None,
) -> tuple[Submission, bool]:
    """Verify and store one submission; returns (submission, created). A repeat is not new."""
    regulator = company.regulator
    digest = envelope_sha256(envelope)
    existing = Submission.objects.filter(company=company, sha256=digest).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            period = ReportingPeriod.objects.filter(
                regulator=regulator, label=str(period_label)[:16]
            ).first()
            if period is None:
                _refuse("unknown_period", _("The regulator has not opened this period."))
                raise AssertionError
            # One company's submissions are checked one at a time (the "not older" rule).
            RegisteredCompany.objects.select_for_update().filter(pk=company.pk).first()
            checked = _verified(company, period, envelope, transparency)
            submission = Submission.objects.create(
                company=company,
                period=period,
                sha256=digest,
                envelope=envelope,
                transparency=transparency,
                key=checked["key"],
                framework_id=checked["framework_id"],
                signed_at=checked["signed_at"],
                summary=summarise(checked["payload"]),
                channel=channel,
                received_at=timezone.now(),
                received_by=actor,
            )
            audit(
                regulator=regulator,
                action="regulator_submission",
                actor=actor,
                actor_label="" if actor else f"company {company.slug}",
                object_type="submission",
                object_id=submission.pk,
                detail={"company": company.slug, "sha256": digest, "period": period.label},
                request=request,
            )
    except IntegrityError:
        # Two deliveries of the same body at once: the other one stored it.
        return Submission.objects.get(company=company, sha256=digest), False
    except SubmissionRefused as exc:
        logger.warning(
            "submission refused: company=%s code=%s sha256=%s", company.slug, exc.code, digest
        )
        audit(
            regulator=regulator,
            action="regulator_submission_refused",
            actor=actor,
            actor_label="" if actor else f"company {company.slug}",
            object_type="registered_company",
            object_id=company.pk,
            detail={"code": exc.code, "sha256": digest, "period": str(period_label)[:16]},
            request=request,
        )
        raise
    return submission, True


def max_bytes() -> int:
    return int(settings.KARPEAR_REGULATOR_MAX_SUBMISSION_BYTES)
