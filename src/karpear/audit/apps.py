from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "karpear.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        """Django's own account commands reach the log too (issue #15, item 9): creating a
        superuser hands out every power, so who did it from which console must be recorded.
        Their modules are wrapped in place because django.contrib.auth, listed first in
        INSTALLED_APPS, owns the command names."""
        from django.contrib.auth.management.commands import changepassword, createsuperuser

        from karpear.audit import jobs
        from karpear.audit.cli import cli_audited

        jobs.register()  # the worker's checkpoint job (core/jobs.py, issue #23 item 7)

        for module in (createsuperuser, changepassword):
            if not getattr(module.Command.handle, "audited", False):
                module.Command.handle = cli_audited()(module.Command.handle)
