"""Issue #24's table: each bench records its figure beside the goal, and `make bench` ends
with the whole table, so one run shows which rows reached their goal.

Some benches measure in a child process, so a row is also appended, as a JSON line, to the file
BENCH_GOALS_FILE names (bench/run.py sets it); the summary reads that file."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Row:
    path: str
    figure: float
    goal: float
    unit: str
    higher_is_better: bool

    @property
    def met(self) -> bool:
        return self.figure >= self.goal if self.higher_is_better else self.figure <= self.goal

    def line(self) -> str:
        sign = ">=" if self.higher_is_better else "<="
        verdict = "met" if self.met else "NOT met"
        return (
            f"  {self.path:<46} {self.figure:10.2f}{self.unit:<3} goal {sign} "
            f"{self.goal:g}{self.unit}  {verdict}"
        )


ROWS: list[Row] = []


def record(
    path: str, figure: float, goal: float, *, unit: str = "", higher_is_better: bool = True
) -> None:
    """Keep a row for the summary and print it where the bench prints its figures."""
    row = Row(path, float(figure), float(goal), unit, higher_is_better)
    print(row.line())
    shared = os.environ.get("BENCH_GOALS_FILE")
    if shared:
        with Path(shared).open("a", encoding="utf-8") as out:
            out.write(json.dumps(asdict(row)) + "\n")
    else:
        ROWS.append(row)


def summary() -> None:
    rows = list(ROWS)
    shared = os.environ.get("BENCH_GOALS_FILE")
    if shared and Path(shared).exists():
        lines = Path(shared).read_text(encoding="utf-8").splitlines()
        rows += [Row(**json.loads(line)) for line in lines if line]
    if not rows:
        return
    print("\nissue #24, this run:")
    for row in rows:
        print(row.line())
    print(f"  {sum(r.met for r in rows)} of {len(rows)} rows at or past their goal")
