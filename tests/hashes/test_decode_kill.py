"""No plaintext upload outlives its request (issue #15, item 7).

A real worker process (Django set up, as in gunicorn or `karpear worker`) hashes a video that
takes seconds to decode; it is killed with SIGKILL mid-decode. Afterwards nothing of the upload
may be left: no file in the temporary directories (the decoder reads an anonymous memory file,
never a named one) and no decoder process still holding the bytes in memory.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="make test installs it")
ROOT = Path(__file__).resolve().parents[2]
WORKER = """
import os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "karpear.settings")
django.setup()
from karpear.hashes.hashing import video_hashes
data = open(sys.argv[1], "rb").read()
print("decoding", flush=True)
video_hashes(data)
print("done", flush=True)
"""


def _children() -> dict[int, int]:
    """Every process's parent, by process ID."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def _descendants(pid: int) -> set[int]:
    parents, found, frontier = _children(), set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        found |= frontier
    return found


def _shm() -> set[str]:
    shm = Path("/dev/shm")
    return {p.name for p in shm.iterdir()} if shm.is_dir() else set()


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


@pytest.fixture(scope="module")
def slow_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 s of 720p: several seconds of decoding, made in a second with the fastest preset."""
    out = tmp_path_factory.mktemp("slow") / "slow.mp4"
    subprocess.run(
        [
            "ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=10",
            "-t", "40", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(out),
        ],
        check=True,
    )  # fmt: skip
    return out


def test_a_worker_killed_mid_decode_leaves_nothing_readable(
    slow_video: Path, tmp_path: Path
) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    before = _shm()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        "KARPEAR_DATA_DIR": str(tmp_path / "data"),
        "TMPDIR": str(scratch),  # where tempfile would put anything
        "KARPEAR_DECODE_SECONDS": "120",
    }
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(slow_video)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert worker.stdout is not None and worker.stdout.readline().strip() == "decoding"
        # Wait until the decode is under way: the decoder and its job's child exist (or, as the
        # code was before, a scratch file of the upload appeared).
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and worker.poll() is None:
            helpers = _descendants(worker.pid)
            if len(helpers) >= 2 or _shm() - before or any(scratch.iterdir()):
                break
            time.sleep(0.05)
        helpers = _descendants(worker.pid)
        assert worker.poll() is None, "the decode ended before the worker could be killed"
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    # The decoder sees its parent go and stops its job at once (within a second).
    deadline = time.monotonic() + 15
    while _alive(helpers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(helpers), "a decoder outlived the killed worker, holding the upload"
    assert not list(scratch.iterdir())
    assert not {name for name in _shm() - before if name.startswith("karpear")}


@pytest.mark.django_db
def test_an_upload_is_never_spooled_to_a_temporary_file(
    acme: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Django writes uploads over FILE_UPLOAD_MAX_MEMORY_SIZE to a named file by default."""
    import tempfile

    from tests.hashes.test_decode_budget import _check, _jpeg

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("an upload was written to a temporary file")

    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    monkeypatch.setattr(tempfile, "NamedTemporaryFile", refuse)  # Django's temporary uploads
    response = _check(acme, _jpeg(300, 300))
    assert response.status_code == 400  # dropped: "Attach the image as the field 'file'."
