from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core import checks


class SafetyConfig(AppConfig):
    name = "karpear.safety"
    label = "safety"
    verbose_name = "Age-appropriate safety settings for the company's apps"

    def ready(self) -> None:
        checks.register(check_catalogue)


def check_catalogue(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A broken catalogue stops the server with every problem named (issue #18, item 8)."""
    from karpear.safety.catalogue import CatalogueError, catalogue

    try:
        catalogue()
    except CatalogueError as exc:
        return [checks.Error(problem, id="karpear.E181") for problem in exc.problems]
    return []
