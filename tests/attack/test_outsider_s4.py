"""An outsider's attack on the work merged in the last session (issue #24 and the review
follow-ups): the notices batch, the recipient register, the child-service inbox binding, the
webhook sender and the vault's `put_new`. Each test states what a user relies on and failed on
the code as it was found, or guards a property the attack could not break."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_create
from karpear.cases.models import Case, Decision
from karpear.cases.referrals import referral_services
from karpear.core.errors import ApplicationError
from karpear.evidence import storage
from karpear.evidence.models import Recipient
from karpear.evidence.recipients import recipient_add, recipient_confirm, recipient_set_active
from karpear.evidence.services import evidence_capture
from karpear.notices.models import Notice, NoticeItem
from karpear.orgs.models import Organisation
from karpear.platformlink.models import EventStatus, WebhookEvent
from karpear.platformlink.services import (
    dead_letter_retry,
    deliver_due,
    event_enqueue,
    link_configure,
)
from karpear.referrals.inboxes import inbox_confirm, inbox_issue
from tests.cast import Person
from tests.conftest import Client
from tests.notices.helpers import linked_issuer_token
from tests.notices.helpers import notice as _notice
from tests.notices.helpers import post as _post
from tests.platform_fixture import serve_on_loopback
from tests.regulator.conftest import acme_payload, registered  # noqa: F401 - fixtures

BATCH = "/api/v1/notices/batch"


@pytest.fixture
def acu(acme: Organisation) -> str:
    return linked_issuer_token(acme)


# ---------------------------------------------------------------- 1. the notices batch


@pytest.mark.parametrize(
    "deadline", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-10:00", "0001-01-01T03:00:00"]
)
def test_a_deadline_no_database_can_hold_is_refused_before_anything_is_done(
    client: Client, acu: str, deadline: str
) -> None:
    """In UTC these fall before year 1 or after 9999. PostgreSQL stored them (SQLite refused),
    and then nothing could read the notice back: the issuer's GET and retry, and the desk's
    notices page for every analyst, answered 400 for good."""
    sent = _notice("ACU/9", {"platform_content_id": "post:1"}, deadline=deadline)
    alone = _post(client, acu, "/api/v1/notices", sent)
    batch = _post(
        client, acu, BATCH, {"notices": [_notice("ACU/8", {"url": "https://a.example"}), sent]}
    )
    assert alone.status_code == batch.status_code == 400
    assert "deadline" in json.dumps(alone.json()["error"]["fields"])
    assert "notices.1.deadline" in batch.json()["error"]["fields"]
    assert not Notice.objects.exists() and not Case.objects.exists()


def test_the_same_item_twice_in_one_notice_is_acted_on_once(client: Client, acu: str) -> None:
    """An issuer's list with a repeated line (same link, same content ID and user) named one
    piece of content: it was taken down twice (two decisions on the case, two isolate
    webhooks to the platform). A retry, compared as a set, is still the same notice."""
    item = {"url": "https://social.example/p/1", "platform_content_id": "post:1"}
    alone = _post(client, acu, "/api/v1/notices", _notice("ACU/1", item, item))
    batch = _post(
        client,
        acu,
        BATCH,
        {
            "notices": [
                _notice(
                    "ACU/2", {"platform_content_id": "post:2"}, {"platform_content_id": "post:2"}
                )
            ]
        },
    )
    assert alone.status_code == 201 and batch.json()["results"][0]["status"] == 201
    assert len(alone.json()["items"]) == 1
    assert NoticeItem.objects.count() == 2 and Case.objects.count() == 2
    assert Decision.objects.count() == 2
    isolations = WebhookEvent.objects.filter(event_type="content.isolate").count()
    assert isolations == 2
    again = _post(client, acu, "/api/v1/notices", _notice("ACU/1", item))
    assert again.status_code == 200 and again.json()["id"] == alone.json()["id"]


# ---------------------------------------------------------------- 2. the recipient register


def test_a_recipient_put_back_on_the_register_needs_a_second_keeper_again(
    acme: Organisation, admin: Person, lead: Person
) -> None:
    """Taking a recipient off stops disclosures at once (one keeper may). Putting it back made
    it usable at once, on one keeper's word: a keeper could revive an address a colleague had
    taken off (an officer who left the unit) and send evidence or a referral to it."""
    recipient = recipient_add(
        member=admin.member, name="Officer Dara", agency="ACU", kind="law_enforcement"
    )
    recipient_confirm(member=lead.member, recipient_id=recipient.pk)
    recipient_set_active(member=lead.member, recipient_id=recipient.pk, active=False)
    recipient_set_active(member=admin.member, recipient_id=recipient.pk, active=True)
    assert not Recipient.objects.get(pk=recipient.pk).usable
    assert not Recipient.objects.filter(pk=recipient.pk).usable().exists()
    with pytest.raises(ApplicationError) as own:
        recipient_confirm(member=admin.member, recipient_id=recipient.pk)
    assert own.value.code == "own_request"
    recipient_confirm(member=lead.member, recipient_id=recipient.pk)
    assert Recipient.objects.get(pk=recipient.pk).usable
    # Switching an active recipient "on" again changes nothing.
    recipient_set_active(member=admin.member, recipient_id=recipient.pk, active=True)
    assert Recipient.objects.get(pk=recipient.pk).usable


# ---------------------------------------------------------------- 4. the child-service inbox


def _helpline(acme: Organisation) -> int:
    return next(s.pk for s in referral_services(acme) if s.name_en == "Child Helpline Cambodia")


def test_a_child_services_inbox_key_sends_no_takedown_notice(
    client: Client, acme: Organisation, admin: Person, lead: Person
) -> None:
    """The key a keeper issues for a child-protection service is an issuer key, so it also
    sent takedown notices: one keeper alone, holding the token shown to them once, isolated
    any content at the top of the queue as "Child Helpline Cambodia", before (and after) a
    second keeper confirmed the binding. A service receives children's referrals; only the
    police and the hotline order takedowns (guidelines 2.6, notice and takedown)."""
    link_configure(
        organisation=acme, webhook_url="http://127.0.0.1:9/hook", hosted_domains=["social.example"]
    )
    _binding, token = inbox_issue(member=admin.member, service_id=_helpline(acme))
    body = _notice("HL/1", {"platform_content_id": "post:1"})
    for confirmed in (False, True):
        if confirmed:
            inbox_confirm(member=lead.member, service_id=_helpline(acme))
        assert _post(client, token, "/api/v1/notices", body).status_code == 403
        assert _post(client, token, BATCH, {"notices": [body]}).status_code == 403
        assert not Notice.objects.exists() and not Case.objects.exists()
        # Its own inbox still answers.
        inbox = client.get("/api/v1/referrals", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert inbox.status_code == 200
    # A notice another issuer sent cannot be amended or read with it either.
    acu = apikey_create(organisation=acme, scope=Scope.ISSUER, name="Anti-Cybercrime Unit")[1]
    made = _post(client, acu, "/api/v1/notices", body).json()["id"]
    amended = _post(
        client,
        token,
        f"/api/v1/notices/{made}/items",
        {"items": [{"url": "https://social.example/p/2"}]},
    )
    assert amended.status_code == 403
    assert NoticeItem.objects.count() == 1


def test_a_services_inbox_key_reads_no_authoritys_referrals_whatever_the_services_name(
    client: Client, acme: Organisation, admin: Person, analyst: Person
) -> None:
    """A service's key is found by its issuer's name, and an issuer key read every referral of
    its issuer but children's. A directory entry named as the hotline (added in the Django
    admin, as the directory is edited: APLE also helps children) gave its inbox key, issued by
    one keeper and not yet confirmed, the hotline's whole inbox: case reports and the
    manifests of evidence disclosed to it."""
    from karpear.cases.models import Authority, ReferralService
    from tests.referrals.helpers import HOTLINE, refer

    service = ReferralService.objects.create(
        organisation=acme, name_en=HOTLINE, name_km="APLE", phone="1280"
    )
    _binding, token = inbox_issue(member=admin.member, service_id=service.pk)
    from tests.cast import make_case

    refer(make_case(acme), analyst, Authority.HOTLINE)
    hotline = apikey_create(organisation=acme, scope=Scope.ISSUER, name=HOTLINE)[1]
    theirs = client.get("/api/v1/referrals", HTTP_AUTHORIZATION=f"Bearer {hotline}").json()
    assert len(theirs["referrals"]) == 1  # the hotline's own key reads it
    mine = client.get("/api/v1/referrals", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert mine.status_code == 200 and mine.json()["referrals"] == []
    one = theirs["referrals"][0]["id"]
    read = client.get(f"/api/v1/referrals/{one}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert read.status_code == 404


# ---------------------------------------------------------------- 5. the webhook sender


class _SlowFirst(BaseHTTPRequestHandler):
    """A platform that holds its answer to the first request it gets until told, then answers
    500 (an overloaded platform); every other request is applied and answered at once."""

    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[tuple[str, str]]] = []
    arrived: ClassVar[threading.Event]
    release: ClassVar[threading.Event]

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        msg_id = self.headers["webhook-id"]
        first = not self.seen
        self.seen.append((msg_id, body["type"]))
        if first:
            self.arrived.set()
            self.release.wait(30)
        reply = json.dumps({"received": msg_id}).encode()
        self.send_response(500 if first else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.mark.django_db(transaction=True)
def test_a_worker_whose_claim_ran_out_does_not_undo_what_another_delivered(
    acme: Organisation,
) -> None:
    """A platform answering slowly can hold one POST past the worker's claim (the socket
    timeout counts each read, not the whole answer). Another worker then claims the event and
    delivers it and the restore after it. When the first worker's late 500 came back, it was
    recorded over the delivered event: the isolation went again, after the restore, and the
    content stayed hidden (ordered per content item, guidelines 2.6 restore)."""
    _SlowFirst.seen = []
    _SlowFirst.arrived, _SlowFirst.release = threading.Event(), threading.Event()
    with serve_on_loopback(_SlowFirst) as server_url:
        try:
            link_configure(
                organisation=acme,
                webhook_url=f"{server_url}/hook",
                hosted_domains=["social.example"],
            )
            isolate = event_enqueue(
                organisation_id=acme.pk, event_type="content.isolate", data={"case_id": 7}
            )
            restore = event_enqueue(
                organisation_id=acme.pk, event_type="content.restore", data={"case_id": 7}
            )
            start = timezone.now()

            def first_worker() -> None:
                try:
                    deliver_due(limit=1, now=start)
                finally:
                    connection.close()

            slow = threading.Thread(target=first_worker)
            slow.start()
            assert _SlowFirst.arrived.wait(30)
            # The first worker's claim has run out: a second worker takes both events.
            later = start + timedelta(seconds=settings.KARPEAR_WEBHOOK_TIMEOUT * 3 + 1)
            assert deliver_due(now=later) == 2
            _SlowFirst.release.set()
            slow.join(30)
            assert [t for _m, t in _SlowFirst.seen] == [
                "content.isolate",
                "content.isolate",
                "content.restore",
            ]
            isolate.refresh_from_db()
            restore.refresh_from_db()
            assert isolate.status == restore.status == EventStatus.DELIVERED
            # Nothing is left to send: the isolation never goes after the restore.
            assert deliver_due(now=later + timedelta(days=1)) == 0
        finally:
            _SlowFirst.release.set()


# ---------------------------------------------------------------- 6. the vault's put_new


def test_writers_racing_for_one_object_name_leave_one_whole_object(tmp_path: Path) -> None:
    """Guard (held): eight writers of one name at once. O_EXCL lets exactly one create it;
    the others are refused without touching its bytes (the cleanup after a failed write never
    removes a file another writer made), and the object is one writer's data, whole."""
    store = storage.LocalBackend(tmp_path / "vault")
    start = threading.Barrier(8)
    won: list[bytes] = []
    refused: list[str] = []

    def write(n: int) -> None:
        data = bytes([n]) * 2_000_000
        start.wait()
        try:
            store.put_new("ev-same", data)
        except storage.StorageError as exc:
            refused.append(exc.code)
        else:
            won.append(data)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1 and refused == ["storage"] * 7
    assert store.get("ev-same") == won[0]
    assert sorted(p.name for p in (tmp_path / "vault").iterdir()) == ["ev-same"]


def test_a_writer_killed_before_its_fsync_leaves_no_object_a_row_names(
    acme: Organisation, tmp_path: Path, settings: Any
) -> None:
    """Guard (held): a capture's process killed between creating the object and its fsync
    leaves at most an unreadable file under a name no row holds (its data key died with the
    uncommitted row), and the issuer's retry stores a new, whole object."""
    import subprocess
    import sys

    from karpear.evidence.models import EvidenceItem
    from tests.cast import make_case

    vault = tmp_path / "vault"
    script = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from karpear.evidence.storage import LocalBackend\n"
        "os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)  # the power goes\n"
        "LocalBackend(Path(sys.argv[1])).put_new('ev-crashed', b'x' * 100000)\n"
    )
    crashed = subprocess.run([sys.executable, "-c", script, str(vault)], check=False, timeout=60)
    assert crashed.returncode == -9
    assert [p.name for p in vault.iterdir()] == ["ev-crashed"]
    settings.DATA_DIR = tmp_path
    case = make_case(acme)
    item = evidence_capture(
        organisation=acme,
        case_id=case.pk,
        content=b"\x89PNG benign",
        content_type="image/png",
        metadata={},
        source="platform",
        actor="test platform",
    )
    assert item.object_key != "ev-crashed"
    assert not EvidenceItem.objects.filter(object_key="ev-crashed").exists()
    assert storage.LocalBackend(vault).get(item.object_key) != b""


# ---------------------------------------------------------------- 1b. a batch and a crash

_CRASH = """
import os, signal, sys
import django
django.setup()
from karpear.notices import services
from karpear.notices.models import Issuer
real = services.case_takedowns_by_notice
def takedowns_then_power_cut(**kwargs):
    done = real(**kwargs)
    if sys.argv[1] == "before_commit":
        os.kill(os.getpid(), signal.SIGKILL)
    return done
services.case_takedowns_by_notice = takedowns_then_power_cut
specs = [
    services.NoticeSpec(f"ACU/{n}", "Order 41", [services.ItemIn(platform_content_id=f"p{n}")],
                        [services.Action.TAKEDOWN, services.Action.PRESERVE])
    for n in range(3)
]
services.notices_receive(issuer=Issuer.objects.get(pk=int(sys.argv[2])), notices=specs)
os.kill(os.getpid(), signal.SIGKILL)  # after COMMIT, before the answer leaves
"""


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("when", ["before_commit", "after_commit"])
def test_a_batch_cut_off_by_a_crash_is_all_or_nothing_and_its_retry_is_answered_truly(
    client: Client, acu: str, acme: Organisation, when: str
) -> None:
    """Guard (held): Karpear's process is killed while a batch is in its transaction (after
    every statement, before COMMIT) or after COMMIT but before the answer. Either nothing of
    the batch is stored (no notice, case, webhook or audit entry the issuer was not told of),
    or all of it is; the issuer, who got no answer, sends the batch again and is told the
    truth: 201 for each notice in the first case, 200 with the stored notice in the second."""
    import subprocess
    import sys

    from karpear.audit.models import AuditEntry
    from karpear.notices.services import issuers
    from tests.referrals.test_karpear_killed import server_env

    # The issuer the ACU's key speaks for (one of the registry's two defaults).
    issuer = next(i for i in issuers(acme) if i.name == "Anti-Cybercrime Unit")
    audit_before = AuditEntry.objects.count()
    crashed = subprocess.run(
        [sys.executable, "-c", _CRASH, when, str(issuer.pk)],
        env=server_env(),
        check=False,
        timeout=120,
    )
    assert crashed.returncode == -9
    stored = Notice.objects.count()
    if when == "before_commit":
        assert stored == 0 and not Case.objects.exists() and not WebhookEvent.objects.exists()
        assert AuditEntry.objects.count() == audit_before
    else:
        assert stored == 3 and Case.objects.count() == 3
        assert WebhookEvent.objects.filter(event_type="content.isolate").count() == 3
    notices = [
        _notice(f"ACU/{n}", {"platform_content_id": f"p{n}"}, actions=["takedown", "preserve"])
        for n in range(3)
    ]
    retry = _post(client, acu, BATCH, {"notices": notices})
    assert retry.status_code == 200
    expected = 201 if when == "before_commit" else 200
    assert [r["status"] for r in retry.json()["results"]] == [expected] * 3
    assert Notice.objects.count() == 3 and Case.objects.count() == 3
    assert WebhookEvent.objects.filter(event_type="content.isolate").count() == 3


class _Applies(BaseHTTPRequestHandler):
    """A platform that is up: applies each event and confirms it."""

    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.seen.append(body["type"])
        reply = json.dumps({"received": self.headers["webhook-id"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: Any) -> None:
        return


def test_a_dead_letter_sent_again_never_undoes_a_later_event_about_the_same_content(
    acme: Organisation, lead: Person
) -> None:
    """The platform was down for a day: the restore of case 7 died (a dead letter). The
    platform came back and a later isolation of the same content was delivered. The lead
    pressing "send again" on the dead restore sent it after the isolation, and the platform
    showed the content again. It is refused now; the later events still stand."""
    from tests.cast import sign_in

    _Applies.seen = []
    link_configure(
        organisation=acme, webhook_url="http://127.0.0.1:9/down", hosted_domains=["s.example"]
    )
    restore = event_enqueue(
        organisation_id=acme.pk, event_type="content.restore", data={"case_id": 7}
    )
    a_day_later = timezone.now() + timedelta(hours=settings.KARPEAR_WEBHOOK_GIVE_UP_HOURS + 1)
    deliver_due(now=a_day_later)
    restore.refresh_from_db()
    assert restore.status == EventStatus.DEAD
    with serve_on_loopback(_Applies) as server_url:
        link_configure(
            organisation=acme,
            webhook_url=f"{server_url}/hook",
            hosted_domains=["s.example"],
        )
        isolate = event_enqueue(
            organisation_id=acme.pk, event_type="content.isolate", data={"case_id": 7}
        )
        assert deliver_due() == 1 and _Applies.seen == ["content.isolate"]
        page = sign_in(lead).post("/en/desk/webhooks/retry/", {"event": restore.pk})
        assert page.status_code == 409
        with pytest.raises(ApplicationError) as refused:
            dead_letter_retry(organisation=acme, event_id=restore.pk, actor=lead.member.user)
        assert refused.value.code == "superseded"
        assert deliver_due(now=a_day_later + timedelta(days=1)) == 0
        assert _Applies.seen == ["content.isolate"]
        restore.refresh_from_db()
        isolate.refresh_from_db()
        assert (restore.status, isolate.status) == (EventStatus.DEAD, EventStatus.DELIVERED)
        # An event about other content (or with nothing after it) still goes again.
        other = event_enqueue(
            organisation_id=acme.pk, event_type="content.isolate", data={"case_id": 8}
        )
        WebhookEvent.objects.filter(pk=other.pk).update(status=EventStatus.DEAD)
        dead_letter_retry(organisation=acme, event_id=other.pk, actor=lead.member.user)
        assert deliver_due() == 1 and _Applies.seen[-1] == "content.isolate"


class _RedirectingProxy(BaseHTTPRequestHandler):
    """An HTTP proxy in front of a platform whose endpoint answers "302 Found" to another host,
    which answers anything with the event id it was handed (a collector)."""

    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[tuple[str, str]]] = []

    def _answer(self, status: int, body: bytes, location: str = "") -> None:
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.seen.append(("POST", self.path))
        self._answer(302, b"{}", location="http://collector.example/take")

    def do_GET(self) -> None:
        self.seen.append(("GET", self.path))
        self._answer(200, json.dumps({"received": self.headers.get("webhook-id")}).encode())

    def log_message(self, format: str, *args: Any) -> None:
        return


def test_a_redirect_through_a_proxy_is_a_failure_not_a_delivery_elsewhere(
    acme: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through an HTTP proxy from the environment (an ISP's egress), events went through
    urllib, which follows a redirect: the POST became a GET to whatever host the answer named,
    with the event's id and signature, and a 200 echoing the id there recorded the event as
    delivered although the platform never received it. Without a proxy a redirect was already
    a failure; it is now one through a proxy too, and nothing goes to the other host."""
    _RedirectingProxy.seen = []
    with serve_on_loopback(_RedirectingProxy) as proxy_url:
        for name in ("no_proxy", "NO_PROXY", "HTTP_PROXY"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("http_proxy", proxy_url)
        link_configure(
            organisation=acme,
            webhook_url="http://platform.example/hook",
            hosted_domains=["social.example"],
        )
        event = event_enqueue(
            organisation_id=acme.pk, event_type="content.isolate", data={"case_id": 3}
        )
        assert deliver_due() == 1
        event.refresh_from_db()
        assert event.status == EventStatus.PENDING and event.last_status_code == 302
        assert _RedirectingProxy.seen == [("POST", "http://platform.example/hook")]


# ---------------------------------------------------------------- 3. the regulator's keys


def test_a_key_registered_before_the_one_in_force_cannot_be_confirmed_later(
    head: Person,
    regulator_admin: Person,
    registered: Any,  # noqa: F811 - the fixture imported above
    acme_payload: dict[str, Any],  # noqa: F811
) -> None:
    """The company rotated twice: K2 was registered, then K3 (K2 abandoned, perhaps because it
    leaked), and K3 was confirmed. K2 stayed pending, and a second person confirming it later
    put it back in force and retired K3: one keeper's click on a stale registration, and a
    package signed with the abandoned key verified. It is refused now (409), K3 stays."""
    from karpear.core import signing
    from karpear.regulator.models import Channel
    from karpear.regulator.receipt import SubmissionRefused, submission_receive
    from karpear.regulator.registry import key_confirm, key_register
    from tests.regulator.conftest import sign, this_year

    abandoned = key_register(
        member=head.member, company=registered, public_key=signing.public_key_b64("org:k2")
    )
    current = key_register(
        member=head.member, company=registered, public_key=signing.public_key_b64("org:k3")
    )
    key_confirm(member=regulator_admin.member, key_id=current.pk)
    with pytest.raises(ApplicationError) as refused:
        key_confirm(member=regulator_admin.member, key_id=abandoned.pk)
    assert (refused.value.status, refused.value.code) == (409, "superseded")
    abandoned.refresh_from_db()
    current.refresh_from_db()
    assert abandoned.confirmed_at is None and current.retires_at is None
    with pytest.raises(SubmissionRefused):
        submission_receive(
            company=registered,
            period_label=this_year(),
            envelope=sign(acme_payload, "k2"),
            channel=Channel.UPLOAD,
        )
