"""Issue #24's table: each bench records its figure beside the goal, and `make bench` ends
with the whole table, so one run shows which rows reached their goal."""

from __future__ import annotations

from dataclasses import dataclass


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
    row = Row(path, figure, goal, unit, higher_is_better)
    ROWS.append(row)
    print(row.line())


def summary() -> None:
    if not ROWS:
        return
    print("\nissue #24, this run:")
    for row in ROWS:
        print(row.line())
    print(f"  {sum(r.met for r in ROWS)} of {len(ROWS)} rows at or past their goal")
