"""What a file is, decided from its bytes, never from what the sender declared.

Only the raster formats every browser decodes safely are ever shown inline;
SVG (which can carry script), HTML and everything else is a download.
"""

from __future__ import annotations

RASTER_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


def raster_image_type(data: bytes) -> str | None:
    """The MIME type of a JPEG, PNG, GIF or WebP picture by its magic number, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if len(data) >= 12 and data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "image/webp"
    return None
