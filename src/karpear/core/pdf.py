"""PDF output shared by every app: WeasyPrint with a fetcher that refuses every URL.

The PDF is drawn from the same template as the page, with Debian's Khmer OS fonts named in the CSS
so Khmer script (stacked consonants included) renders. A document must never make the server fetch
a link someone typed into it, so the URL fetcher refuses everything.

`public_pdf` is for pages anyone may open (transparency report, sector summary, lesson sheets):
drawing a PDF costs about a second of CPU, so each client is rate-limited and a process keeps the
last few PDFs it drew, keyed by the exact HTML, so the same document asked again is not drawn again.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from karpear.core.ratelimit import enforce

CSS_PATH = Path(__file__).resolve().parent.parent / "static" / "karpear" / "report.css"

# How many drawn public PDFs a process keeps (each a few hundred KB at most).
_KEEP = 16
_drawn: OrderedDict[str, bytes] = OrderedDict()
_lock = threading.Lock()


class FetchRefused(Exception):
    """The PDF renderer asked for a URL; documents are self-contained, so nothing is fetched."""


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise FetchRefused(url)


def pdf_from_html(html: str) -> bytes:
    """A self-contained HTML page as PDF; any URL in it is refused, never fetched.

    Tagged PDF/UA-1 (issue #22, item 9): a structure tree of headings, paragraphs, lists and
    tables, the document language from `<html lang>` (km or en) and the title shown, so a screen
    reader can read the compliance and transparency reports.
    """
    from weasyprint import HTML  # type: ignore[import-untyped]

    pdf: bytes = HTML(string=html, base_url=None, url_fetcher=_no_fetch).write_pdf(
        pdf_variant="pdf/ua-1"
    )
    return pdf


def public_pdf(
    request: HttpRequest, html: str, *, filename: str, inline: bool = False
) -> HttpResponse:
    """A PDF answer for a public page: rate-limited per client (KARPEAR_RATE_PDF; a refusal is
    the error page with 429 and Retry-After, in the person's language), drawn once per process
    for the same HTML."""
    enforce(request, "public-pdf", settings.KARPEAR_RATE_PDF)
    key = hashlib.sha256(html.encode("utf-8")).hexdigest()
    with _lock:
        pdf = _drawn.get(key)
        if pdf is not None:
            _drawn.move_to_end(key)
    if pdf is None:
        pdf = pdf_from_html(html)
        with _lock:
            _drawn[key] = pdf
            while len(_drawn) > _KEEP:
                _drawn.popitem(last=False)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'{"inline" if inline else "attachment"}; filename="{filename}"'
    )
    return response
