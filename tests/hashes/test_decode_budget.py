"""Bounded decoding (issue #15, item 6): the budget is checked from the headers before decoding,
the decode runs in a process of its own with a memory and time limit, and over budget answers
413 (too big) or 422 (too slow to decode) in the API's JSON error format."""

from __future__ import annotations

import io
import os
import shutil
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from karpear.apikeys.models import Scope
from karpear.apikeys.services import apikey_create
from karpear.hashes import decoder, sandbox
from karpear.hashes.hashing import BadImage, BadVideo, image_hashes, video_hashes
from karpear.orgs.models import Organisation
from tests.conftest import Client

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="make test installs it")


def _jpeg(width: int, height: int) -> bytes:
    """A detailed (high-quality PDQ) picture of the given size."""
    out = io.BytesIO()
    picture = Image.effect_mandelbrot((width, height), (-2.0, -1.5, 1.0, 1.5), 60)
    picture.convert("RGB").save(out, "JPEG", quality=80)
    return out.getvalue()


def _check(org: Organisation, data: bytes, name: str = "a.jpg", kind: str = "image/jpeg") -> Any:
    token = apikey_create(organisation=org, scope=Scope.PLATFORM, name="app")[1]
    return Client().post(
        "/api/v1/hashes/check",
        {"content_id": "upload:1", "file": SimpleUploadedFile(name, data, kind)},
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_ACCEPT_LANGUAGE="en",
    )


@pytest.mark.django_db
def test_an_image_over_the_pixel_budget_gets_a_clear_413(acme: Organisation, settings: Any) -> None:
    settings.KARPEAR_DECODE_MAX_PIXELS = 200 * 100
    response = _check(acme, _jpeg(200, 101))
    assert response.status_code == 413, response.content
    error = response.json()["error"]
    assert error["code"] == "too_large" and "too large" in error["message"]
    assert _check(acme, _jpeg(200, 100)).status_code == 200  # at the limit is fine


@pytest.mark.django_db
def test_an_image_needing_more_memory_than_the_budget_is_refused_before_decoding(
    acme: Organisation, settings: Any
) -> None:
    settings.KARPEAR_DECODE_MEMORY_MB = 1  # 32 bytes a pixel: 40,000 pixels need more
    response = _check(acme, _jpeg(200, 200))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_pillow_s_decompression_bomb_limit_is_the_documented_figure(settings: Any) -> None:
    settings.KARPEAR_DECODE_MAX_PIXELS = 1000
    out = io.BytesIO()
    Image.new("1", (3000, 3000)).save(out, "PNG")  # 9 megapixels in a few hundred bytes
    with pytest.raises(BadImage) as refused:
        image_hashes(out.getvalue())
    assert refused.value.status == 413


@pytest.fixture(scope="module")
def slow_image() -> bytes:
    return _jpeg(5000, 5000)  # 25 megapixels, the most the default budget lets through


def _decode_jobs() -> list[int]:
    """The jobs our decoder is running now: the children of our child that runs the decoder."""
    me = os.getpid()
    jobs = []
    for child in Path(f"/proc/{me}/task/{me}/children").read_text().split():
        try:
            if b"karpear.hashes.decoder" in Path(f"/proc/{child}/cmdline").read_bytes():
                jobs += Path(f"/proc/{child}/task/{child}/children").read_text().split()
        except OSError:
            continue
    return [int(pid) for pid in jobs]


def _stall_the_next_decode() -> threading.Thread:
    """Pause the next decode job (SIGSTOP) as soon as it is forked, so that it overruns the time
    budget however fast the machine: 25 megapixels took 0.6 s of CPU here, under the smallest
    budget (1 s), and a faster machine, or a warmed-up decoder, finished it in time."""

    def stall() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for job in _decode_jobs():
                os.kill(job, signal.SIGSTOP)
                return
            time.sleep(0.001)

    thread = threading.Thread(target=stall, daemon=True)
    thread.start()
    return thread


@pytest.mark.django_db
def test_a_decode_over_the_time_budget_is_stopped_with_a_422(
    acme: Organisation, settings: Any, slow_image: bytes
) -> None:
    settings.KARPEAR_DECODE_SECONDS = 1
    stalling = _stall_the_next_decode()
    response = _check(acme, slow_image)
    stalling.join(timeout=60)
    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == "undecodable"
    settings.KARPEAR_DECODE_SECONDS = 20
    assert _check(acme, _jpeg(64, 64)).status_code == 200  # the next upload is served


def test_a_decode_cannot_take_more_memory_than_its_budget() -> None:
    """The limit itself (RLIMIT_AS), not only the estimate made from the header."""
    pid = os.fork()
    if pid == 0:  # the child: the same hardening as a decode, then a grab for too much memory
        status = 2
        try:
            decoder._harden({"seconds": 10, "memory_mb": 64})
            try:
                bytearray(128 * 1024 * 1024)
                status = 1
            except MemoryError:
                status = 0
        finally:
            os._exit(status)
    assert os.WEXITSTATUS(os.waitpid(pid, 0)[1]) == 0


def test_the_decoder_gets_no_secret_of_the_web_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://user:secret@db/karpear")
    monkeypatch.setenv("KARPEAR_SIGNING_KEY", "secret")
    environment = sandbox._clean_environment()
    assert not {"DATABASE_URL", "KARPEAR_SIGNING_KEY"} & set(environment)
    assert "secret" not in "".join(environment.values())


def test_a_killed_decoder_is_replaced_and_the_same_image_hashes_the_same() -> None:
    data = _jpeg(300, 200)
    first = image_hashes(data)
    pid = sandbox.decoder_pid()
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    again = image_hashes(data)
    assert sandbox.decoder_pid() not in (None, pid)
    assert (again.pdq, again.quality) == (first.pdq, first.quality)


@pytest.mark.parametrize(
    ("data", "status"),
    [(b"\xff\xd8\xff\xe0" + b"\x00" * 100, 400), (b"\x89PNG\r\n\x1a\n" + b"\xff" * 64, 400)],
    ids=["jpeg-header-only", "png-garbage"],
)
def test_malformed_images_still_get_a_400(data: bytes, status: int) -> None:
    with pytest.raises(BadImage) as refused:
        image_hashes(data)
    assert refused.value.status == status and refused.value.code == "bad_image"


# ---------------------------------------------------------------- video


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    from tests.hashes.test_video import _video

    return _video("modified-copy.jpg", tmp_path_factory.mktemp("budget") / "v.mp4")  # 6 s, 320 px


@needs_ffmpeg
@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("KARPEAR_DECODE_MAX_VIDEO_SECONDS", 2),
        ("KARPEAR_DECODE_MAX_FRAME_PIXELS", 320 * 100),
        ("KARPEAR_DECODE_MAX_VIDEO_DECODED_MB", 1),
    ],
    ids=["duration", "frame-size", "decoded-bytes"],
)
@pytest.mark.django_db
def test_a_video_over_budget_is_refused_from_its_headers_with_a_413(
    acme: Organisation, settings: Any, video: bytes, setting: str, value: int
) -> None:
    setattr(settings, setting, value)
    response = _check(acme, video, "v.mp4", "video/mp4")
    assert response.status_code == 413, response.content
    assert response.json()["error"]["code"] == "too_large"
    with pytest.raises(BadVideo):
        video_hashes(video)


@needs_ffmpeg
def test_a_video_within_budget_is_hashed(video: bytes) -> None:
    assert video_hashes(video).matchable


def test_a_video_that_does_not_say_how_long_it_is_is_not_decoded() -> None:
    """Frames with no duration in any header cannot be bounded before decoding: 422."""
    probe = {"streams": [{"codec_type": "video", "width": 320, "height": 200}], "format": {}}
    budget = {
        "max_frame_pixels": 10**7,
        "max_video_seconds": 100,
        "max_video_decoded_mb": 100,
        "memory_mb": 100,
    }
    with pytest.raises(decoder.Refused) as refused:
        decoder._check_video(probe, budget)
    assert refused.value.code == "unmeasurable"


@pytest.mark.django_db
def test_evidence_over_the_budget_is_preserved_all_the_same_without_a_pdq(
    acme: Organisation, settings: Any
) -> None:
    """Guidelines 2.6: material is preserved; a refused decode only costs the similarity hash."""
    from karpear.evidence.services import evidence_capture
    from tests.cast import make_case

    case = make_case(acme)
    data = _jpeg(400, 300)
    settings.KARPEAR_DECODE_MAX_PIXELS = 1000
    over = evidence_capture(
        organisation=acme, case_id=case.pk, content=data, content_type="image/jpeg",
        metadata={}, source="staff", actor="t",
    )  # fmt: skip
    settings.KARPEAR_DECODE_MAX_PIXELS = 25_000_000
    within = evidence_capture(
        organisation=acme, case_id=case.pk, content=data, content_type="image/jpeg",
        metadata={}, source="staff", actor="t",
    )  # fmt: skip
    assert over.pk and over.sha256 == within.sha256
    assert over.pdq == "" and within.pdq == image_hashes(data).pdq


def test_decodes_from_several_threads_each_get_their_own_answer() -> None:
    """A threaded server shares one decoder: jobs wait their turn and never mix answers."""
    from concurrent.futures import ThreadPoolExecutor

    images = [_jpeg(120 + 10 * i, 90) for i in range(6)]
    alone = [image_hashes(data).pdq for data in images]
    with ThreadPoolExecutor(max_workers=3) as pool:
        together = list(pool.map(lambda data: image_hashes(data).pdq, images))
    assert together == alone and len(set(alone)) == len(alone)


def test_a_forked_process_starts_its_own_decoder_and_leaves_its_parent_s_alone() -> None:
    """A process forked after a decode (a pre-forking server) must not talk to the parent's."""
    data = _jpeg(160, 120)
    expected = image_hashes(data).pdq
    parents = sandbox.decoder_pid()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        ok = b"0"
        try:
            fine = image_hashes(data).pdq == expected
            ok = b"1" if fine and sandbox.decoder_pid() not in (None, parents) else b"0"
        finally:
            os.write(write_end, ok)
            os._exit(0)
    os.close(write_end)
    answer = os.read(read_end, 1)
    os.close(read_end)
    os.waitpid(pid, 0)
    assert answer == b"1"
    assert image_hashes(data).pdq == expected and sandbox.decoder_pid() == parents
