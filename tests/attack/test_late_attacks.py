"""An outsider's attack on the pages, endpoints and commands of issues #17 and #20-#23 (the
#18/#19 ones are in test_education_safety_attacks.py): bodies the edge guard never sees (an
uploaded file), another organisation's receipt, and answers that must not tell which part of a
receipt was wrong."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

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
