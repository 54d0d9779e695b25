"""The public pages of issues #18, #19 and #21 refuse NUL and oversized bodies with a 4xx page
in the person's language, and store nothing (issue #18 item 8, #19 item 7, #21 item 7).

Each request below would have been accepted without the bad part, so a refusal here is the
guard's and not the view's."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils.translation import gettext, override

from karpear.concerns.models import Concern
from karpear.education.models import Answer, Participant, SessionStatus
from karpear.orgs.models import Organisation
from karpear.safeguarding.models import Acknowledgement
from tests.cast import Person
from tests.conftest import Client
from tests.education.helpers import TEENS, a_curriculum, a_session, form, move
from tests.safeguarding.helpers import adopt_policy, import_staff, sent_tokens

NUL = "The text sent contains a character that is not allowed (NUL)."
TOO_LONG = "What you sent is too long. Please make it shorter and try again."
CONCERN = {"raised_by": "outside", "about": "behaviour", "text": "He asks pupils for photos."}
PADDING = "x" * 40_000  # beyond KARPEAR_MAX_BODY_BYTES (32 KiB)
READ_ONLY_PAGES = ["/documents/", "/documents/terms/", "/learn/", "/safety/parents/"]


@pytest.fixture
def pages(
    acme: Organisation,
    trainer: Person,
    compliance: Person,
    django_capture_on_commit_callbacks: Any,
) -> dict[str, tuple[str, dict[str, Any]]]:
    """Each public page that takes a form, with a form it would accept."""
    curriculum = a_curriculum(trainer, TEENS)
    session = move(trainer.member, a_session(trainer, curriculum), SessionStatus.BEFORE)
    import_staff(acme, 2)
    with django_capture_on_commit_callbacks(execute=True):
        adopt_policy(compliance)
    return {
        "concern": ("/concerns/", CONCERN),
        "session link": (f"/learn/s/{session.token}/", form(curriculum, "moon7", 3)),
        "acknowledgement": (f"/safeguarding/ack/{sent_tokens()[0]}/", {}),
    }


def _stored() -> tuple[int, int, int, int]:
    acknowledged = Acknowledgement.objects.filter(acknowledged_at__isnull=False)
    return (
        Concern.objects.count(),
        Participant.objects.count(),
        Answer.objects.count(),
        acknowledged.count(),
    )


def _in(language: str, message: str) -> str:
    with override(language):
        return gettext(message)


@pytest.mark.parametrize("language", ["km", "en"])
@pytest.mark.parametrize("page", ["concern", "session link", "acknowledgement"])
@pytest.mark.parametrize(
    "refusal",
    [({"note": "a\x00b"}, 400, NUL), ({"note": PADDING}, 413, TOO_LONG)],
    ids=["nul", "oversized"],
)
def test_a_bad_body_is_refused_in_the_persons_language_and_nothing_is_stored(
    pages: dict[str, tuple[str, dict[str, Any]]],
    language: str,
    page: str,
    refusal: tuple[dict[str, str], int, str],
) -> None:
    path, data = pages[page]
    bad, status, message = refusal
    url = path if language == "km" else f"/en{path}"
    response = Client().post(url, {**data, **bad})
    assert response.status_code == status
    assert _in(language, message) in response.content.decode()
    assert f'lang="{language}"' in response.content.decode()
    assert _stored() == (0, 0, 0, 0)


@pytest.mark.parametrize("language", ["km", "en"])
@pytest.mark.parametrize("path", READ_ONLY_PAGES)
def test_nul_in_a_public_pages_query_is_refused_in_the_persons_language(
    acme: Organisation, language: str, path: str
) -> None:
    url = path if language == "km" else f"/en{path}"
    response = Client().get(url, {"audience": "10-12\x00"})
    assert response.status_code == 400
    assert _in(language, NUL) in response.content.decode()
