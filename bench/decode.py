"""Memory and time of worst-case uploads within the decoding budget (issue #15, item 6).

Two worker processes (Django set up, as gunicorn's sync workers are) hash at the same time the
largest upload the budget allows: an image of KARPEAR_DECODE_MAX_PIXELS, and a video of
KARPEAR_DECODE_MAX_VIDEO_SECONDS with frames of KARPEAR_DECODE_MAX_FRAME_PIXELS at the frame rate
that KARPEAR_DECODE_MAX_VIDEO_DECODED_MB allows. Each worker reports its own peak resident memory,
its decoder's, and the peak of the child that decoded (the decoder's and the child's added:
shared pages count twice, so the sum is an upper bound). The reference is the documented bound
(docs/operations.md, "Decoding budget"): decoding adds at most DECODER_MB + KARPEAR_DECODE_MEMORY_MB
to a worker.

BENCH_DECODE_VIDEO_SECONDS shortens the video (its encoding takes a while on a small machine).
The decodes run with a time budget of BENCH_DECODE_SECONDS (default 120 s) so that each reaches
its peak on a busy machine: the production limit (KARPEAR_DECODE_SECONDS) can only stop a decode
earlier, and so lower its peak.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Documented in docs/operations.md: the decoder (55 MB idle, plus the upload it is handed).
DECODER_MB = 100


def _status_kb(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    return 0


def _worker(kind: str, path: str) -> None:
    """One upload in this process, as a web worker handles it; prints JSON figures."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "karpear.settings")
    django.setup()
    from karpear.hashes import sandbox

    data = Path(path).read_bytes()
    t0 = time.perf_counter()
    try:
        answer = sandbox.decode(kind, data)
        outcome = "hashed"
    except sandbox.DecodeFailed as failed:
        answer = {"memory_kb": failed.memory_kb}
        outcome = failed.code
    seconds = time.perf_counter() - t0
    memory = answer.get("memory_kb", {})
    print(
        json.dumps(
            {
                "outcome": outcome,
                "seconds": seconds,
                "worker_kb": _status_kb("VmHWM"),
                "decoder_kb": memory.get("decoder", 0),
                "job_kb": memory.get("job", 0),
            }
        )
    )


def _largest_image(pixels: int, out: Path) -> Path:
    from PIL import Image

    side = math.isqrt(pixels)
    picture = Image.effect_mandelbrot((side, side), (-2.0, -1.5, 1.0, 1.5), 80).convert("RGB")
    picture.save(out, "JPEG", quality=75)
    return out


def _longest_video(budget: Any, out: Path) -> tuple[Path, str]:
    seconds = int(os.environ.get("BENCH_DECODE_VIDEO_SECONDS", budget.max_video_seconds))
    width = 3840 if budget.max_frame_pixels >= 3840 * 2160 else 1920
    height = budget.max_frame_pixels // width // 2 * 2
    frame_bytes = width * height * 1.5
    rate = max(1, int(budget.max_video_decoded_mb * 2**20 / (frame_bytes * seconds)))
    subprocess.run(
        [
            "ffmpeg", "-v", "error", "-y", "-f", "lavfi",
            "-i", f"testsrc2=size={width}x{height}:rate={rate}", "-t", str(seconds),
            "-c:v", "libx264", "-preset", "ultrafast", "-crf", "51", "-pix_fmt", "yuv420p",
            str(out),
        ],
        check=True,
    )  # fmt: skip
    return out, f"{seconds}s of {width}x{height} at {rate} fps"


def _pair(jobs: list[tuple[str, Path]], env: dict[str, str]) -> list[dict[str, Any]]:
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "worker", kind, str(path)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for kind, path in jobs
    ]
    return [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "karpear.settings")
    django.setup()
    from karpear.hashes.sandbox import Budget

    budget = Budget.from_settings()
    limit = DECODER_MB + budget.memory_mb
    with tempfile.TemporaryDirectory(prefix="karpear-bench-decode-") as work:
        image = _largest_image(budget.max_pixels, Path(work) / "largest.jpg")
        video, described = _longest_video(budget, Path(work) / "longest.mp4")
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
            "KARPEAR_DATA_DIR": work,
            "KARPEAR_DECODE_SECONDS": os.environ.get("BENCH_DECODE_SECONDS", "120"),
        }
        print(
            f"decode: two uploads at once, each in its own worker; budget {budget.memory_mb} MB "
            f"a decode (image {image.stat().st_size / 2**20:.1f} MB, "
            f"video {video.stat().st_size / 2**20:.1f} MB: {described})"
        )
        scenarios = [
            (f"2 largest images ({budget.max_pixels / 1e6:.0f} MP)", [("image", image)] * 2),
            ("2 longest videos", [("video", video)] * 2),
            ("largest image + longest video", [("image", image), ("video", video)]),
        ]
        for name, jobs in scenarios:
            results = _pair(jobs, env)
            added = max(r["decoder_kb"] + r["job_kb"] for r in results) / 1024
            worst = max(r["worker_kb"] + r["decoder_kb"] + r["job_kb"] for r in results) / 1024
            parts = "; ".join(
                f"{r['outcome']} in {r['seconds']:.1f}s, worker {r['worker_kb'] / 1024:.0f} + "
                f"decoder {r['decoder_kb'] / 1024:.0f} + decode {r['job_kb'] / 1024:.0f} MB"
                for r in results
            )
            verdict = "within" if added <= limit else "OVER"
            print(
                f"  {name}: peak per worker {worst:.0f} MB, of which decoding {added:.0f} MB "
                f"({parts}) (reference: decoding {verdict} the documented {limit} MB a worker)",
                flush=True,
            )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    if sys.argv[1:2] == ["worker"]:
        _worker(sys.argv[2], sys.argv[3])
    else:
        main()
