"""Which key receives a child-protection service's referrals: an explicit, recorded binding.

A child's name and phone must reach the service and nobody else, so the inbox is never found
by matching a name (any issuer key can carry any name). A keeper (the safeguarding lead or an
administrator) issues a key *for* a service in the directory, which binds it; a different
keeper confirms once the service holds it (PRODUCT "no one alone"). Only a confirmed binding
with a live key delivers a child's referral, and only that key reads it over the API. Every
step is audited; issuing again or unbinding revokes the earlier key.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.apikeys.models import ApiKey, Scope
from karpear.apikeys.services import apikey_create, apikey_revoke
from karpear.audit.services import audit_record
from karpear.cases.models import ReferralService
from karpear.core.errors import ApplicationError, NotFound
from karpear.core.second_person import confirm_by_another
from karpear.evidence.recipients import KEEPERS  # the same keepers as the recipient register
from karpear.referrals.models import Purpose, ServiceInbox
from karpear.staff.models import StaffMember


def _now() -> datetime:
    return timezone.now().replace(microsecond=0)


def _live_key(now: datetime) -> Q:
    return Q(key__revoked_at__isnull=True) & (
        Q(key__expires_at__isnull=True) | Q(key__expires_at__gt=now)
    )


def inbox_binding(service: ReferralService) -> ServiceInbox | None:
    """The service's confirmed binding with a live key; None means it has no inbox."""
    return (
        ServiceInbox.objects.select_related("key", "bound_by", "confirmed_by")
        .filter(_live_key(timezone.now()), service=service, confirmed_at__isnull=False)
        .first()
    )


def service_bindings(service_ids: list[int]) -> dict[int, ServiceInbox]:
    """Every binding (confirmed or waiting) of these services, by service id, in one query."""
    rows = ServiceInbox.objects.select_related("key", "bound_by", "confirmed_by").filter(
        service_id__in=service_ids
    )
    return {row.service_id: row for row in rows}


def readable_by(key: ApiKey) -> Q:
    """Referrals (of the key's issuer) this key may read: a child's only with the key bound to
    the child's service, so a second key carrying the same name reads no child. A service's key
    (scope `service`) reads only its children's referrals: its issuer is found by name, and a
    service named as the hotline or the police would otherwise read their whole inbox."""
    bound = ServiceInbox.objects.filter(key=key, confirmed_at__isnull=False).values("service_id")
    child = Q(victim_referral__service_id__in=bound)
    if key.scope == Scope.SERVICE:
        return Q(purpose=Purpose.CHILD) & child
    return ~Q(purpose=Purpose.CHILD) | child


def _require_keeper(member: StaffMember) -> None:
    if member.role not in KEEPERS:
        raise ApplicationError(
            _("Only the safeguarding lead or an administrator binds a service's inbox."),
            code="forbidden",
            status=403,
        )


def _service(member: StaffMember, service_id: int) -> ReferralService:
    """The organisation's service, locked: issuing, confirming and unbinding take turns."""
    service = (
        ReferralService.objects.select_for_update()
        .filter(pk=service_id, organisation_id=member.organisation_id)
        .first()
    )
    if service is None:
        raise NotFound(_("There is no such service."))
    return service


def _audit(
    action: str, member: StaffMember, binding: ServiceInbox, request: HttpRequest | None
) -> None:
    audit_record(
        action=action,
        organisation=member.organisation,
        actor=member.user,
        object_type="referral_service",
        object_id=binding.service_id,
        detail={"key": binding.key.prefix, "bound_by": binding.bound_by_id},
        request=request,
    )


def _revoke(member: StaffMember, binding: ServiceInbox) -> None:
    apikey_revoke(key=binding.key, actor_label=member.user.get_username())
    binding.delete()


@transaction.atomic
def inbox_issue(
    *, member: StaffMember, service_id: int, request: HttpRequest | None = None
) -> tuple[ServiceInbox, str]:
    """Issue an issuer key for the service, bound to it and waiting for a second keeper.

    1. Check: a keeper; the organisation's service, locked, still in the directory.
    2. Do: revoke the key of any earlier binding; create the key (named as the service, so its
       issuer is the service's) and the unconfirmed binding; audit. The token is returned
       once, to be handed to the service.
    """
    _require_keeper(member)
    service = _service(member, service_id)
    if not service.active:
        raise ApplicationError(_("This service is no longer in the directory."), status=409)
    earlier = ServiceInbox.objects.filter(service=service).select_related("key").first()
    if earlier is not None:
        _revoke(member, earlier)
    key, token = apikey_create(
        organisation=member.organisation,
        scope=Scope.SERVICE,
        name=service.name_en,
        actor_label=member.user.get_username(),
    )
    binding = ServiceInbox.objects.create(
        organisation_id=member.organisation_id,
        service=service,
        key=key,
        bound_by=member.user,
        bound_at=_now(),
    )
    _audit("service_inbox_issue", member, binding, request)
    return binding, token


@transaction.atomic
def inbox_confirm(
    *,
    member: StaffMember,
    service_id: int,
    key_prefix: str | None = None,
    request: HttpRequest | None = None,
) -> ServiceInbox:
    """A second keeper confirms that the service holds the bound key; confirming a confirmed
    binding again changes nothing.

    `key_prefix` is the key the confirmer saw (the desk's button names it): a key issued
    again since their page was drawn is refused (409), else the issuer, holding both tokens,
    could hand the service the first and have the second person confirm the second, which
    only they hold (no one alone; attack atk4). None (demo, tests): whatever is bound."""
    _require_keeper(member)
    service = _service(member, service_id)
    binding = ServiceInbox.objects.filter(service=service).select_related("key").first()
    if binding is None:
        raise ApplicationError(_("Issue a key for this service first."), code="not_bound")
    if key_prefix is not None and key_prefix != binding.key.prefix:
        raise ApplicationError(
            _(
                "A new key was issued for this service since this page was shown: check "
                "which key the service holds, then confirm that one."
            ),
            code="stale_key",
            status=409,
        )

    def live_key(now: datetime) -> None:
        if not ServiceInbox.objects.filter(_live_key(now), pk=binding.pk).exists():
            raise ApplicationError(
                _("This key was revoked or has expired: issue a new one."), code="key_dead"
            )

    if not confirm_by_another(
        thing=binding,
        by=member,
        roles=KEEPERS,
        owner_id=binding.organisation_id,
        registered_by_id=binding.bound_by_id,
        own_message=_("Nobody confirms the key they issued: a second person must."),
        own_code="own_binding",
        before=live_key,
        now=_now(),
    ):
        return binding
    _audit("service_inbox_confirm", member, binding, request)
    return binding


@transaction.atomic
def inbox_unbind(
    *, member: StaffMember, service_id: int, request: HttpRequest | None = None
) -> None:
    """Take the service's inbox away (one keeper may: it stops delivery); its key is revoked."""
    _require_keeper(member)
    service = _service(member, service_id)
    binding = ServiceInbox.objects.filter(service=service).select_related("key").first()
    if binding is None:
        return
    _audit("service_inbox_unbind", member, binding, request)
    _revoke(member, binding)
