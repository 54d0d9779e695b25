"""Image hashing: PDQ, MD5 and SHA-256 of the bytes (issue #6, items 1, 2 and 12).

PDQ comes from the `pdqhash` package (Meta's reference C++ implementation). The pixels are handed
to it as the reference test data was made: the image's own channels, without colour conversion
(grey and palette images as one channel repeated; CMYK and alpha images by their first three
channels). `tests/hashes/test_hashing.py` proves distance 0 and equal quality on every image of
the shared reference manifest. Bytes are hashed in memory and never written anywhere.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from karpear.core.errors import ApplicationError

QUALITY_MIN = 50  # PDQ: hashes of lower quality are too unreliable to match
MAX_PIXELS = 50_000_000  # larger images are refused as possible decompression bombs


class BadImage(ApplicationError):
    code = "bad_image"


@dataclass(frozen=True)
class ImageHashes:
    pdq: str
    quality: int
    md5: str
    sha256: str

    @property
    def matchable(self) -> bool:
        return self.quality >= QUALITY_MIN


def _pixels(image: Image.Image) -> np.ndarray:
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


def pdq_hex(bits: np.ndarray) -> str:
    return np.packbits(bits.astype(np.uint8)).tobytes().hex()


def image_hashes(data: bytes) -> ImageHashes:
    """Hash an image held in memory; a clear error for anything that is not a sound image."""
    pdq, quality = image_pdq(data)
    return ImageHashes(
        pdq=pdq,
        quality=quality,
        md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def image_pdq(data: bytes) -> tuple[str, int]:
    """An image's PDQ (hex) and quality alone, for callers that hash the bytes themselves."""
    import pdqhash  # type: ignore[import-untyped]

    if not data:
        raise BadImage(_("The file is empty."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                width, height = probe.size
                if width * height > MAX_PIXELS:
                    raise BadImage(_("The image is too large to check."), status=413)
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                bits, quality = pdqhash.compute(_pixels(image))
    except BadImage:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise BadImage(_("This is not an image we can read, or it is damaged.")) from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise BadImage(_("The image is too large to check."), status=413) from exc
    return pdq_hex(bits), int(quality)


# --- video ---------------------------------------------------------------------------------------


class BadVideo(ApplicationError):
    code = "bad_video"


VIDEO_QUALITY_MIN = 50  # vPDQ frames below this are not compared (the library's rule)


def is_video(data: bytes) -> bool:
    """MP4/MOV (ftyp box), WebM/Matroska (EBML) or AVI (RIFF AVI), by their first bytes."""
    return (
        data[4:8] == b"ftyp"
        or data[:4] == b"\x1aE\xdf\xa3"
        or (data[:4] == b"RIFF" and data[8:12] == b"AVI ")
    )


@dataclass(frozen=True)
class VideoHashes:
    frames: str  # threatexchange's vPDQ serialisation: JSON list of "pdq,quality,seconds"
    md5: str
    sha256: str
    matchable: bool  # at least one frame good enough to compare


def _scratch_dir() -> str | None:
    """Where the decoder reads the upload from: memory (/dev/shm) when the host has it."""
    import os

    shm = "/dev/shm"  # noqa: S108 - NamedTemporaryFile: a fresh 0600 file, O_EXCL, deleted after
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None


def video_hashes(data: bytes) -> VideoHashes:
    """vPDQ (one frame a second), MD5 and SHA-256 of a video held in memory.

    The decoder (ffmpeg, through `vpdq`) needs a file: the bytes are written to a private
    temporary file, in memory where possible, and deleted as soon as the frames are hashed.
    """
    import tempfile

    import vpdq  # type: ignore[import-not-found]
    from threatexchange.extensions.vpdq.vpdq_util import VpdqCompactFeature, vpdq_to_json

    if not data:
        raise BadVideo(_("The file is empty."))
    with tempfile.NamedTemporaryFile(prefix="karpear-", dir=_scratch_dir()) as scratch:
        scratch.write(data)
        scratch.flush()
        try:
            features = vpdq.computeHash(scratch.name, seconds_per_hash=1)
        except Exception as exc:  # the decoder's errors are not typed
            raise BadVideo(_("This is not a video we can read, or it is damaged.")) from exc
    if not features:
        raise BadVideo(_("This is not a video we can read, or it is damaged."))
    compact = [VpdqCompactFeature.from_vpdq_feature(f) for f in features]
    return VideoHashes(
        frames=vpdq_to_json(compact),
        md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
        sha256=hashlib.sha256(data).hexdigest(),
        matchable=any(f.quality >= VIDEO_QUALITY_MIN for f in compact),
    )
