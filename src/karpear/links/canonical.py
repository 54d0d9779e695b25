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
_SCHEME_RE = re.compile(rb"([A-Za-z][A-Za-z0-9+.-]*):")
_ALLOWED_SCHEMES = {b"http", b"https"}
_PORT_RE = re.compile(rb"(:\d*)?")
_PORT_TAIL_RE = re.compile(rb":\d*$")
# A DNS name as browsers send it: letters, digits, "-" and "_" in labels of 1-63, a last
# label of letters (or punycode) of 2-63, at most 253 in all.
_HOST_NAME_RE = re.compile(
    r"(?=.{1,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z0-9-]{2,63}"
)
_HOST_CHARS_RE = re.compile(r"[a-z0-9_.-]+")
_DOTTED_RE = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}")
_PLAIN_RE = re.compile(rb"[\x21\x22\x24\x26-\x7e]*")  # nothing _escape would change
# A link the full rules would leave as it is: lower-case scheme and name whose last label
# starts with a letter (so it is no IPv4 number), optional port, no escapes, backslashes,
# spaces or fragment. The path is checked for "//" and "/." by the caller.
_SIMPLE_RE = re.compile(
    r"(https?)://((?:[a-z0-9_-]+\.)+[a-z][a-z0-9-]*)(?::\d{1,5})?"
    r"(/[^\x00-\x20\x7f%#?\\\\]*)?(?:\?([^\x00-\x20\x7f%#]*))?"
)


class MalformedURL(ValueError):
    """The text cannot be read as a web link; `reason` says why in plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CanonicalURL:
    scheme: str
    host: str  # canonical, escaped; an IPv6 literal keeps its brackets ("[2001:db8::1]")
    path: str  # canonical, escaped, starts with "/"
    query: str | None  # escaped, without "?"; None when the URL had no "?"

    @property
    def is_ip(self) -> bool:
        return is_ip_host(self.host)

    def __str__(self) -> str:
        query = "" if self.query is None else "?" + self.query
        return f"{self.scheme}://{self.host}{self.path}{query}"


def is_ip_host(host: str) -> bool:
    """Whether a canonical host is an address (dotted IPv4 or a bracketed IPv6 literal)."""
    if host.startswith("["):
        return True
    return _DOTTED_RE.fullmatch(host) is not None and all(int(p) < 256 for p in host.split("."))


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
    if _PLAIN_RE.fullmatch(data):
        return data.decode("ascii")
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


def _canonical_ipv6(literal: bytes) -> str:
    """An IPv6 literal as browsers write it: compressed, lower case, in brackets.

    An IPv4-mapped address (::ffff:192.0.2.1, in any spelling) is the IPv4 host itself on a
    dual-stack machine, so it becomes the dotted address: an entry listed under either
    spelling then blocks both. Zone identifiers ("%eth0") are no part of a web address
    (WHATWG URL, IPv6 parser) and are refused.
    """
    try:
        address = ipaddress.IPv6Address(literal.decode("ascii"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedURL("not a valid host name") from exc
    if address.scope_id is not None:
        raise MalformedURL("not a valid host name")
    if address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return f"[{address.compressed}]"


def _canonical_host(host: bytes) -> str:
    """The host of an already unescaped URL (Safe Browsing, "canonicalize the hostname")."""
    host = host.strip(b".")
    if b".." in host:
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


def _canonical_path(path: bytes) -> bytes:
    """Resolve "/./" and "/../", collapse "//" (the path is already unescaped)."""
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


def _split_scheme(data: bytes) -> tuple[bytes, bytes]:
    """(scheme, the rest after it and its slashes), the way a browser reads an http page's link.

    WHATWG URL, "special authority ignore slashes": after "http:" any number of slashes
    (backslashes are slashes by then) lead to the host, so "http:/h", "http:///h" and
    "http:h" all name h. A protocol-relative link ("//h/p") takes the page's scheme: http.
    """
    match = _SCHEME_RE.match(data)
    if match:
        scheme = match.group(1).lower()
        if scheme in _ALLOWED_SCHEMES:
            return scheme, data[match.end() :].lstrip(b"/")
        if not data[match.end() : match.end() + 1].isdigit() and scheme != b"localhost":
            # "javascript:…", "mailto:…", "ftp://…": not a web link. ("host:8080/x" is one.)
            raise MalformedURL("not a web link")
    if data.startswith(b"//"):
        return b"http", data.lstrip(b"/")
    return b"http", data


def _split_host(authority: bytes) -> str:
    authority = authority.rsplit(b"@", 1)[-1]  # drop user:password@
    if authority.startswith(b"["):
        end = authority.find(b"]")
        if end < 0 or not _PORT_RE.fullmatch(authority[end + 1 :]):
            raise MalformedURL("not a valid host name")
        return _canonical_ipv6(authority[1:end])
    port = _PORT_TAIL_RE.search(authority)
    return _canonical_host(authority[: port.start()] if port else authority)


def _canonicalize_bytes(data: bytes) -> CanonicalURL:
    """The full rules, for any input. Numbered as in Safe Browsing's "Canonicalization".

    1. Remove tab, CR and LF; strip surrounding spaces; drop the fragment.
    2. Before the query, a backslash is a slash (a browser reads "http:\\\\h\\p" so).
    3. Percent-unescape the WHOLE URL until nothing is left to unescape, before parsing: a
       URL escaped once as a whole ("http%3A%2F%2Fsite%2Fpage", as some lists and mail
       clients send) is then the page it names, not a host containing "://".
    4. Split scheme, host and path; canonicalise the host (IPv4 forms, IPv6 literals,
       dots, case, punycode) and the path ("/./", "/../", "//"); escape what must be.
    """
    if len(data) > MAX_URL_LENGTH:
        raise MalformedURL("too long")
    data = data.translate(None, b"\t\r\n").strip(b" \x0b\x0c")
    if not data:
        raise MalformedURL("empty")
    data = data.split(b"#", 1)[0]
    head, mark, tail = data.partition(b"?")
    if b"\\" in head:
        data = head.replace(b"\\", b"/") + mark + tail
    if b"%" in data:
        data = _unescape_fully(data)
    scheme, rest = _split_scheme(data)
    cut = len(rest)
    for separator in (b"/", b"?"):
        found = rest.find(separator)
        if 0 <= found < cut:
            cut = found
    authority, rest = rest[:cut], rest[cut:]
    path, mark, query = rest.partition(b"?")
    host = _split_host(authority)
    if not host:
        raise MalformedURL("no site name")
    return CanonicalURL(
        scheme=scheme.decode("ascii"),
        host=host,
        path=_escape(_canonical_path(path)) if path else "/",
        query=_escape(query) if mark else None,
    )


def canonicalize(url: str | bytes) -> CanonicalURL:
    """Return the canonical form of `url` or raise MalformedURL.

    Most links are plain (lower-case http(s), a name, a tidy path, no escapes): one regular
    expression recognises those and returns what the full rules would (tests/links checks
    that both agree); everything else takes the full rules.
    """
    if isinstance(url, str):
        if url.isascii() and len(url) <= MAX_URL_LENGTH:
            match = _SIMPLE_RE.fullmatch(url)
            if match is not None:
                path = match.group(3) or "/"
                if "//" not in path and "/." not in path:
                    return CanonicalURL(match.group(1), match.group(2), path, match.group(4))
        return _canonicalize_bytes(url.encode("utf-8"))
    return _canonicalize_bytes(bytes(url))


def canonical_string(url: str | bytes) -> str:
    return str(canonicalize(url))


def canonical_key(canonical: str) -> str:
    """SHA-256 (hex) of a link's canonical form: how reports, notices and the case search name
    the same content (a case's group key is "url:" + this)."""
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _host_suffixes(host: str) -> list[str]:
    dots = host.count(".")
    if dots < 2 or (not host[-1].isalpha() and is_ip_host(host)):
        return [host]  # "site.example", an address: the host alone
    labels = host.split(".")
    count = dots + 1
    hosts = [host]
    # The last five components, then drop leading ones; never the bare TLD.
    for start in range(max(count - 5, 1), count - 1):
        hosts.append(".".join(labels[start:]))
    return hosts[:5]


def _path_prefixes(path: str, query: str | None) -> list[str]:
    paths = [path] if query is None else [f"{path}?{query}", path]
    if path != "/":
        # Root, then up to three leading directories, each with a trailing slash.
        paths.append("/")
        end = 0
        for _ in range(3):
            end = path.find("/", end + 1)
            if end < 0:
                break
            prefix = path[: end + 1]
            if prefix != path:
                paths.append(prefix)
    return paths[:6]


def lookup_expressions(url: str | bytes | CanonicalURL) -> list[str]:
    """Every host-suffix/path-prefix expression a canonical URL is looked up under.

    What a URL entry therefore blocks (docs/integration-blocklist.md, "What an entry
    blocks"): an entry is one expression, and it matches every URL that has it among these.
    "site.example/" (a home page) matches every page of site.example and of its
    subdomains; "site.example/dir/" every page under /dir/ (up to three directories deep);
    "site.example/a.html" that page with any query. `page_expression` is the way to name one
    page and nothing else.
    """
    canonical = url if isinstance(url, CanonicalURL) else canonicalize(url)
    paths = _path_prefixes(canonical.path, canonical.query)
    return [host + path for host in _host_suffixes(canonical.host) for path in paths]


def page_expression(canonical: CanonicalURL) -> str:
    """The expression of a "this page only" entry: the exact host, path and query.

    Its marker ("=" cannot begin a host) keeps it apart from every Safe Browsing
    expression, so such an entry never matches another page, a subdomain, or the same
    page with another query.
    """
    query = "" if canonical.query is None else "?" + canonical.query
    return f"={canonical.host}{canonical.path}{query}"


def canonicalize_site(url: str | bytes) -> CanonicalURL:
    """Canonicalise a link a person or a source typed; also refuse hosts that are no site.

    Every place that accepts a link from outside (report form, notices, blocklist
    files) needs both checks, with one reason for the person to read. A host that is
    not a host name or address after canonicalisation (spaces, "://", "@" left in it)
    would never match what a browser asks for: refused, never stored.
    """
    canonical = canonicalize(url)
    if not canonical.is_ip and not _HOST_CHARS_RE.fullmatch(canonical.host):
        raise MalformedURL("not a valid host name")
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
    return _HOST_NAME_RE.fullmatch(canonical.host) is not None
