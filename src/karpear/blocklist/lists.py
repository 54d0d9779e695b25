"""Reading sources' list files line by line (issue #7, item 3). Pure functions, no database.

Accepted: a plain list (one URL per line; the release's reference given for the
whole file) or CSV with a header naming at least `url`, optionally `reference`,
`confirmed` (YYYY-MM-DD) and `type` (`url`, `page` or `domain`). Every line is checked
on its own: a bad line is reported with its number and the reason, and never
stops the others. Nothing here fetches anything; URLs are text.

What each type blocks (docs/integration-blocklist.md, "What an entry blocks"):
`url` is a Safe Browsing expression, so the entry for a home page blocks the whole host and
its subdomains, and a directory blocks what is under it; `page` blocks that one page (host,
path and query exactly) and nothing else; `domain` blocks the domain and its subdomains,
also at the DNS resolver.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

from karpear.blocklist.matcher import page_digest_hex, url_digest_hex
from karpear.links.canonical import MalformedURL, canonicalize, canonicalize_site

MAX_LINE = 4096
_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")


@dataclass(frozen=True)
class Row:
    kind: str  # "url" | "domain"
    value: str  # hex SHA-256 of the canonical expression, or the domain
    # canonical URL (url; "=" before it for a "this page only" entry) or domain, kept
    # encrypted at the list holder
    canonical: str
    reference: str
    confirmed_on: date


@dataclass
class Parsed:
    rows: list[Row] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    duplicates: int = 0


def row_for(kind: str, text: str, reference: str, confirmed_on: date) -> Row:
    """One entry from what a person or a file gave; raises ValueError with the reason."""
    reference = reference.strip()
    if not reference:
        raise ValueError("no reference from the source")
    if len(reference) > 200:
        raise ValueError("reference longer than 200 characters")
    text = text.strip()
    if kind == "domain":
        try:
            canonical = canonicalize(text if "://" in text else f"http://{text}")
        except MalformedURL as exc:
            raise ValueError(f"not a domain: {exc.reason}") from exc
        if canonical.path != "/" or canonical.query is not None:
            raise ValueError("a whole-site entry must be a domain name without a path")
        if not canonical.is_ip and not _DOMAIN_RE.match(canonical.host):
            raise ValueError("not a domain name")
        return Row("domain", canonical.host, canonical.host, reference, confirmed_on)
    if kind not in ("url", "page"):
        raise ValueError(f"unknown type {kind!r} (use url, page or domain)")
    try:
        canonical = canonicalize_site(text)
    except MalformedURL as exc:
        raise ValueError(f"not a URL: {exc.reason}") from exc
    if kind == "page":
        # Published and enforced as a url entry: only its digest differs, so a subscriber
        # running an older Karpear simply never matches it rather than misreading it.
        return Row("url", page_digest_hex(canonical), f"={canonical}", reference, confirmed_on)
    return Row("url", url_digest_hex(canonical), str(canonical), reference, confirmed_on)


def _lines(data: bytes) -> list[tuple[int, str | None]]:
    """Split into numbered lines; a line that is not UTF-8 comes back as None."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    out: list[tuple[int, str | None]] = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            out.append((number, raw.rstrip(b"\r").decode("utf-8")))
        except UnicodeDecodeError:
            out.append((number, None))
    return out


def _date(text: str, default: date) -> date:
    if not text.strip():
        return default
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValueError(f"confirmed date {text!r} is not YYYY-MM-DD") from exc


def parse_list(
    data: bytes,
    *,
    reference: str = "",
    confirmed_on: date,
    kind: str = "url",
) -> Parsed:
    """Parse a source's file. CSV when the first line names a `url` column, else plain."""
    parsed = Parsed()
    lines = _lines(data)
    first = next((text for _, text in lines if text and text.strip()), "") or ""
    is_csv = "url" in [c.strip().lower() for c in next(csv.reader([first]), [])]
    seen: set[tuple[str, str]] = set()
    header: list[str] | None = None
    for number, text in lines:
        if text is None:
            parsed.errors.append((number, "not UTF-8 text"))
            continue
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        if len(text) > MAX_LINE:
            parsed.errors.append((number, f"longer than {MAX_LINE} characters"))
            continue
        try:
            if is_csv:
                cells = next(csv.reader(io.StringIO(text)))
                if header is None:
                    header = [c.strip().lower() for c in cells]
                    continue
                record = dict(zip(header, cells, strict=False))
                row = row_for(
                    (record.get("type") or kind).strip().lower(),
                    record.get("url", ""),
                    record.get("reference") or reference,
                    _date(record.get("confirmed", ""), confirmed_on),
                )
            else:
                row = row_for(kind, text, reference, confirmed_on)
        except (ValueError, csv.Error) as exc:
            parsed.errors.append((number, str(exc)))
            continue
        key = (row.kind, row.value)
        if key in seen:
            parsed.duplicates += 1
            continue
        seen.add(key)
        parsed.rows.append(row)
    return parsed
