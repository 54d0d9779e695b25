"""`karpear demo`: a demo company, its staff and sample data, seeded by the apps themselves.

Each app's `demo` module registers its steps (core/demo.py); this command runs them in order
in one transaction, so adding a capability never edits core (issue #23, item 7).
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import autodiscover_modules

from karpear.core.demo import DemoContext, demo_steps

DEMO_PASSWORD = "karpear-demo-password"  # noqa: S105 - demo data only, printed to the operator


class Command(BaseCommand):
    help = "Seed a demo company, an administrator and sample reports; print how to log in."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when an organisation already exists.",
        )
        # Issue #23, item 9: the printed addresses and the platform webhook follow where things
        # really run (`make run PORT=… PLATFORM_PORT=…`), not a fixed 8000 / 8001.
        parser.add_argument(
            "--url",
            default=os.environ.get("KARPEAR_DEMO_URL")
            or f"http://127.0.0.1:{os.environ.get('PORT') or 8000}",
            help="Where Karpear is served (default: http://127.0.0.1:$PORT, 8000).",
        )
        parser.add_argument(
            "--platform-url",
            default=os.environ.get("KARPEAR_DEMO_PLATFORM_URL")
            or f"http://127.0.0.1:{os.environ.get('PLATFORM_PORT') or 8001}",
            help="The reference platform's address (default: http://127.0.0.1:$PLATFORM_PORT).",
        )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            # Demo users have a published password (issue #15, item 10).
            raise CommandError("karpear demo does not run in production (KARPEAR_ENV=production).")
        autodiscover_modules("demo")
        context = DemoContext(
            url=str(options["url"]).rstrip("/"),
            platform_url=str(options["platform_url"]).rstrip("/"),
            if_empty=bool(options["if_empty"]),
            write=self.stdout.write,
            success=self.style.SUCCESS,
        )
        context.shared["password"] = DEMO_PASSWORD
        for step in demo_steps():
            step.run(context)
            if context.stop:
                return
