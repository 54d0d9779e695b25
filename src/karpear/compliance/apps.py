from typing import Any

from django.apps import AppConfig
from django.core import checks


class ComplianceConfig(AppConfig):
    name = "karpear.compliance"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        checks.register(check_frameworks)


def check_frameworks(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A broken framework file stops `karpear check` (and the server) with a clear message."""
    from karpear.compliance.frameworks import FrameworkError, frameworks

    try:
        frameworks()
    except FrameworkError as exc:
        return [checks.Error(problem, id="karpear.E101") for problem in exc.problems]
    return []
