"""Members vs non-members: event rates per head, compared as a rate ratio.

Seed 000 marks member identity on violations and complaints. :func:`member_rates`
attributes each event to a member or a non-member through the person responsible,
divides by the person-months of each group from the monthly exposure table, and
compares the two rates — overall, or within strata (units) by Mantel–Haenszel.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy import stats
from statsmodels.stats.rates import confint_poisson

from assess.core.checks import check_choice, check_confidence
from assess.core.display import ResultDisplay
from assess.core.errors import ParameterError
from assess.core.formatting import number
from assess.core.formatting import p_value as format_p_value
from assess.core.glossary import TERMS, check_language, phrase, term
from assess.core.plotting import new_axes
from assess.core.schema import EVENT_TYPES
from assess.effect.rates import compare_rates
from assess.effect.verdict import OUTCOMES, classify, format_ratio

__all__ = ["MemberComparison", "member_rates", "mantel_haenszel_rate_ratio"]

_PER = 1200.0  # person-months → per 100 person-years
_GROUPS = {"member": ("党员", "members"), "non_member": ("非党员", "non-members")}


def mantel_haenszel_rate_ratio(
    events1: np.ndarray,
    time1: np.ndarray,
    events0: np.ndarray,
    time0: np.ndarray,
    *,
    confidence: float = 0.95,
) -> tuple[float, float, float, float]:
    """Mantel–Haenszel rate ratio over strata of person-time, with its interval and test.

    Parameters
    ----------
    events1, time1 : array of float
        Events and person-time of the compared group in each stratum.
    events0, time0 : array of float
        Events and person-time of the reference group in each stratum.
    confidence : float, default 0.95
        Confidence level of the interval.

    Returns
    -------
    tuple of float
        ``(estimate, ci_low, ci_high, p_value)``.

    Raises
    ------
    ParameterError
        If no stratum has person-time in both groups, or if either group has no events
        in the strata that do (the ratio is then 0 or infinite).

    Notes
    -----
    With ``T = T1 + T0`` and ``M = a + b`` per stratum:
    ``RR_MH = Σ a T0 / T ÷ Σ b T1 / T``; Greenland–Robins (1985) variance
    ``Var(ln RR_MH) = Σ M T1 T0 / T² ÷ [(Σ a T0 / T)(Σ b T1 / T)]``; the interval is
    ``exp(ln RR_MH ± z √Var)``. The test is the Mantel–Haenszel score statistic
    ``(Σ a − Σ M T1 / T) / √(Σ M T1 T0 / T²)``, which equals the score test of a Poisson
    model with stratum effects and a log person-time offset. Rothman, Greenland & Lash,
    *Modern Epidemiology* (3rd ed.), ch. 15. Checked in the tests against a statsmodels
    Poisson GLM with stratum dummies (estimate and score test).

    Examples
    --------
    >>> est, lo, hi, p = mantel_haenszel_rate_ratio(
    ...     np.array([10, 20]), np.array([1000, 1000]), np.array([30, 90]),
    ...     np.array([1500, 3000]))
    >>> round(est, 3), round(lo, 3), round(hi, 3)
    (0.609, 0.408, 0.908)
    """
    func = "mantel_haenszel_rate_ratio"
    z = stats.norm.isf((1.0 - check_confidence(func, confidence)) / 2)
    a, t1, b, t0 = (np.asarray(x, dtype=float) for x in (events1, time1, events0, time0))
    keep = (t1 > 0) & (t0 > 0)
    a, t1, b, t0 = a[keep], t1[keep], b[keep], t0[keep]
    total = t1 + t0
    numerator = float(np.sum(a * t0 / total))
    denominator = float(np.sum(b * t1 / total))
    if numerator == 0 or denominator == 0:
        raise ParameterError(
            func,
            "events1, events0",
            "events in both groups within strata where both have person-time",
            (numerator, denominator),
        )
    estimate = numerator / denominator
    variance = float(np.sum((a + b) * t1 * t0 / total**2))
    half = z * math.sqrt(variance / (numerator * denominator))
    expected = float(np.sum((a + b) * t1 / total))
    p_value = float(2 * stats.norm.sf(abs(a.sum() - expected) / math.sqrt(variance)))
    return estimate, estimate * math.exp(-half), estimate * math.exp(half), p_value


@dataclass(frozen=True, eq=False)
class MemberComparison(ResultDisplay):
    """Result of :func:`member_rates`.

    Attributes
    ----------
    outcome : str
        The event type compared (``events.type``).
    confidence : float
        Confidence level of the intervals.
    by : str or None
        What the comparison is stratified by (a column name, ``"mapping"``) or ``None``.
    groups : pandas.DataFrame
        Index ``group`` (``member``, ``non_member``); columns ``events``,
        ``person_months``, ``rate_per_100py`` (events per 100 person-years) and its exact
        Poisson ``ci_low``, ``ci_high``.
    strata : pandas.DataFrame or None
        Per stratum: ``member_events``, ``member_person_months``, ``non_member_events``,
        ``non_member_person_months``, ``rate_ratio``.
    crude : pandas.DataFrame
        The unstratified comparison, one row per method (see
        :func:`assess.effect.rates.compare_rates`).
    method : str
        ``"exact-cond"`` (unstratified) or ``"mantel-haenszel"``.
    estimate, ci_low, ci_high, p_value : float
        Rate ratio members / non-members by ``method``, its interval and p-value.
    n : int
        Events attributed to a member or a non-member.
    n_unattributed : int
        Events left out because no person is recorded or the person is not in ``staff``.
    n_outside_exposure : int
        Events left out because their unit and month have no exposure row.
    """

    outcome: str
    confidence: float
    by: str | None
    groups: pd.DataFrame
    strata: pd.DataFrame | None
    crude: pd.DataFrame
    method: str
    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    n: int
    n_unattributed: int
    n_outside_exposure: int

    _title = "党员与非党员对比 / Members vs non-members"

    def to_frame(self) -> pd.DataFrame:
        """One row: ``estimate``, ``ci_low``, ``ci_high``, ``p_value``, ``n``, ``method``,
        ``outcome``, ``design`` (``"members"``) and the two groups' rates per 100
        person-years."""
        return pd.DataFrame(
            [
                {
                    "estimate": self.estimate,
                    "ci_low": self.ci_low,
                    "ci_high": self.ci_high,
                    "p_value": self.p_value,
                    "n": self.n,
                    "method": self.method,
                    "outcome": self.outcome,
                    "design": "members",
                    "member_rate_per_100py": self.groups.loc["member", "rate_per_100py"],
                    "non_member_rate_per_100py": self.groups.loc["non_member", "rate_per_100py"],
                }
            ]
        )

    def summary(self) -> str:
        """Rates of both groups, the rate ratio and what it does and does not show."""
        zh_name, en_name = OUTCOMES.get(self.outcome, (self.outcome, self.outcome))
        g = self.groups
        r1, r0 = (
            float(x)
            for x in g.loc[["member", "non_member"], "rate_per_100py"].to_numpy(dtype=float)
        )
        conf = f"{self.confidence * 100:g}%"
        est, lo, hi = (format_ratio(x) for x in (self.estimate, self.ci_low, self.ci_high))
        p = format_p_value(self.p_value, prefix=True)
        rate1, rate0 = number(r1), number(r0)
        evidence = classify(self.ci_low, self.ci_high)
        if evidence == "inconclusive":
            find_zh = "两者之差与随机波动无法区分。"
            find_en = "the difference cannot be distinguished from random variation."
        else:
            lower = evidence == "decrease"
            a, b = (
                ((1 - self.ci_high) * 100, (1 - self.ci_low) * 100)
                if lower
                else ((self.ci_low - 1) * 100, (self.ci_high - 1) * 100)
            )
            word_zh, word_en = ("低", "lower") if lower else ("高", "higher")
            find_zh = (
                f"党员的{zh_name}率{word_zh}于非党员有统计学证据，{word_zh} {a:.1f}% 至 {b:.1f}%。"
            )
            find_en = (
                f"there is statistical evidence that members' rate of {en_name} is "
                f"{word_en}, by {a:.1f}% to {b:.1f}%."
            )
        zh = [
            f"党员与非党员对比（{zh_name}）：党员每百人年 {rate1} 起，非党员 {rate0} 起。",
            f"率比（党员/非党员）为 {est}（{conf} 置信区间 {lo} 至 {hi}，{p}），{find_zh}",
        ]
        en = [
            f"Members vs non-members ({en_name}): members {rate1} and non-members "
            f"{rate0} per 100 person-years.",
            f"The rate ratio (members / non-members) is {est} ({conf} confidence interval "
            f"{lo} to {hi}, {p}): {find_en}",
        ]
        if self.strata is not None:
            zh.append(f"已按 {self.by} 分层（Mantel–Haenszel），各层基线差异不影响比较。")
            en.append(
                f"Stratified by {self.by} (Mantel–Haenszel), so differences between "
                "strata do not enter the comparison."
            )
        if self.n_unattributed or self.n_outside_exposure:
            zh.append(
                f"{self.n_unattributed} 起事件无法对应到人员名单、{self.n_outside_exposure} "
                "起事件所在单位和月份没有暴露量，均未计入。"
            )
            en.append(
                f"{self.n_unattributed} events without a person in the staff list and "
                f"{self.n_outside_exposure} events in a unit-month without exposure "
                "were left out."
            )
        zh.append(
            "这是观察性对比：党员与非党员的岗位、工龄和作业量不同，率比不等于党员身份的因果作用。"
        )
        en.append(
            "This is an observational comparison: members and non-members differ in "
            "posts, experience and workload, so the ratio is not the causal effect of "
            "membership."
        )
        return "\n".join(zh) + "\n\n" + "\n".join(en)

    def plot(self, ax: Axes | None = None, *, language: str = "zh") -> Axes:
        """The two groups' rates per 100 person-years with exact Poisson intervals,
        labelled in ``language``."""
        check_language("MemberComparison.plot", language)
        ax = new_axes(ax)
        g = self.groups
        x = np.arange(len(g))
        ax.bar(x, g["rate_per_100py"], color=["C3", "C0"], width=0.6)
        ax.errorbar(
            x,
            g["rate_per_100py"],
            yerr=[g["rate_per_100py"] - g["ci_low"], g["ci_high"] - g["rate_per_100py"]],
            fmt="none",
            color="0.2",
            capsize=5,
        )
        groups = {"member": "members_group", "non_member": "non_members_group"}
        ax.set_xticks(x, [term(groups[str(k)], language) for k in g.index])
        zh_name, en_name = OUTCOMES.get(self.outcome, (self.outcome, self.outcome))
        per = TERMS["per_100_person_years"]
        ax.set_ylabel(phrase(f"{zh_name}率（{per.zh}）", f"{en_name} {per.en.lower()}", language))
        ax.set_title(
            phrase(
                f"{TERMS['members_vs_others'].zh}（{zh_name}率）",
                f"{TERMS['members_vs_others'].en}: {en_name}",
                language,
            )
        )
        return ax


def _require(func: str, name: str, frame: pd.DataFrame, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ParameterError(
            func,
            name,
            "a table with columns " + ", ".join(columns),
            f"missing {', '.join(missing)}",
            zh=f"{func}：表 {name!r} 缺少列 {', '.join(missing)}",
        )


def _strata(
    func: str,
    by: str | Mapping[str, str] | pd.Series | None,
    events: pd.DataFrame,
    exposure: pd.DataFrame,
) -> tuple[pd.Series, pd.Series, str | None]:
    if by is None:
        return (pd.Series("all", index=events.index), pd.Series("all", index=exposure.index), None)
    if isinstance(by, str):
        if by not in events.columns or by not in exposure.columns:
            raise ParameterError(
                func,
                "by",
                "a column of both events and exposure "
                "(e.g. 'unit_code'), or a mapping unit_code → stratum",
                by,
            )
        return events[by].astype(str), exposure[by].astype(str), by
    if not isinstance(by, Mapping | pd.Series):
        raise ParameterError(
            func, "by", "None, a column name, or a mapping unit_code → stratum", type(by).__name__
        )
    mapping = pd.Series(dict(by)) if isinstance(by, Mapping) else by
    units = set(events["unit_code"]) | set(exposure["unit_code"])
    unmapped = sorted(units - set(mapping.index))
    if unmapped:
        raise ParameterError(
            func,
            "by",
            "a mapping that covers every unit_code",
            f"no stratum for {', '.join(map(str, unmapped[:5]))}",
        )
    return (
        events["unit_code"].map(mapping).astype(str),
        exposure["unit_code"].map(mapping).astype(str),
        "mapping",
    )


def member_rates(
    events: pd.DataFrame,
    exposure: pd.DataFrame,
    staff: pd.DataFrame,
    *,
    outcome: str = "violation",
    by: str | Mapping[str, str] | pd.Series | None = None,
    confidence: float = 0.95,
) -> MemberComparison:
    """Compare the event rate per head of party members with that of non-members.

    Parameters
    ----------
    events : pandas.DataFrame
        The ``events`` table: ``date``, ``unit_code``, ``person_id``, ``type``.
    exposure : pandas.DataFrame
        The ``exposure`` table: ``unit_code``, ``month``, ``headcount``,
        ``member_headcount``; one row per unit and month covered.
    staff : pandas.DataFrame
        The ``staff`` table: ``person_id``, ``is_party_member``.
    outcome : str, default "violation"
        Event type to count, a code of ``events.type``.
    by : str, mapping or Series, optional
        Stratify: a column of both tables (e.g. ``"unit_code"`` to compare within units),
        or a mapping from ``unit_code`` to a stratum (e.g. each branch's county).
    confidence : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    MemberComparison
        Rates of both groups, the rate ratio members / non-members with interval and
        p-value, and the counts of events left out.

    Raises
    ------
    ParameterError
        For missing columns, an unknown outcome, ``member_headcount`` above
        ``headcount`` or missing, no person-time in a group, or a bad ``by``.

    Warns
    -----
    UserWarning
        When events fall in a unit and month with no exposure row; they are left out.

    Notes
    -----
    Person-months: members ``Σ member_headcount``, non-members
    ``Σ (headcount − member_headcount)`` over the unit-months. An event counts for members
    when its ``person_id`` is a member in ``staff``; events without a known person are
    left out (``n_unattributed``), which biases both rates down by the same share only if
    the missing persons are as often members as not. Unstratified: exact-conditional
    interval and p-value (:func:`assess.effect.rates.compare_rates`). Stratified:
    :func:`mantel_haenszel_rate_ratio`. Checked against a statsmodels Poisson GLM with a
    log person-time offset.

    Examples
    --------
    >>> events = pd.DataFrame({"date": pd.to_datetime(["2026-01-05", "2026-01-09",
    ...     "2026-02-03", "2026-02-07"]), "unit_code": ["01"] * 4,
    ...     "person_id": ["p1", "p2", "p2", None], "type": ["violation"] * 4})
    >>> exposure = pd.DataFrame({"unit_code": ["01", "01"], "month": ["2026-01", "2026-02"],
    ...     "headcount": [30, 30], "member_headcount": [10, 10]})
    >>> staff = pd.DataFrame({"person_id": ["p1", "p2"], "is_party_member": [True, False]})
    >>> res = member_rates(events, exposure, staff)
    >>> res.groups["events"].tolist(), res.n_unattributed, round(res.estimate, 2)
    ([1, 2], 1, 1.0)
    """
    func = "member_rates"
    _require(func, "events", events, ("date", "unit_code", "person_id", "type"))
    _require(func, "exposure", exposure, ("unit_code", "month", "headcount", "member_headcount"))
    _require(func, "staff", staff, ("person_id", "is_party_member"))
    check_choice(func, "outcome", outcome, tuple(EVENT_TYPES))
    conf = check_confidence(func, confidence)

    heads = exposure[["headcount", "member_headcount"]].apply(pd.to_numeric, errors="coerce")
    bad = (
        heads.isna().any(axis=1)
        | (heads["member_headcount"] > heads["headcount"])
        | (heads < 0).any(axis=1)
    )
    if bad.any():
        rows = exposure.loc[bad, ["unit_code", "month"]].head(5).to_dict("records")
        raise ParameterError(
            func,
            "exposure",
            "0 ≤ member_headcount ≤ headcount, both present",
            rows,
            zh=f"{func}：暴露量表中党员人数须在 0 与在岗人数之间且不能为空，问题行 {rows!r}",
        )

    chosen = events[events["type"] == outcome]
    months = pd.to_datetime(chosen["date"]).dt.strftime("%Y-%m")
    covered = pd.MultiIndex.from_frame(exposure[["unit_code", "month"]].astype(str))
    inside = pd.MultiIndex.from_arrays([chosen["unit_code"].astype(str), months]).isin(covered)
    n_outside = int((~inside).sum())
    if n_outside:
        warnings.warn(
            f"{n_outside} 起事件所在单位和月份没有暴露量，已剔除 / {n_outside} events "
            "fall in a unit and month without exposure and were left out",
            UserWarning,
            stacklevel=2,
        )
    chosen = chosen[inside]
    membership = staff.drop_duplicates("person_id").set_index("person_id")["is_party_member"]
    flags = membership.dropna()
    if not flags.map(lambda v: isinstance(v, bool | np.bool_)).all():
        shown = flags[~flags.map(lambda v: isinstance(v, bool | np.bool_))].head(5).tolist()
        raise ParameterError(
            func,
            "staff",
            "is_party_member as True/False (read the table with assess's readers to convert 是/否)",
            shown,
        )
    is_member = chosen["person_id"].map(membership)
    known = is_member.notna().to_numpy()
    event_stratum, exposure_stratum, by_name = _strata(func, by, chosen, exposure)

    attributed = pd.DataFrame(
        {"stratum": event_stratum[known], "member": is_member[known].astype(bool)}
    )
    counts = attributed.groupby(["stratum", "member"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=[True, False], fill_value=0)
    time = pd.DataFrame(
        {
            "stratum": exposure_stratum,
            "m": heads["member_headcount"],
            "n": heads["headcount"] - heads["member_headcount"],
        }
    )
    time = time.groupby("stratum")[["m", "n"]].sum()
    strata = pd.DataFrame(
        {
            "member_events": counts[True],
            "member_person_months": time["m"],
            "non_member_events": counts[False],
            "non_member_person_months": time["n"],
        }
    ).fillna(0.0)
    strata.index.name = "stratum"
    strata[["member_events", "non_member_events"]] = strata[
        ["member_events", "non_member_events"]
    ].astype(int)

    a, t1 = int(strata["member_events"].sum()), float(strata["member_person_months"].sum())
    b, t0 = (
        int(strata["non_member_events"].sum()),
        float(strata["non_member_person_months"].sum()),
    )
    for group, t in (("member", t1), ("non_member", t0)):
        if t <= 0:
            raise ParameterError(func, "exposure", f"person-months of {group}s > 0", t)
    crude = compare_rates(a, t1, b, t0, confidence=conf)

    rows = []
    for events_n, t in ((a, t1), (b, t0)):
        low, high = confint_poisson(events_n, t, method="exact-c", alpha=1.0 - conf)
        rows.append((events_n, t, events_n / t * _PER, float(low) * _PER, float(high) * _PER))
    groups = pd.DataFrame(
        rows,
        index=pd.Index(list(_GROUPS), name="group"),
        columns=["events", "person_months", "rate_per_100py", "ci_low", "ci_high"],
    )

    if by_name is None:
        main = crude.iloc[0]
        method = str(crude.index[0])
        estimate, low, high, p = (
            float(main[c]) for c in ("estimate", "ci_low", "ci_high", "p_value")
        )
        strata_out = None
    else:
        method = "mantel-haenszel"
        estimate, low, high, p = mantel_haenszel_rate_ratio(
            strata["member_events"].to_numpy(),
            strata["member_person_months"].to_numpy(),
            strata["non_member_events"].to_numpy(),
            strata["non_member_person_months"].to_numpy(),
            confidence=conf,
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            strata["rate_ratio"] = (strata["member_events"] / strata["member_person_months"]) / (
                strata["non_member_events"] / strata["non_member_person_months"]
            )
        strata_out = strata
    return MemberComparison(
        outcome=outcome,
        confidence=conf,
        by=by_name,
        groups=groups,
        strata=strata_out,
        crude=crude,
        method=method,
        estimate=estimate,
        ci_low=low,
        ci_high=high,
        p_value=p,
        n=a + b,
        n_unattributed=int((~known).sum()),
        n_outside_exposure=n_outside,
    )
