"""Secretary projects (书记项目) and 党建+ projects: completion, milestones, red/yellow/green.

Status at ``as_of`` (:func:`assess.tracking.status.rag_status`): red = overdue and not closed;
yellow = due within ``warn_days`` (default 14) and behind its planned trajectory; green
otherwise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from assess.core.checks import check_confidence, check_int, require_columns
from assess.core.display import ResultDisplay
from assess.core.excel import workbook_sheet
from assess.core.formatting import interval, percent
from assess.core.glossary import TERMS
from assess.core.intervals import wilson_rate
from assess.tracking.status import (
    _check_deadlines,
    _dates,
    _status_bars,
    as_of_title,
    parse_as_of,
    rag_status,
)

__all__ = ["ProjectStatus", "track_projects", "PROJECT_LABELS"]

#: What each status means for a project (Chinese, English).
PROJECT_LABELS: dict[str, tuple[str, str]] = {
    s: TERMS[f"project_{s}"] for s in ("red", "yellow", "green", "none")
}
ALL = "ALL"


@dataclass(frozen=True, eq=False)
class ProjectStatus(ResultDisplay):
    """Projects at an as-of date (see :func:`track_projects`).

    Attributes
    ----------
    as_of : Timestamp
        The day the status was read.
    warn_days : int
        Yellow window in days.
    confidence : float
        Confidence level of the Wilson intervals.
    projects : DataFrame
        One row per project: ``project_id, unit_code, title, project_type, start_date,
        due_date, closed_date, closed`` (on or before ``as_of``), ``days_left,
        days_overdue`` (open: as_of − due; closed late: closed − due; else 0), ``on_time``
        (closed by its due date; missing while open and not yet due), ``milestones,
        milestones_planned`` (planned before ``as_of``), ``milestones_done`` (achieved on
        or before ``as_of``), ``milestones_on_time``, ``behind`` (done < planned; true when
        the project has no milestones), ``status``, ``reason``.
    units : DataFrame
        Per owner unit, then ``ALL``: ``unit_code, unit_name, projects, due`` (deadline
        passed), ``closed_due, completion_rate, completion_ci_low, completion_ci_high,
        on_time, on_time_rate, milestones_planned, milestones_on_time,
        milestone_on_time_rate, red, yellow, green, max_days_overdue``.
    """

    as_of: pd.Timestamp
    warn_days: int
    confidence: float
    projects: pd.DataFrame
    units: pd.DataFrame

    _title = "项目进度 / Projects"

    def to_frame(self) -> pd.DataFrame:
        """The per-unit summary (:attr:`units`)."""
        return self.units

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by its Chinese sheet name for an Excel workbook, headed by the
        glossary, with what each sheet holds (:func:`assess.core.excel.workbook_sheet`)."""
        day = self.as_of.date().isoformat()
        tables = {
            "项目汇总": (self.units, f"截至 {day} 各单位书记项目的到期、完成、按期与里程碑"),
            "项目": (self.projects, "每个书记项目及其状态"),
        }
        return {
            name: workbook_sheet(frame, {"reason": "status_reason"}, description=text)
            for name, (frame, text) in tables.items()
        }

    def summary(self) -> str:
        """The findings in Chinese, then in English."""
        total = self.units[self.units["unit_code"] == ALL].iloc[0]
        day = self.as_of.date().isoformat()
        level = percent(self.confidence, 0)
        ci = interval(total["completion_ci_low"], total["completion_ci_high"], percent=True)
        zh = (
            f"截至 {day}：项目 {total['projects']:,} 个，已到期 {total['due']:,} 个，其中完成 "
            f"{total['closed_due']:,} 个（完成率 {percent(total['completion_rate'])}，"
            f"{level} 区间 {ci}），按期完成 {total['on_time']:,} 个；里程碑按期率 "
            f"{percent(total['milestone_on_time_rate'])}。"
        )
        en = (
            f"As of {day}: {total['projects']:,} projects, {total['due']:,} past their due "
            f"date, of which {total['closed_due']:,} closed (completion "
            f"{percent(total['completion_rate'])}, {level} CI {ci}), {total['on_time']:,} "
            f"on time; milestones on time {percent(total['milestone_on_time_rate'])}."
        )
        for status, zh_word, en_word in (
            ("red", "红色（逾期未完成）", "Red (overdue, open)"),
            (
                "yellow",
                f"黄色（{self.warn_days} 天内到期且进度滞后）",
                f"Yellow (due within {self.warn_days} days and behind plan)",
            ),
        ):
            ids = self.projects.loc[self.projects["status"] == status, "project_id"].tolist()
            shown = "、".join(ids[:10]) + (" 等" if len(ids) > 10 else "")
            zh += f"{zh_word}{len(ids)} 个" + (f"：{shown}。" if ids else "。")
            en += f" {en_word}: {len(ids)}" + (
                f" ({', '.join(ids[:10])}{' …' if len(ids) > 10 else ''})." if ids else "."
            )
        return zh + "\n\n" + en

    def plot(self, ax: Axes | None = None, *, language: str = "zh") -> Axes:
        """Stacked bars of project status per unit (the 30 units with most red, yellow),
        labelled in ``language``."""
        units = self.units[self.units["unit_code"] != ALL]
        top = units.sort_values(["red", "yellow"], ascending=False, kind="stable").head(30)
        counts = top.set_index("unit_name")[["red", "yellow", "green"]]
        day = self.as_of.date().isoformat()
        return _status_bars(
            counts,
            ax,
            title=as_of_title("project_status", day, language),
            xlabel="projects_axis",
            kind="project",
            language=language,
        )


def _milestone_counts(milestones: pd.DataFrame | None, day: pd.Timestamp) -> pd.DataFrame:
    cols = ["milestones", "milestones_planned", "milestones_done", "milestones_on_time"]
    if milestones is None or milestones.empty:
        return pd.DataFrame(columns=cols, dtype=int)
    planned, actual = _dates(milestones, "planned_date"), _dates(milestones, "actual_date")
    achieved = actual.notna() & (actual <= day)
    frame = pd.DataFrame(
        {
            "project_id": milestones["project_id"].astype(str),
            "milestones": 1,
            "milestones_planned": (planned < day).astype(int),
            "milestones_done": achieved.astype(int),
            # A milestone whose date has passed is on time if achieved by its planned date.
            "milestones_on_time": ((planned < day) & achieved & (actual <= planned)).astype(int),
        }
    )
    return frame.groupby("project_id")[cols].sum()


def track_projects(
    projects: pd.DataFrame,
    milestones: pd.DataFrame | None = None,
    *,
    as_of: dt.date | str | pd.Timestamp,
    warn_days: int = 14,
    units: pd.DataFrame | None = None,
    confidence: float = 0.95,
) -> ProjectStatus:
    """Completion, milestone punctuality and red/yellow/green status of projects at ``as_of``.

    Parameters
    ----------
    projects : DataFrame
        The ``projects`` table: ``project_id, unit_code, start_date, due_date,
        closed_date`` (optional ``title, project_type``).
    milestones : DataFrame, optional
        The ``milestones`` table: ``project_id, planned_date, actual_date``.
    as_of : date
        The day the status is read, e.g. the last day of the quarter.
    warn_days : int, default 14
        A project due within this many days is yellow when behind its planned trajectory.
    units : DataFrame, optional
        The ``units`` table, for unit names.
    confidence : float, default 0.95
        Confidence level of the Wilson intervals.

    Returns
    -------
    ProjectStatus
        ``projects`` (one row each) and ``units`` (per owner unit and ``ALL``).

    Raises
    ------
    ParameterError
        Missing columns, an unreadable ``as_of``, negative ``warn_days``, bad ``confidence``.

    Notes
    -----
    Deadlines are read on the morning of ``as_of``: closed on or before ``as_of`` is
    closed; open with ``due_date < as_of`` is overdue (red). *Behind plan*: fewer
    milestones achieved by ``as_of`` than planned before it; a project without milestones
    counts as behind, since nothing shows its progress. Completion rate = projects closed /
    projects whose due date has passed, with a Wilson interval (Wilson 1927; statsmodels
    ``proportion_confint``); on time = closed on or before the due date.

    Examples
    --------
    >>> projects = pd.DataFrame({
    ...     "project_id": ["P1", "P2", "P3"], "unit_code": ["B1", "B1", "B2"],
    ...     "start_date": ["2026-01-01"] * 3,
    ...     "due_date": ["2026-09-01", "2026-10-05", "2026-06-30"],
    ...     "closed_date": [None, None, "2026-06-20"]})
    >>> milestones = pd.DataFrame({"project_id": ["P2", "P2"], "milestone_id": ["M1", "M2"],
    ...     "planned_date": ["2026-05-01", "2026-08-01"], "actual_date": ["2026-05-02", None]})
    >>> r = track_projects(projects, milestones, as_of="2026-09-30")
    >>> r.projects["status"].tolist()
    ['red', 'yellow', 'green']
    """
    func = "track_projects"
    day = parse_as_of(func, as_of)
    warn = check_int(func, "warn_days", warn_days, minimum=0)
    confidence = check_confidence(func, confidence)
    require_columns(
        func, "projects", projects, ("project_id", "unit_code", "start_date", "due_date")
    )
    if milestones is not None:
        require_columns(func, "milestones", milestones, ("project_id", "planned_date"))
    _check_deadlines(func, "projects", projects, "project_id")
    frame = pd.DataFrame(
        {
            "project_id": projects["project_id"].astype(str).to_numpy(),
            "unit_code": projects["unit_code"].astype(str).to_numpy(),
            "title": projects["title"].to_numpy() if "title" in projects else "",
            "project_type": projects["project_type"].to_numpy()
            if "project_type" in projects
            else "",
            "start_date": _dates(projects, "start_date").to_numpy(),
            "due_date": _dates(projects, "due_date").to_numpy(),
            "closed_date": _dates(projects, "closed_date").to_numpy(),
        }
    )
    due, closed_on = frame["due_date"], frame["closed_date"]
    closed = closed_on.notna() & (closed_on <= day)
    frame["closed"] = closed
    frame["days_left"] = (due - day).dt.days
    late_open = ~closed & (due < day)
    frame["days_overdue"] = np.select(
        [late_open, closed & (closed_on > due)],
        [(day - due).dt.days, (closed_on - due).dt.days],
        default=0,
    ).astype(int)
    # Undecided (NA) while open and not yet due.
    frame["on_time"] = (closed & (closed_on <= due)).astype("boolean").where(closed | late_open)
    counts = _milestone_counts(milestones, day).reindex(frame["project_id"]).fillna(0)
    for col in counts.columns:
        frame[col] = counts[col].to_numpy(dtype=int)
    frame["behind"] = (frame["milestones"] == 0) | (
        frame["milestones_done"] < frame["milestones_planned"]
    )
    frame["status"] = rag_status(due, closed_on, as_of=day, warn_days=warn, behind=frame["behind"])
    frame["reason"] = [_reason(row) for row in frame.itertuples()]
    return ProjectStatus(day, warn, confidence, frame, _unit_table(frame, day, units, confidence))


def _reason(row: Any) -> str:
    status = row.status
    if status == "red":
        days = row.days_overdue
        return f"逾期 {days} 天未完成 / {days} days overdue, not closed"
    if status == "yellow":
        left = row.days_left
        done, planned = row.milestones_done, row.milestones_planned
        if row.milestones == 0:
            return f"{left} 天后到期，无里程碑记录 / due in {left} days, no milestones recorded"
        return (
            f"{left} 天后到期，里程碑完成 {done}/{planned} / due in {left} days, "
            f"milestones {done} of {planned} planned"
        )
    return ""


def _unit_table(
    frame: pd.DataFrame, day: pd.Timestamp, units: pd.DataFrame | None, confidence: float
) -> pd.DataFrame:
    is_due = frame["due_date"] < day
    work = pd.DataFrame(
        {
            "unit_code": frame["unit_code"],
            "projects": 1,
            "due": is_due.astype(int),
            "closed_due": (is_due & frame["closed"]).astype(int),
            "on_time": (is_due & frame["on_time"].fillna(False).astype(bool)).astype(int),
            "milestones_planned": frame["milestones_planned"],
            "milestones_on_time": frame["milestones_on_time"],
            "red": (frame["status"] == "red").astype(int),
            "yellow": (frame["status"] == "yellow").astype(int),
            "green": (frame["status"] == "green").astype(int),
            "max_days_overdue": np.where(frame["status"] == "red", frame["days_overdue"], 0),
        }
    )
    sums = {c: "sum" for c in work.columns if c not in ("unit_code", "max_days_overdue")}
    by_unit = work.groupby("unit_code", sort=True).agg({**sums, "max_days_overdue": "max"})
    # No project at all: the maximum of nothing is NaN; nothing is overdue.
    total = work.drop(columns="unit_code").agg({**sums, "max_days_overdue": "max"}).fillna(0)
    table = pd.concat([by_unit, total.to_frame(ALL).T]).rename_axis("unit_code").reset_index()
    table = table.astype({c: int for c in table.columns if c != "unit_code"})
    completion = wilson_rate(table["closed_due"], table["due"], confidence)
    table["completion_rate"] = completion["rate"]
    table["completion_ci_low"] = completion["ci_low"]
    table["completion_ci_high"] = completion["ci_high"]
    table["on_time_rate"] = wilson_rate(table["on_time"], table["due"], confidence)["rate"]
    table["milestone_on_time_rate"] = wilson_rate(
        table["milestones_on_time"], table["milestones_planned"], confidence
    )["rate"]
    names = (
        {}
        if units is None
        else dict(zip(units["unit_code"].astype(str), units["unit_name"], strict=False))
    )
    table.insert(
        1,
        "unit_name",
        [("合计 total" if c == ALL else names.get(c, c)) for c in table["unit_code"]],
    )
    return table[
        [
            "unit_code",
            "unit_name",
            "projects",
            "due",
            "closed_due",
            "completion_rate",
            "completion_ci_low",
            "completion_ci_high",
            "on_time",
            "on_time_rate",
            "milestones_planned",
            "milestones_on_time",
            "milestone_on_time_rate",
            "red",
            "yellow",
            "green",
            "max_days_overdue",
        ]
    ]
