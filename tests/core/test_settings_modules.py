"""Settings are split by capability (karpear/config/): each name is set in one place, the
environment is read through config/env.py's helpers, and no settings module imports an app."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from django.conf import settings

SRC = Path(__file__).resolve().parents[2] / "src" / "karpear"
MODULES = [SRC / "settings.py", *sorted((SRC / "config").glob("*.py"))]
# What settings may import from Karpear: the environment helpers, the data directory rule and
# the secret rules, which import nothing from Django or the apps.
ALLOWED = {"karpear.core.datadir", "karpear.core.secret_rules"}


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def test_each_setting_is_assigned_in_one_module_only() -> None:
    where: dict[str, set[str]] = defaultdict(set)
    for path in MODULES:
        for node in _tree(path).body:
            targets = node.targets if isinstance(node, ast.Assign) else []
            for target in targets:
                if isinstance(target, ast.Name) and target.id.isupper():
                    where[target.id].add(path.name)
    assert {name: files for name, files in where.items() if len(files) > 1} == {}


def test_every_capability_setting_reaches_django_conf_settings() -> None:
    for path in MODULES[1:]:
        for node in _tree(path).body:
            if isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name) and target.id.isupper():
                        assert hasattr(settings, target.id), (path.name, target.id)


def test_settings_import_no_app() -> None:
    found = {}
    for path in MODULES:
        names = {
            node.module
            for node in ast.walk(_tree(path))
            if isinstance(node, ast.ImportFrom) and node.module
        }
        outside = {
            n
            for n in names
            if n.startswith("karpear.") and not n.startswith("karpear.config") and n not in ALLOWED
        }
        if outside:
            found[path.name] = outside
    assert found == {}
