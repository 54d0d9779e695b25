"""The regulator's registry of companies, their package keys and the keys it issues them.

A company's package public key is registered out of band (read to the regulator from the
company's Compliance page, compared by its key id) by one head of unit or administrator and
confirmed by another before it verifies anything. Rotation keeps the previous key valid for
KARPEAR_REGULATOR_KEY_OVERLAP_DAYS from that confirmation, so a package signed just before the
switch still verifies; revocation ends a key at once. Every change is audited (issue #20,
item 1).
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_create
from karpear.core import signing
from karpear.core.errors import ApplicationError, NotFound
from karpear.core.second_person import OwnConfirmationRefused, confirm_by_another
from karpear.orgs.models import Organisation
from karpear.regulator.common import KEEPERS, access_key, audit, require
from karpear.regulator.models import (
    CompanyKey,
    RegisteredCompany,
    ReportingPeriod,
    Sector,
    Size,
    SubmissionKey,
)
from karpear.staff.models import StaffMember

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,49}$")


def _clean(text: str, limit: int) -> str:
    return " ".join(str(text).split())[:limit]


@transaction.atomic
def company_register(
    *,
    member: StaffMember,
    name: str,
    slug: str,
    licence_number: str,
    sector: str,
    size: str,
    name_km: str = "",
    local_organisation: Organisation | None = None,
    request: HttpRequest | None = None,
) -> RegisteredCompany:
    regulator = require(member, KEEPERS)
    errors: dict[str, list[str]] = {}
    name, licence_number = _clean(name, 200), _clean(licence_number, 100)
    if not name:
        errors["name"] = [str(_("Give the company's name."))]
    if not licence_number:
        errors["licence_number"] = [str(_("Give the licence or registration number."))]
    if not _SLUG.match(slug):
        errors["slug"] = [str(_("Lower-case letters, digits and hyphens, as in its packages."))]
    if sector not in Sector.values:
        errors["sector"] = [str(_("Choose a sector."))]
    if size not in Size.values:
        errors["size"] = [str(_("Choose a size."))]
    if local_organisation is not None and local_organisation.is_regulator:
        errors["slug"] = [str(_("A regulator is not a company."))]
    if errors:
        raise ApplicationError(_("The company was not registered."), fields=errors)
    try:
        with transaction.atomic():
            company = RegisteredCompany.objects.create(
                regulator=regulator,
                name=name,
                name_km=_clean(name_km, 200),
                slug=slug,
                licence_number=licence_number,
                sector=sector,
                size=size,
                local_organisation=local_organisation,
                created_at=timezone.now(),
            )
    except IntegrityError as exc:
        raise ApplicationError(
            _("A company with this name in its packages or this licence is already registered."),
            code="duplicate",
            status=409,
        ) from exc
    audit(
        regulator=regulator,
        action="regulator_company_register",
        actor=member.user,
        object_type="registered_company",
        object_id=company.pk,
        detail={"slug": slug, "licence": licence_number, "sector": sector, "size": size},
        request=request,
    )
    return company


def _public_key(text: str) -> str:
    text = text.strip()
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ApplicationError(
            _("This is not a package public key (base64 of 32 bytes)."),
            code="bad_key",
            fields={"public_key": [str(_("Paste the key exactly as the company shows it."))]},
        )
    return base64.b64encode(raw).decode("ascii")


@transaction.atomic
def key_register(
    *,
    member: StaffMember,
    company: RegisteredCompany,
    public_key: str,
    request: HttpRequest | None = None,
) -> CompanyKey:
    """Register a company's (new) key, pending: it verifies nothing, and the keys in use keep
    their validity, until a different head of unit or administrator confirms it
    (`key_confirm`). One person alone could otherwise register a key of their own and upload
    a package signed with it as a verified submission."""
    regulator = require(member, KEEPERS)
    if company.regulator_id != regulator.pk:
        raise NotFound(_("There is no such company in the registry."))
    key_text = _public_key(public_key)
    RegisteredCompany.objects.select_for_update().filter(pk=company.pk).first()
    if CompanyKey.objects.filter(company=company, public_key=key_text).exists():
        raise ApplicationError(_("This key is already registered."), code="duplicate", status=409)
    key = CompanyKey.objects.create(
        company=company,
        public_key=key_text,
        key_id=signing.key_id(key_text),
        registered_at=timezone.now(),
        registered_by=member.user,
    )
    audit(
        regulator=regulator,
        action="regulator_key_register",
        actor=member.user,
        object_type="registered_company",
        object_id=company.pk,
        detail={"key_id": key.key_id, "pending": True},
        request=request,
    )
    return key


def key_confirm(
    *, member: StaffMember, key_id: int, request: HttpRequest | None = None
) -> CompanyKey:
    """A second head of unit or administrator puts a registered key in force.

    1. Check: the key is this regulator's.
    2. Do, in one transaction under the company's row lock (the one `key_register` takes, so
       two rotations of one company are serialised), through the one "confirmed by another"
       rule (core/second_person.py): a key confirmed already is returned unchanged; the
       registrant is refused (and the refusal audited, like a disclosure's own approval:
       outside the transaction, so it stays on the chain); a revoked key is refused; the keys
       in force before it retire after the overlap, and the key is confirmed.
    """
    regulator = require(member, KEEPERS)
    found = access_key(regulator=regulator, key_id=key_id)
    try:
        with transaction.atomic():
            RegisteredCompany.objects.select_for_update().filter(pk=found.company_id).first()
            # Lock the key's row only (PostgreSQL locks no nullable side of an outer join).
            key = (
                CompanyKey.objects.select_for_update(of=("self",))
                .select_related("registered_by", "company")
                .get(pk=found.pk)
            )
            retired: dict[str, Any] = {}

            def retire_the_keys_in_force(now: datetime) -> None:
                if key.revoked_at is not None:
                    raise ApplicationError(_("This key was revoked."), code="revoked", status=409)
                if CompanyKey.objects.filter(
                    company_id=key.company_id, pk__gt=key.pk, confirmed_at__isnull=False
                ).exists():
                    # A rotation registered after this one is in force: the company moved on,
                    # so this registration is stale (its key may be the one abandoned for
                    # leaking); confirming it would put it back and retire the newer key.
                    raise ApplicationError(
                        _(
                            "A key registered after this one is already in force: this one is out of date."  # noqa: E501 (one msgid)
                        ),
                        code="superseded",
                        status=409,
                    )
                overlap_ends = now + timedelta(days=settings.KARPEAR_REGULATOR_KEY_OVERLAP_DAYS)
                retiring = CompanyKey.objects.filter(
                    company_id=key.company_id, confirmed_at__isnull=False, revoked_at__isnull=True
                ).filter(Q(retires_at__isnull=True) | Q(retires_at__gt=overlap_ends))
                retired["retiring"] = list(retiring.values_list("key_id", flat=True))
                retired["until"] = overlap_ends.isoformat()
                retiring.update(retires_at=overlap_ends)

            if not confirm_by_another(
                thing=key,
                by=member,
                roles=KEEPERS,
                owner_id=key.company.regulator_id,
                registered_by_id=key.registered_by_id,
                own_message=_("You registered this key, so someone else must confirm it."),
                own_code="own_key",
                before=retire_the_keys_in_force,
            ):
                return key
            registered_by = key.registered_by.get_username() if key.registered_by else ""
            audit(
                regulator=regulator,
                action="regulator_key_confirm",
                actor=member.user,
                object_type="registered_company",
                object_id=key.company_id,
                detail={"key_id": key.key_id, "registered_by": registered_by, **retired},
                request=request,
            )
    except OwnConfirmationRefused:
        audit(
            regulator=regulator,
            action="regulator_key_own_refused",
            actor=member.user,
            object_type="registered_company",
            object_id=found.company_id,
            detail={"key_id": found.key_id},
            request=request,
        )
        raise
    return key


@transaction.atomic
def key_revoke(
    *, member: StaffMember, key_id: int, request: HttpRequest | None = None
) -> CompanyKey:
    regulator = require(member, KEEPERS)
    key = (
        CompanyKey.objects.select_for_update()
        .filter(pk=key_id, company__regulator=regulator)
        .select_related("company")
        .first()
    )
    if key is None:
        raise NotFound(_("There is no such key."))
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit(
            regulator=regulator,
            action="regulator_key_revoke",
            actor=member.user,
            object_type="registered_company",
            object_id=key.company_id,
            detail={"key_id": key.key_id},
            request=request,
        )
    return key


@transaction.atomic
def submission_key_issue(
    *, member: StaffMember, company: RegisteredCompany, request: HttpRequest | None = None
) -> str:
    """Issue the company an API key for its submissions; the token is returned (shown) once."""
    regulator = require(member, KEEPERS)
    if company.regulator_id != regulator.pk:
        raise NotFound(_("There is no such company in the registry."))
    api_key, token = apikey_create(
        organisation=regulator,
        scope=Scope.COMPANY,
        name=f"submissions: {company.slug}",
        actor_label=member.user.get_username(),
    )
    SubmissionKey.objects.create(company=company, api_key=api_key)
    audit(
        regulator=regulator,
        action="regulator_submission_key",
        actor=member.user,
        object_type="registered_company",
        object_id=company.pk,
        detail={"prefix": api_key.prefix},
        request=request,
    )
    return token


def company_for_api_key(api_key_id: int) -> RegisteredCompany | None:
    link = SubmissionKey.objects.select_related("company").filter(api_key_id=api_key_id).first()
    return link.company if link else None


@transaction.atomic
def period_define(
    *, member: StaffMember, label: str, due: date, request: HttpRequest | None = None
) -> ReportingPeriod:
    regulator = require(member, KEEPERS)
    if not re.fullmatch(r"\d{4}", label or ""):
        raise ApplicationError(
            _("A period is a year, such as 2026."),
            fields={"label": [str(_("Write the year."))]},
        )
    period, created = ReportingPeriod.objects.get_or_create(
        regulator=regulator, label=label, defaults={"due": due}
    )
    if not created and period.due != due:
        before = period.due
        period.due = due
        period.save(update_fields=["due"])
        created = True
        detail = {"label": label, "due": due.isoformat(), "before": before.isoformat()}
    else:
        detail = {"label": label, "due": due.isoformat()}
    if created:
        audit(
            regulator=regulator,
            action="regulator_period",
            actor=member.user,
            object_type="reporting_period",
            object_id=period.pk,
            detail=detail,
            request=request,
        )
    return period


def valid_keys(company: RegisteredCompany) -> list[CompanyKey]:
    """The keys a package may be signed with now: confirmed by a second person, not revoked,
    not past their overlap."""
    now = timezone.now()
    return list(
        CompanyKey.objects.filter(
            company=company, confirmed_at__isnull=False, revoked_at__isnull=True
        ).filter(Q(retires_at__isnull=True) | Q(retires_at__gt=now))
    )
