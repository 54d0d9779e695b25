"""Take it down (issue #22, item 7): hashing a 12-megapixel phone photo in Chromium, beside the
server's hashing of the same file (hashes.hashing.image_hashes: the decoder sandbox, pdqhash)."""

from __future__ import annotations

import base64
import io
import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PDQ_JS = ROOT / "src" / "karpear" / "static" / "karpear" / "pdq.js"
SOURCE = ROOT.parent.parent / "shared" / "testdata" / "pdq" / "images" / "aaa-orig.jpg"
RUNS = 3


def _photo(orientation: int) -> bytes:
    """A 4000 x 3000 JPEG (12 MP) made from a test image, with phone-like noise and EXIF."""
    import numpy as np
    from PIL import Image

    base = Image.open(SOURCE).convert("RGB").resize((4000, 3000), Image.Resampling.BICUBIC)
    noise = np.random.default_rng(22).integers(-6, 7, (3000, 4000, 3))
    pixels = np.clip(np.asarray(base, dtype=np.int16) + noise, 0, 255).astype(np.uint8)
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def _browser_seconds(photo: bytes) -> list[float]:
    from playwright.sync_api import sync_playwright
    from tests.browser.conftest import ARGS, CHROMIUM

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.set_content("<!doctype html><title>bench</title>")
        page.add_script_tag(content=PDQ_JS.read_text("utf-8"))
        page.evaluate(
            "(data) => { window.photo = new Blob("
            "[Uint8Array.from(atob(data), c => c.charCodeAt(0))]); }",
            base64.b64encode(photo).decode(),
        )
        seconds = [
            page.evaluate(
                "async () => { const t = performance.now();"
                " await karpearHashing.hashFile(window.photo);"
                " return (performance.now() - t) / 1000; }"
            )
            for _ in range(RUNS)
        ]
        browser.close()
    return seconds


def _server_seconds(photo: bytes) -> list[float]:
    from karpear.hashes.hashing import image_hashes

    image_hashes(photo)  # the decoder process starts once per worker: not part of a request
    seconds = []
    for _ in range(RUNS):
        started = time.perf_counter()
        image_hashes(photo)
        seconds.append(time.perf_counter() - started)
    return seconds


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "karpear.settings")
    django.setup()
    for orientation, what in ((1, "upright"), (6, "tagged 'rotate 90°': stored + displayed")):
        photo = _photo(orientation)
        browser = statistics.median(_browser_seconds(photo))
        server = statistics.median(_server_seconds(photo))
        print(
            f"take-it-down: 12 MP JPEG ({len(photo) / 2**20:.1f} MB, {what}), median of {RUNS}: "
            f"Chromium PDQ+MD5 {browser:.2f} s; server image_hashes (decoder sandbox, "
            f"reference) {server:.2f} s"
        )


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(ROOT))
    main()
