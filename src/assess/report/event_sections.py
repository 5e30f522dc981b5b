"""Violations and complaints of a unit in the quarterly report: the tables of the review.

The review itself (quarterly trend, the year-on-year rate ratio over exposure, members
against non-members) is :func:`assess.effect.events.review_events`; :func:`yoy_table`
and :func:`member_table` lay reviews out for the page (headings in
:data:`assess.report.appraisal_sections.LABELS`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from assess.appraisal.change import compare_periods, format_changes
from assess.core.formatting import number, p_value
from assess.core.periods import shift_quarter
from assess.effect.events import EVIDENCE, PER_WORDS, EventReview
from assess.effect.verdict import classify, format_ratio
from assess.report.content import cell_float, check_language, pick

__all__ = ["yoy_table", "member_table"]

# The member / non-member verdict in words, (中文, English).
_MEMBER_EVIDENCE = {
    "decrease": ("党员更低，有统计学证据", "members lower, with evidence"),
    "increase": ("党员更高，有统计学证据", "members higher, with evidence"),
    "inconclusive": ("差别与随机波动无法区分", "difference not distinguishable from chance"),
}


def yoy_table(reviews: Sequence[EventReview], *, language: str = "zh-en") -> pd.DataFrame:
    """The year-on-year audit of each review, one row each.

    Returns
    -------
    DataFrame
        ``outcome, count_now, count_last_year, naive_change`` (the bare count change,
        :func:`assess.appraisal.change.format_change`), ``rate_now, rate_last_year`` (as the
        review's rate), ``rate_ratio, interval, p_value, evidence`` (text).
    """
    check_language("yoy_table", language)
    rows = []
    for r in reviews:
        trend = r.trend.set_index("quarter")
        row: dict[str, Any] = {
            "outcome": pick(
                (
                    f"{r.name[0]}（率：{PER_WORDS[r.outcome][0]}）",
                    f"{r.name[1]} (rate {PER_WORDS[r.outcome][1]})",
                ),
                language,
            ),
            "count_now": r.count,
            "count_last_year": r.count_last_year,
        }
        counts = pd.DataFrame(
            {
                "quarter": [
                    q for q in (shift_quarter(r.quarter, -4), r.quarter) if q in trend.index
                ],
            }
        )
        counts["count"] = [cell_float(trend.at[q, "count"]) for q in counts["quarter"]]
        change = (
            compare_periods(counts, value_col="count", kind="yoy", at=r.quarter)
            if r.quarter in trend.index
            else pd.DataFrame()
        )
        row["naive_change"] = (
            str(format_changes(change, language="en" if language == "en" else "zh").iloc[0])
            if len(change)
            else "—"
        )
        for key, q in (("rate_now", r.quarter), ("rate_last_year", shift_quarter(r.quarter, -4))):
            row[key] = number(cell_float(trend.at[q, "rate"])) if q in trend.index else "—"
        yoy = r.yoy
        if yoy is None:
            row.update(
                rate_ratio="—",
                interval="—",
                p_value="—",
                evidence=pick(("上年同期无事件，无法计算", "no events a year earlier"), language),
            )
        else:
            row.update(
                rate_ratio=format_ratio(yoy.estimate),
                interval=f"{format_ratio(yoy.ci_low)}–{format_ratio(yoy.ci_high)}",
                p_value=p_value(yoy.p_value),
                evidence=pick(EVIDENCE[yoy.verdict.evidence], language),
            )
        rows.append(row)
    return pd.DataFrame(
        rows,
        columns=[
            "outcome",
            "count_now",
            "count_last_year",
            "naive_change",
            "rate_now",
            "rate_last_year",
            "rate_ratio",
            "interval",
            "p_value",
            "evidence",
        ],
    )


def member_table(reviews: Sequence[EventReview], *, language: str = "zh-en") -> pd.DataFrame:
    """Members against non-members in each review's window, one row each.

    Returns
    -------
    DataFrame
        ``outcome, member_events, member_rate, non_member_events, non_member_rate``
        (events per 100 person-years), ``rate_ratio`` (members / non-members,
        Mantel–Haenszel over units), ``interval, p_value, evidence`` (text).
    """
    check_language("member_table", language)
    rows = []
    for r in reviews:
        row: dict[str, Any] = {"outcome": pick(r.name, language)}
        m = r.members
        if m is None:
            quarters = r.trend["quarter"].between(*r.window)
            none = (
                ("没有事件", "no events")
                if r.trend.loc[quarters, "count"].sum() == 0
                else ("一组没有事件，无法比较", "a group without events")
            )
            row.update(
                member_events=None,
                member_rate="—",
                non_member_events=None,
                non_member_rate="—",
                rate_ratio="—",
                interval="—",
                p_value="—",
                evidence=pick(none, language),
            )
        else:
            g = m.groups
            row.update(
                member_events=int(cell_float(g.at["member", "events"])),
                member_rate=number(cell_float(g.at["member", "rate_per_100py"]), 1),
                non_member_events=int(cell_float(g.at["non_member", "events"])),
                non_member_rate=number(cell_float(g.at["non_member", "rate_per_100py"]), 1),
                rate_ratio=format_ratio(m.estimate),
                interval=f"{format_ratio(m.ci_low)}–{format_ratio(m.ci_high)}",
                p_value=p_value(m.p_value),
                evidence=pick(_MEMBER_EVIDENCE[classify(m.ci_low, m.ci_high)], language),
            )
        rows.append(row)
    frame = pd.DataFrame(
        rows,
        columns=[
            "outcome",
            "member_events",
            "member_rate",
            "non_member_events",
            "non_member_rate",
            "rate_ratio",
            "interval",
            "p_value",
            "evidence",
        ],
    )
    return frame.astype({"member_events": "Int64", "non_member_events": "Int64"})
