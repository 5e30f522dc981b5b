"""Problem lists and rectification (问题清单, 整改, seed 003): closure, ageing, recurrence.

Status at ``as_of`` (:func:`assess.tracking.status.rag_status`): red alert = open past its
rectification deadline; yellow reminder = open and due within ``warn_days`` (default 14);
green otherwise (open with time left, or closed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from assess.core.checks import check_confidence, check_int, require_columns
from assess.core.display import ResultDisplay
from assess.core.excel import workbook_sheet
from assess.core.formatting import interval, percent
from assess.core.glossary import TERMS
from assess.core.intervals import wilson_rate
from assess.core.periods import quarter_bounds, quarter_from_index, quarter_index, quarter_of
from assess.core.schema import PROBLEM_LEVELS
from assess.tracking.status import (
    _check_deadlines,
    _dates,
    _status_bars,
    as_of_title,
    parse_as_of,
    rag_status,
)

__all__ = ["ProblemStatus", "track_problems", "AGEING_BUCKETS", "PROBLEM_LABELS"]

#: Overdue ageing buckets: (column, lowest day, highest day) of days past the deadline.
AGEING_BUCKETS: tuple[tuple[str, int, float], ...] = (
    ("overdue_1_30", 1, 30),
    ("overdue_31_90", 31, 90),
    ("overdue_91_180", 91, 180),
    ("overdue_181_plus", 181, np.inf),
)
PROBLEM_LABELS: dict[str, tuple[str, str]] = {
    s: TERMS[f"problem_{s}"] for s in ("red", "yellow", "green", "none")
}
ALL = "ALL"
_COUNTS = [
    "found",
    "closed",
    "due",
    "closed_on_time",
    "open",
    "overdue",
    *[b[0] for b in AGEING_BUCKETS],
    "red",
    "yellow",
    "green",
]


@dataclass(frozen=True, eq=False)
class ProblemStatus(ResultDisplay):
    """Problems and their rectification at an as-of date (see :func:`track_problems`).

    Attributes
    ----------
    as_of : Timestamp
    warn_days : int
    confidence : float
    problems : DataFrame
        One row per problem found on or before ``as_of``: ``problem_id, unit_code, level,
        category, source, found_date, due_date, closed_date, closed, days_left,
        days_overdue, age_days, bucket, status``.
    by_level, by_unit : DataFrame
        ``found, closed, closure_rate, closure_ci_low, closure_ci_high`` (Wilson),
        ``due`` (deadline passed), ``closed_on_time, on_time_rate, open, overdue``, the
        ageing buckets ``overdue_1_30, overdue_31_90, overdue_91_180, overdue_181_plus``
        and ``red, yellow, green``; the last row is ``ALL``. ``by_level`` also has
        ``level_name``.
    by_quarter : DataFrame
        At each quarter's end (the last one cut at ``as_of``): ``quarter, found_in_quarter,
        closed_in_quarter, found, closed, open, overdue, closure_rate, change`` (closure
        rate minus the previous quarter's, in proportion points).
    recurring : DataFrame
        The same category found at least twice at the same unit: ``unit_code, category,
        count, open, first_found, last_found``.
    """

    as_of: pd.Timestamp
    warn_days: int
    confidence: float
    problems: pd.DataFrame
    by_level: pd.DataFrame
    by_unit: pd.DataFrame
    by_quarter: pd.DataFrame
    recurring: pd.DataFrame

    _title = "问题整改 / Problem rectification"

    def to_frame(self) -> pd.DataFrame:
        """Closure and ageing by level (:attr:`by_level`)."""
        return self.by_level

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by its Chinese sheet name for an Excel workbook, headed by the
        glossary, with what each sheet holds (:func:`assess.core.excel.workbook_sheet`)."""
        day = self.as_of.date().isoformat()
        tables = {
            "问题按等级": (self.by_level, f"截至 {day} 各等级问题的销号率、按期整改率与逾期"),
            "问题按单位": (self.by_unit, f"截至 {day} 各单位问题的销号与逾期"),
            "问题按季度": (self.by_quarter, "各季度发现问题的销号情况"),
            "重复问题": (self.recurring, "同一单位重复出现的问题"),
            "问题": (self.problems, "每个问题及其整改状态"),
        }
        return {
            name: workbook_sheet(frame, {"count": "times"}, description=text)
            for name, (frame, text) in tables.items()
        }

    def summary(self) -> str:
        """The findings in Chinese, then in English."""
        t = self.by_level[self.by_level["level"] == ALL].iloc[0]
        day = self.as_of.date().isoformat()
        level = percent(self.confidence, 0)
        ci = interval(t["closure_ci_low"], t["closure_ci_high"], percent=True)
        old = int(t["overdue_181_plus"])
        zh = (
            f"截至 {day}：问题 {t['found']:,} 个，已销号 {t['closed']:,} 个（销号率 "
            f"{percent(t['closure_rate'])}，{level} 区间 {ci}），按期整改率 "
            f"{percent(t['on_time_rate'])}；未销号 {t['open']:,} 个，其中红色告警（逾期）"
            f"{t['red']:,} 个（逾期超过 180 天 {old} 个），黄色提醒（{self.warn_days} 天内到期）"
            f"{t['yellow']:,} 个。"
        )
        en = (
            f"As of {day}: {t['found']:,} problems, {t['closed']:,} closed (closure "
            f"{percent(t['closure_rate'])}, {level} CI {ci}), rectified on time "
            f"{percent(t['on_time_rate'])}; open: {t['open']:,}, of which red alerts "
            f"(overdue): {t['red']:,} (over 180 days: {old}), yellow reminders (due within "
            f"{self.warn_days} days): {t['yellow']:,}."
        )
        levels = self.by_level[self.by_level["level"] != ALL]
        zh += (
            "分级销号率："
            + "，".join(f"{r.level_name} {percent(r.closure_rate)}" for r in levels.itertuples())
            + "。"
        )
        en += (
            " Closure by level: "
            + ", ".join(f"level {r.level} {percent(r.closure_rate)}" for r in levels.itertuples())
            + "."
        )
        if len(self.by_quarter) >= 2:
            last = self.by_quarter.iloc[-1]
            zh += f"{last['quarter']} 末销号率较上季度变化 {last['change'] * 100:+.1f} 个百分点。"
            en += (
                f" Closure at the end of {last['quarter']}: {last['change'] * 100:+.1f} "
                "points on the previous quarter."
            )
        n_rec = len(self.recurring)
        zh += f"重复发生问题 {n_rec} 处（同一单位同类问题两次及以上）。"
        en += f" Recurring problems (same category twice or more at one unit): {n_rec}."
        return zh + "\n\n" + en

    def plot(self, ax: Axes | None = None, *, language: str = "zh") -> Axes:
        """Stacked bars of problem status by level, labelled in ``language``."""
        levels = self.by_level[self.by_level["level"] != ALL]
        counts = levels.set_index("level_name")[["red", "yellow", "green"]]
        day = self.as_of.date().isoformat()
        return _status_bars(
            counts,
            ax,
            title=as_of_title("problem_status", day, language),
            xlabel="problems_axis",
            kind="problem",
            language=language,
        )


def track_problems(
    problems: pd.DataFrame,
    *,
    as_of: dt.date | str | pd.Timestamp,
    warn_days: int = 14,
    confidence: float = 0.95,
) -> ProblemStatus:
    """Closure by level and unit, overdue ageing, quarterly progress and recurrence.

    Parameters
    ----------
    problems : DataFrame
        The ``problems`` table: ``problem_id, unit_code, level, category, found_date,
        due_date, closed_date`` (optional ``source``).
    as_of : date
        The day the status is read; problems found later are left out.
    warn_days : int, default 14
        Yellow reminder when open and due within this many days.
    confidence : float, default 0.95
        Confidence level of the Wilson intervals.

    Returns
    -------
    ProblemStatus
        ``problems, by_level, by_unit, by_quarter, recurring``.

    Raises
    ------
    ParameterError
        Missing columns or due dates, an unreadable ``as_of``, bad options.

    Notes
    -----
    Read on the morning of ``as_of``: closed on or before ``as_of`` is closed; open with
    ``due_date < as_of`` is overdue, ``days_overdue = as_of − due_date``. Closure rate =
    closed / found with a Wilson interval; on time = closed on or before the deadline,
    among problems whose deadline has passed. A problem recurs when its category was
    found at least twice at the same unit (the rule of seed 003's three-level database).

    Examples
    --------
    >>> problems = pd.DataFrame({
    ...     "problem_id": ["W1", "W2", "W3"], "unit_code": ["B1", "B1", "B2"],
    ...     "level": ["1", "3", "2"], "category": ["台账", "台账", "党费"],
    ...     "found_date": ["2026-07-01", "2026-08-01", "2026-09-01"],
    ...     "due_date": ["2026-07-31", "2026-10-05", "2026-12-01"],
    ...     "closed_date": [None, None, "2026-09-20"]})
    >>> r = track_problems(problems, as_of="2026-09-30")
    >>> r.problems["status"].tolist(), r.problems["days_overdue"].tolist()
    (['red', 'yellow', 'green'], [61, 0, 0])
    """
    func = "track_problems"
    day = parse_as_of(func, as_of)
    warn = check_int(func, "warn_days", warn_days, minimum=0)
    confidence = check_confidence(func, confidence)
    require_columns(
        func,
        "problems",
        problems,
        ("problem_id", "unit_code", "level", "category", "found_date", "due_date"),
    )
    _check_deadlines(func, "problems", problems, "problem_id")
    found = _dates(problems, "found_date")
    frame = pd.DataFrame(
        {
            "problem_id": problems["problem_id"].astype(str).to_numpy(),
            "unit_code": problems["unit_code"].astype(str).to_numpy(),
            "level": problems["level"].astype(str).to_numpy(),
            "category": problems["category"].astype(str).to_numpy(),
            "source": problems["source"].to_numpy() if "source" in problems else "",
            "found_date": found.to_numpy(),
            "due_date": _dates(problems, "due_date").to_numpy(),
            "closed_date": _dates(problems, "closed_date").to_numpy(),
        }
    )[(found <= day).to_numpy()].reset_index(drop=True)
    due, closed_on = frame["due_date"], frame["closed_date"]
    closed = closed_on.notna() & (closed_on <= day)
    frame["closed"] = closed
    frame["days_left"] = (due - day).dt.days
    frame["days_overdue"] = np.where(~closed & (due < day), (day - due).dt.days, 0)
    frame["age_days"] = (day - frame["found_date"]).dt.days
    frame["bucket"] = _bucket(frame["days_overdue"])
    frame["status"] = rag_status(due, closed_on, as_of=day, warn_days=warn)
    by_level = _rates(frame, "level", day, confidence)
    by_level.insert(
        1,
        "level_name",
        [PROBLEM_LEVELS.get(c, "合计 total" if c == ALL else c) for c in by_level["level"]],
    )
    return ProblemStatus(
        day,
        warn,
        confidence,
        frame,
        by_level,
        _rates(frame, "unit_code", day, confidence),
        _by_quarter(frame, day),
        _recurring(frame),
    )


def _bucket(days_overdue: pd.Series) -> pd.Series:
    out = pd.Series("", index=days_overdue.index, dtype=object)
    for name, low, high in AGEING_BUCKETS:
        out[(days_overdue >= low) & (days_overdue <= high)] = name
    return out


def _rates(frame: pd.DataFrame, by: str, day: pd.Timestamp, confidence: float) -> pd.DataFrame:
    is_due = frame["due_date"] < day
    work = pd.DataFrame(
        {
            by: frame[by],
            "found": 1,
            "closed": frame["closed"].astype(int),
            "due": is_due.astype(int),
            "closed_on_time": (
                is_due & frame["closed"] & (frame["closed_date"] <= frame["due_date"])
            ).astype(int),
            "open": (~frame["closed"]).astype(int),
            "overdue": (frame["days_overdue"] > 0).astype(int),
            **{name: (frame["bucket"] == name).astype(int) for name, _, _ in AGEING_BUCKETS},
            **{s: (frame["status"] == s).astype(int) for s in ("red", "yellow", "green")},
        }
    )
    grouped = work.groupby(by, sort=True)[_COUNTS].sum()
    grouped.loc[ALL] = work[_COUNTS].sum()
    table = grouped.rename_axis(by).reset_index()
    closure = wilson_rate(table["closed"], table["found"], confidence)
    table.insert(3, "closure_rate", closure["rate"])
    table.insert(4, "closure_ci_low", closure["ci_low"])
    table.insert(5, "closure_ci_high", closure["ci_high"])
    on_time = wilson_rate(table["closed_on_time"], table["due"], confidence)["rate"]
    table.insert(8, "on_time_rate", on_time)
    return table


def _by_quarter(frame: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    columns = [
        "quarter",
        "found_in_quarter",
        "closed_in_quarter",
        "found",
        "closed",
        "open",
        "overdue",
        "closure_rate",
        "change",
    ]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    first = quarter_index(quarter_of(frame["found_date"].min()))
    last = quarter_index(quarter_of(day))
    rows = []
    for idx in range(first, last + 1):
        q = quarter_from_index(idx)
        start, end = (pd.Timestamp(d) for d in quarter_bounds(q))
        # Read like rag_status on the quarter's last day (as_of for the current quarter).
        at = min(end, day)
        found = frame["found_date"] <= at
        closed = frame["closed_date"].notna() & (frame["closed_date"] <= at)
        rows.append(
            {
                "quarter": q,
                "found_in_quarter": int((found & (frame["found_date"] >= start)).sum()),
                "closed_in_quarter": int((closed & (frame["closed_date"] >= start)).sum()),
                "found": int(found.sum()),
                "closed": int(closed.sum()),
                "open": int((found & ~closed).sum()),
                "overdue": int((found & ~closed & (frame["due_date"] < at)).sum()),
            }
        )
    table = pd.DataFrame(rows)
    table["closure_rate"] = table["closed"] / table["found"].where(table["found"] > 0)
    table["change"] = table["closure_rate"].diff()
    return table[columns]


def _recurring(frame: pd.DataFrame) -> pd.DataFrame:
    grouped = frame.groupby(["unit_code", "category"], sort=True).agg(
        count=("problem_id", "size"),
        open=("closed", lambda c: int((~c).sum())),
        first_found=("found_date", "min"),
        last_found=("found_date", "max"),
    )
    return grouped[grouped["count"] >= 2].reset_index()
