"""Which units improved most: shrunken rate ratios after/before, rank ranges, funnel.

With 1,589 branches and a few events each, raw after/before ratios are mostly noise
(2 → 0 is "−100%"), and a branch with no events in either period says nothing at all.
:func:`shrink_rate_ratios` fits a binomial–logit-normal model to the pairs of counts
(:mod:`assess.effect._logit_normal`), pulls each unit's ratio towards the overall one in
proportion to how little it knows, says how many units improved with evidence, and ranks
them with honest rank ranges.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy import special, stats

from assess.core.checks import check_choice, check_confidence, check_int, check_seed
from assess.core.display import ResultDisplay
from assess.core.errors import ParameterError
from assess.core.formatting import number
from assess.core.glossary import check_language, term
from assess.core.plotting import new_axes
from assess.effect._checks import check_counts, check_exposures
from assess.effect._logit_normal import fit_logit_normal, posterior_grid
from assess.effect.rates import log_ratio_axis
from assess.effect.shrinkage import _units
from assess.effect.verdict import format_ratio

__all__ = ["CHANGE_PLOT_KINDS", "ChangeShrinkageResult", "shrink_rate_ratios"]


#: ``ChangeShrinkageResult.plot(kind=...)`` values.
CHANGE_PLOT_KINDS: tuple[str, ...] = ("ranking", "funnel")
# Posterior draws behind the rank ranges.
_RANK_DRAWS = 1000


@dataclass(frozen=True, eq=False)
class ChangeShrinkageResult(ResultDisplay):
    """Result of :func:`shrink_rate_ratios`.

    Attributes
    ----------
    table : pandas.DataFrame
        Index ``unit``; columns ``name``, ``count_before``, ``exposure_before``,
        ``count_after``, ``exposure_after``, ``rate_ratio_raw`` (after/before rates, NaN
        where the before count is 0), ``estimate`` (shrunken rate ratio), ``ci_low``,
        ``ci_high`` (equal-tailed posterior interval), ``weight`` (share of the unit's
        own data: 1 − posterior / prior variance of the log ratio), ``informative``
        (events in either period), ``rank`` (1 = largest shrunken fall; tied estimates
        share the smallest rank), ``rank_low``, ``rank_high`` (the range of ranks the
        unit takes with posterior probability ``confidence``) and ``rank_raw``.
    pooled, pooled_low, pooled_high : float
        Overall rate ratio ``exp(μ)`` and its Wald interval.
    tau2 : float
        Variance of the true log rate ratios between units (maximum marginal likelihood).
    confidence : float
        Level of the intervals and rank ranges.
    seed : int
        Seed of the posterior draws behind the rank ranges.
    """

    table: pd.DataFrame
    pooled: float
    pooled_low: float
    pooled_high: float
    tau2: float
    confidence: float
    seed: int

    _title = "各单位改善幅度（收缩后） / Which units improved most (shrunken)"

    def to_frame(self) -> pd.DataFrame:
        """The per-unit table, largest shrunken fall first (ties by the rank range)."""
        return self.table.sort_values(["estimate", "rank_high", "ci_high"], kind="stable")

    def summary(self) -> str:
        """Overall change, spread of the unit changes, how many improved or worsened with
        evidence, and the most improved units by name with their rank ranges."""
        t = self.to_frame()
        conf = f"{self.confidence * 100:g}%"
        empty = int((~t["informative"]).sum())
        better = int((t["ci_high"] < 1).sum())
        worse = int((t["ci_low"] > 1).sum())
        pooled, low, high = (
            format_ratio(x) for x in (self.pooled, self.pooled_low, self.pooled_high)
        )
        sd = math.sqrt(self.tau2)
        zh = [f"共 {number(len(t))} 个单位，总体率比 {pooled}（{conf} 置信区间 {low} 至 {high}）。"]
        en = [
            f"{number(len(t))} units, overall rate ratio {pooled} ({conf} confidence interval "
            f"{low} to {high})."
        ]
        if empty:
            zh.append(
                f"其中 {number(empty)} 个单位两期都没有事件（0 → 0），不含任何关于变化的信息，"
                "不参与单位间差异的估计，其收缩后率比即总体率比。"
            )
            en.append(
                f"{number(empty)} units had no events in either period (0 → 0): they carry no "
                "information on the change, do not enter the estimate of the spread between "
                "units, and their shrunken ratio is the overall one."
            )
        if self.tau2 > 0:
            z = stats.norm.isf((1 - self.confidence) / 2)
            span = [format_ratio(self.pooled * math.exp(s * z * sd)) for s in (-1, 1)]
            zh.append(
                f"单位间真实变化的标准差（对数率比）约为 {number(sd, 3)}：典型单位的真实率比在 "
                f"{span[0]} 至 {span[1]} 之间。"
            )
            en.append(
                f"The true changes vary between units with a standard deviation of "
                f"{number(sd, 3)} on the log scale: a typical unit's true ratio lies between "
                f"{span[0]} and {span[1]}."
            )
        else:
            zh.append(
                "数据未显示单位间的变化有差异（τ² = 0）：各单位的收缩后率比相同，"
                "无法区分谁改善更多。"
            )
            en.append(
                "The data show no difference between the units' changes (τ² = 0): every "
                "unit gets the same shrunken ratio, and none can be said to have improved more."
            )
        zh.append(
            f"有证据改善（区间上限低于 1）的单位 {number(better)} 个，"
            f"有证据变差（区间下限高于 1）的 "
            f"{number(worse)} 个，其余 {number(len(t) - better - worse)} 个无法判断。"
        )
        en.append(
            f"Improved with evidence (interval wholly below 1): {number(better)}; worsened with "
            f"evidence (wholly above 1): {number(worse)}; undecided: "
            f"{number(len(t) - better - worse)}."
        )
        top = t[t["informative"]].head(3) if self.tau2 > 0 else t.iloc[:0]
        if len(top):
            items_zh, items_en = [], []
            for _, r in top.iterrows():
                counts = f"{number(int(r['count_before']))} → {number(int(r['count_after']))}"
                ranks = f"{number(int(r['rank_low']))}–{number(int(r['rank_high']))}"
                ratio = format_ratio(r["estimate"])
                items_zh.append(f"{r['name']}（{counts}，率比 {ratio}，排名区间 {ranks}）")
                items_en.append(f"{r['name']} ({counts}, ratio {ratio}, ranks {ranks})")
            width = int((t["rank_high"] - t["rank_low"]).median())
            zh.append(
                f"收缩后改善最多的单位：{'、'.join(items_zh)}。排名区间是单位以 {conf} 后验概率"
                f"所处的名次范围，中位宽度 {number(width)} 位：排名本身不宜作为奖惩依据。"
            )
            en.append(
                f"Most improved after shrinkage: {', '.join(items_en)}. A rank range holds the "
                f"unit's place with {conf} posterior probability; the median range spans "
                f"{number(width)} places, so the ranking itself should not decide rewards."
            )
        return "".join(zh) + "\n\n" + " ".join(en)

    def plot(
        self,
        ax: Axes | None = None,
        *,
        kind: str = "ranking",
        top: int = 15,
        language: str = "zh",
    ) -> Axes:
        """The ``top`` most improved and ``top`` most worsened units (shrunken ratios with
        intervals, raw ratios as open circles), or the funnel of raw ratios against the
        events behind them; at most one page, labelled in ``language``."""
        func = "ChangeShrinkageResult.plot"
        check_choice(func, "kind", kind, CHANGE_PLOT_KINDS)
        check_int(func, "top", top, minimum=1)
        check_language(func, language)
        t = self.to_frame()
        a, b = t["count_after"].to_numpy(float), t["count_before"].to_numpy(float)
        offset = np.log(t["exposure_after"] / t["exposure_before"]).to_numpy()
        corrected = np.exp(np.log((a + 0.5) / (b + 0.5)) - offset)
        if kind == "funnel":
            return self._funnel(ax, t, a + b, corrected, offset, language)
        shown = np.r_[0 : min(top, len(t)), max(top, len(t) - top) : len(t)]
        rows = t.iloc[shown]
        ax = new_axes(ax, figsize=(7.0, min(10.5, 0.22 * len(rows) + 1.5)))
        y = np.arange(len(rows))
        ax.errorbar(
            rows["estimate"],
            y,
            xerr=[rows["estimate"] - rows["ci_low"], rows["ci_high"] - rows["estimate"]],
            fmt="o",
            color="C0",
            capsize=2,
            ms=4,
            label=term("shrunken_rate_ratio", language),
        )
        ax.scatter(
            corrected[shown],
            y,
            facecolors="none",
            edgecolors="C3",
            s=18,
            label=term("raw_rate_ratio_corrected", language),
        )
        if len(shown) < len(t):
            ax.axhline(min(top, len(t)) - 0.5, color="0.6", lw=0.8, ls=":")
        ax.axvline(1.0, color="0.3", lw=1)
        ax.axvline(
            self.pooled, color="0.4", ls="--", lw=1, label=term("overall_rate_ratio", language)
        )
        log_ratio_axis(ax)
        ax.set_yticks(y, [str(n) for n in rows["name"]], fontsize="small")
        ax.invert_yaxis()
        ax.set_xlabel(term("rate_ratio_after_before", language))
        ax.set_title(term("unit_change_title", language))
        ax.legend(loc="best", fontsize="small")
        return ax

    def _funnel(
        self,
        ax: Axes | None,
        t: pd.DataFrame,
        total: np.ndarray,
        corrected: np.ndarray,
        offset: np.ndarray,
        language: str,
    ) -> Axes:
        ax = new_axes(ax)
        keep = total > 0
        ax.scatter(total[keep], corrected[keep], s=12, color="C0", alpha=0.6, zorder=3)
        grid = np.geomspace(1.0, max(2.0, total.max() * 1.2), 200)
        p0 = special.expit(math.log(self.pooled) + float(np.median(offset)))
        for level, style in ((0.95, "--"), (0.998, ":")):
            half = stats.norm.isf((1 - level) / 2) / np.sqrt(grid * p0 * (1 - p0))
            ax.plot(
                grid,
                self.pooled * np.exp(half),
                color="0.3",
                ls=style,
                lw=1,
                label=f"{level * 100:g}% {term('control_limits', language)}",
            )
            ax.plot(grid, self.pooled * np.exp(-half), color="0.3", ls=style, lw=1)
        ax.axhline(self.pooled, color="0.3", lw=1, label=term("overall_rate_ratio", language))
        ax.set_xscale("log")
        log_ratio_axis(ax)
        ax.set_xlabel(term("events_both_periods", language))
        ax.set_ylabel(term("raw_rate_ratio_corrected", language))
        ax.set_title(term("ratio_funnel_title", language))
        ax.legend(loc="best", fontsize="small")
        return ax


def _unit_names(func: str, names: Any, index: pd.Index) -> pd.Series:
    """``names`` as a Series over ``index`` (the unit code where a name is missing)."""
    if names is None:
        mapping = pd.Series(dtype=object)
    elif isinstance(names, pd.DataFrame):
        if not {"unit_code", "unit_name"} <= set(names.columns):
            raise ParameterError(
                func,
                "names",
                "a units table with columns unit_code and unit_name",
                list(names.columns),
            )
        mapping = names.set_index("unit_code")["unit_name"]
    elif isinstance(names, pd.Series | Mapping):
        mapping = pd.Series(dict(names), dtype=object)
    else:
        raise ParameterError(
            func, "names", "a mapping unit → name or a units table", type(names).__name__
        )
    mapping = mapping[~mapping.index.duplicated()]
    found = mapping.reindex(index)
    return found.where(found.notna(), pd.Series(index.astype(str), index=index)).astype(str)


def _rank_ranges(
    theta: np.ndarray, cdf: np.ndarray, conf: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Equal-tailed ranges of each unit's rank (1 = lowest θ) over posterior draws."""
    rng = np.random.default_rng(seed)
    u = rng.random((_RANK_DRAWS, len(theta)))
    draws = np.column_stack([np.interp(u[:, i], cdf[i], theta[i]) for i in range(len(theta))])
    ranks = draws.argsort(axis=1).argsort(axis=1) + 1
    tail = (1 - conf) / 2
    low = np.quantile(ranks, tail, axis=0, method="lower")
    high = np.quantile(ranks, 1 - tail, axis=0, method="higher")
    return low.astype(int), high.astype(int)


def shrink_rate_ratios(
    count_before: Sequence[float] | np.ndarray | pd.Series,
    exposure_before: Sequence[float] | np.ndarray | pd.Series,
    count_after: Sequence[float] | np.ndarray | pd.Series,
    exposure_after: Sequence[float] | np.ndarray | pd.Series,
    *,
    units: Sequence[Any] | pd.Index | None = None,
    names: Mapping[Any, str] | pd.Series | pd.DataFrame | None = None,
    confidence: float = 0.95,
    seed: int = 0,
) -> ChangeShrinkageResult:
    """Which units improved most: per-unit rate ratios after/before, shrunk to the overall.

    Parameters
    ----------
    count_before, exposure_before : array-like
        Events (≥ 0) and exposure (> 0) per unit before.
    count_after, exposure_after : array-like
        The same after.
    units : sequence, optional
        Unit labels (codes); defaults to the index of ``count_before`` when it is a Series.
    names : mapping, Series or DataFrame, optional
        Unit code → unit name, or a units table with columns ``unit_code`` and
        ``unit_name`` (as in the report's data); summaries and plots name units by it.
    confidence : float, default 0.95
        Level of the intervals and the rank ranges.
    seed : int, default 0
        Seed of the posterior draws behind the rank ranges.

    Returns
    -------
    ChangeShrinkageResult
        Raw and shrunken rate ratios with intervals, ranks and rank ranges, the overall
        rate ratio and the between-unit variance.

    Raises
    ------
    ParameterError
        For negative counts, exposure ≤ 0, mismatched lengths, duplicate units, bad
        ``names``, or fewer than 3 units with events in either period.

    Notes
    -----
    Conditioning on each unit's total ``n_i = a_i + b_i`` removes its own rate:
    ``a_i | n_i ~ Binomial(n_i, p_i)``, ``logit p_i = θ_i + ln(E_a,i / E_b,i)`` with
    ``θ_i`` the log rate ratio, and between units ``θ_i ~ N(μ, τ²)`` (Poisson–lognormal
    ratios). ``μ`` and ``τ`` maximise the exact marginal likelihood (adaptive
    Gauss–Hermite quadrature, ``scipy.optimize``); a unit with no events in either period
    has a likelihood of exactly 1, so such units cannot pull ``τ²`` to 0. Each unit's
    posterior of ``θ_i`` uses the prior ``N(μ̂, τ̂² + se(μ̂)²)`` (the first-order
    allowance for the estimated mean) and is evaluated on a grid: ``estimate`` is
    ``exp`` of its mean, the interval its equal-tailed quantiles. Both counts enter the
    likelihood, so a unit whose before count was high by chance is not credited with the
    fall back (regression to the mean). Rank ranges come from 1,000 joint posterior draws.
    Checked in the tests against ``scipy.integrate.quad`` of the marginal likelihood, a
    simulation recovering a known ``τ²``, a binomial GLM with offset at ``τ = 0``, and the
    province demo at branch level.

    Examples
    --------
    Unit B's fall from 5 to 1 is mostly noise; A's from 40 to 12 is not:

    >>> res = shrink_rate_ratios([40, 5, 60, 8, 30], [1] * 5, [12, 1, 45, 8, 30], [1] * 5,
    ...                          units=list("ABCDE"))
    >>> res.table[["rate_ratio_raw", "estimate", "rank", "rank_low", "rank_high"]].round(3)
    ... # doctest: +NORMALIZE_WHITESPACE
          rate_ratio_raw  estimate  rank  rank_low  rank_high
    unit
    A               0.30     0.384     1         1          3
    B               0.20     0.514     2         1          5
    C               0.75     0.728     3         2          5
    D               1.00     0.771     4         1          5
    E               1.00     0.889     5         2          5
    """
    func = "shrink_rate_ratios"
    b = check_counts(func, "count_before", count_before)
    eb = check_exposures(func, "exposure_before", exposure_before, b.size)
    a = check_counts(func, "count_after", count_after)
    if a.size != b.size:
        raise ParameterError(func, "count_after", f"{b.size} counts, one per unit", a.size)
    ea = check_exposures(func, "exposure_after", exposure_after, b.size)
    index = _units(func, units, count_before, b.size)
    conf = check_confidence(func, confidence)
    check_seed(func, seed)
    label = _unit_names(func, names, index)
    total, offset = a + b, np.log(ea / eb)
    if int((total > 0).sum()) < 3:
        raise ParameterError(
            func,
            "count_before",
            "at least 3 units with events in either period",
            int((total > 0).sum()),
        )
    fit = fit_logit_normal(a, total, offset)
    prior = fit.tau**2 + fit.se_mu**2
    theta, cdf = posterior_grid(fit.mu, prior, a, total, offset)
    tail = (1 - conf) / 2
    quantiles = np.array(
        [np.interp([tail, 0.5, 1 - tail], c, g) for c, g in zip(cdf, theta, strict=True)]
    )
    mids = 0.5 * (theta[:, 1:] + theta[:, :-1])
    mean = np.sum(mids * np.diff(cdf, axis=1), axis=1)
    variance = np.sum((mids - mean[:, None]) ** 2 * np.diff(cdf, axis=1), axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = np.where(b > 0, (a / ea) / (b / eb), np.nan)
    rank_low, rank_high = _rank_ranges(theta, cdf, conf, seed)
    table = pd.DataFrame(
        {
            "name": label,
            "count_before": b.astype(int),
            "exposure_before": eb,
            "count_after": a.astype(int),
            "exposure_after": ea,
            "rate_ratio_raw": raw,
            "estimate": np.exp(mean),
            "ci_low": np.exp(quantiles[:, 0]),
            "ci_high": np.exp(quantiles[:, 2]),
            "weight": np.clip(1.0 - variance / prior, 0.0, 1.0),
            "informative": total > 0,
        },
        index=index,
    )
    table["rank"] = table["estimate"].round(12).rank(method="min").astype(int)
    table["rank_low"], table["rank_high"] = rank_low, rank_high
    table["rank_raw"] = table["rate_ratio_raw"].rank(method="min").astype("Int64")
    half = stats.norm.isf(tail) * fit.se_mu
    return ChangeShrinkageResult(
        table=table,
        pooled=math.exp(fit.mu),
        pooled_low=math.exp(fit.mu - half),
        pooled_high=math.exp(fit.mu + half),
        tau2=fit.tau**2,
        confidence=conf,
        seed=seed,
    )
