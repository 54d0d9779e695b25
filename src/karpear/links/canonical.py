"""URL canonicalisation and lookup expressions after Safe Browsing's "URLs and hashing".

Karpear compares links in two places: grouping reports about the same content
(issue: reporting portal, item 14) and matching against the ISP blocklist
(guidelines 2.6, "adhering to a common list of blacklisted URLs"). Both must
agree on when two spellings of a link are the same page, so both use this one
module. The rules and test cases are those of the public specification
(developers.google.com/safe-browsing/v4/urls-hashing); ../shared/testdata/url
holds them and tests/links checks every case.

Nothing here ever fetches a URL: it works on text only.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass

MAX_URL_LENGTH = 2048
_HEX = b"0123456789abcdefABCDEF"
_ESCAPE_RE = re.compile(rb"%([0-9A-Fa-f]{2})")
_SCHEME_RE = re.compile(rb"^([A-Za-z][A-Za-z0-9+.-]*)://")
_ALLOWED_SCHEMES = {b"http", b"https"}


class MalformedURL(ValueError):
    """The text cannot be read as a web link; `reason` says why in plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CanonicalURL:
    scheme: str
    host: str  # canonical, escaped
    path: str  # canonical, escaped, starts with "/"
    query: str | None  # escaped, without "?"; None when the URL had no "?"

    @property
    def is_ip(self) -> bool:
        return _parse_ipv4(self.host) is not None

    def __str__(self) -> str:
        query = "" if self.query is None else "?" + self.query
        return f"{self.scheme}://{self.host}{self.path}{query}"


def _unescape_once(data: bytes) -> bytes:
    return _ESCAPE_RE.sub(lambda m: bytes([int(m.group(1), 16)]), data)


def _unescape_fully(data: bytes) -> bytes:
    # Repeat until stable: "%2525" -> "%25" -> "%". Bounded by length, since
    # each pass that changes anything makes the string shorter.
    while True:
        nxt = _unescape_once(data)
        if nxt == data:
            return data
        data = nxt


def _escape(data: bytes) -> str:
    out = []
    for byte in data:
        if byte <= 0x20 or byte >= 0x7F or byte in (0x23, 0x25):  # space/ctl, '#', '%'
            out.append(f"%{byte:02X}")
        else:
            out.append(chr(byte))
    return "".join(out)


def _parse_ipv4(host: str) -> str | None:
    """inet_aton-style parsing: 1 to 4 parts, decimal, octal (0..) or hex (0x..)."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values: list[int] = []
    for part in parts:
        if part == "":
            return None
        try:
            if part.lower().startswith("0x"):
                value = int(part[2:] or "0", 16)
            elif len(part) > 1 and part.startswith("0"):
                value = int(part, 8)
            else:
                value = int(part, 10)
        except ValueError:
            return None
        values.append(value)
    # The last part fills all remaining bytes.
    head, last = values[:-1], values[-1]
    if any(v > 255 for v in head) or last >= 256 ** (4 - len(head)):
        return None
    number = 0
    for v in head:
        number = number * 256 + v
    number = number * 256 ** (4 - len(head)) + last
    return str(ipaddress.IPv4Address(number))


def _canonical_host(raw: bytes) -> str:
    host = _unescape_fully(raw)
    host = host.strip(b".")
    host = re.sub(rb"\.{2,}", b".", host)
    host = host.lower()
    text: str | None
    try:
        text = host.decode("ascii")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        ip = _parse_ipv4(text)
        if ip is not None:
            return ip
        return _escape(host)
    # A non-ASCII name typed as Unicode (for instance Khmer): browsers send
    # it as punycode, so compare it that way. Bytes that are not UTF-8 are
    # escaped as the specification does.
    try:
        return host.decode("utf-8").encode("idna").decode("ascii").lower()
    except (UnicodeError, ValueError):
        return _escape(host)


def _canonical_path(raw: bytes) -> bytes:
    path = _unescape_fully(raw)
    segments: list[bytes] = []
    for segment in path.split(b"/"):
        if segment == b"..":
            if segments:
                segments.pop()
        elif segment not in (b".", b""):
            segments.append(segment)
    trailing = path.endswith(b"/") or path.endswith(b"/.") or path.endswith(b"/..")
    result = b"/" + b"/".join(segments)
    if trailing and segments:
        result += b"/"
    return result


def canonicalize(url: str | bytes) -> CanonicalURL:
    """Return the canonical form of `url` or raise MalformedURL."""
    data = url.encode("utf-8") if isinstance(url, str) else bytes(url)
    if len(data) > MAX_URL_LENGTH:
        raise MalformedURL("too long")
    data = data.replace(b"\t", b"").replace(b"\r", b"").replace(b"\n", b"")
    data = data.strip(b" \x0b\x0c")
    if not data:
        raise MalformedURL("empty")
    data = data.split(b"#", 1)[0]
    match = _SCHEME_RE.match(data)
    if match:
        scheme = match.group(1).lower()
        rest = data[match.end() :]
    elif re.match(rb"^[A-Za-z][A-Za-z0-9+.-]*:(?!\d)", data) and not data.lower().startswith(
        b"localhost:"
    ):
        # "javascript:…", "mailto:…", "data:…": not a web link.
        raise MalformedURL("not a web link")
    else:
        scheme, rest = b"http", data
    if scheme not in _ALLOWED_SCHEMES:
        raise MalformedURL("not a web link")
    query: bytes | None = None
    if b"?" in rest:
        rest, query = rest.split(b"?", 1)
    if b"/" in rest:
        authority, path = rest.split(b"/", 1)
        path = b"/" + path
    else:
        authority, path = rest, b"/"
    authority = authority.rsplit(b"@", 1)[-1]  # drop user:password@
    if authority.startswith(b"["):
        raise MalformedURL("IPv6 addresses are not supported")
    host_raw = re.sub(rb":\d*$", b"", authority)
    host = _canonical_host(host_raw)
    if not host:
        raise MalformedURL("no site name")
    canonical_query = None if query is None else _escape(_unescape_fully(query))
    return CanonicalURL(
        scheme=scheme.decode("ascii"),
        host=host,
        path=_escape(_canonical_path(path)),
        query=canonical_query,
    )


def canonical_string(url: str | bytes) -> str:
    return str(canonicalize(url))


def canonical_key(canonical: str) -> str:
    """SHA-256 (hex) of a link's canonical form: how reports, notices and the case search name
    the same content (a case's group key is "url:" + this)."""
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _host_suffixes(canonical: CanonicalURL) -> list[str]:
    if canonical.is_ip:
        return [canonical.host]
    labels = canonical.host.split(".")
    hosts = [canonical.host]
    # The last five components, then drop leading ones; never the bare TLD.
    for start in range(max(len(labels) - 5, 1), len(labels) - 1):
        candidate = ".".join(labels[start:])
        if candidate not in hosts:
            hosts.append(candidate)
    return hosts[:5]


def _path_prefixes(canonical: CanonicalURL) -> list[str]:
    paths: list[str] = []
    if canonical.query is not None:
        paths.append(f"{canonical.path}?{canonical.query}")
    paths.append(canonical.path)
    # Root, then up to three leading directories, each with a trailing slash.
    directories = [c for c in canonical.path.split("/") if c][:-1]
    prefix = "/"
    prefixes = [prefix]
    for component in directories[:3]:
        prefix = f"{prefix}{component}/"
        prefixes.append(prefix)
    paths.extend(p for p in prefixes if p not in paths)
    return paths[:6]


def lookup_expressions(url: str | bytes | CanonicalURL) -> list[str]:
    """Every host-suffix/path-prefix expression a canonical URL is looked up under."""
    canonical = url if isinstance(url, CanonicalURL) else canonicalize(url)
    return [host + path for host in _host_suffixes(canonical) for path in _path_prefixes(canonical)]


def canonicalize_site(url: str | bytes) -> CanonicalURL:
    """Canonicalise a link a person or a source typed; also refuse hosts that are no site.

    Every place that accepts a link from outside (report form, notices, blocklist
    files) needs both checks, with one reason for the person to read.
    """
    canonical = canonicalize(url)
    if not is_plausible_site(canonical):
        raise MalformedURL("no site name")
    return canonical


def is_plausible_site(canonical: CanonicalURL) -> bool:
    """True when the host looks like a public site name or address.

    Used by the reporting form to catch typing mistakes ("facebook" alone);
    the check is about shape only, never a lookup.
    """
    if canonical.is_ip:
        return True
    labels = canonical.host.split(".")
    return len(labels) >= 2 and all(labels) and bool(re.fullmatch(r"[a-z0-9-]{2,63}", labels[-1]))
