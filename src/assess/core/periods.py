"""Dates, months and quarters as Chinese users write them, parsed to one canonical form.

Canonical forms used everywhere in `assess`:

* a date is a :class:`datetime.date` (``datetime64[ns]`` in a DataFrame);
* a month is the text ``"2026-05"``;
* a quarter is the text ``"2026Q3"``.

Text keeps columns printable, sortable and identical in CSV, Excel, DuckDB and JSON;
:func:`quarter_index` turns a quarter into an integer for arithmetic.
"""

from __future__ import annotations

import datetime as dt
import numbers
import re
from typing import Any

import pandas as pd

from assess.core.errors import ParameterError

#: What a quarter parameter accepts, in the one wording every check of a quarter uses.
QUARTER_ACCEPTS = (
    "季度，写作 2026Q3 或 2026年第3季度",
    "a quarter such as '2026Q3' or '2026年第3季度'",
)

__all__ = [
    "QUARTER_ACCEPTS",
    "parse_date",
    "parse_month",
    "parse_quarter",
    "parse_dates",
    "parse_months",
    "parse_quarters",
    "quarter_of",
    "quarter_index",
    "quarter_from_index",
    "shift_quarter",
    "quarter_months",
    "quarter_bounds",
    "month_of",
]

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_MONTH_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月$"),
    re.compile(r"^(\d{4})(\d{2})$"),
)
_QUARTER_PATTERNS = (
    re.compile(r"^(\d{4})\s*-?\s*[Qq]([1-4])$"),
    re.compile(r"^(\d{4})年第?([1-4一二三四])季度?$"),
)
# A timestamp whose time part is midnight, as Excel and pandas write dates.
_MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T]00:00:00(\.0+)?$")


def parse_date(value: Any) -> dt.date | None:
    """Parse one date written as ``2026-05-01``, ``2026/5/1`` or ``2026年5月1日``.

    Excel cells already read as dates or timestamps are accepted as they are.
    Returns ``None`` when the value cannot be read as a real calendar date.

    Examples
    --------
    >>> parse_date("2026年5月1日")
    datetime.date(2026, 5, 1)
    >>> parse_date("2026/2/30") is None
    True
    """
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    midnight = _MIDNIGHT.match(text)
    if midnight:
        text = midnight.group(1)
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return None
    return None


def parse_month(value: Any) -> str | None:
    """Parse a month written as ``2026-05``, ``2026/5`` or ``2026年5月`` to ``"2026-05"``.

    A full date is accepted and reduced to its month.

    Examples
    --------
    >>> parse_month("2026年5月")
    '2026-05'
    >>> parse_month("2026-13") is None
    True
    """
    day = parse_date(value)
    if day is not None:
        return f"{day.year:04d}-{day.month:02d}"
    if not isinstance(value, str):
        return None
    text = value.strip()
    for pattern in _MONTH_PATTERNS:
        m = pattern.match(text)
        if m and 1 <= int(m.group(2)) <= 12:
            return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
    return None


def parse_quarter(value: Any) -> str | None:
    """Parse a quarter written as ``2026Q3``, ``2026-Q3`` or ``2026年第3季度`` to ``"2026Q3"``.

    Examples
    --------
    >>> parse_quarter("2026年第三季度")
    '2026Q3'
    >>> parse_quarter("2026-q3")
    '2026Q3'
    >>> parse_quarter("2026Q5") is None
    True
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    for pattern in _QUARTER_PATTERNS:
        m = pattern.match(text)
        if m:
            return f"{int(m.group(1)):04d}Q{_CN_DIGITS[m.group(2)]}"
    return None


def _parse_series(values: pd.Series, parse: Any) -> pd.Series:
    # Parse each distinct value once: input columns repeat a few dates thousands of times.
    uniques = pd.unique(values.dropna())
    mapping = {u: parse(u) for u in uniques}
    return values.map(mapping)


def parse_dates(values: pd.Series) -> pd.Series:
    """Parse a column of dates; unreadable entries become ``NaT``.

    Examples
    --------
    >>> parse_dates(pd.Series(["2026/5/1", "bad"])).tolist()
    [Timestamp('2026-05-01 00:00:00'), NaT]
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.astype("datetime64[ns]")
    return pd.to_datetime(_parse_series(values, parse_date), errors="coerce").astype(
        "datetime64[ns]"
    )


def parse_months(values: pd.Series) -> pd.Series:
    """Parse a column of months to ``"YYYY-MM"`` text; unreadable entries become missing."""
    return _parse_series(values, parse_month)


def parse_quarters(values: pd.Series) -> pd.Series:
    """Parse a column of quarters to ``"YYYYQn"`` text; unreadable entries become missing."""
    return _parse_series(values, parse_quarter)


def quarter_of(day: dt.date | pd.Timestamp | str) -> str:
    """The quarter a date or a month falls in.

    Examples
    --------
    >>> quarter_of(dt.date(2026, 5, 1))
    '2026Q2'
    >>> quarter_of("2026-11")
    '2026Q4'
    """
    if isinstance(day, str):
        month = parse_month(day)
        if month is None:
            raise ValueError(f"not a date or month: {day!r}")
        year, mon = int(month[:4]), int(month[5:])
    else:
        year, mon = day.year, day.month
    return f"{year:04d}Q{(mon - 1) // 3 + 1}"


def month_of(day: dt.date | pd.Timestamp) -> str:
    """The ``"YYYY-MM"`` month of a date."""
    return f"{day.year:04d}-{day.month:02d}"


def quarter_index(quarter: str) -> int:
    """An integer that grows by one per quarter, for arithmetic on quarters.

    Examples
    --------
    >>> quarter_index("2026Q1") - quarter_index("2025Q4")
    1
    """
    q = parse_quarter(quarter)
    if q is None:
        raise ValueError(f"not a quarter: {quarter!r}")
    return int(q[:4]) * 4 + int(q[5]) - 1


def quarter_from_index(index: int) -> str:
    """Inverse of :func:`quarter_index`."""
    return f"{index // 4:04d}Q{index % 4 + 1}"


def shift_quarter(quarter: str, n: int) -> str:
    """The quarter ``n`` quarters after (negative: before) ``quarter``.

    ``shift_quarter(q, -1)`` is the 环比 base, ``shift_quarter(q, -4)`` the 同比 base.

    Examples
    --------
    >>> shift_quarter("2026Q1", -1), shift_quarter("2026Q3", -4)
    ('2025Q4', '2025Q3')
    """
    # core.checks builds on this module, so the two checks are spelt out here, in its words.
    parsed = parse_quarter(quarter)
    if parsed is None:
        zh, en = QUARTER_ACCEPTS
        raise ParameterError(
            "shift_quarter",
            "quarter",
            en,
            quarter,
            zh=f"shift_quarter：参数 'quarter' 应为{zh}，实际为 {quarter!r}",
        )
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise ParameterError(
            "shift_quarter",
            "n",
            "a whole number",
            n,
            zh=f"shift_quarter：参数 'n' 应为整数，实际为 {n!r}",
        )
    return quarter_from_index(quarter_index(parsed) + int(n))


def quarter_months(quarter: str) -> list[str]:
    """The three ``"YYYY-MM"`` months of a quarter.

    Examples
    --------
    >>> quarter_months("2026Q3")
    ['2026-07', '2026-08', '2026-09']
    """
    idx = quarter_index(quarter)
    year, q = idx // 4, idx % 4
    return [f"{year:04d}-{3 * q + m:02d}" for m in (1, 2, 3)]


def quarter_bounds(quarter: str) -> tuple[dt.date, dt.date]:
    """First and last day of a quarter.

    Examples
    --------
    >>> quarter_bounds("2026Q1")
    (datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))
    """
    idx = quarter_index(quarter)
    year, q = idx // 4, idx % 4
    first = dt.date(year, 3 * q + 1, 1)
    nxt = dt.date(year + (q == 3), (3 * q + 3) % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)
