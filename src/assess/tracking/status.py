"""Red / yellow / green status at an "as of" date: the one rule shared by projects, problems
and duties (绿色通知 / 黄色提醒 / 红色告警, seed 003), and the helpers their tables share.

The rule (:func:`rag_status`) reads the data as it stood on the morning of ``as_of``: an
item done on or before ``as_of`` is done; an item not done whose deadline is before
``as_of`` is overdue (the deadline day itself is still in time).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from assess.core.checks import check_int
from assess.core.errors import ParameterError
from assess.core.glossary import check_language, term
from assess.core.periods import parse_date, parse_dates
from assess.core.plotting import new_axes

__all__ = ["STATUSES", "STATUS_COLORS", "rag_status", "parse_as_of", "as_of_title"]

#: Status codes in order of urgency; ``"none"``: nothing to flag (done, or due later).
STATUSES: tuple[str, ...] = ("red", "yellow", "green", "none")
STATUS_COLORS = {"red": "#C44E52", "yellow": "#E8B53A", "green": "#55A868", "none": "#BBBBBB"}


def parse_as_of(func: str, value: Any) -> pd.Timestamp:
    """The ``as_of`` argument as a midnight Timestamp; ParameterError if it is not a date."""
    day = parse_date(value)
    if day is None:
        raise ParameterError(func, "as_of", "a date such as 2026-09-30", value)
    return pd.Timestamp(day)


def _check_deadlines(func: str, name: str, frame: pd.DataFrame, key: str) -> None:
    """ParameterError listing the rows whose ``due_date`` is missing or not a date."""
    bad = _dates(frame, "due_date").isna().to_numpy()
    if bad.any():
        ids = frame.loc[bad, key].astype(str).tolist()[:5]
        raise ParameterError(
            func,
            name,
            "a due_date on every row",
            f"{int(bad.sum())} rows without one, e.g. {ids}",
            zh=f"{func}：表 {name!r} 有 {int(bad.sum())} 行缺少或无法识别截止日期 "
            f"due_date，如 {ids}",
        )


def _dates(frame: pd.DataFrame, column: str) -> pd.Series:
    """Column ``column`` as ``datetime64[ns]`` (all missing when the column is absent)."""
    if column not in frame.columns:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    return parse_dates(frame[column])


def rag_status(
    due: pd.Series,
    done: pd.Series,
    *,
    as_of: dt.date | str | pd.Timestamp,
    warn_days: int,
    notice_days: int | None = None,
    behind: pd.Series | None = None,
) -> pd.Series:
    """Red / yellow / green status of deadlines at ``as_of``.

    Parameters
    ----------
    due, done : Series of dates
        Deadline and the day the item was done (missing: not done).
    as_of : date
        The day the status is read; ``done`` after it counts as not done yet.
    warn_days : int
        Yellow when not done and due within this many days (0 = due on ``as_of``).
    notice_days : int, optional
        When given (duties), green only when not done and due within this many days, and
        ``"none"`` for everything else; when omitted (projects, problems), green is
        everything that is neither red nor yellow.
    behind : Series of bool, optional
        When given (projects), yellow also needs ``behind`` to be true; a project due soon
        but on its planned trajectory is green.

    Returns
    -------
    Series of str
        ``"red"``, ``"yellow"``, ``"green"`` or ``"none"``, aligned with ``due``.

    Notes
    -----
    With d = (due − as_of) in days and "open" = not done on or before ``as_of``:
    red = open and d < 0; yellow = open and 0 ≤ d ≤ warn_days (and behind);
    green = open and d ≤ notice_days, or (no notice_days) everything else.

    Examples
    --------
    >>> due = pd.Series(pd.to_datetime(["2026-09-01", "2026-10-05", "2026-10-20", "2026-12-01"]))
    >>> done = pd.Series(pd.to_datetime([None, None, None, None]))
    >>> rag_status(due, done, as_of="2026-09-30", warn_days=7, notice_days=30).tolist()
    ['red', 'yellow', 'green', 'none']
    """
    day = parse_as_of("rag_status", as_of)
    warn = check_int("rag_status", "warn_days", warn_days, minimum=0)
    is_open = ~(done.notna() & (done <= day)).to_numpy()
    left = (due - day).dt.days.to_numpy(dtype=float)
    red = is_open & (left < 0)
    soon = is_open & (left >= 0) & (left <= warn)
    yellow = soon & (True if behind is None else behind.to_numpy(dtype=bool))
    if notice_days is None:
        green = ~red & ~yellow
    else:
        notice = check_int("rag_status", "notice_days", notice_days, minimum=0)
        green = is_open & ~red & ~yellow & (left <= max(notice, warn))
    status = np.select([red, yellow, green], ["red", "yellow", "green"], default="none")
    return pd.Series(status, index=due.index, dtype=object)


def as_of_title(key: str, day: str, language: str) -> str:
    """A chart title of glossary term ``key`` at ``day``: ``截至 2026-09-30 项目状态``."""
    words = {lang: term(key, lang) for lang in ("zh", "en")}
    return {
        "zh": f"截至 {day} {words['zh']}",
        "en": f"{words['en']}, as of {day}",
        "zh-en": f"截至 {day} {words['zh']} {words['en']}",
    }[check_language("as_of_title", language)]


def _status_bars(
    counts: pd.DataFrame,
    ax: Axes | None,
    *,
    title: str,
    xlabel: str,
    kind: str,
    language: str,
) -> Axes:
    """Horizontal stacked bars of status counts, one bar per row of ``counts``; the
    statuses named by the glossary terms ``{kind}_red`` etc., the axis by ``xlabel``."""
    ax = new_axes(ax, figsize=(7.0, 1.2 + 0.3 * min(len(counts), 40)))
    left = np.zeros(len(counts))
    positions = np.arange(len(counts))
    for status in STATUSES:
        if status not in counts.columns or not counts[status].any():
            continue
        values = counts[status].to_numpy(dtype=float)
        ax.barh(
            positions,
            values,
            left=left,
            color=STATUS_COLORS[status],
            label=term(f"{kind}_{status}", language),
        )
        left += values
    ax.set_yticks(positions, [str(i) for i in counts.index])
    ax.invert_yaxis()
    ax.set_xlabel(term(xlabel, language))
    ax.set_title(title)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower right", fontsize=8)
    return ax
