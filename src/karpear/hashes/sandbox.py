"""Hand a decode to the decoder process within a budget (issue #15, items 6 and 7).

Each web or worker process starts one decoder (`karpear.hashes.decoder`) on first use and keeps
it: a fork server that has loaded the image and video libraries, so a job costs a fork, not a
Python start. Every job runs in its own forked child, limited in memory, CPU and wall-clock time,
which checks the budget from the file's headers before decoding. The decoder is started from a
clean environment (no secret of this process reaches it) and exits when this process does.

This module knows nothing of HTTP: it raises `DecodeFailed` with a code, and
`karpear.hashes.hashing` turns that into the API's 400/413/422.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

# The decoder answers within the job's time budget; this is how much longer we wait for it.
_MARGIN_SECONDS = 5
_START_SECONDS = 60  # loading numpy, Pillow and libav on a busy host


class DecodeFailed(Exception):
    """`code`: too_large, timeout, unmeasurable, unreadable, crashed or no_decoder."""

    def __init__(
        self, code: str, detail: str = "", memory_kb: dict[str, int] | None = None
    ) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        self.memory_kb = memory_kb or {}  # peaks of the decode, as in a successful answer


@dataclass(frozen=True)
class Budget:
    """What one decode may take; the defaults and their reasons are in docs/operations.md."""

    max_pixels: int = 25_000_000
    max_frame_pixels: int = 1920 * 1080
    max_video_seconds: int = 60
    max_video_decoded_mb: int = 6144
    memory_mb: int = 1024
    seconds: int = 20

    @classmethod
    def from_settings(cls) -> Budget:
        from django.conf import settings

        return cls(
            max_pixels=settings.KARPEAR_DECODE_MAX_PIXELS,
            max_frame_pixels=settings.KARPEAR_DECODE_MAX_FRAME_PIXELS,
            max_video_seconds=settings.KARPEAR_DECODE_MAX_VIDEO_SECONDS,
            max_video_decoded_mb=settings.KARPEAR_DECODE_MAX_VIDEO_DECODED_MB,
            memory_mb=settings.KARPEAR_DECODE_MEMORY_MB,
            seconds=settings.KARPEAR_DECODE_SECONDS,
        )


class _Decoder:
    """This process's decoder: started lazily, one job at a time, replaced when it fails."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.proc: subprocess.Popen[bytes] | None = None
        self.owner = 0
        self.buffer = b""

    def run(self, kind: str, data: bytes, budget: Budget) -> dict[str, Any]:
        """Send one job; a decoder found dead (killed while idle) is replaced once."""
        with self.lock:
            for attempt in (1, 2):
                proc = self._ensure()
                header = {"kind": kind, "size": len(data), "budget": asdict(budget)}
                try:
                    assert proc.stdin is not None  # Popen(stdin=PIPE)
                    proc.stdin.write(json.dumps(header).encode() + b"\n")
                    proc.stdin.write(data)
                    proc.stdin.flush()
                    line = self._line(time.monotonic() + budget.seconds + _MARGIN_SECONDS)
                except (BrokenPipeError, EOFError):
                    self.stop()
                    if attempt == 2:
                        raise DecodeFailed("crashed", "the decoder stopped") from None
                    continue
                if line is None:
                    self.stop()
                    raise DecodeFailed("timeout", "the decoder did not answer")
                return dict(json.loads(line))
        raise AssertionError("unreachable")  # pragma: no cover

    def _ensure(self) -> subprocess.Popen[bytes]:
        if self.proc is not None and (self.owner != os.getpid() or self.proc.poll() is not None):
            if self.owner == os.getpid():
                self.stop()
            else:  # inherited through a fork: the parent's decoder, not ours to stop; our copies
                # of its pipes are closed so that it still sees its parent go
                for stream in (self.proc.stdin, self.proc.stdout):
                    if stream is not None:
                        stream.close()
            self.proc = None
        if self.proc is None:
            self.buffer = b""
            self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-P", "-m", "karpear.hashes.decoder", str(os.getpid())],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                cwd="/",
                env=_clean_environment(),
            )
            self.owner = os.getpid()
            try:
                started = self._line(time.monotonic() + _START_SECONDS)
            except EOFError:
                started = None
            if started is None:
                self.stop()
                raise DecodeFailed(
                    "no_decoder", "run `python -m karpear.hashes.decoder` to see why it fails"
                )
        return self.proc

    def _line(self, deadline: float) -> bytes | None:
        """One answer line from the decoder; None past the deadline, EOFError if it died."""
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                return None
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                raise EOFError("the decoder exited")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            for stream in (self.proc.stdin, self.proc.stdout):
                if stream is not None:
                    stream.close()
            self.proc = None

    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None


def _clean_environment() -> dict[str, str]:
    """Only what the decoder needs: never DATABASE_URL, keys or any other KARPEAR_* value."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
        "LANG": "C.UTF-8",
        # One thread each: the memory a decode takes must not grow with the host's cores.
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MALLOC_ARENA_MAX": "2",
    }


_decoder = _Decoder()


def decode(kind: str, data: bytes, budget: Budget | None = None) -> dict[str, Any]:
    """Hash an image ("image") or video ("video") in the decoder; DecodeFailed if it cannot."""
    answer = _decoder.run(kind, data, budget or Budget.from_settings())
    if "error" in answer:
        raise DecodeFailed(
            str(answer["error"]), str(answer.get("detail", "")), answer.get("memory_kb")
        )
    return answer


def stop() -> None:
    """Stop this process's decoder (tests; a new one starts on the next decode)."""
    with _decoder.lock:
        _decoder.stop()


def decoder_pid() -> int | None:
    return _decoder.pid()
