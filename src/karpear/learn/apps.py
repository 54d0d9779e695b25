from typing import Any

from django.apps import AppConfig
from django.core import checks


class LearnConfig(AppConfig):
    name = "karpear.learn"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        checks.register(check_content)


def check_content(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Broken lesson files stop `karpear check` (and the server) with a message naming them."""
    from karpear.learn.content import ContentError, content

    try:
        content()
    except ContentError as exc:
        return [checks.Error(problem, id="karpear.E191") for problem in exc.problems]
    return []
