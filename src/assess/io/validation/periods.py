"""Facts dated outside the periods being imported, and how those periods are described."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from assess.core.checks import check_quarter
from assess.core.periods import quarter_index
from assess.core.schema import TABLES
from assess.io.validation.cells import _Checked
from assess.io.validation.report import _rows


def _month_number(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def _describe(values: Iterable[str], number: Callable[[str], int]) -> tuple[str, str]:
    """Sorted periods as runs: ``2024-01 至 2026-09`` / ``2024-01 to 2026-09``."""
    ordered = sorted(set(values), key=number)
    runs: list[list[str]] = []
    for v in ordered:
        if runs and number(v) == number(runs[-1][-1]) + 1:
            runs[-1].append(v)
        else:
            runs.append([v])
    zh = [r[0] if len(r) == 1 else f"{r[0]} 至 {r[-1]}" for r in runs[:5]]
    en = [r[0] if len(r) == 1 else f"{r[0]} to {r[-1]}" for r in runs[:5]]
    more = ("、…", ", …") if len(runs) > 5 else ("", "")
    return "、".join(zh) + more[0], ", ".join(en) + more[1]


def _periods_arg(periods: Iterable[str] | str | None, func: str) -> list[str] | None:
    if periods is None:
        return None
    many = not isinstance(periods, str) and isinstance(periods, Iterable)
    given = list(periods) if many else [periods]
    # An empty list names no quarter: check it as one, so it is rejected the same way.
    return [check_quarter(func, p, name="periods") for p in given or [periods]]


def _outside_periods(
    checked: _Checked, months: set[str], quarters: set[str]
) -> pd.DataFrame | None:
    table = TABLES[checked.raw.name]
    column = table.period
    if column is None or not checked.usable(column):
        return None
    values = checked.values[column]
    kind = table.column(column).kind
    if kind == "date":
        number = (values.dt.year * 12 + values.dt.month - 1).to_numpy(dtype=float, na_value=np.nan)
        inside = np.isin(number, [_month_number(m) for m in months])
        allowed = _describe(months, _month_number)
    elif kind == "month":
        inside = values.isin(months).to_numpy()
        allowed = _describe(months, _month_number)
    else:
        inside = values.isin(quarters).to_numpy()
        allowed = _describe(quarters, quarter_index)
    outside = values.notna().to_numpy() & ~inside
    return _rows(
        checked.raw,
        outside,
        rule="outside_periods",
        column=column,
        header=checked.header(column),
        value=checked.raw.frame[column],
        expected=(f"导入期间内：{allowed[0]}", f"inside the periods imported: {allowed[1]}"),
        message=("不在导入期间内", "outside the periods being imported"),
        hint=(
            "核对日期；其他期间的数据请单独导入，或用 --periods 指定导入的季度",
            "check it; import other periods separately, or name the quarters with --periods",
        ),
    )
