"""What a report is made of: headline figures and tables of rows, each column of a known kind.

Every report (reports/outcomes.py, services.py, fund.py ...) builds a :class:`Report`; the page,
the JSON of the API, the CSV and Excel exports, the charts and the printed report all read the
same object, so a figure is computed once and shown the same everywhere.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from core.money import satang_to_baht
from reports.periods import Period

# How a column's values read: a count of things, a share (0..1, None when there is nothing to
# divide by), an amount in satang, a number of days, a plain number or text.
COUNT, SHARE, SATANG, DAYS, NUMBER, TEXT = "count", "share", "satang", "days", "number", "text"
KINDS = (COUNT, SHARE, SATANG, DAYS, NUMBER, TEXT)


def share(part: int | float, whole: int | float) -> float | None:
    """``part`` of ``whole`` (0..1), or None when the whole is nothing: never a division by zero."""
    return None if not whole else part / whole


def median(values: Iterable[float]) -> float | None:
    return percentile(values, 50)


def percentile(values: Iterable[float], q: float) -> float | None:
    """The ``q``-th percentile by linear interpolation between the closest ranks; None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Column:
    key: str
    label: Any                 # a lazy string: read in the reader's language
    kind: str = COUNT

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


def export_header(column: Column) -> str:
    """A column's heading in a spreadsheet, with its unit."""
    unit = {SHARE: " (%)", SATANG: " (฿)"}.get(column.kind, "")
    return f"{column.label}{unit}"


def export_value(column: Column, value: Any) -> Any:
    """A value as a spreadsheet keeps it: baht with two places, shares as percent, days to a tenth."""
    if value is None:
        return None
    if column.kind == SATANG:
        return satang_to_baht(value)
    if column.kind == SHARE:
        return round(value * 100, 1)
    if column.kind == DAYS:
        return round(value, 1)
    return value


@dataclass
class Table:
    key: str
    title: Any
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]] = field(default_factory=list)
    chart: str | None = None   # the key of the column drawn as bars (the first column names the bars)
    note: Any = ""

    def column(self, key: str) -> Column:
        return next(column for column in self.columns if column.key == key)

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "title": str(self.title),
                "columns": [{"key": c.key, "label": str(c.label), "kind": c.kind} for c in self.columns],
                "rows": [{c.key: row.get(c.key) for c in self.columns} for row in self.rows],
                "note": str(self.note) if self.note else None}


@dataclass(frozen=True)
class Figure:
    """A headline figure, with the same figure for the period before when there is one."""
    key: str
    label: Any
    value: Any
    kind: str = COUNT
    previous: Any = None

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "label": str(self.label), "kind": self.kind, "value": self.value,
                "previous": self.previous}


@dataclass
class Report:
    key: str
    title: Any
    period: Period | None
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    previous: Period | None = None

    def table(self, key: str) -> Table:
        found = next((table for table in self.tables if table.key == key), None)
        if found is None:
            raise KeyError(key)
        return found

    def figure(self, key: str) -> Figure:
        return next(figure for figure in self.figures if figure.key == key)

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "title": str(self.title),
                "period": self.period.as_json() if self.period else None,
                "previous_period": self.previous.as_json() if self.previous else None,
                "figures": [figure.as_json() for figure in self.figures],
                "tables": [table.as_json() for table in self.tables]}


def compared(key: str, label: Any, now: Mapping[str, Any], before: Mapping[str, Any] | None,
             kind: str = COUNT) -> Figure:
    """A figure from this period's values and (when comparing) the period before's."""
    return Figure(key, label, now.get(key), kind, before.get(key) if before is not None else None)
