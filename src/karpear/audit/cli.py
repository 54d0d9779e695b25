"""Command-line changes reach the same audit log as the desk and the admin (issue #15, item 9).

A state-changing management command puts `@cli_audited("create", "revoke")` on its `handle`:
while it runs, entries its services write without a user name "cli:<os user>" instead of
"system", and when it ends one `cli_command` entry records who ran which subcommand with which
options (secrets left out) and whether it succeeded.
"""

from __future__ import annotations

import functools
import getpass
import logging
import os
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from karpear.audit.services import audit_record, default_actor_label
from karpear.orgs.models import Organisation

log = logging.getLogger("karpear.audit")

_Handle = TypeVar("_Handle", bound=Callable[..., Any])

# Django's own options, and any option whose name suggests a secret, are never recorded.
_IGNORED = {
    "verbosity",
    "settings",
    "pythonpath",
    "traceback",
    "no_color",
    "force_color",
    "skip_checks",
    "stdout",
    "stderr",
}
_SECRET_WORDS = ("secret", "password", "token", "key", "credential")


def cli_actor_label() -> str:
    """Who is at the console, as "cli:<os user>" (SUDO_USER first: `sudo -u karpear` names them)."""
    user = os.environ.get("SUDO_USER", "")
    if not user:
        try:
            user = getpass.getuser()
        except (KeyError, OSError):  # no passwd entry (some containers)
            user = f"uid {os.getuid()}"
    return f"cli:{user}"[:150]


def _subcommand(options: dict[str, Any]) -> str:
    action = str(options.get("action") or "")
    nested = options.get(f"{action.replace('-', '_')}_action")
    return f"{action} {nested}".strip() if nested else action


def _recorded_options(options: dict[str, Any]) -> dict[str, str]:
    return {
        name: str(value)[:200]
        for name, value in sorted(options.items())
        if name not in _IGNORED
        and value not in (None, "", False)
        and not any(word in name for word in _SECRET_WORDS)
        and not name.endswith("action")
    }


def _organisation(options: dict[str, Any]) -> Organisation | None:
    """The organisation a command acted for: its --org, or the default one as the command
    itself resolves it (orgs.services.organisation_for_command); None for deployment-wide ones."""
    if "org" not in options:
        return None
    slug = options.get("org")
    query = (
        Organisation.objects.filter(slug=slug)
        if slug
        else Organisation.objects.filter(is_default=True)
    )
    return query.first()


def _record(command: BaseCommand, options: dict[str, Any], label: str, outcome: str) -> None:
    name = command.__module__.rsplit(".", 1)[-1]
    audit_record(
        action="cli_command",
        organisation=_organisation(options),
        actor_label=label,
        object_type="command",
        object_id=f"{name} {_subcommand(options)}".strip()[:64],
        detail={"outcome": outcome, "options": _recorded_options(options)},
    )


def cli_audited(*changing: str) -> Callable[[_Handle], _Handle]:
    """Audit a command's `handle` when it runs one of the `changing` subcommands (all if none
    are named). A dry run (`--dry-run`) changes nothing and is not recorded."""

    def decorate(handle: _Handle) -> _Handle:
        @functools.wraps(handle)
        def wrapper(command: BaseCommand, *args: Any, **options: Any) -> Any:
            subcommand = _subcommand(options)
            if (changing and subcommand not in changing) or options.get("dry_run"):
                return handle(command, *args, **options)
            label = cli_actor_label()
            token = default_actor_label.set(label)
            try:
                result = handle(command, *args, **options)
            except BaseException:
                default_actor_label.reset(token)
                try:  # the attempt is recorded too, unless the database is what failed
                    _record(command, options, label, "failed")
                except DatabaseError:
                    log.exception("could not audit the failed command")
                raise
            default_actor_label.reset(token)
            _record(command, options, label, "done")
            return result

        wrapper.audited = True  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
