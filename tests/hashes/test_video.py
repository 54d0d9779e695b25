"""Video (issue #6, items 1, 7, 8 and 12): vPDQ and MD5/SHA-256 of uploaded videos, matched by the
library's frame rule; a re-encoded, shrunk copy matches, an unrelated video does not, and broken
videos get a clear 400. The test videos are made here with ffmpeg from the benign example
pictures (a slow zoom, so the frames differ)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_create
from karpear.hashes import services
from karpear.hashes.hashing import BadVideo, is_video, video_hashes
from karpear.hashes.models import BankHash
from karpear.orgs.models import Organisation
from tests.conftest import Client

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="make test installs ffmpeg"),
]
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "hashes"


def _video(picture: str, out: Path, *, width: int = 320, seconds: int = 6) -> bytes:
    """A short H.264 MP4 of a picture slowly zooming in."""
    subprocess.run(
        [
            "ffmpeg", "-v", "error", "-y", "-loop", "1", "-i", str(EXAMPLES / picture),
            "-vf", f"scale=640:-2,zoompan=z='1+0.01*on':d=1:s=640x400:fps=10,scale={width}:-2",
            "-t", str(seconds), "-r", "10", "-pix_fmt", "yuv420p", "-c:v", "libx264", str(out),
        ],
        check=True,
    )  # fmt: skip
    return out.read_bytes()


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    work = tmp_path_factory.mktemp("videos")
    return {
        "original": _video("modified-copy.jpg", work / "a.mp4"),
        "smaller": _video("modified-copy.jpg", work / "b.mp4", width=200),
        "unrelated": _video("unrelated.jpg", work / "c.mp4"),
    }


def _check(token: str, data: bytes, content_id: str) -> object:
    return Client().post(
        "/api/v1/hashes/check",
        {"content_id": content_id, "file": SimpleUploadedFile("v.mp4", data, "video/mp4")},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_a_video_is_hashed_by_frame_and_by_bytes(videos: dict[str, bytes]) -> None:
    hashed = video_hashes(videos["original"])
    assert is_video(videos["original"]) and hashed.matchable
    frames = services.check_hash("vpdq", hashed.frames)[1]
    assert frames == hashed.frames and frames.count(",") >= 3 * 5  # a frame a second, 6 s


def test_a_reencoded_copy_matches_and_an_unrelated_video_does_not(
    acme: Organisation, videos: dict[str, bytes]
) -> None:
    bank = services.bank_create(
        organisation=acme, name="hotline", source="hotline", agreement="MoU", policy="review"
    )
    original = video_hashes(videos["original"])
    # ThreatExchange's signal-file line for a vPDQ hash: the type, a space, the frames' JSON.
    result = services.hashes_import(bank=bank, text=f"vpdq {original.frames}\n")
    assert result.added == 1 and not result.bad_lines
    row = BankHash.objects.get(kind="vpdq")
    assert row.value == services.frames_digest(original.frames) and row.frames == original.frames
    token = apikey_create(organisation=acme, scope=Scope.PLATFORM, name="app")[1]

    hit = _check(token, videos["smaller"], "video:1")
    assert hit.status_code == 200, hit.content  # type: ignore[attr-defined]
    body = hit.json()  # type: ignore[attr-defined]
    assert body["action"] == "review" and body["vpdq_matched"] is True
    assert [m["hash_type"] for m in body["matches"]] == ["vpdq"]
    assert body["matches"][0]["distance"] <= 31

    miss = _check(token, videos["unrelated"], "video:2").json()  # type: ignore[attr-defined]
    assert miss["matched"] is False

    exported = services.bank_export(bank).splitlines()
    again = services.hashes_import(
        bank=services.bank_create(organisation=acme, name="copy", source="iwf", agreement="x"),
        text="\n".join(exported),
    )
    assert again.added == 1  # the export carries the frames, not just their digest


def test_broken_videos_get_a_clear_400(acme: Organisation, videos: dict[str, bytes]) -> None:
    token = apikey_create(organisation=acme, scope=Scope.PLATFORM, name="app")[1]
    data = videos["original"]
    for broken in (data[: len(data) // 3], b"\x00\x00\x00\x18ftypisom" + b"\x00" * 500):
        response = _check(token, broken, "video:9")
        assert response.status_code == 400, broken[:20]  # type: ignore[attr-defined]
        assert response.json()["error"]["code"] == "bad_video"  # type: ignore[attr-defined]
    with pytest.raises(BadVideo):
        video_hashes(b"")


@pytest.mark.parametrize(
    "value",
    ['["nonsense"]', "[]", "not json", '["' + "a" * 64 + ',101,0.0"]'],
    ids=["frame", "empty", "json", "quality"],
)
def test_malformed_vpdq_hashes_are_refused(value: str) -> None:
    from karpear.core.errors import ApplicationError

    with pytest.raises(ApplicationError):
        services.check_hash("vpdq", value)
