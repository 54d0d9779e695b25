"""The demo's registry (issue #23, item 7): each app seeds its own demo data.

`karpear demo` imports every installed app's `demo` module (Django's autodiscovery, as the
admin does), which registers its steps here; the command runs them in order. Core names no
capability app, so adding one never edits core.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class DemoContext:
    """What the steps share. `create` is False when the demo already exists (`--if-empty`
    on a second `make run`): steps then only refresh links and print how to sign in."""

    url: str  # where Karpear is served, e.g. http://127.0.0.1:8000
    platform_url: str  # where the reference platform runs
    if_empty: bool
    write: Callable[[str], None]
    success: Callable[[str], str] = str
    create: bool = True
    stop: bool = False  # set by a step when nothing more should run
    organisation: Any = None
    shared: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoStep:
    name: str
    order: int  # lower runs first: the organisation (0), then what needs it
    run: Callable[[DemoContext], None]


_STEPS: dict[str, DemoStep] = {}


def register_demo(*, name: str, order: int, run: Callable[[DemoContext], None]) -> None:
    _STEPS[name] = DemoStep(name, order, run)


def demo_steps() -> list[DemoStep]:
    return sorted(_STEPS.values(), key=lambda step: (step.order, step.name))
