"""The event review of a unit: violations or complaints by quarter, year on year, members.

:func:`event_counts` gives events per unit and month with the exposure they are a rate
of; :func:`review_events` sums them over a unit's tree into the quarterly trend (exact
Poisson intervals), the year-on-year audit as a rate ratio over exposure
(:func:`assess.effect.rates.rate_ratio_test`) and members against non-members
(:func:`assess.effect.members.member_rates`, Mantel–Haenszel over units). The quarterly
report lays the :class:`EventReview` out in :mod:`assess.report.event_sections`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from statsmodels.stats.rates import confint_poisson

from assess.core.checks import check_choice, check_confidence, check_int, check_quarter, check_unit
from assess.core.dataset import Dataset
from assess.core.display import ResultDisplay
from assess.core.formatting import number, p_value, percent
from assess.core.glossary import TERMS, check_language, phrase
from assess.core.periods import quarter_months, quarter_of, shift_quarter
from assess.core.plotting import new_axes
from assess.core.schema import EVENT_EXPOSURE, EVENT_TYPES, RATE_METRICS, RATE_NAMES
from assess.core.units import units_under
from assess.effect.members import MemberComparison, member_rates
from assess.effect.rates import RateComparison, rate_ratio_test
from assess.effect.verdict import format_ratio

__all__ = ["event_counts", "EventReview", "review_events", "PER_WORDS", "EVIDENCE"]

# Measure word of a count of each outcome.
_MEASURE = {"violation": "起", "complaint": "件"}
#: What the rate of each outcome is per, (中文, English).
PER_WORDS = {
    "violation": ("每千张工作票", "per 1,000 work tickets"),
    "complaint": ("每万户客户", "per 10,000 customers"),
}
#: The year-on-year verdict's evidence in words, (中文, English).
EVIDENCE: dict[str, tuple[str, str]] = {
    k: TERMS[f"evidence_{k}"] for k in ("decrease", "increase", "inconclusive")
}


def event_counts(
    data: Dataset, *, outcome: str, units: Sequence[str] | None = None
) -> pd.DataFrame:
    """Events of one type per unit and month, with the exposure they are a rate of.

    One row per row of the ``exposure`` table (zero counts included); events in a unit
    and month without an exposure row are not counted.

    Parameters
    ----------
    data : Dataset
    outcome : str
        An event type with an exposure in :data:`assess.core.schema.EVENT_EXPOSURE`
        (violations per work ticket, complaints per customer, ...).
    units : sequence of str, optional
        Only these units' exposure rows (e.g. ``units_under(units, "01")``).

    Returns
    -------
    DataFrame
        ``unit_code, month, count, exposure``.
    """
    check_choice("event_counts", "outcome", outcome, tuple(EVENT_EXPOSURE))
    column = EVENT_EXPOSURE[outcome]
    exposure = data.exposure[["unit_code", "month", column]].rename(columns={column: "exposure"})
    if units is not None:
        exposure = exposure.loc[exposure["unit_code"].isin(set(units))]
    events = data.events.loc[data.events["type"] == outcome]
    counts = (
        events.assign(month=events["date"].dt.strftime("%Y-%m"))
        .groupby(["unit_code", "month"])
        .size()
        .rename("count")
    )
    out = exposure.join(counts, on=["unit_code", "month"])
    out["count"] = out["count"].fillna(0).astype("int64")
    out["exposure"] = out["exposure"].astype("float64")
    return out[["unit_code", "month", "count", "exposure"]].reset_index(drop=True)


@dataclass(frozen=True, eq=False)
class EventReview(ResultDisplay):
    """Violations or complaints of a unit: trend, year-on-year audit, members vs others.

    Attributes
    ----------
    outcome : str
        ``"violation"`` or ``"complaint"``.
    quarter : str
        The quarter reviewed.
    exposure : str
        The exposure column the rate is over (``work_tickets``, ``customers``).
    per : int
        Rates are per this many exposure units (1,000 work tickets, 10,000 customers).
    confidence : float
        Confidence level of every interval.
    trend : DataFrame
        Per quarter up to ``quarter`` with exposure data: ``quarter, count, exposure,
        rate, ci_low, ci_high`` (rate per ``per``, exact Poisson interval).
    yoy : RateComparison or None
        :func:`assess.effect.rates.rate_ratio_test` of the quarter against the same
        quarter a year earlier; None without events (or exposure) a year earlier.
    members : MemberComparison or None
        :func:`assess.effect.members.member_rates` over ``window``, stratified by unit
        (Mantel–Haenszel); None when members or non-members had no event.
    window : tuple of str
        First and last quarter of the member comparison.
    """

    outcome: str
    quarter: str
    exposure: str
    per: int
    confidence: float
    trend: pd.DataFrame
    yoy: RateComparison | None
    members: MemberComparison | None
    window: tuple[str, str]

    _title = "违章与投诉 / Violations and complaints"

    @property
    def name(self) -> tuple[str, str]:
        """The event type in Chinese and English."""
        return EVENT_TYPES[self.outcome], self.outcome + "s"

    @property
    def rate_name(self) -> tuple[str, str]:
        """What the rate is (万户投诉数 / complaints per 10,000 customers)."""
        return RATE_NAMES[RATE_METRICS[self.outcome][0]]

    def _count(self, quarter: str) -> int | None:
        row = self.trend.loc[self.trend["quarter"] == quarter, "count"]
        return int(row.iloc[0]) if len(row) else None

    @property
    def count(self) -> int | None:
        """Events in the quarter (None without exposure data)."""
        return self._count(self.quarter)

    @property
    def count_last_year(self) -> int | None:
        """Events in the same quarter a year earlier (None without exposure data)."""
        return self._count(shift_quarter(self.quarter, -4))

    def to_frame(self) -> pd.DataFrame:
        """The quarterly trend (:attr:`trend`)."""
        return self.trend

    def to_dict(self) -> dict[str, Any]:
        """The headline numbers for a report's JSON: counts, the year-on-year rate ratio
        with its interval and p-value, and the member / non-member rate ratio."""

        def num(x: float | None) -> float | None:
            return None if x is None or not math.isfinite(x) else float(x)

        yoy, members = self.yoy, self.members
        return {
            "count": self.count,
            "count_last_year": self.count_last_year,
            "exposure": self.exposure,
            "estimate": None if yoy is None else num(yoy.estimate),
            "ci_low": None if yoy is None else num(yoy.ci_low),
            "ci_high": None if yoy is None else num(yoy.ci_high),
            "p_value": None if yoy is None else num(yoy.p_value),
            "evidence": None if yoy is None else yoy.verdict.evidence,
            "members_estimate": None if members is None else num(members.estimate),
            "members_ci_low": None if members is None else num(members.ci_low),
            "members_ci_high": None if members is None else num(members.ci_high),
            "members_p_value": None if members is None else num(members.p_value),
            "members_window": list(self.window),
        }

    def summary(self) -> str:
        """The review in a few sentences, Chinese then English."""
        zh_name, en_name = self.name
        rate_zh, rate_en = self.rate_name
        now, before = self.count, self.count_last_year
        word = _MEASURE[self.outcome]
        zh = [f"{self.quarter} {zh_name} {_n(now)} {word}，上年同期 {_n(before)} {word}。"]
        en = [f"{self.quarter}: {_n(now)} {en_name}, {_n(before)} a year earlier."]
        yoy = self.yoy
        if yoy is None:
            zh.append("上年同期没有事件或没有计算基数，不能计算同比率比。")
            en.append("No events or no exposure a year earlier: no year-on-year rate ratio.")
        else:
            conf = percent(self.confidence, 0)
            rng = f"{format_ratio(yoy.ci_low)}–{format_ratio(yoy.ci_high)}"
            word_zh, word_en = EVIDENCE[yoy.verdict.evidence]
            zh.append(
                f"按{rate_zh}计，率比 {format_ratio(yoy.estimate)}（{conf} 置信区间 "
                f"{rng}，{p_value(yoy.p_value, prefix=True)}），{word_zh}。"
            )
            en.append(
                f"As {rate_en}, the rate ratio is {format_ratio(yoy.estimate)} ({conf} "
                f"interval {rng}, {p_value(yoy.p_value, prefix=True)}): {word_en}."
            )
            if yoy.verdict.evidence == "inconclusive":
                reach_zh, reach_en = _detectable(yoy)
                zh.append(reach_zh)
                en.append(reach_en)
            zh.append("两期对比不能排除季节、趋势等其他原因。")
            en.append("A two-period comparison cannot rule out season, trend or other causes.")
        return "".join(zh) + "\n\n" + " ".join(en)

    def plot(self, ax: Axes | None = None, *, language: str = "zh") -> Axes:
        """Bars of the rate per quarter with exact intervals; this quarter in red, the
        same quarter last year in dark grey; the count under each quarter; labelled in
        ``language``."""
        check_language("EventReview.plot", language)
        ax = new_axes(ax, figsize=(7.5, 3.2))
        t = self.trend
        x = np.arange(len(t))
        last_year = shift_quarter(self.quarter, -4)
        colours = [
            "#c0392b" if q == self.quarter else "#5d6d7e" if q == last_year else "#bfc5cc"
            for q in t["quarter"]
        ]
        ax.bar(x, t["rate"], color=colours, width=0.65)
        word = _MEASURE[self.outcome]
        if t["count"].sum() > 0:
            ax.errorbar(
                x,
                t["rate"],
                yerr=[t["rate"] - t["ci_low"], t["ci_high"] - t["rate"]],
                fmt="none",
                color="#333333",
                lw=0.8,
                capsize=2,
            )
        else:
            # Without any event the intervals only reflect how small the exposure is.
            ax.set_ylim(0, 1)
            ax.text(
                0.5,
                0.5,
                phrase(f"各季度均无{self.name[0]}", f"no {self.name[1]} at all", language),
                transform=ax.transAxes,
                ha="center",
                va="center",
                color="#555555",
            )
        ax.set_xticks(
            x,
            [
                f"{q[2:4]}Q{q[-1]}\n{number(c)}{word}"
                for q, c in zip(t["quarter"], t["count"], strict=True)
            ],
            fontsize=8,
        )
        per_zh, per_en = PER_WORDS[self.outcome]
        ax.set_ylabel(phrase(per_zh, per_en, language), fontsize=9)
        ax.set_title(
            phrase(f"{self.name[0]}率（{per_zh}）", f"{self.name[1]} {per_en}", language),
            fontsize=10,
        )
        return ax


def _detectable(yoy: RateComparison) -> tuple[str, str]:
    """A sentence on the smallest fall and rise the exact test detects at these counts."""
    power = percent(yoy.power, 0)
    zh, en = [], []
    if math.isfinite(yoy.detectable_fall):
        fall = (1 - yoy.detectable_fall) * 100
        zh.append(f"下降 {fall:.0f}% 以上")
        en.append(f"a fall of {fall:.0f}% or more")
    if math.isfinite(yoy.detectable_rise):
        rise = (yoy.detectable_rise - 1) * 100
        zh.append(f"上升 {rise:.0f}% 以上")
        en.append(f"a rise of {rise:.0f}% or more")
    if not zh:
        return (
            f"按这样的件数，任何幅度的变化都达不到 {power} 的检出把握。",
            f"At these counts no change, however large, is detected with {power} probability.",
        )
    return (
        f"按这样的件数，只有{'或'.join(zh)}，才有 {power} 的把握检出。",
        f"At these counts only {' or '.join(en)} would be detected with {power} probability.",
    )


def _n(count: int | None) -> str:
    return "—" if count is None else f"{count:,}"


def _quarterly(counts: pd.DataFrame, quarter: str, per: int, confidence: float) -> pd.DataFrame:
    months = counts.loc[counts["month"] <= quarter_months(quarter)[-1]]
    quarters = months["month"].map({m: quarter_of(m) for m in months["month"].unique()})
    trend = months.groupby(quarters.rename("quarter"))[["count", "exposure"]].sum()
    trend = trend.loc[trend["exposure"] > 0].reset_index()
    trend["count"] = trend["count"].astype("int64")
    low, high = confint_poisson(
        trend["count"].to_numpy(),
        trend["exposure"].to_numpy(),
        method="exact-c",
        alpha=1.0 - confidence,
    )
    trend["rate"] = trend["count"] / trend["exposure"] * per
    trend["ci_low"] = np.asarray(low, dtype=float) * per
    trend["ci_high"] = np.asarray(high, dtype=float) * per
    return trend


def _member_comparison(
    data: Dataset, units: list[str], outcome: str, months: list[str], confidence: float
) -> MemberComparison | None:
    inside = set(units)
    events = data.events.loc[
        (data.events["type"] == outcome) & data.events["unit_code"].isin(inside)
    ]
    events = events.loc[events["date"].dt.strftime("%Y-%m").isin(months)]
    exposure = data.exposure.loc[
        data.exposure["unit_code"].isin(inside) & data.exposure["month"].isin(months)
    ]
    membership = data.staff.drop_duplicates("person_id").set_index("person_id")["is_party_member"]
    groups = events["person_id"].map(membership).dropna().astype(bool)
    member_months = float(exposure["member_headcount"].sum())
    other_months = float((exposure["headcount"] - exposure["member_headcount"]).sum())
    # A group without events or person-time has no rate ratio: say so rather than fail.
    if not (groups.any() and (~groups).any() and member_months > 0 and other_months > 0):
        return None
    return member_rates(
        events, exposure, data.staff, outcome=outcome, by="unit_code", confidence=confidence
    )


def review_events(
    data: Dataset,
    *,
    unit: str,
    quarter: str,
    outcome: str,
    window: int = 4,
    confidence: float = 0.95,
) -> EventReview:
    """Violations or complaints of ``unit``: quarterly rates, the year-on-year audit and
    members against non-members.

    Parameters
    ----------
    data : Dataset
        Events, exposure, staff and units with history.
    unit : str
        Any unit of the tree; its units' events and exposure are summed.
    quarter : str
        The quarter reviewed, e.g. ``"2026Q3"``.
    outcome : {"violation", "complaint"}
        Violations per 1,000 work tickets, or complaints per 10,000 customers.
    window : int, default 4
        Quarters (ending with ``quarter``) of the member comparison: one quarter of a
        unit has few events.
    confidence : float, default 0.95
        Confidence level of every interval.

    Returns
    -------
    EventReview

    Notes
    -----
    Counts and exposure by :func:`event_counts`. Year-on-year: the quarter against the
    same quarter a year earlier by :func:`assess.effect.rates.rate_ratio_test` (rate
    ratio over exposure, exact-conditional interval). Members vs non-members:
    :func:`assess.effect.members.member_rates` over person-months, stratified by unit
    (Mantel–Haenszel). Quarterly intervals: exact Poisson (statsmodels
    ``confint_poisson``, ``exact-c``).
    """
    func = "review_events"
    check_choice(func, "outcome", outcome, tuple(RATE_METRICS))
    quarter = check_quarter(func, quarter)
    check_unit(func, unit, data.units)
    check_int(func, "window", window, minimum=1)
    check_confidence(func, confidence)
    units = units_under(data.units, unit)
    per = RATE_METRICS[outcome][1]
    counts = event_counts(data, outcome=outcome, units=units)
    trend = _quarterly(counts, quarter, per, confidence)
    count = dict(zip(trend["quarter"], trend["count"].to_numpy(dtype=int), strict=True))
    exposure = dict(zip(trend["quarter"], trend["exposure"].to_numpy(dtype=float), strict=True))
    last_year = shift_quarter(quarter, -4)
    yoy = None
    if quarter in count and count.get(last_year, 0) > 0:
        yoy = rate_ratio_test(
            int(count[last_year]),
            float(exposure[last_year]),
            int(count[quarter]),
            float(exposure[quarter]),
            confidence=confidence,
            outcome=outcome,
        )
    first = shift_quarter(quarter, 1 - window)
    months = [m for k in range(window) for m in quarter_months(shift_quarter(first, k))]
    members = _member_comparison(data, units, outcome, months, confidence)
    return EventReview(
        outcome,
        quarter,
        EVENT_EXPOSURE[outcome],
        per,
        confidence,
        trend,
        yoy,
        members,
        (first, quarter),
    )
