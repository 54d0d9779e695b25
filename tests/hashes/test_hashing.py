"""PDQ conformance with the reference data, and images that are not sound (issue #6, 2 and 12)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image

from karpear.hashes.hashing import BadImage, image_hashes

TESTDATA = Path(__file__).resolve().parents[3] / "shared" / "testdata" / "pdq"
MANIFEST = json.loads((TESTDATA / "manifest.json").read_text()) if TESTDATA.exists() else None
needs_testdata = pytest.mark.skipif(MANIFEST is None, reason="../shared/testdata is not here")


@needs_testdata
def test_every_reference_image_hashes_exactly_as_the_reference() -> None:
    assert MANIFEST is not None
    for entry in MANIFEST["images"]:
        hashed = image_hashes((TESTDATA / entry["file"]).read_bytes())
        assert (hashed.pdq, hashed.quality) == (entry["pdq"], entry["quality"]), entry["file"]
        assert (hashed.md5, hashed.sha256) == (entry["md5"], entry["sha256"])


def test_low_quality_hashes_are_not_matchable() -> None:
    flat = io.BytesIO()
    Image.new("RGB", (64, 64), (120, 120, 120)).save(flat, "PNG")
    hashed = image_hashes(flat.getvalue())
    assert hashed.quality < 50 and not hashed.matchable


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"", 400),
        (b"GIF89a not really", 400),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, 400),
        (b"%PDF-1.4 a document", 400),
    ],
)
def test_what_is_not_an_image_gets_a_clear_error(data: bytes, status: int) -> None:
    with pytest.raises(BadImage) as exc:
        image_hashes(data)
    assert exc.value.status == status


def test_a_truncated_image_is_refused() -> None:
    out = io.BytesIO()
    Image.new("RGB", (200, 200), (10, 200, 30)).save(out, "JPEG")
    with pytest.raises(BadImage):
        image_hashes(out.getvalue()[:300])


def test_a_decompression_bomb_is_refused_before_decoding() -> None:
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG")  # 100 MP, a few kB on disk
    with pytest.raises(BadImage) as exc:
        image_hashes(out.getvalue())
    assert exc.value.status == 413
