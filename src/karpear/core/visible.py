"""Make invisible and direction-changing characters visible (issue #16, item 13).

Text from reporters and platforms can hide characters a reader cannot see: bidi overrides
and isolates (U+202A to U+202E, U+2066 to U+2069) that reorder what follows, so an account
name can display as "evil_admin" while being something else; zero-width spaces and
joiners; the BOM; and other Unicode format characters (category Cf). On the desk each is
shown as a visible marker naming its code point, and in a link to copy it is
percent-encoded, so what is copied is what is seen.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Not category Cf but invisible or confusable as blank: line/paragraph separators, the
# Hangul fillers, the braille blank, and the no-break and other odd spaces.
_ALSO_HIDDEN = frozenset(
    "\u2028\u2029\u3164\u115f\u1160\uffa0\u2800\u00a0\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\u034f\u180e"
)


# Zero-width space and (non-)joiners are how Khmer marks word breaks and shapes some clusters,
# and how emoji sequences are joined: between two non-ASCII characters they are ordinary writing.
_JOINERS = frozenset("\u200b\u200c\u200d")


def is_hidden(char: str) -> bool:
    """A character a reader would not see, or that changes the order of what they see."""
    if char in "\n\t":
        return False
    return char in _ALSO_HIDDEN or unicodedata.category(char) in ("Cf", "Cc", "Co", "Cn")


def _ordinary_joiner(value: str, i: int) -> bool:
    return (
        value[i] in _JOINERS
        and 0 < i < len(value) - 1
        and ord(value[i - 1]) > 127
        and ord(value[i + 1]) > 127
        and not is_hidden(value[i - 1])
        and not is_hidden(value[i + 1])
    )


def reveal(text: object, *, strict: bool = False) -> SafeString:
    """HTML-escaped text with each hidden character replaced by a visible ⟦U+XXXX⟧ marker.

    Outside `strict` mode (free text), a zero-width space or joiner inside Khmer or emoji is left
    as written; links and account names are strict: every hidden character is shown."""
    value = "" if text is None else str(text)
    parts: list[str] = []
    for i, char in enumerate(value):
        if is_hidden(char) and (strict or not _ordinary_joiner(value, i)):
            name = unicodedata.name(char, "")
            title = f' title="{escape(name)}"' if name else ""
            parts.append(f'<mark class="hidden-char"{title}>⟦U+{ord(char):04X}⟧</mark>')
        else:
            parts.append(escape(char))
    return mark_safe("".join(parts))  # noqa: S308 - every piece escaped above


def plain_link(url: str) -> str:
    """The link with every hidden character percent-encoded, as a browser would send it."""
    return "".join(quote(c, safe="") if is_hidden(c) else c for c in url)


def has_hidden(text: object) -> bool:
    return any(is_hidden(c) for c in str(text or ""))
