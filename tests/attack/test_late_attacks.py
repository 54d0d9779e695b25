"""An outsider's attack on the pages, endpoints and commands of issues #17 and #20-#23 (the
#18/#19 ones are in test_education_safety_attacks.py): bodies the edge guard never sees (an
uploaded file), another organisation's receipt, and answers that must not tell which part of a
receipt was wrong."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from karpear.orgs.models import Organisation
from karpear.regulator.models import Submission
from karpear.regulator.registry import period_define
from tests.cast import Person, sign_in
from tests.regulator.world import register, signed, small_payload

pytestmark = pytest.mark.django_db


# #20: the regulator desk's upload parses a file, which the JSON guard at the edge never reads.


def _upload(head: Person, reviewer: Person, content: bytes) -> Any:
    company = register(head, None, slug="paper-co")
    year = str(timezone.localdate().year)
    period_define(member=head.member, label=year, due=timezone.localdate())
    desk = sign_in(reviewer, host="mptc.test")
    return desk.post(
        "/en/desk/regulator/upload/",
        {"company": company.pk, "period": year, "file": SimpleUploadedFile("p.json", content)},
    )


@pytest.mark.parametrize(
    "content",
    [
        b"[" * 100_000 + b"]" * 100_000,  # deeper than Python's recursion limit
        b'{"package": ' * 5_000 + b"{}" + b"}" * 5_000,
        b"\xff\xfe\x00{not json",  # not UTF-8
        b'"just a string"',
        b"[1, 2]",
    ],
    ids=["deep-array", "deep-object", "not-utf8", "string", "list"],
)
def test_a_hostile_package_file_is_refused_not_a_crash(
    head: Person, reviewer: Person, content: bytes
) -> None:
    response = _upload(head, reviewer, content)
    assert response.status_code == 200 and b"refus" in response.content.lower()
    assert not Submission.objects.exists()


def test_a_signed_package_holding_a_nul_is_refused_not_a_crash(
    head: Person, reviewer: Person
) -> None:
    payload = small_payload("paper-co")
    payload["answers"][0]["note"] = "a\x00b"
    response = _upload(head, reviewer, json.dumps(signed(payload, "paper-co")).encode())
    assert response.status_code == 200 and "NUL" in response.content.decode()
    assert not Submission.objects.exists()


# #20 and #22: answers from another server (the regulator's, a blocklist publisher's) are parsed
# here too; a hostile or broken server must get a refusal, never a RecursionError.

DEEP = b"[" * 100_000 + b"]" * 100_000


class _Answer:
    status = 200

    def __init__(self, body: bytes) -> None:
        self.body = body

    def read(self, _limit: int) -> bytes:
        return self.body

    def __enter__(self) -> _Answer:
        return self

    def __exit__(self, *_exc: object) -> None:
        return None


def test_a_regulator_answering_too_deep_json_is_unreachable_not_a_crash(
    acme: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    import urllib.request

    from karpear.regulator.outbound import RegulatorUnreachable, link_set, requests_pull

    link_set(organisation=acme, url="https://mptc.test", token="kp_company_x_y", operator="ops")
    monkeypatch.setattr(urllib.request, "urlopen", lambda *_a, **_k: _Answer(DEEP))
    with pytest.raises(RegulatorUnreachable):
        requests_pull(organisation=acme)


def test_a_publisher_answering_too_deep_json_is_a_pull_error_not_a_crash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from karpear.blocklist import pull

    monkeypatch.setattr(pull, "_fetch", lambda *_a: DEEP)
    subscription: Any = object()
    with pytest.raises(pull.PullError):
        pull._verified(subscription, pull._fetch(subscription, None))


# #23: a backup holds the whole database (password hashes, one-time-code keys, every case). An
# operator's existing, empty backup folder is often world-readable; the backup must not be.


def test_a_backup_is_readable_by_its_owner_only_even_in_an_open_folder(
    acme: Organisation, tmp_path: Path
) -> None:
    from karpear.backups.services import backup_create

    target = tmp_path / "backup"
    target.mkdir()
    target.chmod(0o755)
    previous = os.umask(0o022)
    try:
        manifest = backup_create(target=target)
    finally:
        os.umask(previous)
    assert target.stat().st_mode & 0o077 == 0
    assert (target / manifest["database"]).stat().st_mode & 0o077 == 0
