"""Exposure to abuse content, counted per desk session (issue #16, item 15).

Guidelines 2.6 b ask for well-being support for everyone who handles CSAM. The desk counts,
on the server and without any script, the time a session spends on pages that can show
reported content (the case page, the evidence viewer, search results): the time from opening
such a page to the next desk request, at most `KARPEAR_EXPOSURE_PAGE_MAX_MINUTES` per page so
a page left open over lunch does not count as an hour of viewing. Once the total reaches
`KARPEAR_EXPOSURE_BREAK_MINUTES`, every desk page shows it with a break reminder and a link to
well-being support. A gap of `KARPEAR_BREAK_MINUTES` with no desk request counts as a break and
starts the count again (so does signing in again: a new session).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

EXPOSURE = "karpear_exposure"


@dataclass(frozen=True)
class Exposure:
    minutes: int  # on content pages this session, since the last break
    over: bool  # at or past the threshold: remind on every desk page
    break_minutes: int
    on_content_page: bool  # this page can show content: show the timer


def exposure_tick(request: HttpRequest, *, reveals_content: bool) -> Exposure:
    """Count the time since the previous content page, then open this one (if it is one).

    The count lives in the signed-in session, which only this member's browser holds, so two
    tabs of one analyst share one count, and two analysts never share one.
    """
    now = timezone.now().timestamp()
    state: dict[str, Any] = dict(request.session.get(EXPOSURE) or {})
    seconds = float(state.get("seconds", 0))
    last = state.get("last")
    open_since = state.get("open_since")
    if isinstance(last, int | float) and now - last >= settings.KARPEAR_BREAK_MINUTES * 60:
        seconds = 0.0  # a real break
    elif isinstance(open_since, int | float):
        seconds += min(max(now - open_since, 0.0), settings.KARPEAR_EXPOSURE_PAGE_MAX_MINUTES * 60)
    request.session[EXPOSURE] = {
        "seconds": seconds,
        "last": now,
        "open_since": now if reveals_content else None,
    }
    minutes = int(seconds // 60)
    return Exposure(
        minutes=minutes,
        over=minutes >= settings.KARPEAR_EXPOSURE_BREAK_MINUTES,
        break_minutes=settings.KARPEAR_BREAK_MINUTES,
        on_content_page=reveals_content,
    )
