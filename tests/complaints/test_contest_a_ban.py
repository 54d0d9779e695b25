"""Done when (issue #17): an account holder contests a ban through the reference platform, a
second analyst reverses it, the platform lifts it. Everything over real HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_create
from karpear.complaints.models import Complaint, ComplaintStatus
from karpear.complaints.services import complaint_decide
from karpear.orgs.models import Organisation
from karpear.platformlink.services import deliver_due
from tests.cast import Person
from tests.complaints.helpers import a_ban
from tests.platform_fixture import RefPlatform


def _contest(platform: RefPlatform, user: str, reason: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        platform.url + "/contest",
        data=json.dumps({"user": user, "reason": reason}).encode(),
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status), dict(json.loads(response.read()))
    except urllib.error.HTTPError as exc:
        return exc.code, dict(json.loads(exc.read()))


def test_a_ban_contested_on_the_platform_is_reversed_by_a_second_analyst_and_lifted(
    live_server: Any,
    acme: Organisation,
    analyst: Person,
    analyst2: Person,
    ref_platform: RefPlatform,
) -> None:
    key_file = ref_platform.secret_file.parent / "key"
    key_file.write_text(apikey_create(organisation=acme, scope=Scope.PLATFORM, name="ref")[1])
    ref_platform.stop()
    ref_platform.start(
        extra=["--karpear-url", live_server.url, "--karpear-key-file", str(key_file)]
    )
    a_ban(acme, analyst, account="u7")
    deliver_due()
    assert ref_platform.state()["users"]["u7"]["state"] == "banned"

    status, answer = _contest(ref_platform, "u7", "Those messages were to my cousin.")
    assert status == 201, answer
    again, repeat = _contest(ref_platform, "u7", "again")
    assert again == 200 and repeat["reference"] == answer["reference"]
    assert _contest(ref_platform, "nobody", "x")[0] == 404

    complaint = Complaint.objects.get(reference=answer["reference"])
    complaint_decide(
        member=analyst2.member,
        complaint_id=complaint.pk,
        outcome=ComplaintStatus.REVERSED,
        reason="The messages were to a relative and broke no rule.",
    )
    deliver_due()
    state = ref_platform.state()
    assert state["users"]["u7"]["state"] == "active"
    assert "changed it" in state["inbox"][-1]["en"] and "relative" in state["inbox"][-1]["en"]
