"""An outsider's attack (atk4) on what changed last: the desk page that issues a child
service's inbox key and the regulator's submission-key page (core/show_once.py), the desk's
"send again" on a dead letter, `/api/v1/notices*` with a service's inbox key, and
orgs/selectors.py `public_url`. Each test states what a user relies on and failed on the code
as it was found, or guards a property the attack could not break."""

from __future__ import annotations

import base64
import json
import re
import zlib
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from karpear.cases.referrals import referral_services
from karpear.core.errors import ApplicationError
from karpear.orgs.models import Organisation
from karpear.platformlink.models import EventStatus, WebhookEvent
from karpear.platformlink.services import _claim, dead_letter_retry, event_enqueue, link_configure
from karpear.referrals.models import ServiceInbox
from tests.cast import Person, sign_in
from tests.regulator.conftest import acme_payload, registered  # noqa: F401 - fixtures

TOKEN = re.compile(r"kp_[a-z]+_[A-Za-z0-9_-]{8,}")


def _helpline(acme: Organisation) -> int:
    return next(s.pk for s in referral_services(acme) if s.name_en == "Child Helpline Cambodia")


def _session_rows_unsigned() -> str:
    """What a copy of the sessions table says without any key: Django signs session data but
    does not encrypt it (base64 of JSON, compressed when shorter), so anyone holding the copy
    reads it."""
    texts = []
    for data in Session.objects.values_list("session_data", flat=True):
        payload = data.split(":", 1)[0]
        compressed = payload.startswith(".")
        payload = payload.lstrip(".")
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        texts.append((zlib.decompress(raw) if compressed else raw).decode("utf-8"))
    return "\n".join(texts)


# ---------------------------------------------------------------- 1. keys shown once


def test_an_inbox_key_waiting_for_its_page_is_not_in_a_copy_of_the_sessions_table(
    acme: Organisation, admin: Person
) -> None:
    """The inbox key is held in the session between the POST that issues it and the page that
    shows it; a keeper whose browser never followed the redirect (a dropped connection, a
    closed tab) left it there until the session expired, readable by anyone with a copy of
    the database (docs/operations.md, "What a copy reveals": API keys are stored hashed). A
    confirmed inbox key reads children's names and phone numbers (guidelines 2.6)."""
    client = sign_in(admin)
    answer = client.post(f"/en/desk/referral-services/{_helpline(acme)}/issue/")
    assert answer.status_code == 302 and "kp_" not in answer["Location"]
    copy = _session_rows_unsigned()
    page = client.get("/en/desk/referral-services/").content.decode()
    token = TOKEN.search(page)
    assert token is not None  # shown once, on the page the redirect leads to
    secret = token.group(0).split("_", 3)[3]
    assert secret not in copy and token.group(0) not in copy
    # ... and never again: a reload shows the prefix only.
    assert token.group(0) not in client.get("/en/desk/referral-services/").content.decode()
    assert ServiceInbox.objects.get(service_id=_helpline(acme)).key.prefix in page


def test_a_submission_key_waiting_for_its_page_is_not_in_a_copy_of_the_sessions_table(
    head: Person,
    registered: Any,  # noqa: F811 - the fixture imported above
) -> None:
    """The same for the company's submission key at the regulator."""
    client = sign_in(head)
    page_url = f"/en/desk/regulator/companies/{registered.pk}/"
    answer = client.post(f"{page_url}token/")
    assert answer.status_code == 302 and "kp_" not in answer["Location"]
    copy = _session_rows_unsigned()
    token = TOKEN.search(client.get(page_url).content.decode())
    assert token is not None
    assert token.group(0).split("_", 3)[3] not in copy
    assert token.group(0) not in client.get(page_url).content.decode()


def _confirm_form(page: str, service_id: int) -> dict[str, str]:
    """The fields of the service's confirm form as the page drew it."""
    form = page.split(f'action="/en/desk/referral-services/{service_id}/confirm/"', 1)[1]
    form = form.split("</form>", 1)[0]
    return dict(re.findall(r'name="(key)" value="([^"]*)"', form))


def test_a_second_person_confirms_the_key_they_were_shown_not_one_issued_since(
    acme: Organisation, admin: Person, lead: Person
) -> None:
    """No one alone (guidelines 2.6 b): the lead's page said "Confirm: the service holds key
    P1"; meanwhile the administrator who issued P1 (and handed it to the service) issued again,
    P2, and kept it. The lead's click confirmed whatever was bound, P2: the administrator alone
    held the live, confirmed key that reads the helpline's children's referrals, and the
    service's P1 was revoked. The click now confirms only the key it named (409 otherwise)."""
    service = _helpline(acme)
    issuer = sign_in(admin)
    issuer.post(f"/en/desk/referral-services/{service}/issue/")
    handed_over = ServiceInbox.objects.get(service_id=service).key.prefix
    second = sign_in(lead)
    form = _confirm_form(second.get("/en/desk/referral-services/").content.decode(), service)
    issuer.post(f"/en/desk/referral-services/{service}/issue/")  # P2, kept by the issuer
    answer = second.post(f"/en/desk/referral-services/{service}/confirm/", form, follow=True)
    assert "A new key was issued for this service" in answer.content.decode()
    binding = ServiceInbox.objects.get(service_id=service)
    assert binding.key.prefix != handed_over and binding.confirmed_at is None
    assert form == {"key": handed_over}  # (what the lead's button named)
    # The lead sees the new key named, asks the service, and confirms that one.
    form = _confirm_form(second.get("/en/desk/referral-services/").content.decode(), service)
    assert form == {"key": binding.key.prefix}
    second.post(f"/en/desk/referral-services/{service}/confirm/", form)
    binding.refresh_from_db()
    assert binding.confirmed_by_id == lead.member.user_id


def test_key_forms_without_a_csrf_token_or_by_get_issue_and_confirm_nothing(
    acme: Organisation,
    admin: Person,
    lead: Person,
    head: Person,
    registered: Any,  # noqa: F811
) -> None:
    """What held: a cross-site form (no CSRF token) or a link (GET) to issue, confirm or
    unbind an inbox key, or to issue a submission key, does nothing; nor does replaying the
    issuing POST put a key in a URL (each POST issues a new key and revokes the last)."""
    from karpear.apikeys.models import ApiKey

    service = _helpline(acme)
    for person, paths in (
        (admin, [f"/en/desk/referral-services/{service}/{step}/" for step in ("issue",)]),
        (lead, [f"/en/desk/referral-services/{service}/{s}/" for s in ("confirm", "unbind")]),
        (head, [f"/en/desk/regulator/companies/{registered.pk}/token/"]),
    ):
        client = sign_in(person)
        client.handler.enforce_csrf_checks = True
        for path in paths:
            assert client.post(path, {"key": "x"}).status_code == 403, path
            assert client.get(path).status_code == 405, path
    assert not ServiceInbox.objects.exists()
    assert not ApiKey.objects.filter(name__icontains="Helpline").exists()
    replayed = sign_in(admin)
    for _twice in range(2):
        answer = replayed.post(f"/en/desk/referral-services/{service}/issue/")
        assert answer["Location"] == "/en/desk/referral-services/"
    assert ApiKey.objects.filter(revoked_at__isnull=True, scope="service").count() == 1


def test_keys_issued_in_two_tabs_are_each_shown_once(acme: Organisation, admin: Person) -> None:
    """A keeper issued a key for the helpline in one tab and for another service in a second
    tab before the first page came back: the second key replaced the first in the session, so
    the helpline's key was never shown to anyone (and only a new issue could mend it). Each
    is shown once now, one per page."""
    services = [s.pk for s in referral_services(acme)][:2]
    assert len(services) == 2
    client = sign_in(admin)
    for service in services:
        client.post(f"/en/desk/referral-services/{service}/issue/")
    shown = [TOKEN.search(client.get("/en/desk/referral-services/").content.decode()) for _ in "ab"]
    prefixes = {t.group(0).split("_")[2] for t in shown if t is not None}
    bound = set(ServiceInbox.objects.values_list("key__prefix", flat=True))
    assert prefixes == bound and len(bound) == 2
    assert TOKEN.search(client.get("/en/desk/referral-services/").content.decode()) is None


# ---------------------------------------------------------------- 2. "send again" on a dead letter


def _dead_restore_and_later_isolation(acme: Organisation) -> tuple[WebhookEvent, WebhookEvent]:
    link_configure(
        organisation=acme, webhook_url="http://127.0.0.1:9/down", hosted_domains=["s.example"]
    )
    restore = event_enqueue(
        organisation_id=acme.pk, event_type="content.restore", data={"case_id": 7}
    )
    WebhookEvent.objects.filter(pk=restore.pk).update(status=EventStatus.DEAD)
    isolate = event_enqueue(
        organisation_id=acme.pk, event_type="content.isolate", data={"case_id": 7}
    )
    return restore, isolate


def test_a_dead_letter_is_not_sent_again_while_a_later_event_about_it_is_being_sent(
    acme: Organisation, lead: Person
) -> None:
    """ "Send again" is refused once a later event about the same content was delivered. A
    worker POSTing that later isolation at the moment the lead pressed the button had not
    recorded it yet: the dead restore went back in the queue and, as nothing earlier held it
    (the isolation has the higher id), was sent after the isolation, and the platform showed
    the content again. Refused now while the later event is claimed (409); once it is
    delivered the existing refusal holds, and if it fails the lead may press again."""
    restore, isolate = _dead_restore_and_later_isolation(acme)
    assert _claim(isolate.pk, timezone.now())  # a worker is sending it now
    page = sign_in(lead).post("/en/desk/webhooks/retry/", {"event": restore.pk})
    assert page.status_code == 409
    with pytest.raises(ApplicationError) as refused:
        dead_letter_retry(organisation=acme, event_id=restore.pk, actor=lead.member.user)
    assert (refused.value.status, refused.value.code) == (409, "later_in_flight")
    restore.refresh_from_db()
    assert restore.status == EventStatus.DEAD
    # A later event merely waiting (not claimed) goes after the restore, in id order: allowed.
    WebhookEvent.objects.filter(pk=isolate.pk).update(locked_until=None)
    dead_letter_retry(organisation=acme, event_id=restore.pk, actor=lead.member.user)
    restore.refresh_from_db()
    assert restore.status == EventStatus.PENDING


def test_send_again_changes_nothing_of_another_organisations_or_a_missing_event(
    acme: Organisation, bayon: Organisation, lead: Person, outsider: Person, analyst: Person
) -> None:
    """What held: Bayon's staff (any role) and Acme's analyst cannot put Acme's dead letter
    back; an id that does not exist, or garbage, changes nothing; pressing twice queues once."""
    from karpear.audit.models import AuditEntry
    from karpear.staff.models import Role
    from tests.cast import _person
    from tests.conftest import BAYON_HOST

    restore, _isolate = _dead_restore_and_later_isolation(acme)
    WebhookEvent.objects.filter(pk=_isolate.pk).delete()
    bayon_lead = _person(bayon, "b-lead4", Role.LEAD)
    for person, host in ((outsider, BAYON_HOST), (bayon_lead, BAYON_HOST), (analyst, "testserver")):
        answer = sign_in(person, host=host).post("/en/desk/webhooks/retry/", {"event": restore.pk})
        assert answer.status_code in (302, 403)
    restore.refresh_from_db()
    assert restore.status == EventStatus.DEAD
    client = sign_in(lead)
    for event in ("999999", "-1", "0", "1e9", "x\x00", str(restore.pk + 1000)):
        assert client.post("/en/desk/webhooks/retry/", {"event": event}).status_code in (302, 400)
    assert not AuditEntry.objects.filter(action="webhook_retry").exists()
    for _twice in range(2):
        assert client.post("/en/desk/webhooks/retry/", {"event": restore.pk}).status_code == 302
    assert AuditEntry.objects.filter(action="webhook_retry").count() == 1
    restore.refresh_from_db()
    assert restore.status == EventStatus.PENDING


# ---------------------------------------------------------------- 3. /api/v1/notices* and keys


def _notice_operations(notice_id: int) -> list[tuple[str, str, Any]]:
    """Every notices operation in the OpenAPI document, with a well-formed body."""
    from tests.notices.helpers import notice

    body = notice("HL/9", {"platform_content_id": "post:9"})
    return [
        ("POST", "/api/v1/notices", body),
        ("POST", "/api/v1/notices/batch", {"notices": [body]}),
        ("POST", f"/api/v1/notices/{notice_id}/items", {"items": [{"url": "https://s.example/9"}]}),
        ("GET", f"/api/v1/notices/{notice_id}", None),
    ]


def _send(client: Any, method: str, path: str, body: Any, token: str, **extra: Any) -> Any:
    if method == "GET":
        return client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}", **extra)
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}", **extra}
    return client.generic("POST", path, raw, content_type="application/json", **auth)


def test_no_notices_operation_takes_a_services_key_a_revoked_one_or_a_wrong_one(
    client: Any, acme: Organisation, bayon: Organisation, admin: Person, lead: Person
) -> None:
    """What held: every notices operation the OpenAPI document lists refuses a child service's
    inbox key (403 `forbidden`, unconfirmed or confirmed, in the caller's language, whatever the
    body: NUL, oversized, deeply nested), its key once revoked (401), a platform key (403) and
    another organisation's issuer key (404 for Acme's notice); nothing is stored."""
    from karpear.apikeys.models import Scope
    from karpear.apikeys.services import apikey_create
    from karpear.notices.models import Notice, NoticeItem
    from karpear.referrals.inboxes import inbox_confirm, inbox_issue, inbox_unbind
    from tests.notices.helpers import linked_issuer_token, notice, post

    acu = linked_issuer_token(acme)
    made = post(client, acu, "/api/v1/notices", notice("ACU/1", {"url": "https://s.example/1"}))
    notice_id = made.json()["id"]
    paths = {str(p) for p in client.get("/api/v1/openapi.json").json()["paths"] if "notices" in p}
    assert paths == {
        "/api/v1/notices",
        "/api/v1/notices/batch",
        "/api/v1/notices/{notice_id}/items",
        "/api/v1/notices/{notice_id}",
    }
    service = _helpline(acme)
    _binding, token = inbox_issue(member=admin.member, service_id=service)
    nasty: list[Any] = [
        b'{"issuer_reference": "a\\u0000b", "legal_basis": "x\\u0000", "items": []}',
        b'{"items": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b'{"issuer_reference": "' + b"A" * 3_000_000 + b'"}',
        b"\x00\xff{",
    ]
    for confirmed in (False, True):
        if confirmed:
            inbox_confirm(member=lead.member, service_id=service)
        for method, path, body in _notice_operations(notice_id):
            for sent in [body, *(nasty if method == "POST" else [])]:
                answer = _send(client, method, path, sent, token, HTTP_ACCEPT_LANGUAGE="km")
                assert answer.status_code in (400, 403, 413), (path, answer.status_code)
                error = answer.json()["error"]
                assert set(error) <= {"code", "message", "fields"}, error
                if answer.status_code == 403:
                    assert error["code"] == "forbidden" and not error["message"].isascii()
    inbox_unbind(member=lead.member, service_id=service)
    platform = apikey_create(organisation=acme, scope=Scope.PLATFORM, name="Acme Social")[1]
    bayon_acu = apikey_create(organisation=bayon, scope=Scope.ISSUER, name="ACU")[1]
    for method, path, body in _notice_operations(notice_id):
        assert _send(client, method, path, body, token).status_code == 401, path
        assert _send(client, method, path, body, platform).status_code == 403, path
        if f"/notices/{notice_id}" in path:
            assert _send(client, method, path, body, bayon_acu).status_code == 404, path
    assert Notice.objects.filter(organisation=acme).count() == 1
    assert NoticeItem.objects.filter(notice__organisation=acme).count() == 1


def test_a_notice_too_large_is_refused_in_the_callers_language(
    client: Any, acme: Organisation, settings: Any
) -> None:
    """Every API error comes in the language the caller asks for (Accept-Language; Khmer is
    the default). "Too many items" and "too many notices" were f-strings, English whatever
    the caller asked; the code and the format were right."""
    from tests.notices.helpers import linked_issuer_token, notice, post

    settings.KARPEAR_NOTICE_MAX_ITEMS = 2
    settings.KARPEAR_NOTICE_BATCH_MAX = 1
    acu = linked_issuer_token(acme)
    items = [{"url": f"https://s.example/{n}"} for n in range(3)]
    one = notice("ACU/2", *items)
    for path, body, code in (
        ("/api/v1/notices", one, "too_many_items"),
        ("/api/v1/notices/batch", {"notices": [notice("ACU/3", items[0])] * 2}, "too_many_notices"),
    ):
        answer = post(client, acu, path, body, HTTP_ACCEPT_LANGUAGE="km")
        assert answer.status_code == 413 and answer.json()["error"]["code"] == code
        message = answer.json()["error"]["message"]
        assert not message.isascii() and ("2" in message or "1" in message), message
        english = post(client, acu, path, body, HTTP_ACCEPT_LANGUAGE="en").json()["error"]
        assert english["message"].startswith("A "), english


# ---------------------------------------------------------------- 4. where links point


def test_a_links_host_comes_from_the_organisation_never_from_a_header_in_a_mail(
    acme: Organisation, bayon: Organisation, settings: Any, rf: Any
) -> None:
    """What held: an organisation with its own host is linked there and one with
    KARPEAR_PUBLIC_BASE_URL under it, whatever Host a request carried; only with neither does
    a link follow the request (the caller's own answer: a status_url, a QR code on the
    trainer's own page). Links in e-mails are built without a request, so no Host header
    reaches them (and Django refuses a Host outside ALLOWED_HOSTS)."""
    from karpear.orgs.selectors import public_url
    from karpear.safeguarding.documents import ack_url

    request = rf.get("/", HTTP_HOST="nobody.test")  # an allowed host, not Bayon's
    assert public_url(bayon, "/x/?a=1", request=request) == "https://bayon.test/x/?a=1"
    settings.KARPEAR_PUBLIC_BASE_URL = "https://safe.example/k/"
    assert public_url(acme, "/x/", request=request) == "https://safe.example/k/x/"
    assert ack_url(acme, "tok").startswith("https://safe.example/k/")
    settings.KARPEAR_PUBLIC_BASE_URL = ""
    assert public_url(acme, "/x/", request=request) == "http://nobody.test/x/"
    assert public_url(acme, "/x/") is None
    assert ack_url(acme, "tok").startswith("http://127.0.0.1:8000/")  # (development fallback)
    assert ack_url(bayon, "tok").startswith("https://bayon.test/")
