"""Branch metrics of a quarter, the inputs of the five-star rating (五星党支部).

Every rate is a ratio of sums over the quarter (events over exposure), never a mean of
monthly ratios. A metric is missing (NaN) where it does not apply: a branch with no
project due has no project-completion rate.
"""

from __future__ import annotations

import pandas as pd

from assess.appraisal.ledger import quarter_events
from assess.core.dataset import Dataset
from assess.core.periods import quarter_bounds, quarter_months, shift_quarter
from assess.core.schema import EVENT_EXPOSURE, RATE_METRICS, RATE_NAMES

__all__ = ["branch_metrics", "METRICS"]

#: Metric name → (中文, English) as shown in reports; the rate metrics' names live in
#: :data:`assess.core.schema.RATE_NAMES` because the event review (effect) shows them too.
METRICS: dict[str, tuple[str, str]] = {
    "members": ("党员人数", "members"),
    "member_index_mean": ("先锋指数均值", "mean Pioneer Index"),
    "violations": ("违章起数", "violations"),
    "violations_per_1000_tickets": RATE_NAMES["violations_per_1000_tickets"],
    "complaints": ("投诉件数", "complaints"),
    "complaints_per_10000_customers": RATE_NAMES["complaints_per_10000_customers"],
    "discipline_breaches": ("违纪起数", "discipline breaches"),
    "exam_participation": ("每季一考参考率", "exam participation"),
    "duty_completion": ("党务任务按期完成率", "duties done on time"),
    "project_completion": ("项目按期完成率", "projects completed"),
    "problem_closure": ("问题整改销号率", "problems closed"),
}


def _share_done(
    frame: pd.DataFrame,
    due: str,
    done: str,
    *,
    last: pd.Timestamp,
    first: pd.Timestamp | None = None,
    on_time: bool,
) -> pd.Series:
    """Per unit: share of items due by ``last`` (and from ``first``) that were done —
    by their own due date when ``on_time``, else by ``last``."""
    scope = frame[due] <= last
    if first is not None:
        scope &= frame[due] >= first
    sub = frame.loc[scope]
    deadline = sub[due] if on_time else pd.Series(last, index=sub.index)
    ok = sub[done].notna() & (sub[done] <= deadline)
    return ok.groupby(sub["unit_code"]).mean()


def branch_metrics(data: Dataset, members: pd.DataFrame, *, quarter: str) -> pd.DataFrame:
    """One row per branch with the metrics of :data:`METRICS` for ``quarter``.

    Parameters
    ----------
    data : Dataset
        Inputs (events, exposure, exam responses, duties, projects, problems).
    members : DataFrame
        Scored members of the quarter with ``unit_code`` and ``index``.
    quarter : str

    Notes
    -----
    * violations per 1,000 work tickets = Σ violations / Σ work tickets × 1,000 over the
      quarter's months; complaints per 10,000 customers likewise.
    * exam participation = members of the branch who sat this quarter's exam ÷ members
      who sat any exam in the last four quarters (those the exam is for).
    * duty completion = duties due in the quarter done by their due date ÷ duties due.
    * project completion = projects due by the quarter's end closed by then ÷ those due;
      problem closure likewise for problems whose rectification deadline has passed.
    """
    first, last = (pd.Timestamp(d) for d in quarter_bounds(quarter))
    branches = pd.Index(sorted(members["unit_code"].unique()), name="unit_code")
    table = pd.DataFrame(index=branches)
    table["members"] = members.groupby("unit_code").size()
    table["member_index_mean"] = members.groupby("unit_code")["index"].mean()
    evts = quarter_events(data.events, quarter)
    counts = evts.groupby(["unit_code", "type"]).size().unstack(fill_value=0)
    expo = data.exposure.loc[data.exposure["month"].isin(quarter_months(quarter))]
    columns = sorted({EVENT_EXPOSURE[kind] for kind in RATE_METRICS})
    expo = expo.groupby("unit_code")[columns].sum().astype(float)
    for kind, (metric, per) in RATE_METRICS.items():
        n = counts.get(kind, pd.Series(dtype=float)).reindex(branches, fill_value=0)
        table[f"{kind}s"] = n
        exposure = expo[EVENT_EXPOSURE[kind]].reindex(branches)
        table[metric] = n / exposure.where(exposure > 0) * per
    table["discipline_breaches"] = counts.get("discipline", pd.Series(dtype=float)).reindex(
        branches, fill_value=0
    )
    table["exam_participation"] = _exam_participation(data, members, quarter)
    table["duty_completion"] = _share_done(
        data.duties, "due_date", "done_date", last=last, first=first, on_time=True
    )
    table["project_completion"] = _share_done(
        data.projects, "due_date", "closed_date", last=last, on_time=False
    )
    table["problem_closure"] = _share_done(
        data.problems, "due_date", "closed_date", last=last, on_time=False
    )
    return table.reindex(branches)


def _exam_participation(data: Dataset, members: pd.DataFrame, quarter: str) -> pd.Series:
    recent = [shift_quarter(quarter, -k) for k in range(4)]
    responses = data.exam_responses
    # One row per examinee and quarter before anything else (a national store holds 4
    # million answers); as text, also when read as categoricals.
    sat = (
        responses.loc[responses["quarter"].isin(recent), ["person_id", "quarter"]]
        .drop_duplicates()
        .astype("str")
    )
    branch_of = members.set_index("person_id")["unit_code"]
    # get_indexer rather than isin and map: isin of a text column against a million
    # member ids loops over them in Python.
    at = branch_of.index.get_indexer(pd.Index(sat["person_id"]))
    sat = sat.loc[at >= 0].assign(unit_code=branch_of.array.take(at[at >= 0]))
    examined = sat.groupby("unit_code")["person_id"].nunique()
    now = sat.loc[sat["quarter"] == quarter].groupby("unit_code")["person_id"].nunique()
    return (now.reindex(examined.index, fill_value=0) / examined).rename("exam_participation")
