"""Recurring branch duties (re-election, party dues, 三会一课): alerts and completion.

Status at ``as_of`` (:func:`assess.tracking.status.rag_status`), seed 003's scheme: red alert
(红色告警) = not done and past the deadline; yellow reminder (黄色提醒) = not done and due
within ``warn_days`` (default 7); green notice (绿色通知) = not done and due within
``notice_days`` (default 30); ``"none"`` = done, or due later.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from assess.core.checks import check_confidence, check_int, require_columns
from assess.core.display import ResultDisplay
from assess.core.errors import ParameterError
from assess.core.excel import workbook_sheet
from assess.core.formatting import interval, percent
from assess.core.glossary import TERMS
from assess.core.intervals import wilson_rate
from assess.core.schema import DUTY_KINDS
from assess.tracking.status import (
    _check_deadlines,
    _dates,
    _status_bars,
    as_of_title,
    parse_as_of,
    rag_status,
)

__all__ = ["DutyStatus", "track_duties", "DUTY_LABELS"]

DUTY_LABELS: dict[str, tuple[str, str]] = {
    s: TERMS[f"duty_{s}"] for s in ("red", "yellow", "green", "none")
}
ALL = "ALL"
_COUNTS = [
    "duties",
    "due",
    "done",
    "done_on_time",
    "required",
    "attended",
    "red",
    "yellow",
    "green",
]


@dataclass(frozen=True, eq=False)
class DutyStatus(ResultDisplay):
    """Duties at an as-of date (see :func:`track_duties`).

    Attributes
    ----------
    as_of : Timestamp
    warn_days, notice_days : int
    confidence : float
    duties : DataFrame
        One row per duty: ``duty_id, unit_code, duty_kind, due_date, done_date, done`` (on
        or before ``as_of``), ``on_time, days_left, required, attended, participation``
        (attended / required), ``status``, ``status_label``.
    alerts : DataFrame
        The red, yellow and green rows of ``duties``, most urgent first.
    by_kind, by_unit : DataFrame
        ``duties, due`` (deadline passed), ``done`` (among those), ``completion_rate,
        completion_ci_low, completion_ci_high`` (Wilson), ``done_on_time, on_time_rate,
        required, attended, participation`` (summed over duties done with both counts),
        ``red, yellow, green``; the last row is ``ALL``. ``by_kind`` also has ``kind_name``.
    """

    as_of: pd.Timestamp
    warn_days: int
    notice_days: int
    confidence: float
    duties: pd.DataFrame
    alerts: pd.DataFrame
    by_kind: pd.DataFrame
    by_unit: pd.DataFrame

    _title = "职责任务提醒 / Duties and deadlines"

    def to_frame(self) -> pd.DataFrame:
        """Completion, participation and alerts by kind of duty (:attr:`by_kind`)."""
        return self.by_kind

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by its Chinese sheet name for an Excel workbook, headed by the
        glossary, with what each sheet holds (:func:`assess.core.excel.workbook_sheet`)."""
        day = self.as_of.date().isoformat()
        tables = {
            "任务按类型": (self.by_kind, f"截至 {day} 各类党务任务的到期、完成、按期与红黄绿"),
            "任务按单位": (self.by_unit, f"截至 {day} 各单位党务任务的到期、完成与红黄绿"),
            "任务提醒": (self.alerts, f"截至 {day} 逾期（红）与即将到期（黄、绿）的任务"),
            "任务": (self.duties, "每项党务任务及其状态"),
        }
        return {
            name: workbook_sheet(frame, description=text) for name, (frame, text) in tables.items()
        }

    def summary(self) -> str:
        """The findings in Chinese, then in English."""
        t = self.by_kind[self.by_kind["duty_kind"] == ALL].iloc[0]
        day = self.as_of.date().isoformat()
        level = percent(self.confidence, 0)
        ci = interval(t["completion_ci_low"], t["completion_ci_high"], percent=True)
        zh = (
            f"截至 {day}：已到期任务 {t['due']:,} 项，完成 {t['done']:,} 项（完成率 "
            f"{percent(t['completion_rate'])}，{level} 区间 {ci}），按期完成率 "
            f"{percent(t['on_time_rate'])}，参会率 {percent(t['participation'])}。"
            f"红色告警 {t['red']:,} 项（逾期未完成），黄色提醒 {t['yellow']:,} 项"
            f"（{self.warn_days} 天内到期），绿色通知 {t['green']:,} 项"
            f"（{self.notice_days} 天内到期）。"
        )
        en = (
            f"As of {day}: {t['due']:,} duties past their deadline, {t['done']:,} done "
            f"(completion {percent(t['completion_rate'])}, {level} CI {ci}), on time "
            f"{percent(t['on_time_rate'])}, attendance {percent(t['participation'])}. "
            f"Red alerts (overdue): {t['red']:,}; yellow reminders (due within "
            f"{self.warn_days} days): {t['yellow']:,}; green notices (due within "
            f"{self.notice_days} days): {t['green']:,}."
        )
        kinds = self.by_kind[(self.by_kind["duty_kind"] != ALL) & (self.by_kind["red"] > 0)]
        if len(kinds):
            zh += (
                "逾期分布："
                + "，".join(f"{r.kind_name} {r.red:,}" for r in kinds.itertuples())
                + "。"
            )
            en += (
                " Overdue by kind: "
                + ", ".join(f"{r.duty_kind} {r.red:,}" for r in kinds.itertuples())
                + "."
            )
        return zh + "\n\n" + en

    def plot(self, ax: Axes | None = None, *, language: str = "zh") -> Axes:
        """Stacked bars of alerts by kind of duty, labelled in ``language``."""
        kinds = self.by_kind[self.by_kind["duty_kind"] != ALL]
        counts = kinds.set_index("kind_name")[["red", "yellow", "green"]]
        day = self.as_of.date().isoformat()
        return _status_bars(
            counts,
            ax,
            title=as_of_title("duty_alerts", day, language),
            xlabel="duties_axis",
            kind="duty",
            language=language,
        )


def track_duties(
    duties: pd.DataFrame,
    *,
    as_of: dt.date | str | pd.Timestamp,
    warn_days: int = 7,
    notice_days: int = 30,
    confidence: float = 0.95,
) -> DutyStatus:
    """Red/yellow/green alerts, completion and attendance of recurring duties at ``as_of``.

    Parameters
    ----------
    duties : DataFrame
        The ``duties`` table: ``duty_id, unit_code, duty_kind, due_date, done_date``
        (optional ``required, attended`` for meetings).
    as_of : date
        The day the status is read.
    warn_days : int, default 7
        Yellow reminder when not done and due within this many days.
    notice_days : int, default 30
        Green notice when not done and due within this many days (≥ ``warn_days``).
    confidence : float, default 0.95
        Confidence level of the Wilson intervals.

    Returns
    -------
    DutyStatus
        ``duties, alerts, by_kind, by_unit``.

    Raises
    ------
    ParameterError
        Missing columns or due dates, ``notice_days < warn_days``, an unreadable
        ``as_of``, ``attended > required``.

    Notes
    -----
    Read on the morning of ``as_of`` (see :func:`assess.tracking.status.rag_status`). Completion
    rate = duties done on or before ``as_of`` / duties whose deadline has passed, with a
    Wilson interval; on time = done on or before the deadline. Attendance (参会率) =
    Σ attended / Σ required over the done duties that record both; it is a ratio of
    person-meetings, so no interval is given (the same members attend many meetings).

    Examples
    --------
    >>> duties = pd.DataFrame({
    ...     "duty_id": ["d1", "d2", "d3", "d4"], "unit_code": "B1",
    ...     "duty_kind": ["dues", "meeting", "meeting", "reelection"],
    ...     "due_date": ["2026-08-31", "2026-09-30", "2026-10-31", "2027-06-30"],
    ...     "done_date": [None, "2026-09-20", None, None],
    ...     "required": [None, 20, 20, None], "attended": [None, 18, None, None]})
    >>> track_duties(duties, as_of="2026-10-25").duties["status"].tolist()
    ['red', 'none', 'yellow', 'none']
    """
    func = "track_duties"
    day = parse_as_of(func, as_of)
    warn = check_int(func, "warn_days", warn_days, minimum=0)
    notice = check_int(func, "notice_days", notice_days, minimum=0)
    if notice < warn:
        raise ParameterError(func, "notice_days", f"at least warn_days ({warn})", notice)
    confidence = check_confidence(func, confidence)
    require_columns(
        func, "duties", duties, ("duty_id", "unit_code", "duty_kind", "due_date", "done_date")
    )
    _check_deadlines(func, "duties", duties, "duty_id")

    def count(col: str) -> np.ndarray:
        if col not in duties.columns:
            return np.full(len(duties), np.nan)
        return pd.to_numeric(duties[col], errors="coerce").to_numpy(dtype=float)

    required, attended = count("required"), count("attended")
    too_many = attended > required
    if too_many.any():
        ids = duties.loc[too_many, "duty_id"].astype(str).tolist()[:5]
        raise ParameterError(
            func,
            "duties",
            "attended ≤ required",
            ids,
            zh=f"{func}：实参加人数超过应参加人数：{ids}",
        )
    frame = pd.DataFrame(
        {
            "duty_id": duties["duty_id"].astype(str).to_numpy(),
            "unit_code": duties["unit_code"].astype(str).to_numpy(),
            "duty_kind": duties["duty_kind"].astype(str).to_numpy(),
            "due_date": _dates(duties, "due_date").to_numpy(),
            "done_date": _dates(duties, "done_date").to_numpy(),
        }
    )
    due, done_on = frame["due_date"], frame["done_date"]
    done = done_on.notna() & (done_on <= day)
    frame["done"] = done
    # Undecided (NA) while not done and not yet due.
    frame["on_time"] = (done & (done_on <= due)).astype("boolean").where(done | (due < day))
    frame["days_left"] = (due - day).dt.days
    frame["required"] = pd.array(np.where(done, required, np.nan)).astype("Int64")
    frame["attended"] = pd.array(np.where(done, attended, np.nan)).astype("Int64")
    frame["participation"] = np.divide(
        attended, required, out=np.full(len(frame), np.nan), where=done.to_numpy() & (required > 0)
    )
    frame["status"] = rag_status(due, done_on, as_of=day, warn_days=warn, notice_days=notice)
    frame["status_label"] = frame["status"].map(lambda s: " ".join(DUTY_LABELS[s]))
    urgency = frame["status"].map({s: i for i, s in enumerate(("red", "yellow", "green"))})
    alerts = (
        frame[urgency.notna()]
        .assign(_u=urgency)
        .sort_values(["_u", "due_date", "unit_code"], kind="stable")
        .drop(columns="_u")
        .reset_index(drop=True)
    )
    by_kind = _rates(frame, "duty_kind", day, confidence)
    by_kind.insert(
        1,
        "kind_name",
        [DUTY_KINDS.get(k, "合计 total" if k == ALL else k) for k in by_kind["duty_kind"]],
    )
    return DutyStatus(
        day,
        warn,
        notice,
        confidence,
        frame,
        alerts,
        by_kind,
        _rates(frame, "unit_code", day, confidence),
    )


def _rates(frame: pd.DataFrame, by: str, day: pd.Timestamp, confidence: float) -> pd.DataFrame:
    is_due = frame["due_date"] < day
    both = frame["required"].notna() & frame["attended"].notna()
    work = pd.DataFrame(
        {
            by: frame[by],
            "duties": 1,
            "due": is_due.astype(int),
            "done": (is_due & frame["done"]).astype(int),
            "done_on_time": (is_due & frame["on_time"].fillna(False).astype(bool)).astype(int),
            "required": frame["required"].where(both, 0).fillna(0).astype(int),
            "attended": frame["attended"].where(both, 0).fillna(0).astype(int),
            **{s: (frame["status"] == s).astype(int) for s in ("red", "yellow", "green")},
        }
    )
    grouped = work.groupby(by, sort=True)[_COUNTS].sum()
    grouped.loc[ALL] = work[_COUNTS].sum()
    table = grouped.rename_axis(by).reset_index()
    completion = wilson_rate(table["done"], table["due"], confidence)
    table.insert(4, "completion_rate", completion["rate"])
    table.insert(5, "completion_ci_low", completion["ci_low"])
    table.insert(6, "completion_ci_high", completion["ci_high"])
    table.insert(
        8, "on_time_rate", wilson_rate(table["done_on_time"], table["due"], confidence)["rate"]
    )
    table.insert(
        11, "participation", table["attended"] / table["required"].where(table["required"] > 0)
    )
    return table
