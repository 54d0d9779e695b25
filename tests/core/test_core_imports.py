"""Core imports no capability app (issue #23, item 7): apps register their worker jobs, demo
data and labels with core (core/jobs.py, core/demo.py, core/labels.py), never the reverse."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "src" / "karpear" / "core"
# The deployment-wide Django admin (core/admin.py) audits every change and signs staff in
# through the desk's session epoch: the audit log, organisations and staff are the platform
# every app stands on, not capabilities. Nothing else outside core may be imported.
FOUNDATION = {"karpear.audit", "karpear.orgs", "karpear.staff"}
ALLOWED_FOUNDATION_USERS = {"admin.py"}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("karpear.")}


def test_core_imports_no_capability_app() -> None:
    offending = {}
    for path in sorted(CORE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        outside = {
            name
            for name in _imports(path)
            if not name.startswith("karpear.core")
            and not (
                path.name in ALLOWED_FOUNDATION_USERS
                and any(name.startswith(app) for app in FOUNDATION)
            )
        }
        if outside:
            offending[str(path.relative_to(CORE))] = sorted(outside)
    assert offending == {}


def test_the_worker_and_the_demo_run_what_the_apps_registered() -> None:
    from django.utils.module_loading import autodiscover_modules

    from karpear.core.demo import demo_steps
    from karpear.core.jobs import registered_jobs

    jobs = {job.name for job in registered_jobs()}
    assert {
        "deliver_webhooks",
        "erase_expired_contacts",
        "purge_expired_evidence",
        "evidence_integrity_check",
        "forward_blocklist_appeals",
        "audit_checkpoint",
        "purge_rate_limit_windows",
    } <= jobs
    autodiscover_modules("demo")
    steps = [step.name for step in demo_steps()]
    assert steps[0] == "organisation" and {"staff", "platform_link", "history"} <= set(steps)
