"""The decoder process: images and videos are decoded here, never in a web or worker process.

Run as `python -m karpear.hashes.decoder` by `karpear.hashes.sandbox` (one per web/worker process,
started on first use). It imports nothing of Django and is started with an environment stripped of
every secret, so a decoder bug exploited by a hostile file finds no key, database password or other
organisation's data in this process (issue #15, item 6).

It is a small fork server ("zygote"): it loads Pillow, numpy, pdqhash and vpdq once, then for each
job read from stdin it forks a fresh child that

1. makes itself undumpable (no core file, no ptrace: its memory holds the upload) and dies with
   this process (PR_SET_PDEATHSIG);
2. limits its address space to what it has now plus the memory budget (RLIMIT_AS) and its CPU time
   to the time budget (RLIMIT_CPU);
3. checks the budget from the headers before decoding anything: Pillow reads the size lazily,
   ffprobe reads a video's frame size, duration and frame count;
4. decodes and hashes, writes one JSON answer to a pipe and exits.

The zygote waits for the answer with a wall-clock deadline and kills the child when it passes. A
video is handed to ffprobe and libav as an anonymous memory file (memfd): it has no name in any
file system, so a killed process leaves nothing readable behind (item 7). The zygote exits when
its parent does (end of file on stdin, or a changed parent process ID), killing its child first.

Protocol: the parent writes a JSON line {"kind", "size", "budget"} followed by `size` bytes; the
zygote answers one JSON line, either the hashes or {"error": code, "detail": text}.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import json
import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import time
import warnings
from fractions import Fraction
from typing import Any

# Bytes of memory one image pixel costs at its peak while hashed: the decoded image, its RGB array
# and pdqhash's float buffers (measured: 1.50 GB for a 48 MP JPEG, bench/decode.py).
BYTES_PER_PIXEL = 32
# One YUV 4:2:0 frame is 1.5 bytes per pixel: the figure for a video's decoded bytes.
VIDEO_BYTES_PER_PIXEL = 1.5
_PR_SET_PDEATHSIG = 1
_PR_SET_DUMPABLE = 4


class Refused(Exception):
    """The file is over budget or cannot be read; `code` becomes the API's error."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


# ---------------------------------------------------------------- the child: check, then decode


def _harden(budget: dict[str, int]) -> None:
    """Steps 1 and 2 of the module docstring, in the freshly forked child."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    seconds = max(1, int(budget["seconds"]))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    limit = _vm_size() + int(budget["memory_mb"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _die_with_parent() -> None:
    """ffprobe goes when the child that started it does (the setting does not pass to children)."""
    ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _vm_size() -> int:
    return _status_kb("VmSize") * 1024


def _status_kb(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    return 0


def image_pixels(image: Any) -> Any:
    """The image's own channels as uint8 RGB, as the PDQ reference data was made.

    Grey and palette images as one channel repeated; CMYK and alpha images by their first three
    channels (tests/hashes/test_hashing.py proves distance 0 on the reference images).
    """
    import numpy as np

    array = np.asarray(image)
    if array.dtype == bool:
        array = array.astype(np.uint8)
    if array.ndim == 2:
        array = np.stack([array] * 3, axis=-1)
    elif array.shape[2] == 2:  # grey with alpha
        array = np.stack([array[..., 0]] * 3, axis=-1)
    elif array.shape[2] > 3:
        array = array[..., :3]
    return np.ascontiguousarray(array, dtype=np.uint8)


def hash_image(data: bytes, budget: dict[str, int]) -> dict[str, Any]:
    """PDQ of an image, after checking its size from the header against the budget."""
    import numpy as np
    import pdqhash  # type: ignore[import-untyped]
    from PIL import Image, UnidentifiedImageError

    # Pillow's decompression-bomb limit is the documented KARPEAR_DECODE_MAX_PIXELS, and going
    # over it is an error rather than a warning.
    Image.MAX_IMAGE_PIXELS = int(budget["max_pixels"])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                width, height = probe.size
                _check_image_size(width, height, budget)
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                pixels = image_pixels(image)
            bits, quality = pdqhash.compute(pixels)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise Refused("too_large", str(exc)) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise Refused("unreadable", type(exc).__name__) from exc
    pdq = np.packbits(bits.astype(np.uint8)).tobytes().hex()
    return {"pdq": pdq, "quality": int(quality)}


def _check_image_size(width: int, height: int, budget: dict[str, int]) -> None:
    pixels = width * height
    if pixels > budget["max_pixels"]:
        raise Refused("too_large", f"{width}x{height} pixels")
    if pixels * BYTES_PER_PIXEL > budget["memory_mb"] * 1024 * 1024:
        raise Refused("too_large", f"{width}x{height} pixels need more memory than allowed")


def hash_video(data: bytes, budget: dict[str, int]) -> dict[str, Any]:
    """vPDQ (a frame a second) of a video, after ffprobe's figures are checked against the budget.

    The bytes go into an anonymous memory file that ffprobe and libav open as /proc/self/fd/N.
    """
    try:
        import vpdq  # type: ignore[import-not-found]
    except ImportError as exc:
        raise Refused("no_decoder", "vpdq is not installed") from exc

    fd = os.memfd_create("karpear-upload", 0)
    try:
        with open(fd, "wb", closefd=False) as memory:
            memory.write(data)
        path = f"/proc/self/fd/{fd}"
        _check_video(_probe(path, fd, budget), budget)
        try:
            features = vpdq.computeHash(path, seconds_per_hash=1, thread_count=1)
        except MemoryError:
            raise
        except Exception as exc:  # the decoder's errors are not typed
            raise Refused("unreadable", type(exc).__name__) from exc
    finally:
        os.close(fd)
    if not features:
        raise Refused("unreadable", "no frames")
    return {
        "frames": [[f.hex, int(f.quality), float(f.timestamp)] for f in features],
    }


def _probe(path: str, fd: int, budget: dict[str, int]) -> dict[str, Any]:
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        raise Refused("no_decoder", "ffprobe is not installed")
    try:
        done = subprocess.run(  # noqa: S603 - fixed arguments, the path is our own descriptor
            [
                ffprobe, "-v", "error", "-print_format", "json",
                "-show_entries",
                "format=duration:stream=codec_type,codec_name,width,height,duration,"
                "nb_frames,avg_frame_rate,r_frame_rate",
                path,
            ],
            pass_fds=(fd,),
            preexec_fn=_die_with_parent,  # this process is single-threaded: safe here
            capture_output=True,
            timeout=max(1, int(budget["seconds"])),
            check=False,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        raise Refused("timeout", "ffprobe") from exc
    if done.returncode != 0:
        raise Refused("unreadable", "ffprobe")
    try:
        return dict(json.loads(done.stdout or b"{}"))
    except ValueError as exc:
        raise Refused("unreadable", "ffprobe output") from exc


def _number(value: Any) -> float | None:
    try:
        number = float(Fraction(str(value)))
    except (ValueError, ZeroDivisionError):
        return None
    return number if number > 0 else None


def _check_video(probe: dict[str, Any], budget: dict[str, int]) -> None:
    """Frame size, duration and decoded bytes from the headers (step 3).

    Headers can lie: the memory and CPU limits of step 2 hold whatever the file really contains.
    """
    streams = [s for s in probe.get("streams", []) if s.get("codec_type") == "video"]
    if not streams:
        raise Refused("unreadable", "no video stream")
    frame_pixels = 0
    decoded = 0.0
    for stream in streams:
        width, height = int(stream.get("width") or 0), int(stream.get("height") or 0)
        if width <= 0 or height <= 0:
            raise Refused("unreadable", "no frame size")
        if width * height > budget["max_frame_pixels"]:
            raise Refused("too_large", f"frames of {width}x{height} pixels")
        seconds = _number(stream.get("duration")) or _number(
            probe.get("format", {}).get("duration")
        )
        if seconds is None:
            raise Refused("unmeasurable", "no duration")
        if seconds > budget["max_video_seconds"]:
            raise Refused("too_large", f"{seconds:.0f} seconds")
        rate = _number(stream.get("avg_frame_rate")) or _number(stream.get("r_frame_rate"))
        frames = _number(stream.get("nb_frames")) or (seconds * rate if rate else None)
        if frames is None:
            raise Refused("unmeasurable", "no frame count")
        frame_pixels = max(frame_pixels, width * height)
        decoded += frames * width * height * VIDEO_BYTES_PER_PIXEL
    if decoded > budget["max_video_decoded_mb"] * 1024 * 1024:
        raise Refused("too_large", f"{decoded / 2**20:.0f} MB decoded")
    if frame_pixels * BYTES_PER_PIXEL > budget["memory_mb"] * 1024 * 1024:
        raise Refused("too_large", "frames need more memory than allowed")


def _child(kind: str, data: bytes, budget: dict[str, int]) -> dict[str, Any]:
    _harden(budget)
    try:
        if kind == "image":
            return hash_image(data, budget)
        if kind == "video":
            return hash_video(data, budget)
        return {"error": "unreadable", "detail": f"unknown kind {kind!r}"}
    except Refused as exc:
        return {"error": exc.code, "detail": exc.detail}
    except MemoryError:
        return {"error": "too_large", "detail": "over the memory budget"}


# ---------------------------------------------------------------- the zygote


def run_job(kind: str, data: bytes, budget: dict[str, int], parent: int) -> dict[str, Any]:
    """Fork a child for one job and wait for its answer until the wall-clock deadline."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_end)
        _answer_and_exit(kind, data, budget, write_end)
    os.close(write_end)
    try:
        raw = _collect(pid, read_end, time.monotonic() + max(1, int(budget["seconds"])), parent)
    finally:
        os.close(read_end)
    if raw is None:  # past the deadline
        os.kill(pid, signal.SIGKILL)
    _, status, usage = os.wait4(pid, 0)
    killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGXCPU, signal.SIGKILL)
    answer: dict[str, Any]
    if raw is None or killed:
        answer = {"error": "timeout", "detail": f"over {budget['seconds']} seconds"}
    else:
        try:
            answer = dict(json.loads(raw))
        except ValueError:
            detail = f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else "no answer"
            answer = {"error": "crashed", "detail": detail}
    # Peak resident memory of the job's child and of this process, for bench/decode.py.
    answer["memory_kb"] = {"job": usage.ru_maxrss, "decoder": _status_kb("VmHWM")}
    return answer


def _answer_and_exit(kind: str, data: bytes, budget: dict[str, int], write_end: int) -> None:
    code = 0
    try:
        answer = _child(kind, data, budget)
    except BaseException as exc:  # anything else is a failed decode
        answer = {"error": "unreadable", "detail": type(exc).__name__}
        code = 1
    try:
        with open(write_end, "wb") as out:
            out.write(json.dumps(answer).encode())
    finally:
        os._exit(code)


def _collect(pid: int, read_end: int, deadline: float, parent: int) -> bytes | None:
    """The child's answer; None past the deadline. Exits if our parent goes meanwhile."""
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        ready, _, _ = select.select([read_end, sys.stdin.fileno()], [], [], min(left, 1.0))
        if os.getppid() != parent or sys.stdin.fileno() in ready:
            # Our parent is gone (or broke the protocol): nobody will read the answer.
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise SystemExit(0)
        if read_end in ready:
            chunk = os.read(read_end, 65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


def _read_exact(stream: Any, size: int) -> bytes | None:
    parts, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            return None
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def _warm_up() -> None:
    """Load what Pillow and numpy load lazily (every image plugin, ~0.1 s) once, here."""
    from PIL import Image

    Image.init()
    sample = io.BytesIO()
    Image.new("RGB", (32, 32), (90, 120, 200)).save(sample, "JPEG")
    hash_image(sample.getvalue(), {"max_pixels": 32 * 32, "memory_mb": 64})


def main() -> None:
    """Serve jobs until the parent closes our stdin or goes away."""
    parent = int(sys.argv[1]) if len(sys.argv) > 1 else os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C of a dev server: the parent decides
    # Loaded once here so that each forked child starts at once.
    import numpy  # noqa: F401
    import pdqhash  # noqa: F401
    import PIL.Image  # noqa: F401

    with contextlib.suppress(ImportError):  # without it, videos answer "no_decoder"
        import vpdq  # noqa: F401
    _warm_up()
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    stdout.write(b'{"ready": true}\n')
    stdout.flush()
    while os.getppid() == parent:
        header = stdin.readline()
        if not header:
            return
        job = json.loads(header)
        data = _read_exact(stdin, int(job["size"]))
        if data is None:
            return
        answer = run_job(str(job["kind"]), data, dict(job["budget"]), parent)
        del data
        stdout.write(json.dumps(answer).encode() + b"\n")
        stdout.flush()


if __name__ == "__main__":
    main()
