"""`karpear-squid-helper`: a Squid external ACL helper that answers from the compiled list.

Protocol (Squid 5, external_acl_type with `%>ru` and `concurrency=N`): one
request per line, `<channel-id> <url-escaped URL> [extra fields]`; the answer
repeats the channel: `<id> OK message=<source>` when listed (the splash page
shows the source with %o), `<id> ERR` otherwise. Without concurrency the
channel is absent. Squid appends `-` when the ACL has no arguments: ignored.

The list file is re-read when it changes (checked at most once a second), so a
`karpear blocklist pull` reaches the proxy without restarting Squid. Anything
that cannot be read as a URL is answered ERR (not listed): a malformed request
can never block a page that is not on the list, nor crash the helper.

Without a list the helper has no answer, so it never gives one (issue #15, item 8):
it refuses to start without a valid, checksummed list (exit status 2 and the reason
on stderr, which Squid writes to cache.log); a file later replaced by a damaged or
missing one leaves the last good list in memory; and a lookup that fails for any
other reason is answered `BH` (helper broken, Squid's word for "no verdict"), never
ERR, which would let a listed page through.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from typing import TextIO
from urllib.parse import quote

from karpear.blocklist.matcher import Matcher
from karpear.links.canonical import MalformedURL


def answer(matcher: Matcher, line: str, channels: bool | None) -> str:
    fields = line.split()
    channel = ""
    if fields and (channels or (channels is None and len(fields) > 1 and fields[0].isdigit())):
        channel = fields.pop(0) + " "
    url = fields[0] if fields else ""
    if not url or url == "-":
        return f"{channel}ERR"
    try:
        hit = matcher.lookup(url)
    except MalformedURL:
        return f"{channel}ERR"
    except Exception as exc:  # no verdict beats a wrong "not listed"
        print(f"karpear-squid-helper: lookup failed: {exc!r}", file=sys.stderr)
        return f"{channel}BH message=lookup%20failed"
    if hit is None:
        return f"{channel}ERR"
    return f"{channel}OK message={quote(hit.source.code, safe='')}"


def serve(matcher: Matcher, stdin: TextIO, stdout: TextIO, channels: bool | None) -> None:
    checked = time.monotonic()
    for line in stdin:
        now = time.monotonic()
        if now - checked >= 1.0:
            checked = now
            try:
                matcher.refresh()
            except (OSError, ValueError) as exc:  # keep answering from the last good list
                print(f"karpear-squid-helper: keeping the last list: {exc}", file=sys.stderr)
        stdout.write(answer(matcher, line, channels) + "\n")
        stdout.flush()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--list", required=True, help="compiled list (var/blocklist/ORG.kbl)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--channels", dest="channels", action="store_true", default=None)
    group.add_argument("--no-channels", dest="channels", action="store_false")
    args = parser.parse_args(argv)
    try:
        matcher = Matcher(args.list)
    except (OSError, ValueError) as exc:
        print(
            f"karpear-squid-helper: refusing to start without a valid list: {exc}. "
            "Write one with 'karpear blocklist compile' and check that Squid's user can read it.",
            file=sys.stderr,
        )
        sys.exit(2)
    with contextlib.suppress(KeyboardInterrupt):
        serve(matcher, sys.stdin, sys.stdout, args.channels)


if __name__ == "__main__":
    main()
