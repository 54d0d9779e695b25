"""Session rows hold a hash of the key: a database copy signs no one in (#15, item 11)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.models import Session

from karpear.core.sessions import SessionStore, stored_key
from tests.cast import Person, sign_in
from tests.conftest import Client


def test_the_cookie_key_is_not_stored_only_its_hash(analyst: Person) -> None:
    client = sign_in(analyst)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    stored = list(Session.objects.values_list("session_key", flat=True))
    assert cookie not in stored
    assert stored_key(cookie) in stored
    assert client.get("/en/desk/queue/").status_code == 200


def test_a_session_key_copied_from_the_database_does_not_sign_you_in(analyst: Person) -> None:
    sign_in(analyst)
    (row_key,) = Session.objects.values_list("session_key", flat=True)
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = row_key
    response = thief.get("/en/desk/queue/")
    assert response.status_code == 302 and "/desk/login/" in response["Location"]


def test_signing_out_deletes_the_row(analyst: Person) -> None:
    client = sign_in(analyst)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post("/en/desk/logout/")
    assert not Session.objects.filter(session_key=stored_key(cookie)).exists()


def test_the_store_round_trips_and_deletes_by_the_raw_key(db: None) -> None:
    store = SessionStore()
    store["answer"] = 42
    store.create()
    key = store.session_key
    assert key is not None and SessionStore().exists(key)
    assert not SessionStore().exists(stored_key(key))
    assert SessionStore(key).load() == {"answer": 42}
    assert SessionStore(stored_key(key)).load() == {}  # the row's own key opens nothing
    SessionStore(key).delete()
    assert not Session.objects.exists()
