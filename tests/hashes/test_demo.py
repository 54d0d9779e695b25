"""Issue #6 "Done when", on the demo and over HTTP: the demo bank (hashes of Meta's benign PDQ
reference images, imported from examples/hashes/demo-bank.csv) makes the reference platform's
upload of a blurred, shrunk copy match; Karpear isolates the post, opens a case at the top of the
queue and has the picture preserved in the vault. An unrelated picture stays up, unmatched."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

import pytest
from django.core.management import call_command

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_create
from karpear.cases.models import Case
from karpear.cases.selectors import QueueFilter, case_queue
from karpear.evidence.models import EvidenceItem
from karpear.hashes.index import forget
from karpear.hashes.models import Match
from karpear.orgs.models import Organisation
from karpear.platformlink.services import deliver_due, link_configure
from tests.platform_fixture import RefPlatform, free_port

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "hashes"


def _post(platform: RefPlatform, picture: str) -> dict[str, Any]:
    data = (EXAMPLES / picture).read_bytes()
    request = Request(
        platform.url + "/upload",
        data=data,
        method="POST",
        headers={"Content-Type": "image/jpeg", "X-Owner": "u7"},
    )
    with urlopen(request, timeout=30) as response:
        assert response.status == 201
        return dict(json.loads(response.read()))


@pytest.mark.django_db(transaction=True)
def test_an_upload_of_a_modified_reference_image_is_isolated_on_the_demo(
    live_server: Any, tmp_path: Path
) -> None:
    forget()
    call_command("demo", "--if-empty", stdout=io.StringIO())
    demo = Organisation.objects.get(slug="demo")
    platform = RefPlatform(
        url=f"http://127.0.0.1:{free_port()}", secret_file=tmp_path / "s", db=tmp_path / "p.sqlite3"
    )
    _link, secret = link_configure(
        organisation=demo, webhook_url=platform.webhook_url, hosted_domains=["social.example"]
    )
    platform.secret_file.write_text(secret)
    (tmp_path / "key").write_text(
        apikey_create(organisation=demo, scope=Scope.PLATFORM, name="Ref")[1]
    )
    platform.start(
        extra=["--karpear-url", live_server.url, "--karpear-key-file", str(tmp_path / "key")]
    )
    try:
        hit = _post(platform, "modified-copy.jpg")
        miss = _post(platform, "unrelated.jpg")
        deliver_due()  # what the worker does: the webhooks reach the platform
        deliver_due()
        state = platform.state()["posts"]
    finally:
        platform.stop()

    check = hit["check"]
    assert check["matched"] is True and check["action"] == "act", check
    closest = check["matches"][0]
    assert closest["bank"] == "demo-hotline" and closest["source"] == "hotline"
    assert closest["source_id"].startswith("DEMO-") and closest["classification"] == "B2"
    assert 0 < closest["distance"] <= 31
    assert state[hit["post"]]["state"] == "hidden"
    case = Case.objects.get(pk=check["case_id"])
    assert case.organisation == demo and case.source == "hash_match" and case.priority == 1
    queue = case_queue(organisation=demo, filters=QueueFilter())
    assert all(other.priority <= case.priority for other in queue)
    assert case in queue
    preserved = EvidenceItem.objects.get(case=case)
    assert (
        preserved.sha256
        == hashlib.sha256((EXAMPLES / "modified-copy.jpg").read_bytes()).hexdigest()
    )
    assert Match.objects.filter(content_id=hit["post"], case_id=case.pk).exists()

    assert miss["check"]["matched"] is False and miss["check"]["action"] == "none"
    assert state[miss["post"]]["state"] == "visible"
    assert not Match.objects.filter(content_id=miss["post"]).exists()
