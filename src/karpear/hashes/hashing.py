"""Image and video hashing: PDQ, vPDQ, MD5 and SHA-256 (issue #6, items 1, 2 and 12; issue #15).

PDQ comes from the `pdqhash` package (Meta's reference C++ implementation). The pixels are handed
to it as the reference test data was made: the image's own channels, without colour conversion
(grey and palette images as one channel repeated; CMYK and alpha images by their first three
channels). `tests/hashes/test_hashing.py` proves distance 0 and equal quality on every image of
the shared reference manifest.

Images and videos are decoded only in the decoder process (`sandbox`, `decoder`), within the
budget of the KARPEAR_DECODE_* settings: over budget is a 413, too slow to decode a 422, not an
image or video a 400. MD5 and SHA-256 are taken here, in memory; the bytes are never written to a
named file anywhere.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from karpear.core.errors import ApplicationError
from karpear.hashes import sandbox

QUALITY_MIN = 50  # PDQ: hashes of lower quality are too unreliable to match


class BadImage(ApplicationError):
    code = "bad_image"


class BadVideo(ApplicationError):
    code = "bad_video"


@dataclass(frozen=True)
class ImageHashes:
    pdq: str
    quality: int
    md5: str
    sha256: str

    @property
    def matchable(self) -> bool:
        return self.quality >= QUALITY_MIN


def _refusal(failed: sandbox.DecodeFailed, error: type[ApplicationError]) -> ApplicationError:
    """The API's answer to a decode that did not happen: 413 over budget, 422 too slow."""
    image = error is BadImage
    message: str | Promise
    if failed.code == "too_large":
        message = (
            _("The image is too large to check. Send a smaller copy (fewer pixels).")
            if image
            else _("The video is too large to check. Send a shorter or smaller copy.")
        )
        return error(message, code="too_large", status=413)
    if failed.code in ("timeout", "unmeasurable"):
        message = (
            _("The file took too long to decode, so it was not checked.")
            if failed.code == "timeout"
            else _("We cannot tell how long this video is, so it was not checked.")
        )
        return error(message, code="undecodable", status=422)
    if failed.code == "no_decoder":
        return error(_("This server cannot decode such files."), code="undecodable", status=422)
    message = (
        _("This is not an image we can read, or it is damaged.")
        if image
        else _("This is not a video we can read, or it is damaged.")
    )
    return error(message)


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
    if not data:
        raise BadImage(_("The file is empty."))
    try:
        answer = sandbox.decode("image", data)
    except sandbox.DecodeFailed as failed:
        raise _refusal(failed, BadImage) from failed
    return str(answer["pdq"]), int(answer["quality"])


# --- video ---------------------------------------------------------------------------------------


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


def video_hashes(data: bytes) -> VideoHashes:
    """vPDQ (one frame a second), MD5 and SHA-256 of a video held in memory.

    The decoder reads the bytes from an anonymous memory file (no name on any file system) in a
    process of its own, within the budget (ffprobe checks the headers first).
    """
    from threatexchange.extensions.vpdq.vpdq_util import VpdqCompactFeature, vpdq_to_json

    if not data:
        raise BadVideo(_("The file is empty."))
    try:
        answer = sandbox.decode("video", data)
    except sandbox.DecodeFailed as failed:
        raise _refusal(failed, BadVideo) from failed
    compact = [
        VpdqCompactFeature(str(pdq), int(quality), float(seconds))
        for pdq, quality, seconds in answer["frames"]
    ]
    if not compact:
        raise BadVideo(_("This is not a video we can read, or it is damaged."))
    return VideoHashes(
        frames=vpdq_to_json(compact),
        md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
        sha256=hashlib.sha256(data).hexdigest(),
        matchable=any(f.quality >= VIDEO_QUALITY_MIN for f in compact),
    )
