"""A tidy table of counts by unit and period, checked and laid out as a balanced panel.

Every design (interrupted time series, difference-in-differences, staggered rollout) and
the randomisation test work on :class:`Panel`: counts and exposures as ``(units,
periods)`` arrays and each unit's treatment start as a period index. :func:`make_panel`
reads any DataFrame with the column names given as arguments, and turns every problem
into one bilingual error that says what to do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from assess.core.errors import ParameterError
from assess.core.periods import month_of, parse_date, parse_month, parse_quarter, quarter_of

__all__ = ["Panel", "make_panel", "zero_count_note"]


@dataclass(frozen=True, eq=False)
class Panel:
    """Counts by unit and period with exposures and treatment starts.

    Attributes
    ----------
    units : tuple of str
        Unit labels, sorted.
    periods : tuple of str
        Every period from the first to the last, ``"2026-05"``, ``"2026Q3"`` or, for
        integer periods, the number as text (``"7"``).
    freq : {"month", "quarter", "integer"}
        What a period is. Integer periods are numbered steps with no calendar: no
        seasonality, and a "year" is one period (:attr:`periods_per_year` is 1).
    counts : ndarray, shape (N, T)
        Event counts, ``nan`` where the table has no row.
    exposure : ndarray, shape (N, T)
        Exposures (1 when none was given), ``nan`` where the table has no row.
    start : ndarray of int, shape (N,)
        Index of each unit's first treated period; ``T`` (no period) for units never
        treated.
    """

    units: tuple[str, ...]
    periods: tuple[str, ...]
    freq: str
    counts: np.ndarray
    exposure: np.ndarray
    start: np.ndarray

    @property
    def n_units(self) -> int:
        return len(self.units)

    @property
    def n_periods(self) -> int:
        return len(self.periods)

    @property
    def observed(self) -> np.ndarray:
        """Cells with a row in the table, shape (N, T)."""
        return np.isfinite(self.counts) & np.isfinite(self.exposure)

    @property
    def treated(self) -> np.ndarray:
        """Units treated at some period, shape (N,)."""
        return self.start < self.n_periods

    @property
    def post(self) -> np.ndarray:
        """Treated cells (the unit is treated and the period is at or after its start)."""
        return np.arange(self.n_periods)[None, :] >= self.start[:, None]

    @property
    def offset(self) -> np.ndarray:
        """``log(exposure)``, 0 where the cell is missing."""
        return np.log(np.where(self.observed, self.exposure, 1.0))

    @property
    def cohorts(self) -> np.ndarray:
        """The distinct start indices of treated units, ascending."""
        return np.unique(self.start[self.treated])

    @property
    def periods_per_year(self) -> int:
        """12 for months, 4 for quarters, 1 for integer periods (no calendar)."""
        return {"month": 12, "quarter": 4}.get(self.freq, 1)

    @property
    def has_events(self) -> np.ndarray:
        """Units with at least one event in an observed period, shape (N,)."""
        return np.where(self.observed, self.counts, 0.0).sum(axis=1) > 0

    @property
    def zero_units(self) -> tuple[str, ...]:
        """Units with no event in any period (a Poisson fixed-effects model learns
        nothing from them)."""
        return tuple(u for u, k in zip(self.units, self.has_events, strict=True) if not k)

    def select_units(self, keep: np.ndarray) -> Panel:
        """The panel restricted to the units where ``keep`` is true."""
        return replace(
            self,
            units=tuple(np.asarray(self.units, dtype=object)[keep]),
            counts=self.counts[keep],
            exposure=self.exposure[keep],
            start=self.start[keep],
        )

    def with_counts(self, counts: np.ndarray) -> Panel:
        """The same panel with other counts (a negative-control outcome)."""
        return replace(self, counts=np.where(self.observed, counts, np.nan))

    def with_start(self, start: np.ndarray) -> Panel:
        """The same panel with other treatment starts (placebos, permutations)."""
        return replace(self, start=np.asarray(start, dtype=int))

    def drop_cells(self, cells: np.ndarray) -> Panel:
        """The panel with ``cells`` marked missing."""
        return replace(
            self,
            counts=np.where(cells, np.nan, self.counts),
            exposure=np.where(cells, np.nan, self.exposure),
        )


def zero_count_note(panel: Panel) -> str:
    """The note that says which units had no event in any period and were left out.

    A unit with only zero counts has a fixed effect of minus infinity: a Poisson
    fixed-effects model (difference-in-differences, staggered) takes no information from
    it, so it is excluded and not counted among the units analysed.

    Examples
    --------
    >>> p = Panel(units=("a", "b"), periods=("2025-01", "2025-02"), freq="month",
    ...           counts=np.array([[0.0, 0.0], [1.0, 2.0]]), exposure=np.ones((2, 2)),
    ...           start=np.array([1, 2]))
    >>> zh, en = zero_count_note(p).split(chr(10))
    >>> zh.startswith("1 个单位（其中 1 个处理单位）"), zh.endswith("不计入单位数：a")
    (True, True)
    >>> en.startswith("1 unit (1 treated)"), en.endswith("not counted: a")
    (True, True)
    """
    zero = ~panel.has_events
    n, treated = int(zero.sum()), int((zero & panel.treated).sum())
    names = [u for u, z in zip(panel.units, zero, strict=True) if z]
    shown = "、".join(names[:10]) + (f" 等 {n} 个" if n > 10 else "")
    shown_en = ", ".join(names[:10]) + (f" and {n - 10} more" if n > 10 else "")
    unit_en = "unit" if n == 1 else "units"
    pronoun = "it" if n == 1 else "them"
    return (
        f"{n} 个单位（其中 {treated} 个处理单位）在所有期间均无事件，泊松固定效应模型无法从中获得"
        f"信息，已排除，不计入单位数：{shown}\n"
        f"{n} {unit_en} ({treated} treated) had no event in any period; a Poisson "
        f"fixed-effects model takes no information from {pronoun}, so "
        f"{'it is' if n == 1 else 'they are'} excluded and not counted: {shown_en}"
    )


def _fail(func: str, name: str, accepted: str, got: Any, zh: str) -> ParameterError:
    return ParameterError(func, name, accepted, got, zh=f"{func}：{zh}")


def _whole_numbers(values: pd.Series) -> np.ndarray | None:
    """The values as int64 when the column holds whole numbers (not flags), else None."""
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return None
    numbers = values.to_numpy(dtype=float, na_value=np.nan)
    if not np.isfinite(numbers).all() or (numbers != np.round(numbers)).any():
        return None
    return numbers.astype(np.int64)


def _period_index(func: str, values: pd.Series) -> tuple[np.ndarray, tuple[str, ...], str]:
    """Period codes (index into the full range), the full range and the frequency.

    Each distinct value is parsed once and mapped back (a panel repeats a few dozen
    periods over every unit), or an error names the unreadable values.
    """
    integers = _whole_numbers(values)
    if integers is not None:
        month = integers % 100
        if (
            integers.min() >= 190001
            and integers.max() <= 210012
            and (month >= 1).all()
            and (month <= 12).all()
        ):
            shown = sorted(set(integers.tolist()))[:3]
            raise _fail(
                func,
                "period_col",
                "months as text such as 2026-05 (202605 as a number reads as period "
                "number 202605, not May 2026)",
                shown,
                f"期间列的整数像年月（{shown!r}），但整数按期号读取；请写成 2026-05 这样的月份",
            )
        first = int(integers.min())
        periods = tuple(str(i) for i in range(first, int(integers.max()) + 1))
        return integers - first, periods, "integer"
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    distinct = list(uniques)
    quarters = [parse_quarter(v) if isinstance(v, str) else None for v in distinct]
    if codes.min(initial=0) >= 0 and all(q is not None for q in quarters):
        labels, freq = quarters, "quarter"
    else:
        months = [parse_month(v) for v in distinct]
        bad = [v for v, m, q in zip(distinct, months, quarters, strict=True) if m is q is None]
        if codes.min(initial=0) < 0:
            bad = [None, *bad]
        if bad or not all(m is not None for m in months):
            shown = bad[:3] if bad else distinct[:3]
            raise _fail(
                func,
                "period_col",
                "months such as 2026-05, quarters such as 2026Q3 or whole numbers in every row",
                shown,
                "期间列应全部为月份（如 2026-05）、季度（如 2026Q3）或整数期号，"
                f"无法识别的值：{shown!r}",
            )
        labels, freq = months, "month"
    parsed = [str(label) for label in labels]
    periods = _period_range(min(parsed), max(parsed), freq)
    position = pd.Index(periods).get_indexer(parsed)
    return position[codes], periods, freq


def _period_range(first: str, last: str, freq: str) -> tuple[str, ...]:
    if freq == "month":
        index = pd.period_range(first, last, freq="M")
        return tuple(f"{p.year:04d}-{p.month:02d}" for p in index)
    index = pd.period_range(first, last, freq="Q")
    return tuple(f"{p.year:04d}Q{p.quarter}" for p in index)


def _as_period(value: Any, freq: str) -> str | None:
    """The period (month, quarter or number) containing a date, month or quarter value."""
    if freq == "integer":
        whole = isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)
        return str(int(value)) if whole else None
    if freq == "quarter":
        quarter = parse_quarter(value) if isinstance(value, str) else None
        if quarter is not None:
            return quarter
        month = parse_month(value)
        return quarter_of(month) if month is not None else None
    day = parse_date(value)
    if isinstance(value, dt.date | pd.Timestamp) or day is not None:
        return month_of(day) if day is not None else None
    return parse_month(value)


def _start_index(func: str, name: str, value: Any, periods: tuple[str, ...], freq: str) -> int:
    period = _as_period(value, freq)
    if period is None:
        accepted = (
            ("a period number", "期号（整数）")
            if freq == "integer"
            else (
                "a date, month or quarter",
                "日期、月份或季度",
            )
        )
        raise _fail(
            func,
            name,
            accepted[0],
            value,
            f"参数 {name!r} 应为{accepted[1]}，实际为 {value!r}",
        )
    if period not in periods:
        raise _fail(
            func,
            name,
            f"a date within the data ({periods[0]} … {periods[-1]})",
            value,
            f"开始时间 {value!r} 不在数据范围内（{periods[0]} 至 {periods[-1]}）；"
            "请检查开始日期，或补充覆盖该时间的数据",
        )
    return periods.index(period)


def _column(func: str, data: pd.DataFrame, name: str, role: str) -> pd.Series:
    if not isinstance(name, str) or name not in data.columns:
        raise _fail(
            func,
            role,
            f"a column of the table ({', '.join(map(str, data.columns))})",
            name,
            f"参数 {role!r} 应为表中的列名，实际为 {name!r}",
        )
    return data[name]


def _numbers(func: str, series: pd.Series, role: str) -> np.ndarray:
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        shown = series[bad].head(3).tolist()
        raise _fail(
            func,
            role,
            "a number in every row",
            shown,
            f"列 {series.name!r} 每行都应为数值，问题值：{shown!r}",
        )
    return values


def _starts_from_indicator(
    func: str,
    flag: pd.Series,
    unit_codes: np.ndarray,
    period_codes: np.ndarray,
    n_units: int,
    n_periods: int,
    units: tuple[str, ...],
) -> np.ndarray:
    """First treated period per unit from a 0/1 column, checking treatment never stops."""
    on = np.zeros((n_units, n_periods))
    on[unit_codes, period_codes] = flag
    seen = np.zeros((n_units, n_periods), dtype=bool)
    seen[unit_codes, period_codes] = True
    start = np.where(on.any(axis=1), on.argmax(axis=1), n_periods)
    after = np.arange(n_periods)[None, :] >= start[:, None]
    stops = (seen & after & (on == 0)).any(axis=1)
    if stops.any():
        bad = [units[i] for i in np.flatnonzero(stops)[:3]]
        raise _fail(
            func,
            "treated_col",
            "a 0/1 column that stays 1 once a unit is treated",
            bad,
            f"处理标记列在开始后又变回 0 的单位：{bad!r}；处理一旦开始应持续，"
            "或改用 start/starts 参数给出开始日期",
        )
    return start


def make_panel(
    data: pd.DataFrame,
    *,
    unit_col: str,
    period_col: str,
    count_col: str,
    exposure_col: str | None = None,
    treated_col: str | None = None,
    treated_units: Iterable[Any] | None = None,
    start: Any = None,
    starts: Mapping[Any, Any] | None = None,
    func: str = "make_panel",
) -> Panel:
    """Check a tidy table of counts and lay it out as a :class:`Panel`.

    Parameters
    ----------
    data : DataFrame
        One row per unit and period.
    unit_col, period_col, count_col : str
        Column names: the unit, the period (months ``2026-05`` or quarters ``2026Q3``,
        dates are reduced to their month), the event count.
    exposure_col : str, optional
        Column of exposures (headcount, work tickets, customers); all 1 when omitted.
    treated_col : str, optional
        A 0/1 column. With ``start`` it marks the treated units (constant per unit);
        without it, it marks the treated cells and each unit's start is its first 1.
    treated_units : iterable, optional
        Units treated from ``start`` (instead of a ``treated_col`` column).
    start : date, month or quarter, optional
        The common start: the period containing it is the first treated period.
    starts : mapping, optional
        Per-unit starts for a rollout: ``{unit: date}``; units not named are never
        treated.
    func : str
        The public function named in error messages.

    Returns
    -------
    Panel

    Raises
    ------
    ParameterError
        For a missing column, unreadable periods, duplicate unit–period rows, negative or
        fractional counts, exposure ≤ 0, unknown treated units, a start outside the data,
        a treated unit with no period before its start, or treatment given twice or not
        at all.

    Examples
    --------
    >>> table = pd.DataFrame({"branch": ["A", "A", "B", "B"],
    ...                       "month": ["2025-01", "2025-02"] * 2,
    ...                       "violations": [3, 1, 2, 2]})
    >>> p = make_panel(table, unit_col="branch", period_col="month",
    ...                count_col="violations", treated_units=["A"], start="2025-02-10")
    >>> p.periods, p.start.tolist()
    (('2025-01', '2025-02'), [1, 2])
    """
    if not isinstance(data, pd.DataFrame) or data.empty:
        raise _fail(
            func,
            "data",
            "a non-empty DataFrame",
            type(data).__name__,
            "参数 'data' 应为非空的 DataFrame",
        )
    ways = [
        name
        for name, value in (
            ("treated_col", treated_col),
            ("treated_units", treated_units),
            ("starts", starts),
        )
        if value is not None
    ]
    if len(ways) > 1 or (starts is not None and start is not None):
        raise _fail(
            func,
            "treated_col",
            "one of: a treated column, treated_units + start, starts",
            ways + (["start"] if start is not None else []),
            "处理信息只能用一种方式给出：treated_col 列、treated_units 加 start，或 starts",
        )
    if treated_units is not None and start is None:
        raise _fail(
            func,
            "start",
            "a date when treated_units is given",
            None,
            "给出 treated_units 时必须给出开始日期 start",
        )
    unit_codes, unit_uniques = pd.factorize(_column(func, data, unit_col, "unit_col"))
    if (unit_codes < 0).any():
        rows = data.loc[unit_codes < 0].head(3).index.tolist()
        raise _fail(
            func,
            "unit_col",
            "a unit in every row",
            rows,
            f"单位列有空值（行 {rows!r}）；请补全或删除这些行",
        )
    period_codes, periods, freq = _period_index(func, _column(func, data, period_col, "period_col"))
    counts = _numbers(func, _column(func, data, count_col, "count_col"), "count_col")
    bad = (counts < 0) | (counts != np.round(counts))
    if bad.any():
        rows = data.loc[bad, [unit_col, period_col, count_col]].head(3).to_dict("records")
        raise _fail(
            func,
            "count_col",
            "whole numbers ≥ 0 (event counts) in every row",
            rows,
            f"事件数应为非负整数，问题行：{rows!r}；请更正或删除这些行",
        )
    if exposure_col is not None:
        expo = _numbers(func, _column(func, data, exposure_col, "exposure_col"), "exposure_col")
        if (expo <= 0).any():
            rows = (
                data.loc[expo <= 0, [unit_col, period_col, exposure_col]].head(3).to_dict("records")
            )
            raise _fail(
                func,
                "exposure_col",
                "numbers > 0 in every row (a rate needs exposure)",
                rows,
                f"暴露量应大于 0，问题行：{rows!r}；暴露量为 0 的行没有率可言，"
                "请删除这些行或填入实际暴露量",
            )
    else:
        expo = np.ones_like(counts)
    # Units sorted by their text label; distinct raw values with one label are one unit.
    labels = np.asarray([str(u) for u in unit_uniques], dtype=object)
    units = tuple(sorted(set(labels)))
    unit_codes = pd.Index(units).get_indexer(labels)[unit_codes]
    cell = unit_codes.astype(np.int64) * len(periods) + period_codes
    counts_per_cell = np.bincount(cell, minlength=len(units) * len(periods))
    if (counts_per_cell > 1).any():
        dup = counts_per_cell[cell] > 1
        rows = [
            {"u": units[u], "p": periods[q]}
            for u, q in zip(unit_codes[dup][:3], period_codes[dup][:3], strict=True)
        ]
        raise _fail(
            func,
            "data",
            "one row per unit and period",
            rows,
            f"同一单位同一期间有多行：{rows!r}；请先按单位和期间汇总",
        )
    n_units, n_periods = len(units), len(periods)
    y = np.full((n_units, n_periods), np.nan)
    e = np.full((n_units, n_periods), np.nan)
    y[unit_codes, period_codes] = counts
    e[unit_codes, period_codes] = expo

    start_idx = np.full(n_units, n_periods)
    if treated_col is not None:
        flag = _numbers(func, _column(func, data, treated_col, "treated_col"), "treated_col")
        if not np.isin(flag, (0.0, 1.0)).all():
            raise _fail(
                func,
                "treated_col",
                "a 0/1 (or true/false) column",
                sorted(set(flag))[:5],
                "处理标记列应为 0/1 或是/否",
            )
        if start is None:
            start_idx = _starts_from_indicator(
                func, flag, unit_codes, period_codes, n_units, n_periods, units
            )
        else:
            per_unit = pd.Series(flag).groupby(unit_codes).agg(["min", "max"])
            varying = per_unit.index[per_unit["min"] != per_unit["max"]]
            if len(varying):
                bad = [units[i] for i in varying[:3]]
                raise _fail(
                    func,
                    "treated_col",
                    "constant within each unit when start is given",
                    bad,
                    f"给出 start 时处理标记应在每个单位内不变，问题单位：{bad!r}",
                )
            first = _start_index(func, "start", start, periods, freq)
            start_idx[per_unit.index[per_unit["max"] == 1].to_numpy()] = first
    elif treated_units is not None:
        wanted = [str(u) for u in treated_units]
        position = pd.Index(units).get_indexer(wanted)
        unknown = [u for u, i in zip(wanted, position, strict=True) if i < 0]
        if unknown or not wanted:
            raise _fail(
                func,
                "treated_units",
                "units present in the table",
                unknown[:5],
                f"treated_units 中有表中不存在的单位：{unknown[:5]!r}",
            )
        first = _start_index(func, "start", start, periods, freq)
        start_idx[position] = first
    elif starts is not None:
        if not isinstance(starts, Mapping) or not starts:
            raise _fail(
                func,
                "starts",
                "a non-empty mapping {unit: start date}",
                starts,
                "starts 应为非空的 {单位: 开始日期} 映射",
            )
        known = set(units)
        unknown = [str(u) for u in starts if str(u) not in known]
        if unknown:
            raise _fail(
                func,
                "starts",
                "units present in the table",
                unknown[:5],
                f"starts 中有表中不存在的单位：{unknown[:5]!r}",
            )
        for key, value in starts.items():
            start_idx[units.index(str(key))] = _start_index(func, "starts", value, periods, freq)
    else:
        raise _fail(
            func,
            "treated_col",
            "a treated column, treated_units + start, or starts",
            None,
            "请给出处理信息：treated_col 列、treated_units 加 start，或 starts",
        )

    panel = Panel(
        units=units, periods=periods, freq=freq, counts=y, exposure=e, start=start_idx.astype(int)
    )
    observed = panel.observed
    before = observed & ~panel.post
    no_pre = panel.treated & ~before.any(axis=1)
    if no_pre.any():
        bad = [units[i] for i in np.flatnonzero(no_pre)[:5]]
        raise _fail(
            func,
            "start",
            "a start after the first period with data of each treated unit",
            bad,
            f"这些处理单位在开始之前没有任何数据（没有前期）：{bad!r}；"
            "效应分析需要活动开始前的数据作为基线，请补充前期数据或推迟开始日期",
        )
    no_post = panel.treated & ~(observed & panel.post).any(axis=1)
    if no_post.any():
        bad = [units[i] for i in np.flatnonzero(no_post)[:5]]
        raise _fail(
            func,
            "start",
            "a start at or before the last period with data of each treated unit",
            bad,
            f"这些处理单位在开始之后没有任何数据：{bad!r}；请补充后期数据或检查开始日期",
        )
    if not panel.treated.any():
        raise _fail(
            func,
            "treated_col",
            "at least one treated unit",
            0,
            "没有任何处理单位；请给出活动覆盖的单位",
        )
    return panel
