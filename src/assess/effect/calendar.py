"""The Spring Festival (lunar new year, 春节) moves between January and February.

Violations, complaints and faults change around the holiday (fewer work tickets, more
household load), so a month-on-month model needs to know how much of the holiday falls in
each month. :data:`SPRING_FESTIVAL` holds the date of the first day of the first lunar
month for 2000–2040; :func:`spring_festival_share` turns it into a regressor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np

from assess.core.checks import check_int
from assess.core.errors import ParameterError
from assess.core.periods import parse_month

__all__ = ["SPRING_FESTIVAL", "spring_festival", "spring_festival_share"]

# Source: the Chinese calendar (农历) conversion tables as encoded in the `borax` 4.1.3 and
# `lunardate` 0.3.0 packages (``LunarDate(year, 1, 1)`` to the Gregorian date); the two
# agree on every year 2000–2040. tests/test_effect_calendar.py pins well-known dates.
_DATES = (
    "2000-02-05",
    "2001-01-24",
    "2002-02-12",
    "2003-02-01",
    "2004-01-22",
    "2005-02-09",
    "2006-01-29",
    "2007-02-18",
    "2008-02-07",
    "2009-01-26",
    "2010-02-14",
    "2011-02-03",
    "2012-01-23",
    "2013-02-10",
    "2014-01-31",
    "2015-02-19",
    "2016-02-08",
    "2017-01-28",
    "2018-02-16",
    "2019-02-05",
    "2020-01-25",
    "2021-02-12",
    "2022-02-01",
    "2023-01-22",
    "2024-02-10",
    "2025-01-29",
    "2026-02-17",
    "2027-02-06",
    "2028-01-26",
    "2029-02-13",
    "2030-02-03",
    "2031-01-23",
    "2032-02-11",
    "2033-01-31",
    "2034-02-19",
    "2035-02-08",
    "2036-01-28",
    "2037-02-15",
    "2038-02-04",
    "2039-01-24",
    "2040-02-12",
)

#: Gregorian date of the Spring Festival (正月初一) by year, 2000–2040.
SPRING_FESTIVAL: dict[int, dt.date] = {int(d[:4]): dt.date.fromisoformat(d) for d in _DATES}


def spring_festival(year: int) -> dt.date:
    """The Gregorian date of the Spring Festival in ``year`` (2000–2040).

    Examples
    --------
    >>> spring_festival(2026)
    datetime.date(2026, 2, 17)
    """
    if year not in SPRING_FESTIVAL:
        raise ParameterError(
            "spring_festival",
            "year",
            f"a year from {min(SPRING_FESTIVAL)} to {max(SPRING_FESTIVAL)}",
            year,
        )
    return SPRING_FESTIVAL[year]


def spring_festival_share(months: Iterable[str], *, before: int = 7, after: int = 7) -> np.ndarray:
    """Share of the Spring Festival window that falls in each month.

    Parameters
    ----------
    months : iterable of str
        Months as ``"2026-02"`` (any form :func:`assess.core.periods.parse_month` reads).
    before, after : int, default 7
        The window is the festival day, ``before`` days before it and ``after`` days
        after it (default ±7 days: the week-long official holiday and the travel days
        around it).

    Returns
    -------
    ndarray
        One number in [0, 1] per month: the days of that year's window falling in the
        month divided by the window length. It is 0 outside January–March and the two
        (or three) months of one year sum to 1.

    Raises
    ------
    ParameterError
        For an unreadable month, a year outside 2000–2040, or a negative window.

    Notes
    -----
    A share rather than a dummy for the month containing the festival: when the festival
    falls on 29 January (2025), a third of the ±7-day window is in February. With monthly
    seasonal dummies in the model, the regressor is identified by the year-to-year
    movement of the festival.

    Examples
    --------
    >>> spring_festival_share(["2025-01", "2025-02", "2026-02", "2026-07"]).round(3).tolist()
    [0.667, 0.333, 1.0, 0.0]
    """
    func = "spring_festival_share"
    for name, value in (("before", before), ("after", after)):
        check_int(func, name, value, minimum=0)
    length = before + after + 1
    shares = []
    for raw in months:
        month = parse_month(raw)
        if month is None:
            raise ParameterError(func, "months", "months such as 2026-02", raw)
        year, mon = int(month[:4]), int(month[5:])
        festival = SPRING_FESTIVAL.get(year)
        if festival is None:
            raise ParameterError(
                func,
                "months",
                f"months of the years {min(SPRING_FESTIVAL)}–"
                f"{max(SPRING_FESTIVAL)} (the table of festival dates)",
                raw,
            )
        first = festival - dt.timedelta(days=before)
        days = [first + dt.timedelta(days=i) for i in range(length)]
        shares.append(sum(d.month == mon and d.year == year for d in days) / length)
    return np.asarray(shares, dtype=float)
