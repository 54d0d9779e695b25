"""Reports know nothing of cases (docs/architecture.md; issue #17, item 5): no module of the
reports app imports the cases app, and the status page still gets its plain reason through the
reader cases register."""

from __future__ import annotations

import ast
from pathlib import Path

import karpear.reports
from karpear.cases.outcomes import report_outcome
from karpear.reports import outcomes

APP = Path(karpear.reports.__file__).parent


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_module_of_reports_imports_cases() -> None:
    offenders = {
        str(path.relative_to(APP)): sorted(
            n for n in _imports(path) if n.startswith("karpear.cases")
        )
        for path in APP.rglob("*.py")
    }
    assert {p: names for p, names in offenders.items() if names} == {}


def test_cases_register_the_outcome_reader_once() -> None:
    assert outcomes._readers.count(report_outcome) == 1
    outcomes.register_outcome_reader(report_outcome)
    assert outcomes._readers.count(report_outcome) == 1
