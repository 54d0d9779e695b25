"""A real headless Chromium (Debian's), driven by Playwright, with axe-core."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: run `make test`, which installs it")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


def _context(browser: Any, javascript: bool) -> Any:
    # bypass_csp only so the test can inject axe-core; the pages themselves
    # never run a script.
    return browser.new_context(
        viewport={"width": 360, "height": 740},
        java_script_enabled=javascript,
        bypass_csp=True,
        locale="km-KH",
    )


def _tab(browser: Any, base: str, javascript: bool) -> Iterator[Any]:
    context = _context(browser, javascript=javascript)
    tab = context.new_page()
    tab.base = base
    yield tab
    context.close()


@pytest.fixture
def page(browser: Any, live_server: Any, acme: Any) -> Iterator[Any]:
    yield from _tab(browser, live_server.url, javascript=True)


@pytest.fixture
def nojs_page(browser: Any, live_server: Any, acme: Any) -> Iterator[Any]:
    yield from _tab(browser, live_server.url, javascript=False)


def click_through(page: Any, selector: str) -> None:
    """Click a link or a submit button, and wait until the page it leads to has loaded.

    click() returns once the next document is committed, before it is parsed: what is read at
    once (content, is_visible, count, evaluate, the text of a half-parsed <main>) may be a part
    of it or nothing."""
    page.click(selector)
    page.wait_for_load_state("load")


def axe_violations(page: Any) -> list[str]:
    # A click that submits a form returns once the next page has started loading; until
    # its document is parsed there is no <head> to add axe to.
    page.wait_for_load_state("load")
    page.add_script_tag(content=AXE.read_text("utf-8"))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG
    )
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in result["violations"]]
