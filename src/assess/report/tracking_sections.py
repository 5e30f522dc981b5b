"""Projects, problems and duties of a unit in red/yellow/green at the quarter's end.

:func:`track_unit` runs the trackers (:mod:`assess.tracking.projects`,
:mod:`assess.tracking.problems`,
:mod:`assess.tracking.duties`) on the unit's rows; :func:`tracking_counts` and :func:`red_items`
lay them out for the page.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from assess.core.dataset import Dataset
from assess.core.display import ResultDisplay
from assess.core.errors import ParameterError
from assess.core.formatting import number
from assess.core.glossary import TERMS, term
from assess.core.periods import quarter_bounds
from assess.core.plotting import new_axes
from assess.core.schema import DUTY_KINDS, PROBLEM_LEVELS
from assess.core.units import units_under
from assess.report.content import cell_float, check_language, pick
from assess.tracking.duties import DutyStatus, track_duties
from assess.tracking.problems import ProblemStatus, track_problems
from assess.tracking.projects import ProjectStatus, track_projects
from assess.tracking.status import STATUS_COLORS, as_of_title

__all__ = ["Tracking", "track_unit", "tracking_counts", "red_items"]

_KINDS: dict[str, tuple[str, str]] = {
    k: TERMS[f"tracking_{k}"] for k in ("projects", "problems", "duties")
}
_GREEN_MEANS = {
    "projects": ("进度正常或已完成", "on track or closed"),
    "problems": ("按期推进或已销号", "in time or closed"),
    "duties": ("30 天内到期，提前通知", "due within 30 days, notice"),
}


@dataclass(frozen=True, eq=False)
class Tracking(ResultDisplay):
    """Projects, problems and duties of a unit in red/yellow/green at one day.

    Attributes
    ----------
    as_of : Timestamp
        The day the status is read (the last day of the quarter).
    projects : ProjectStatus or None
    problems : ProblemStatus
    duties : DutyStatus
        :func:`assess.tracking.projects.track_projects`,
        :func:`assess.tracking.problems.track_problems`,
        :func:`assess.tracking.duties.track_duties` on the unit's rows.
    unit_names : Series
        Unit code → name, for the tables.
    """

    as_of: pd.Timestamp
    projects: ProjectStatus
    problems: ProblemStatus
    duties: DutyStatus
    unit_names: pd.Series

    _title = "项目、问题与党务任务 / Projects, problems and duties"

    def to_frame(self) -> pd.DataFrame:
        """Counts by colour (:func:`tracking_counts`)."""
        return tracking_counts(self)

    def summary(self) -> str:
        """Counts by colour in one sentence per kind, Chinese then English."""
        counts = tracking_counts(self, language="zh").set_index("kind")
        day = self.as_of.date().isoformat()
        zh = (
            f"截至 {day}："
            + "；".join(
                f"{k} {r.total:,} 项，红色 {r.red:,}、黄色 {r.yellow:,}、绿色 {r.green:,}"
                for k, r in counts.iterrows()
            )
            + "。"
        )
        counts_en = tracking_counts(self, language="en").set_index("kind")
        en = (
            f"As of {day}: "
            + "; ".join(
                f"{k} {r.total:,}: red {r.red:,}, yellow {r.yellow:,}, green {r.green:,}"
                for k, r in counts_en.iterrows()
            )
            + "."
        )
        return f"{zh}\n\n{en}"

    def plot(self, ax: Axes | None = None, *, language: str = "zh") -> Axes:
        """Bars of red, yellow and green items per kind, side by side with their counts,
        labelled in ``language``."""
        check_language("Tracking.plot", language)
        counts = tracking_counts(self, language="zh")
        ax = new_axes(ax, figsize=(7.0, 3.0))
        y = np.arange(len(counts))
        height = 0.26
        for k, status in enumerate(("red", "yellow", "green")):
            bars = ax.barh(
                y + (k - 1) * height,
                counts[status],
                height=height,
                color=STATUS_COLORS[status],
                label=term(f"rag_{status}", language),
            )
            ax.bar_label(
                bars, labels=[number(v) if v else "" for v in counts[status]], padding=2, fontsize=8
            )
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_yticks(y, [term(f"tracking_{k}", language) for k in _KINDS])
        ax.invert_yaxis()
        ax.set_xlabel(term("items_axis", language))
        ax.margins(x=0.12)
        ax.set_title(as_of_title("rag_title", self.as_of.date().isoformat(), language))
        ax.legend(
            loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=3, fontsize="small", frameon=False
        )
        return ax


def track_unit(data: Dataset, *, unit: str, quarter: str) -> Tracking:
    """Projects, problems and duties of ``unit`` and the units under it, read on the last
    day of ``quarter`` (see :func:`assess.tracking.status.rag_status`).

    Each tracker is called with its defaults (projects and problems yellow within 14
    days; duties yellow within 7, green notice within 30).
    """
    inside = set(units_under(data.units, unit))
    as_of = pd.Timestamp(quarter_bounds(quarter)[1])

    def own(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.loc[frame["unit_code"].isin(inside)]

    projects = own(data.projects)
    milestones = data.milestones.loc[
        data.milestones["project_id"].isin(set(projects["project_id"]))
    ]
    return Tracking(
        as_of=as_of,
        projects=track_projects(projects, milestones, as_of=as_of, units=data.units),
        problems=track_problems(own(data.problems), as_of=as_of),
        duties=track_duties(own(data.duties), as_of=as_of),
        unit_names=data.units.set_index("unit_code")["unit_name"],
    )


def tracking_counts(tracking: Tracking, *, language: str = "zh-en") -> pd.DataFrame:
    """Items of each kind by colour, with the completion (closure) rate.

    Returns
    -------
    DataFrame
        One row per kind (projects, problems, duties): ``kind, total, red, yellow, green,
        done_rate`` (projects closed / due, problems closed / found, duties done / due:
        the ``ALL`` rows of the trackers), ``green_means``.
    """
    check_language("tracking_counts", language)
    totals = {
        "projects": tracking.projects.units.set_index("unit_code").loc["ALL"],
        "problems": tracking.problems.by_level.set_index("level").loc["ALL"],
        "duties": tracking.duties.by_kind.set_index("duty_kind").loc["ALL"],
    }
    rates = {"projects": "completion_rate", "problems": "closure_rate", "duties": "completion_rate"}
    sizes = {
        "projects": len(tracking.projects.projects),
        "problems": len(tracking.problems.problems),
        "duties": len(tracking.duties.duties),
    }
    rows = [
        {
            "kind": pick(_KINDS[k], language),
            "total": sizes[k],
            **{s: int(cell_float(totals[k][s])) for s in ("red", "yellow", "green")},
            "done_rate": cell_float(totals[k][rates[k]]),
            "green_means": pick(_GREEN_MEANS[k], language),
        }
        for k in _KINDS
    ]
    return pd.DataFrame(rows)


def red_items(
    tracking: Tracking, *, per_kind: int | None = 10, language: str = "zh-en"
) -> pd.DataFrame:
    """Red items (overdue, not done): projects, problems, then duties, each longest
    overdue first.

    Parameters
    ----------
    tracking : Tracking
    per_kind : int or None, default 10
        At most this many items of each kind (all with None): a province has thousands
        of overdue duties, and the counts are in :func:`tracking_counts`.
    language : {"zh-en", "zh", "en"}, default "zh-en"

    Returns
    -------
    DataFrame
        ``kind, unit`` (name of the owner unit), ``item`` (project title; problem level
        and category; kind of duty), ``due_date, days_overdue``.
    """
    check_language("red_items", language)
    if per_kind is not None and (
        isinstance(per_kind, bool) or not isinstance(per_kind, int) or per_kind < 1
    ):
        raise ParameterError("red_items", "per_kind", "None or a whole number ≥ 1", per_kind)
    names = tracking.unit_names
    projects = tracking.projects.projects
    projects = projects.loc[projects["status"] == "red"]
    problems = tracking.problems.problems
    problems = problems.loc[problems["status"] == "red"]
    duties = tracking.duties.duties
    duties = duties.loc[duties["status"] == "red"]
    parts = [
        pd.DataFrame(
            {
                "kind": pick(_KINDS["projects"], language),
                "unit_code": projects["unit_code"],
                "item": projects["title"],
                "due_date": projects["due_date"],
                "days_overdue": projects["days_overdue"],
            }
        ),
        pd.DataFrame(
            {
                "kind": pick(_KINDS["problems"], language),
                "unit_code": problems["unit_code"],
                "item": problems["level"].map(PROBLEM_LEVELS) + "：" + problems["category"],
                "due_date": problems["due_date"],
                "days_overdue": problems["days_overdue"],
            }
        ),
        pd.DataFrame(
            {
                "kind": pick(_KINDS["duties"], language),
                "unit_code": duties["unit_code"],
                "item": duties["duty_kind"].map(DUTY_KINDS),
                "due_date": duties["due_date"],
                "days_overdue": -duties["days_left"],
            }
        ),
    ]
    for order, part in enumerate(parts):
        part["_kind"] = order
    out = pd.concat(parts, ignore_index=True)
    out.insert(1, "unit", out.pop("unit_code").map(names))
    out["days_overdue"] = out["days_overdue"].astype("int64")
    out = out.sort_values(
        ["_kind", "days_overdue", "unit"], ascending=[True, False, True], kind="stable"
    )
    if per_kind is not None:
        out = out.groupby("_kind", sort=False).head(per_kind)
    return out.drop(columns="_kind").reset_index(drop=True)


# ---------------------------------------------------------------- method annex
