"""An outsider's attacks on the safety policy, the documents and Swipe Safe (issues #18, #19):
odd characters, other organisations, duplicates, If-None-Match, spreadsheet formulas."""

from __future__ import annotations

import json
from typing import Any

import pytest

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_create
from karpear.documents.models import DocumentVersion
from karpear.documents.services import document_draft
from karpear.education.models import Answer, Participant, Session, SessionStatus
from karpear.orgs.models import Organisation
from karpear.safety.models import Attestation, SafetyPolicy
from karpear.safety.services import policy_adopt, policy_draft
from tests.cast import Person, sign_in
from tests.conftest import Client
from tests.education.helpers import a_curriculum, a_session, form, move

pytestmark = pytest.mark.django_db


def _key(org: Organisation) -> dict[str, Any]:
    token = apikey_create(organisation=org, scope=Scope.PLATFORM, name="app")[1]
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


# --- the session link -------------------------------------------------------------------


@pytest.fixture
def open_session(trainer: Person, acme: Organisation) -> tuple[Session, str]:
    session = a_session(trainer, a_curriculum(trainer))
    move(trainer.member, session, SessionStatus.BEFORE)
    return session, f"/learn/s/{session.token}/"


@pytest.mark.parametrize("odd", ["²", "٣", "1\x00", "-1", "99", "1e3", " 1"])
def test_odd_digits_in_an_answer_are_refused_not_a_server_error(
    client: Client, open_session: tuple[Session, str], odd: str
) -> None:
    session, url = open_session
    data = form(session.curriculum, "moon42", 3)
    data[f"q_{session.curriculum.questions[0]['id']}"] = odd
    response = client.post(url, data)
    assert response.status_code == 400, response.status_code
    assert Participant.objects.count() == 0


def test_a_khmer_digit_is_read_as_the_choice_it_names(
    client: Client, open_session: tuple[Session, str]
) -> None:
    """A paper sheet or a Khmer keyboard writes ១ for 1: it counts (public_views._int)."""
    session, url = open_session
    first = session.curriculum.questions[0]
    data = form(session.curriculum, "moon42", 3)
    data[f"q_{first['id']}"] = "០១២៣៤"[first["answer"]]
    assert client.post(url, data).status_code == 200
    assert Answer.objects.get(question=first["id"]).choice == first["answer"]


def test_nul_and_non_utf8_in_the_code_are_refused(
    client: Client, open_session: tuple[Session, str]
) -> None:
    session, url = open_session
    for code in ("moon\x0042", "\x00\x00\x00\x00"):
        response = client.post(url, form(session.curriculum, code, 3))
        assert response.status_code == 400
    raw = client.post(
        url, b"code=%ff%fe%fd%fc&q_x=1", content_type="application/x-www-form-urlencoded"
    )
    assert raw.status_code in (400, 409)
    assert Participant.objects.count() == 0


# --- the desk ---------------------------------------------------------------------------


def test_odd_digits_on_the_trainers_forms_are_refused(
    trainer: Person, open_session: tuple[Session, str]
) -> None:
    session, _url = open_session
    desk = sign_in(trainer)
    base = f"/en/desk/education/sessions/{session.pk}"
    attendance = desk.post(f"{base}/attendance/", {"n_female_10_12": "²"})
    assert attendance.status_code == 302
    data = form(session.curriculum, "paper1", 2)
    data.update(phase="pre", **{f"q_{session.curriculum.questions[0]['id']}": "²"})
    paper = desk.post(f"{base}/paper/", data)
    assert paper.status_code == 302
    assert Participant.objects.count() == 0


def test_nul_in_a_place_partner_or_title_is_refused(trainer: Person, acme: Organisation) -> None:
    desk = sign_in(trainer)
    curriculum = a_curriculum(trainer)
    response = desk.post(
        "/en/desk/education/sessions/new/",
        {
            "curriculum": curriculum.pk,
            "held_on": "2026-12-01",
            "district": "1201",
            "place": "School\x00",
            "partner": "Partner\x00",
            "trainer": trainer.member.pk,
        },
    )
    assert response.status_code == 400
    assert not Session.objects.exists()
    titled = desk.post(
        "/en/desk/education/curricula/",
        {"template": "young-13-15-core", "title_en": "A\x00B", "title_km": ""},
    )
    assert titled.status_code == 400  # the input guard, before the form
    assert not any("\x00" in c.title_en for c in type(curriculum).objects.all())


# --- the safety policy ------------------------------------------------------------------


def test_nul_in_the_policy_note_is_refused(lead: Person, acme: Organisation) -> None:
    draft = policy_draft(member=lead.member)
    data = {"band": "16-17", "youngest_band": "10-12", "note": "note\x00"}
    for fid, entry in draft.settings["16-17"].items():
        for part, value in entry.items():
            data[f"16-17|{fid}|{part}"] = value
    response = sign_in(lead).post(f"/en/desk/safety/{draft.pk}/", data)
    assert response.status_code == 400
    draft.refresh_from_db()
    assert draft.note == ""


def test_if_none_match_star_and_lists(acme: Organisation) -> None:
    key = _key(acme)
    first = Client().get("/api/v1/safety-policy?age_band=13-15", **key)
    etag = first["ETag"]
    assert (
        Client()
        .get("/api/v1/safety-policy?age_band=13-15", HTTP_IF_NONE_MATCH="*", **key)
        .status_code
        == 304
    )
    listed = Client().get(
        "/api/v1/safety-policy?age_band=13-15", HTTP_IF_NONE_MATCH=f'"x", W/{etag}', **key
    )
    assert listed.status_code == 304 and listed["ETag"] == etag
    other_band = Client().get(
        "/api/v1/safety-policy?age_band=16-17", HTTP_IF_NONE_MATCH=etag, **key
    )
    assert other_band.status_code == 200
    junk = Client().get(
        "/api/v1/safety-policy", HTTP_IF_NONE_MATCH='"' + "a" * 10000 + "\x01", **key
    )
    assert junk.status_code == 200


def test_another_organisations_version_cannot_be_attested(
    lead: Person, acme: Organisation, bayon: Organisation
) -> None:
    policy_adopt(member=lead.member, policy=policy_draft(member=lead.member))
    row = {"age_band": "13-15", "feature": "discoverable", "at_default": 1, "changed": 0}
    response = Client().post(
        "/api/v1/safety-policy/attestations",
        json.dumps({"version": 1, "counts": [row]}),
        content_type="application/json",
        **_key(bayon),
    )
    assert response.status_code == 422
    assert not Attestation.objects.exists()
    assert Client().get("/api/v1/safety-policy", **_key(bayon)).json()["version"] == 0


@pytest.mark.parametrize(
    "body",
    [
        "[" * 5000 + "]" * 5000,
        json.dumps({"version": 2**63, "counts": []}),
        json.dumps({"version": -1, "counts": [{}]}),
        json.dumps({"version": 0, "counts": [{"age_band": "13-15\x00", "feature": "x"}]}),
        json.dumps(
            {
                "version": 0,
                "counts": [
                    {
                        "age_band": "13-15",
                        "feature": "discoverable",
                        "at_default": 10**13,
                        "changed": 0,
                    }
                ],
            }
        ),
        json.dumps({"version": "0", "counts": []}),
        '{"version": 0, "counts": [' + ",".join(["{}"] * 600) + "]}",
        "\xff\xfe",
        "",
    ],
)
def test_malformed_attestations_are_refused_in_the_json_error_format(
    acme: Organisation, body: str
) -> None:
    response = Client().post(
        "/api/v1/safety-policy/attestations",
        body.encode("latin-1") if body == "\xff\xfe" else body,
        content_type="application/json",
        **_key(acme),
    )
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:200])
    assert "error" in response.json() or "detail" in response.json()
    assert not Attestation.objects.exists()


# --- the documents ----------------------------------------------------------------------


def test_nul_in_a_document_is_refused(compliance: Person, acme: Organisation) -> None:
    texts = document_draft(acme, "terms")
    data = {f"{a}_{lang}": body for a, row in texts.items() for lang, body in row.items()}
    data["all_en"] = data["all_en"] + "\x00"
    response = sign_in(compliance).post("/en/desk/documents/terms/", data)
    assert response.status_code == 400  # the input guard, before the form
    assert not DocumentVersion.objects.exists()


def test_script_in_a_document_is_shown_as_text(compliance: Person, acme: Organisation) -> None:
    texts = document_draft(acme, "terms")
    data = {f"{a}_{lang}": body for a, row in texts.items() for lang, body in row.items()}
    data["all_en"] = "## <script>alert(1)</script>\n- <img src=x onerror=alert(1)>\nok"
    assert sign_in(compliance).post("/en/desk/documents/terms/", data).status_code == 302
    page = Client().get("/en/documents/terms/").content.decode()
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page
    assert Client().get(f"/en/documents/terms/v{2**40}/all/").status_code == 404
    assert Client().get("/en/documents/terms/v0/all/").status_code == 404


# --- the catalogue changes after a policy was adopted -----------------------------------

EXTRA = """
labels:
  friends: {en: Friends, km: មិត្ត}
features:
  - id: group_invites_from_strangers
    values: ["off", friends, everyone]
    title: {en: Who can watch live, km: អ្នកណាអាចមើលផ្សាយផ្ទាល់}
    what: {en: Live video., km: វីដេអូផ្ទាល់។}
    limits: {en: Viewers can record., km: អ្នកមើលអាចថត។}
    talk: {en: Talk first., km: និយាយជាមុន។}
    defaults:
      "0-5": {value: "off", change: locked}
      "6-9": {value: "off", change: locked}
      "10-12": {value: "off", change: parent}
      "13-15": {value: friends, change: parent}
      "16-17": {value: friends, change: child}
"""


def test_a_feature_added_after_adoption_is_served_at_its_default_everywhere(
    lead: Person, compliance: Person, acme: Organisation, settings: Any, tmp_path: Any
) -> None:
    """A new release (or the company's catalogue file) adds a feature: the adopted policy keeps
    serving, the new feature at its shipped default, and the lead can draft and adopt again."""
    from karpear.safety.catalogue import _load

    policy_adopt(member=lead.member, policy=policy_draft(member=lead.member))
    extra = tmp_path / "extra.yaml"
    extra.write_text(EXTRA, encoding="utf-8")
    settings.KARPEAR_SAFETY_CATALOGUE = str(extra)
    _load.cache_clear()
    try:
        api = Client().get("/api/v1/safety-policy?age_band=13-15", **_key(acme))
        assert api.status_code == 200
        assert api.json()["version"] == 1
        assert api.json()["settings"]["group_invites_from_strangers"]["value"] == "friends"
        assert sign_in(compliance).get("/en/desk/safety/").status_code == 200
        assert Client().get("/en/safety/parents/").status_code == 200
        assert Client().get("/en/desk/safety/1/").status_code in (302, 200)
        desk = sign_in(lead)
        assert desk.get(f"/en/desk/safety/{SafetyPolicy.objects.get().pk}/").status_code == 200
        draft = policy_draft(member=lead.member)
        assert draft.settings["16-17"]["group_invites_from_strangers"]["value"] == "friends"
        assert policy_adopt(member=lead.member, policy=draft).version == 2
        assert document_draft(acme, "privacy")["13-15"]["en"]
    finally:
        settings.KARPEAR_SAFETY_CATALOGUE = ""
        _load.cache_clear()


# --- other organisations, repeated sheets ----------------------------------------------


def test_another_organisations_staff_cannot_touch_sessions_or_policies(
    trainer: Person, lead: Person, open_session: tuple[Session, str], bayon: Organisation
) -> None:
    from karpear.staff.models import Role
    from tests.cast import _person

    session, _url = open_session
    draft = policy_draft(member=lead.member)
    their_trainer = sign_in(_person(bayon, "kosal", Role.TRAINER), host="bayon.test")
    their_lead = sign_in(_person(bayon, "sokha", Role.LEAD), host="bayon.test")
    base = f"/en/desk/education/sessions/{session.pk}"
    assert their_trainer.get(f"{base}/").status_code == 404
    assert their_trainer.post(f"{base}/status/", {"status": "after"}).status_code == 404
    assert their_trainer.post(f"{base}/names/", {"names": "Sok Dara"}).status_code == 404
    paper = {**form(session.curriculum, "paper9", 2), "phase": "pre"}
    assert their_trainer.post(f"{base}/paper/", paper).status_code == 404
    assert their_lead.get(f"/en/desk/safety/{draft.pk}/").status_code == 404
    assert their_lead.post(f"/en/desk/safety/{draft.pk}/adopt/").status_code == 404
    session.refresh_from_db()
    draft.refresh_from_db()
    assert session.status == SessionStatus.BEFORE and not session.names.exists()
    assert draft.status == "draft" and not Participant.objects.exists()


def test_a_sign_in_sheet_sent_twice_keeps_each_name_once(
    trainer: Person, open_session: tuple[Session, str]
) -> None:
    """Guidelines 2.3 (data minimisation): a double tap must not keep a child's name twice,
    and repeated sheets cannot grow past the 300 names one session may keep."""
    from karpear.core.errors import ApplicationError
    from karpear.education import services

    session, _url = open_session
    desk = sign_in(trainer)
    sheet = {"names": "Sok Dara\nChan Srey\nsok  dara"}
    desk.post(f"/en/desk/education/sessions/{session.pk}/names/", sheet)
    desk.post(f"/en/desk/education/sessions/{session.pk}/names/", sheet)
    assert sorted(n.name for n in session.names.all()) == ["Chan Srey", "Sok Dara"]
    services.names_record(
        member=trainer.member, session=session, names=[f"Child {i}" for i in range(298)]
    )
    with pytest.raises(ApplicationError):
        services.names_record(member=trainer.member, session=session, names=["One more"])
    assert session.names.count() == 300
