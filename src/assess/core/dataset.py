"""`Dataset`: the validated input tables as pandas DataFrames, one attribute per table.

Readers return a :class:`Dataset`; the store imports one and reads one back, with all
history, so year-on-year comparisons need no extra step.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import pandas as pd

from assess.core.schema import KIND_DTYPES, TABLES

__all__ = ["Dataset", "empty_table"]


def empty_table(name: str) -> pd.DataFrame:
    """An empty DataFrame with the declared columns of table ``name``."""
    return pd.DataFrame(
        {c.name: pd.Series(dtype=KIND_DTYPES[c.kind]) for c in TABLES[name].columns}
    )


def _empty(name: str) -> Any:
    # A dataclass field default: typed Any as dataclasses.field itself is.
    return field(default_factory=lambda: empty_table(name))


@dataclass
class Dataset:
    """All input tables of `assess` (see ``DATA.md``); a missing table is empty.

    Column dtypes: ``text``/``choice``/``month``/``quarter`` columns are Python strings,
    ``date`` columns ``datetime64[ns]``, ``int`` columns ``Int64``, ``float`` columns
    ``float64`` and ``bool`` columns ``boolean``.
    """

    units: pd.DataFrame = _empty("units")
    staff: pd.DataFrame = _empty("staff")
    points: pd.DataFrame = _empty("points")
    events: pd.DataFrame = _empty("events")
    exposure: pd.DataFrame = _empty("exposure")
    kpis: pd.DataFrame = _empty("kpis")
    exam_items: pd.DataFrame = _empty("exam_items")
    exam_responses: pd.DataFrame = _empty("exam_responses")
    projects: pd.DataFrame = _empty("projects")
    milestones: pd.DataFrame = _empty("milestones")
    problems: pd.DataFrame = _empty("problems")
    duties: pd.DataFrame = _empty("duties")
    campaign: pd.DataFrame = _empty("campaign")
    #: Where each table came from: table name → file (and sheet) it was read from.
    sources: dict[str, str] = field(default_factory=dict)

    def table(self, name: str) -> pd.DataFrame:
        """The table called ``name`` (one of :data:`assess.core.schema.TABLE_NAMES`)."""
        if name not in TABLES:
            raise KeyError(f"unknown table {name!r}; tables are {', '.join(TABLES)}")
        frame: pd.DataFrame = getattr(self, name)
        return frame

    def items(self) -> list[tuple[str, pd.DataFrame]]:
        """``(name, frame)`` for every table in the contract's order."""
        return [(f.name, getattr(self, f.name)) for f in fields(self) if f.name in TABLES]

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{name}</td><td>{TABLES[name].zh}</td><td>{len(df):,}</td></tr>"
            for name, df in self.items()
        )
        return (
            "<table><thead><tr><th>table</th><th>表</th><th>rows 行数</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )

    def __repr__(self) -> str:
        counts = ", ".join(f"{name}={len(df):,}" for name, df in self.items())
        return f"Dataset({counts})"
