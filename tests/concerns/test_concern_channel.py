"""The confidential concern channel, end to end over HTTP (issue #21, items 5-7, "Done when"):
raised anonymously, the officer replies on the desk, the person reads it with code and secret."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection

from karpear.audit.models import AuditEntry
from karpear.concerns.models import Concern
from karpear.orgs.models import Organisation
from karpear.staff.models import Role
from tests.cast import Person, sign_in
from tests.concerns.helpers import a_concern
from tests.conftest import Client
from tests.safeguarding.helpers import appoint_officer

FORM = {
    "raised_by": "outside",
    "about": "behaviour",
    "text": "A coach from the company asked my son for photos.",
    "contact": "",
}


def _receipt(page: str) -> tuple[str, str]:
    code = re.search(r'id="code">([0-9A-Z-]+)<', page)
    secret = re.search(r'id="secret">([0-9A-Z-]+)<', page)
    assert code and secret, page
    return code.group(1), secret.group(1)


def test_an_anonymous_concern_gets_a_reply_read_with_code_and_secret(
    acme: Organisation, admin: Person, lead: Person
) -> None:
    appoint_officer(admin, lead)
    public = Client()
    assert public.get("/concerns/").status_code == 200  # Khmer, no JavaScript needed
    raised = public.post("/en/concerns/", FORM)
    assert raised.status_code == 200
    code, secret = _receipt(raised.content.decode())
    concern = Concern.objects.get(code=code)
    assert concern.contact == "" and concern.status == "received"

    officer = sign_in(lead)
    assert code in officer.get("/en/desk/concerns/").content.decode()
    reply = "Thank you. We have suspended the coach while we look into it."
    officer.post(f"/en/desk/concerns/{concern.pk}/", {"action": "reply", "body": reply})
    concern.refresh_from_db()
    assert concern.status == "acknowledged" and concern.acknowledged_at is not None

    opened = public.post("/en/concerns/follow/", {"code": code.lower(), "secret": secret})
    assert opened.status_code == 200 and reply in opened.content.decode()
    answer = {"code": code, "secret": secret, "answer": "1", "body": "He also did it last year."}
    answered = public.post("/en/concerns/follow/", answer)
    assert "Your message was sent." in answered.content.decode()
    assert (
        "He also did it last year."
        in officer.get(f"/en/desk/concerns/{concern.pk}/").content.decode()
    )
    assert no_cache(opened)


def no_cache(response: Any) -> bool:
    return "no-store" in response.get("Cache-Control", "") or "max-age=0" in response.get(
        "Cache-Control", ""
    )


def test_codes_and_secrets_are_read_as_typed_in_any_case_spacing_or_look_alike() -> None:
    from karpear.concerns.services import _secret, normalise

    secret = _secret()
    assert len(secret) == 19 and secret.count("-") == 3
    assert normalise(secret.lower().replace("-", " ")) == secret
    assert normalise(" oil0-ABCD  efgh") == "0110-ABCD-EFGH"


def test_a_wrong_secret_and_a_wrong_code_get_the_same_answer_and_are_audited(
    acme: Organisation,
) -> None:
    concern, secret = a_concern(acme)
    client = Client()
    wrong_secret = client.post(
        "/en/concerns/follow/", {"code": concern.code, "secret": "AAAA-AAAA-AAAA-AAAA"}
    )
    wrong_code = client.post("/en/concerns/follow/", {"code": "0000-0000-0000", "secret": secret})
    assert wrong_secret.status_code == wrong_code.status_code == 403

    def text(response: Any) -> str:
        return re.sub(r'value="[^"]*"', "", response.content.decode())

    assert text(wrong_secret) == text(wrong_code)
    assert AuditEntry.objects.filter(action="concern_receipt_refused").count() == 2


def test_guessing_secrets_is_rate_limited_per_code_even_from_many_clients(
    acme: Organisation,
) -> None:
    concern, secret = a_concern(acme)
    statuses = [
        Client(REMOTE_ADDR=f"192.0.2.{i}")
        .post("/en/concerns/follow/", {"code": concern.code, "secret": f"WRONG-{i}"})
        .status_code
        for i in range(6)
    ]
    assert statuses == [403] * 5 + [429]
    right = Client(REMOTE_ADDR="192.0.2.99").post(
        "/en/concerns/follow/", {"code": concern.code, "secret": secret}
    )
    assert right.status_code == 429 and right["Retry-After"]


def test_an_oversized_or_empty_concern_is_refused_clearly(acme: Organisation) -> None:
    too_long = Client().post("/en/concerns/", {**FORM, "text": "x" * 10_001})
    assert too_long.status_code == 400
    assert "Your message is too long" in too_long.content.decode()
    empty = Client().post("/en/concerns/", {**FORM, "text": "  "})
    assert empty.status_code == 400 and "Please tell us what happened." in empty.content.decode()
    nul = Client().post("/en/concerns/", {**FORM, "text": "a\x00b"})
    assert nul.status_code == 400
    assert not Concern.objects.exists()
    refused = AuditEntry.objects.filter(action="concern_refused")
    assert [e.detail["fields"] for e in refused] == [["text"], ["text"]]  # NUL: refused earlier


def test_concern_texts_are_encrypted_at_rest(
    acme: Organisation, admin: Person, lead: Person
) -> None:
    appoint_officer(admin, lead)
    concern, _secret = a_concern(acme, text="The night manager shares pupils' photos.")
    from karpear.concerns.services import concern_reply

    concern_reply(member=lead.member, concern_id=concern.pk, body="We are on it, Sokha.")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT text FROM concerns_concern UNION ALL SELECT body FROM concerns_concernmessage"
        )
        stored = " ".join(str(r[0]) for r in cursor.fetchall())
    assert "night manager" not in stored and "Sokha" not in stored


@pytest.mark.parametrize("role", ["analyst", "compliance", "admin"])
def test_other_roles_cannot_read_concerns_and_each_attempt_is_audited(
    acme: Organisation, admin: Person, lead: Person, request: Any, role: str
) -> None:
    appoint_officer(admin, lead)
    concern, _secret = a_concern(acme)
    someone = sign_in(request.getfixturevalue(role) if role != "admin" else admin)
    assert someone.get("/en/desk/concerns/").status_code == 403
    assert someone.get(f"/en/desk/concerns/{concern.pk}/").status_code == 403
    assert (
        someone.post(
            f"/en/desk/concerns/{concern.pk}/", {"action": "reply", "body": "hi"}
        ).status_code
        == 403
    )
    assert AuditEntry.objects.filter(action="concern_read_refused").count() == 3
    assert not concern.messages.exists()


def test_a_concern_about_the_officer_goes_to_the_deputy_only(
    acme: Organisation, admin: Person, lead: Person, compliance: Person
) -> None:
    appoint_officer(admin, lead)
    appoint_officer(admin, compliance, position="deputy")
    about_officer, _s = a_concern(acme, names_officer=True)
    ordinary, _s2 = a_concern(acme)
    officer, deputy = sign_in(lead), sign_in(compliance)
    assert about_officer.code not in officer.get("/en/desk/concerns/").content.decode()
    assert officer.get(f"/en/desk/concerns/{about_officer.pk}/").status_code == 403
    assert deputy.get(f"/en/desk/concerns/{about_officer.pk}/").status_code == 200
    assert deputy.get(f"/en/desk/concerns/{ordinary.pk}/").status_code == 200
    reads = AuditEntry.objects.filter(action="concern_read", object_id=str(about_officer.pk))
    assert [e.actor_id for e in reads] == [compliance.member.user.pk]


def test_another_organisations_officer_sees_nothing(
    acme: Organisation, bayon: Organisation, admin: Person, lead: Person, outsider: Person
) -> None:
    from karpear.safeguarding.officers import appoint
    from tests.cast import _person

    bayon_admin = _person(bayon, "bora", Role.ADMIN)
    from django.utils import timezone

    appoint(
        actor=bayon_admin.member,
        position="officer",
        member_id=outsider.member.pk,
        appointed_on=timezone.localdate(),
        mandate="Bayon's officer",
    )
    concern, secret = a_concern(acme)
    client = sign_in(outsider, host="bayon.test")
    assert client.get(f"/en/desk/concerns/{concern.pk}/").status_code == 404
    assert concern.code not in client.get("/en/desk/concerns/").content.decode()
    elsewhere = Client(HTTP_HOST="bayon.test").post(
        "/en/concerns/follow/", {"code": concern.code, "secret": secret}
    )
    assert elsewhere.status_code == 403


def test_every_public_page_links_to_the_concern_channel(acme: Organisation) -> None:
    for path, link in (("/", 'href="/concerns/"'), ("/en/status/", 'href="/en/concerns/"')):
        assert link in Client().get(path).content.decode(), path
