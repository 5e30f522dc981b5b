"""Year-on-year (同比) and quarter-on-quarter (环比) changes, as official statistics report them.

Conventions followed (as in the National Bureau of Statistics' releases and Chinese
financial reporting):

* a zero base gives no percentage: ``新增`` (new) when the current value is positive,
  ``基数为零`` (zero base) otherwise, ``持平`` when both are zero;
* a negative base gives status words instead of a misleading percentage: ``扭亏为盈``,
  ``由盈转亏``, ``减亏``, ``增亏``;
* a change of a rate is stated in percentage points (百分点), not in percent;
* average growth over several periods is the geometric mean (水平法), from the first and
  the last value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

import numpy as np
import pandas as pd

from assess.core.checks import check_bool, check_choice, check_int
from assess.core.display import ResultDisplay
from assess.core.errors import ParameterError
from assess.core.formatting import half_up
from assess.core.glossary import TERMS, check_language
from assess.core.periods import parse_quarters, quarter_from_index, quarter_index

__all__ = [
    "KINDS",
    "AGGS",
    "RATE_UNITS",
    "STATUSES",
    "compare_periods",
    "format_change",
    "format_changes",
    "AverageGrowth",
    "average_growth",
]

#: Comparisons: 同比 (same quarter a year earlier), 环比 (previous quarter), or both.
KINDS: tuple[str, ...] = ("yoy", "qoq", "both")
#: How several rows of one group and quarter are combined.
AGGS: tuple[str, ...] = ("sum", "mean")
#: How a rate is written: 0.967 (proportion) or 96.7 (percent).
RATE_UNITS: tuple[str, ...] = ("proportion", "percent")
#: Status codes of a comparison with their Chinese and English words (glossary terms
#: ``change_<code>``); the order is that of the status codes.
STATUSES: dict[str, tuple[str, str]] = {
    code: TERMS[f"change_{code}"]
    for code in (
        *("up", "down", "flat", "new", "zero_base", "turnaround", "to_negative"),
        *("loss_narrowed", "loss_widened", "no_base", "no_current"),
    )
}
_SHIFTS = {"yoy": -4, "qoq": -1}
# Official wording: a quantity 增长 (grows), a rate 提高 (rises) by so many points.
_RATE_UP_ZH = "提高"


def compare_periods(
    data: pd.DataFrame,
    *,
    value_col: str,
    period_col: str = "quarter",
    by: str | Sequence[str] = (),
    kind: str = "both",
    at: str | Sequence[str] | None = None,
    agg: str | None = None,
    denominator_col: str | None = None,
    entity_col: str | None = None,
    comparable: bool = False,
    is_rate: bool = False,
    rate_unit: str = "proportion",
) -> pd.DataFrame:
    """Compare each group's value in a quarter with the same quarter last year and/or the last.

    Parameters
    ----------
    data : pandas.DataFrame
        Long data: one row per group (and entity) and quarter.
    value_col : str
        Column compared (an index, an indicator, a count, or a rate).
    period_col : str, default "quarter"
        Column holding the quarter (``2026Q3``, ``2026年第3季度``, ...).
    by : str or sequence of str, default ()
        Columns identifying a group (e.g. ``"person_id"`` or ``"unit_code"``); empty for a
        single series.
    kind : {"yoy", "qoq", "both"}, default "both"
        同比 (base: four quarters earlier), 环比 (base: the quarter before), or both.
    at : str or sequence of str, optional
        Current quarters to report; ``None``: every quarter in ``data``.
    agg : {"sum", "mean"}, optional
        How several rows of a group and quarter are combined (e.g. members of a branch).
        ``None`` requires one row per group and quarter, unless a ``denominator_col`` is given.
    denominator_col : str, optional
        Column of denominators: the value compared is then the ratio of sums
        ``Σ value / Σ denominator`` (a rate over exposure), never a mean of ratios.
    entity_col : str, optional
        Column identifying the units inside a group (e.g. ``"person_id"``), needed for
        ``comparable=True``.
    comparable : bool, default False
        ``True``: compare on a comparable basis (可比口径) — only entities with a value in
        both the current and the base quarter count, on both sides.
    is_rate : bool, default False
        The value is a rate: its change is reported in percentage points (``change_pp``)
        and no relative change is given.
    rate_unit : {"proportion", "percent"}, default "proportion"
        Whether a rate is written as 0.967 or as 96.7.

    Returns
    -------
    pandas.DataFrame
        One row per group and quarter of ``data`` (or of ``at``) and comparison, sorted
        by comparison, group and quarter, with columns: the ``by``
        columns, the ``period_col`` column (current quarter), ``kind`` (``yoy``/``qoq``),
        ``base_period``, ``current``, ``base``, ``change`` (current − base, in the value's
        units), ``pct_change`` (change / base as a fraction, only when base > 0, current ≥ 0
        and the value is not a rate; else missing), ``change_pp`` (rates: change in percentage
        points; else missing), ``is_rate``, ``n_current``, ``n_base`` (rows with a value
        behind each side), ``status`` (a key of :data:`STATUSES`), ``status_zh``,
        ``status_en``.

    Raises
    ------
    ParameterError
        For missing columns, quarters that cannot be read, several rows per group and
        quarter without ``agg``, or ``comparable=True`` without ``entity_col``.

    Notes
    -----
    ``pct_change = (current − base) / base`` only when ``base > 0`` and ``current ≥ 0``. With ``base = 0`` the
    status is 新增 (current > 0), 持平 (current = 0) or 基数为零 (current < 0). With
    ``base < 0``: 扭亏为盈 (current > 0), 减亏 (base < current ≤ 0), 增亏 (current < base),
    持平 (current = base); with ``base > 0`` and ``current < 0``: 由盈转亏. Values are compared
    exactly; round them to the published precision first.

    Examples
    --------
    >>> df = pd.DataFrame({"quarter": ["2025Q3", "2026Q2", "2026Q3"],
    ...                    "profit": [-20.0, 50.0, 30.0]})
    >>> out = compare_periods(df, value_col="profit", at="2026Q3")
    >>> out[["kind", "base", "current", "pct_change", "status_zh"]].to_dict("records")
    [{'kind': 'yoy', 'base': -20.0, 'current': 30.0, 'pct_change': nan, 'status_zh': '扭亏为盈'}, {'kind': 'qoq', 'base': 50.0, 'current': 30.0, 'pct_change': -0.4, 'status_zh': '下降'}]
    """  # noqa: E501
    func = "compare_periods"
    check_choice(func, "kind", kind, KINDS)
    check_choice(func, "rate_unit", rate_unit, RATE_UNITS)
    check_bool(func, "comparable", comparable)
    check_bool(func, "is_rate", is_rate)
    if agg is not None:
        check_choice(func, "agg", agg, AGGS)
    if denominator_col is not None and agg == "mean":
        raise ParameterError(func, "agg", "None or 'sum' with a denominator (a ratio of sums)", agg)
    if comparable and entity_col is None:
        raise ParameterError(
            func,
            "entity_col",
            "a column naming the units compared (with comparable=True)",
            entity_col,
            zh=f"{func}：可比口径（comparable=True）须用 entity_col 指明比较单位（如 'person_id'）",
        )
    keys = [by] if isinstance(by, str) else list(by)
    table = _columns(data, keys, period_col, value_col, denominator_col, entity_col, func)
    qidx = table["_q"]
    if agg is None and denominator_col is None and table.duplicated([*keys, "_q"]).any():
        dup = table.loc[table.duplicated([*keys, "_q"], keep=False), [*keys, period_col]].head(3)
        raise ParameterError(
            func,
            "agg",
            "'sum' or 'mean' when a group has several rows in a quarter",
            dup.to_dict("records"),
            zh=f"{func}：同一分组同一季度有多行，请指定 agg='sum' 或 agg='mean'；"
            f"例如 {dup.to_dict('records')}",
        )
    valid = table["_v"].notna() & (table["_d"].notna() if denominator_col else True)
    present = pd.MultiIndex.from_arrays([table[entity_col], qidx])[valid] if comparable else None
    current_at = _current_quarters(at, func)
    kinds = ["yoy", "qoq"] if kind == "both" else [kind]
    # Every group and quarter of the data gets a row, even when no entity of it is comparable.
    groups = table.groupby([*keys, "_q"], sort=False, dropna=False).size().index
    out: list[pd.DataFrame] = []
    for k in kinds:
        shift = _SHIFTS[k]
        if present is None:
            cur_rows = base_rows = table
        else:
            cur_rows = table[
                pd.MultiIndex.from_arrays([table[entity_col], qidx + shift]).isin(present)
            ]
            base_rows = table[
                pd.MultiIndex.from_arrays([table[entity_col], qidx - shift]).isin(present)
            ]
        cur = _aggregate(cur_rows, keys, agg, denominator_col is not None).reindex(groups)
        base = _aggregate(
            base_rows.assign(_q=base_rows["_q"] - shift), keys, agg, denominator_col is not None
        )
        both = cur.add_suffix("_cur").join(base.add_suffix("_base"), how="left").reset_index()
        both["kind"] = k
        both["_k"] = len(out)
        both["_base_q"] = both["_q"] + shift
        out.append(both)
    res = pd.concat(out, ignore_index=True)
    if current_at is not None:
        res = res[res["_q"].isin(current_at)]
    res = res.sort_values(["_k", *keys, "_q"], kind="stable")
    return _finish(res.reset_index(drop=True), keys, period_col, is_rate, rate_unit)


def _columns(
    data: pd.DataFrame,
    keys: list[str],
    period_col: str,
    value_col: str,
    denominator_col: str | None,
    entity_col: str | None,
    func: str,
) -> pd.DataFrame:
    """The columns needed, with the quarter as an integer ``_q``, value ``_v``, denominator
    ``_d``."""
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(func, "data", "a pandas DataFrame", type(data).__name__)
    needed = [
        *keys,
        period_col,
        value_col,
        *(c for c in (denominator_col, entity_col) if c is not None),
    ]
    missing = [c for c in needed if c not in data.columns]
    if missing:
        raise ParameterError(
            func, "data", f"a DataFrame with columns {needed}", f"missing {missing}"
        )
    for col in (value_col, denominator_col):
        if col is not None and not pd.api.types.is_numeric_dtype(data[col]):
            raise ParameterError(
                func,
                "value_col" if col == value_col else "denominator_col",
                "a column of numbers",
                f"{col!r} of dtype {data[col].dtype}",
            )
    quarters = parse_quarters(data[period_col])
    bad = quarters.isna()
    if bad.any():
        raise ParameterError(
            func,
            "period_col",
            f"column {period_col!r} of quarters such as 2026Q3",
            list(data.loc[bad, period_col].head(5)),
            zh=f"{func}：列 {period_col!r} 应为季度（如 2026Q3、2026年第3季度），"
            f"无法识别：{list(data.loc[bad, period_col].head(5))}",
        )
    table = data[list(dict.fromkeys([*keys, *(c for c in (entity_col,) if c)]))].copy()
    table[period_col] = quarters
    table["_q"] = _per_unique(quarters, quarter_index).astype(np.int64)
    table["_v"] = data[value_col].astype("float64")
    table["_d"] = data[denominator_col].astype("float64") if denominator_col else np.nan
    return table


def _current_quarters(at: str | Sequence[str] | None, func: str) -> list[int] | None:
    if at is None:
        return None
    items = [at] if isinstance(at, str) else list(at)
    try:
        return [quarter_index(q) for q in items]
    except ValueError:
        raise ParameterError(func, "at", "quarters such as '2026Q3'", at) from None


def _aggregate(rows: pd.DataFrame, keys: list[str], agg: str | None, ratio: bool) -> pd.DataFrame:
    """Value and number of rows with a value per group and quarter."""
    if ratio:
        rows = rows[rows["_v"].notna() & rows["_d"].notna()]
    grouped = rows.groupby([*keys, "_q"], sort=False, dropna=False)
    n = grouped["_v"].count()
    if ratio:
        den = grouped["_d"].sum()
        v = grouped["_v"].sum() / den.where(den != 0)
    elif agg == "mean":
        v = grouped["_v"].mean()
    else:
        # Unique rows or a sum: min_count=1 keeps an all-missing group missing, not 0.
        v = grouped["_v"].sum(min_count=1)
    return pd.DataFrame({"v": v, "n": n})


def _per_unique(values: pd.Series, func: Any) -> np.ndarray:
    # Long tables repeat a dozen quarters hundreds of thousands of times: call func once each.
    codes, uniques = pd.factorize(values)
    return np.asarray([func(u) for u in uniques])[codes]


def _finish(
    res: pd.DataFrame, keys: list[str], period: str, is_rate: bool, rate_unit: str
) -> pd.DataFrame:
    cur = res["v_cur"].to_numpy(dtype=float)
    base = res["v_base"].to_numpy(dtype=float)
    change = cur - base
    codes = _status_codes(cur, base, change, is_rate)
    status = np.asarray(list(STATUSES), dtype=object)[codes]
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where((not is_rate) & (base > 0) & (cur >= 0), change / base, np.nan)
    scale = 100.0 if rate_unit == "proportion" else 1.0
    zh = np.asarray([v[0] for v in STATUSES.values()], dtype=object)[codes]
    en = np.asarray([v[1] for v in STATUSES.values()], dtype=object)[codes]
    if is_rate:
        zh[status == "up"] = _RATE_UP_ZH
    out = pd.DataFrame(
        {
            **{k: res[k] for k in keys},
            period: _per_unique(res["_q"], quarter_from_index),
            "kind": res["kind"],
            "base_period": _per_unique(res["_base_q"], quarter_from_index),
            "current": cur,
            "base": base,
            "change": change,
            "pct_change": pct,
            "change_pp": change * scale if is_rate else np.nan,
            "is_rate": is_rate,
            "n_current": res["n_cur"].fillna(0).astype("Int64"),
            "n_base": res["n_base"].fillna(0).astype("Int64"),
            "status": status,
            "status_zh": zh,
            "status_en": en,
        }
    )
    return out


def _status_codes(
    cur: np.ndarray, base: np.ndarray, change: np.ndarray, is_rate: bool
) -> np.ndarray:
    """Position in :data:`STATUSES` of each comparison's status (the first condition met)."""
    no_cur, no_base = np.isnan(cur), np.isnan(base)
    if is_rate:
        conditions = [no_base, no_cur, change > 0, change < 0]
        choices = ["no_base", "no_current", "up", "down"]
    else:
        pos, neg = base > 0, base < 0
        conditions = [
            no_base,
            no_cur,
            (base == 0) & (cur > 0),
            (base == 0) & (cur < 0),
            pos & (cur < 0),
            neg & (cur > 0),
            neg & (change > 0),
            neg & (change < 0),
            pos & (change > 0),
            pos & (change < 0),
        ]
        choices = [
            "no_base",
            "no_current",
            "new",
            "zero_base",
            "to_negative",
            "turnaround",
            "loss_narrowed",
            "loss_widened",
            "up",
            "down",
        ]
    order = list(STATUSES)
    return np.select(conditions, [order.index(c) for c in choices], default=order.index("flat"))


def _half_up(x: float | Decimal, decimals: int) -> str:
    # Chinese reports round half up (四舍五入); format(x, ".1f") would round half to even on
    # the binary value (12.25 -> "12.2").
    return str(half_up(x, decimals))


def _exact_change(current: Any, base: Any, is_rate: bool, pp: Any = math.nan) -> Decimal | None:
    """The size of a change computed in decimal from the two values as given (their
    shortest decimal text: 8.1 is 8.1, not the binary 8.0999…): percent, or 百分点 of two
    rates (shares, or rates already in percent: whichever ``pp``, the float change in
    百分点, is); ``None`` without two finite values (or a zero base of a percentage)."""
    try:
        c, b = float(current), float(base)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(c) and math.isfinite(b)) or (not is_rate and b == 0):
        return None
    dc, db = Decimal(repr(c)), Decimal(repr(b))
    with localcontext() as ctx:
        ctx.prec = 60
        if not is_rate:
            return abs((dc - db) / db * 100)
        pp = float(pp)
        in_percent = math.isfinite(pp) and abs(pp - (c - b)) < abs(pp - (c - b) * 100)
        return abs(dc - db) * (1 if in_percent else 100)


def _amount_text(row: Mapping[str, Any] | pd.Series, decimals: int) -> str:
    """The shown size of one change: the exact quotient of ``current`` and ``base`` when
    the row has them, rounded half up (8.0 → 8.1 is exactly 1.25%: 1.3)."""
    is_rate = bool(row["is_rate"])
    if "current" in row and "base" in row:
        exact = _exact_change(row["current"], row["base"], is_rate, row.get("change_pp"))
        if exact is not None:
            return _half_up(exact, decimals)
    if is_rate:
        return _half_up(abs(row["change_pp"]), decimals)
    return _half_up(abs(row["pct_change"]) * 100, decimals)


def format_change(
    row: Mapping[str, Any] | pd.Series, *, language: str = "zh", decimals: int = 1
) -> str:
    """The display text of one comparison: ``↑12.3%``, ``↓1.5个百分点``, ``扭亏为盈``.

    Parameters
    ----------
    row : mapping or pandas.Series
        A row of :func:`compare_periods` (needs ``status``, ``is_rate``, ``pct_change``,
        ``change_pp``).
    language : {"zh", "en", "zh-en"}, default "zh"
        Chinese, English, or both (the Chinese, a space, the English; a text that reads
        the same in both, such as ``↑12.3%``, is shown once).
    decimals : int, default 1
        Decimals shown, rounded half up (四舍五入) on the exact change: with ``current``
        and ``base`` in ``row``, computed in decimal arithmetic from the values as given
        (80 → 89.8 is exactly +12.25%, shown ↑12.3%).

    Returns
    -------
    str

    Examples
    --------
    >>> format_change({"status": "up", "is_rate": False, "pct_change": 0.12345,
    ...                "change_pp": float("nan")})
    '↑12.3%'
    >>> format_change({"status": "down", "is_rate": True, "pct_change": float("nan"),
    ...                "change_pp": -1.5}, language="en")
    '↓1.5 pp'
    >>> format_change({"status": "turnaround"}, language="zh-en")
    '扭亏为盈 from negative to positive'

    For a whole table: ``table.apply(format_change, axis=1)``.
    """
    check_language("format_change", language)
    check_int("format_change", "decimals", decimals, minimum=0)
    if language == "zh-en":
        zh, en = (format_change(row, language=x, decimals=decimals) for x in ("zh", "en"))
        return zh if zh == en else f"{zh} {en}"
    status = row["status"]
    if status not in STATUSES:
        raise ParameterError(
            "format_change", "row['status']", "one of " + ", ".join(STATUSES), status
        )
    words = {code: pair[0 if language == "zh" else 1] for code, pair in STATUSES.items()}
    if status not in ("up", "down"):
        return words[status]
    arrow = "↑" if status == "up" else "↓"
    amount = _amount_text(row, decimals)
    if amount == _half_up(0.0, decimals):
        # A change that rounds to zero is shown as 持平, never as ↑0.0%.
        return words["flat"]
    if row["is_rate"]:
        return f"{arrow}{amount}个百分点" if language == "zh" else f"{arrow}{amount} pp"
    return f"{arrow}{amount}%"


def format_changes(data: pd.DataFrame, *, language: str = "zh", decimals: int = 1) -> pd.Series:
    """:func:`format_change` for every row of a :func:`compare_periods` table, vectorised.

    The same text as ``data.apply(format_change, axis=1, language=language)``, in a
    fraction of the time for a million members.

    Parameters
    ----------
    data : pandas.DataFrame
        A :func:`compare_periods` table (needs ``status``, ``is_rate``, ``pct_change``,
        ``change_pp``).
    language : {"zh", "en", "zh-en"}, default "zh"
        As for :func:`format_change`.
    decimals : int, default 1
        Decimals shown, rounded half up (四舍五入) on the exact change: with ``current``
        and ``base`` columns, computed in decimal arithmetic from the values as given
        (8.0 → 8.1 is exactly +1.25%, shown ↑1.3%).

    Returns
    -------
    pandas.Series
        One text per row, with the index of ``data``.

    Examples
    --------
    >>> rows = pd.DataFrame({"status": ["up", "down", "new"], "is_rate": [False, True, False],
    ...                      "pct_change": [0.12345, float("nan"), float("nan")],
    ...                      "change_pp": [float("nan"), -1.25, float("nan")]})
    >>> format_changes(rows).tolist()
    ['↑12.3%', '↓1.3个百分点', '新增']
    """
    check_language("format_changes", language)
    check_int("format_changes", "decimals", decimals, minimum=0)
    if language == "zh-en":
        zh = format_changes(data, language="zh", decimals=decimals)
        en = format_changes(data, language="en", decimals=decimals)
        return zh.where(zh == en, zh + " " + en)
    status = data["status"].astype(object)
    unknown = set(status.unique()) - set(STATUSES)
    if unknown:
        raise ParameterError(
            "format_changes", "data['status']", "one of " + ", ".join(STATUSES), sorted(unknown)[0]
        )
    words = status.map({k: v[0 if language == "zh" else 1] for k, v in STATUSES.items()})
    moving = status.isin(["up", "down"]).to_numpy()
    if not moving.any():
        return words.astype(object)
    is_rate = data["is_rate"].fillna(False).astype(bool).to_numpy()
    amount = np.where(
        is_rate,
        data["change_pp"].to_numpy(dtype=float),
        data["pct_change"].to_numpy(dtype=float) * 100,
    )
    # Half up on the shortest decimal text, as _half_up does one value at a time.
    text = np.full(len(data), "", dtype=object)
    text[moving] = _half_up_many(np.abs(amount[moving]), decimals)
    # Near a tie the float quotient may fall on either side (8.0 → 8.1 gives
    # 1.2499999…%): those few rows are computed exactly from current and base, as given.
    if "current" in data and "base" in data:
        scaled = np.abs(amount) * 10.0**decimals
        near = moving & ~(np.abs(scaled - np.floor(np.nan_to_num(scaled)) - 0.5) >= 1e-6)
        current, base = data["current"].to_numpy(), data["base"].to_numpy()
        pp = data["change_pp"].to_numpy(dtype=float)
        for i in np.flatnonzero(near):
            exact = _exact_change(current[i], base[i], bool(is_rate[i]), pp[i])
            if exact is not None:
                text[i] = _half_up(exact, decimals)
    # A change that rounds to zero is shown as 持平, as format_change does.
    flat = moving & (text == _half_up(0.0, decimals))
    words = words.mask(flat, STATUSES["flat"][0 if language == "zh" else 1])
    arrow = np.where(status.to_numpy() == "up", "↑", "↓")
    suffix = np.where(is_rate, "个百分点" if language == "zh" else " pp", "%")
    shown = pd.Series(arrow + text.astype(str) + suffix, index=data.index)
    return words.where(~(moving & ~flat), shown).astype(object)


def _half_up_many(values: np.ndarray, decimals: int) -> np.ndarray:
    """:func:`_half_up` of non-negative values, vectorised.

    Away from a tie the binary value rounds as its decimal text does, so integer
    arithmetic gives the digits; values within 1e-6 (in the last shown digit) of a tie,
    and huge or non-finite ones, go through :func:`_half_up` one by one — 3.8 million
    Decimals took 15 s of a national appraisal.
    """
    scale = 10.0**decimals
    scaled = values * scale
    exact = np.isfinite(scaled) & (scaled < 1e12)
    floor = np.floor(np.where(exact, scaled, 0.0))
    exact &= np.abs(scaled - floor - 0.5) >= 1e-6
    units = (floor + (scaled - floor > 0.5)).astype(np.int64)
    whole = pd.Series(units // int(scale)).astype("str")
    if decimals > 0:
        part = pd.Series(units % int(scale)).astype("str").str.zfill(decimals)
        whole = whole + "." + part
    text = whole.to_numpy(dtype=object)
    for i in np.flatnonzero(~exact):
        text[i] = _half_up(values[i], decimals)
    return text


_GROWTH_STATUSES = {
    "ok": ("可计算", "computed"),
    "non_positive_start": (
        "期初值不为正，无法计算平均增长率",
        "start value not positive, average growth undefined",
    ),
    "non_positive_end": (
        "期末值不为正，无法计算平均增长率",
        "end value not positive, average growth undefined",
    ),
    "missing": ("数据缺失，无法计算平均增长率", "missing value, average growth undefined"),
}


@dataclass(frozen=True)
class AverageGrowth(ResultDisplay):
    """Average growth per period (平均增长速度) by the geometric mean.

    Attributes
    ----------
    estimate : float
        ``(last / first) ** (1 / periods) − 1`` as a fraction; NaN when undefined.
    first, last : float
        Values at the start and the end.
    periods : int
        Number of periods of growth between them.
    status : str
        ``ok``, ``non_positive_start``, ``non_positive_end`` or ``missing``.
    """

    estimate: float
    first: float
    last: float
    periods: int
    status: str

    _title = "平均增长速度 / Average growth"

    @property
    def status_zh(self) -> str:
        """The status in Chinese."""
        return _GROWTH_STATUSES[self.status][0]

    @property
    def status_en(self) -> str:
        """The status in English."""
        return _GROWTH_STATUSES[self.status][1]

    def to_frame(self) -> pd.DataFrame:
        """One row: ``estimate``, ``first``, ``last``, ``periods``, ``status``."""
        return pd.DataFrame(
            [
                {
                    "estimate": self.estimate,
                    "first": self.first,
                    "last": self.last,
                    "periods": self.periods,
                    "status": self.status,
                }
            ]
        )

    def summary(self) -> str:
        """One sentence in Chinese, then in English."""
        if self.status != "ok":
            return (
                f"{self.status_zh}（期初 {self.first:g}，期末 {self.last:g}）。\n\n"
                f"{self.status_en[0].upper()}{self.status_en[1:]} "
                f"(start {self.first:g}, end {self.last:g})."
            )
        pct = _half_up(self.estimate * 100, 2)
        return (
            f"从 {self.first:g} 到 {self.last:g}，{self.periods} 期平均每期增长 {pct}%"
            f"（几何平均，水平法）。\n\n"
            f"From {self.first:g} to {self.last:g}: average growth {pct}% per period over "
            f"{self.periods} periods (geometric mean)."
        )


def average_growth(
    values: Sequence[float] | pd.Series, periods: int | None = None
) -> AverageGrowth:
    """Average growth per period as the geometric mean of the growth factors (水平法).

    Parameters
    ----------
    values : sequence of float or pandas.Series
        Values in time order; only the first and the last are used.
    periods : int, optional
        Number of periods from the first to the last value; ``None``: ``len(values) − 1``.
        Give it with two values (start and end) spanning several periods.

    Returns
    -------
    AverageGrowth
        ``estimate`` (a fraction), ``first``, ``last``, ``periods`` and ``status``.

    Raises
    ------
    ParameterError
        For fewer than two values, or ``periods`` < 1 or inconsistent with ``values``.

    Notes
    -----
    ``(∏(1 + g_t))^(1/n) − 1 = (last / first)^(1/n) − 1``: the product of the growth factors
    telescopes, so the intermediate values do not matter (国家统计局, 平均发展速度的水平法).
    The arithmetic mean of the growth rates overstates it. Undefined, with a status saying
    why, when the first or the last value is not positive. Checked against
    ``scipy.stats.gmean`` of the growth factors.

    Examples
    --------
    >>> round(average_growth([100, 110, 121]).estimate, 10)
    0.1
    >>> average_growth([100, 121], periods=2).estimate == average_growth([100, 105, 121]).estimate
    True
    >>> average_growth([-5, 10, 20]).status_zh
    '期初值不为正，无法计算平均增长率'
    """
    func = "average_growth"
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1 or arr.size < 2:
        raise ParameterError(func, "values", "at least two values in time order", values)
    if periods is None:
        periods = arr.size - 1
    check_int(func, "periods", periods, minimum=1)
    if arr.size > 2 and periods != arr.size - 1:
        raise ParameterError(func, "periods", f"{arr.size - 1} (the number of values − 1)", periods)
    first, last = float(arr[0]), float(arr[-1])
    if np.isnan(first) or np.isnan(last):
        status = "missing"
    elif first <= 0:
        status = "non_positive_start"
    elif last <= 0:
        status = "non_positive_end"
    else:
        status = "ok"
    estimate = (last / first) ** (1.0 / periods) - 1.0 if status == "ok" else np.nan
    return AverageGrowth(float(estimate), first, last, int(periods), status)
