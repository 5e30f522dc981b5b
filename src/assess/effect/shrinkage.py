"""Which units are really worse, and which improved most: shrinkage and funnel plots.

A branch with 12 staff and 2 violations has a rate six times the provincial one, but it
is mostly noise. Ranking branches on raw rates puts the smallest ones at both ends.

* :func:`shrink_rates` — Poisson–Gamma empirical Bayes: each unit's rate is pulled
  towards the overall rate in proportion to how little exposure it has.
* :func:`funnel` — rates against exposure with exact Poisson control limits
  (Spiegelhalter 2005): only units outside the funnel differ by more than chance.

The same idea for the change after/before of each unit is
:func:`~assess.effect.changes.shrink_rate_ratios`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy import stats
from statsmodels.discrete.discrete_model import NegativeBinomial
from statsmodels.stats.rates import confint_poisson

from assess.core.checks import check_choice, check_confidence
from assess.core.display import ResultDisplay
from assess.core.errors import ParameterError
from assess.core.formatting import number, p_value
from assess.core.glossary import check_language, term
from assess.core.plotting import new_axes
from assess.effect._checks import check_counts, check_exposures

__all__ = [
    "SHRINK_METHODS",
    "ShrinkageResult",
    "FunnelResult",
    "shrink_rates",
    "funnel",
    "funnel_limits",
]

#: How the Gamma prior of :func:`shrink_rates` is estimated.
SHRINK_METHODS: tuple[str, ...] = ("moments", "ml")

_FLAGS = {
    "high_alarm": ("高于外控制限", "above the outer limit"),
    "high_alert": ("高于内控制限", "above the inner limit"),
    "within": ("控制限内", "within limits"),
    "low_alert": ("低于内控制限", "below the inner limit"),
    "low_alarm": ("低于外控制限", "below the outer limit"),
}


def _units(func: str, units: Any, counts: Any, size: int) -> pd.Index:
    if units is None:
        index = counts.index if isinstance(counts, pd.Series) else pd.RangeIndex(size)
    else:
        index = pd.Index(list(units))
    if len(index) != size:
        raise ParameterError(func, "units", f"{size} labels, one per count", len(index))
    if index.has_duplicates:
        raise ParameterError(
            func, "units", "distinct labels", index[index.duplicated()].unique()[:5].tolist()
        )
    return pd.Index(index, name="unit")


def _names(index: pd.Index, n: int) -> str:
    return "、".join(str(u) for u in index[:n])


# --------------------------------------------------------------------------- rates


@dataclass(frozen=True, eq=False)
class ShrinkageResult(ResultDisplay):
    """Result of :func:`shrink_rates`.

    Attributes
    ----------
    table : pandas.DataFrame
        Index ``unit``; columns ``count``, ``exposure``, ``rate_raw``, ``estimate``
        (posterior mean rate), ``ci_low``, ``ci_high`` (equal-tailed posterior interval),
        ``weight`` (share of the unit's own data in its estimate, ``E / (β + E)``),
        ``rank`` (1 = lowest shrunken rate) and ``rank_raw`` (1 = lowest raw rate).
    prior_mean : float
        Mean of the Gamma prior, the rate every unit is pulled towards.
    prior_variance : float
        Variance of the true rates between units (0: no variation beyond chance).
    method : str
        ``"moments"`` or ``"ml"``.
    confidence : float
        Level of the posterior intervals.
    """

    table: pd.DataFrame
    prior_mean: float
    prior_variance: float
    method: str
    confidence: float

    _title = "经验贝叶斯收缩 / Empirical-Bayes shrinkage"

    def to_frame(self) -> pd.DataFrame:
        """The per-unit table, sorted by ``rank``."""
        return self.table.sort_values("rank")

    def summary(self) -> str:
        """Overall rate, between-unit spread, highest shrunken rates and rank changes."""
        t = self.table.sort_values("rank", ascending=False)
        moved = int((t["rank"] - t["rank_raw"]).abs().ge(3).sum())
        cv = math.sqrt(self.prior_variance) / self.prior_mean * 100 if self.prior_mean else 0.0
        top = _names(t.index, 3)
        zh = (
            f"共 {len(t)} 个单位，总体率 {self.prior_mean:.4g}；单位间真实差异的标准差约为"
            f"总体率的 {cv:.0f}%。收缩后率最高的单位：{top}。"
        )
        en = (
            f"{len(t)} units, overall rate {self.prior_mean:.4g}; the true rates vary between "
            f"units with a standard deviation of about {cv:.0f}% of the overall rate. Highest "
            f"shrunken rates: {top.replace('、', ', ')}."
        )
        if moved:
            zh += (
                f"有 {moved} 个单位的收缩后排名与原始排名相差 3 位及以上，多为暴露量小、"
                "原始率受偶然波动影响大的单位。"
            )
            en += (
                f" {moved} units move 3 or more places between the raw and the shrunken "
                "ranking, mostly small units whose raw rates are dominated by chance."
            )
        return f"{zh}\n\n{en}"

    def plot(self, ax: Axes | None = None, *, language: str = "zh") -> Axes:
        """Raw rates (open circles) and shrunken rates with posterior intervals, by rank,
        labelled in ``language``."""
        check_language("ShrinkageResult.plot", language)
        ax = new_axes(ax, figsize=(7.0, max(3.0, 0.22 * len(self.table) + 1.0)))
        t = self.table.sort_values("rank")
        y = np.arange(len(t))
        ax.errorbar(
            t["estimate"],
            y,
            xerr=[t["estimate"] - t["ci_low"], t["ci_high"] - t["estimate"]],
            fmt="o",
            color="C0",
            capsize=2,
            ms=4,
            label=term("shrunken_rate", language),
        )
        ax.scatter(
            t["rate_raw"],
            y,
            facecolors="none",
            edgecolors="C3",
            s=18,
            label=term("raw_rate", language),
        )
        ax.axvline(
            self.prior_mean, color="0.4", ls="--", lw=1, label=term("overall_rate", language)
        )
        ax.set_yticks(y, [str(u) for u in t.index], fontsize="small")
        ax.invert_yaxis()
        ax.set_xlabel(term("rate_per_exposure", language))
        ax.set_title(term("shrinkage_title", language))
        ax.legend(loc="best", fontsize="small")
        return ax


def _gamma_prior_moments(y: np.ndarray, e: np.ndarray) -> tuple[float, float]:
    mean = y.sum() / e.sum()
    spread = np.sum(e * (y / e - mean) ** 2) / e.sum()
    return float(mean), float(max(spread - mean / e.mean(), 0.0))


def _gamma_prior_ml(y: np.ndarray, e: np.ndarray) -> tuple[float, float]:
    fit = NegativeBinomial(y, np.ones((y.size, 1)), exposure=e, loglike_method="nb2").fit(
        disp=0, maxiter=200
    )
    if not fit.mle_retvals["converged"]:
        raise ParameterError(
            "shrink_rates", "method", "'moments' (the negative-binomial fit did not converge)", "ml"
        )
    mean, alpha = math.exp(fit.params[0]), float(fit.params[1])
    # NB2 variance m + alpha m²: a Gamma prior with shape 1/alpha, variance alpha × mean².
    return mean, max(alpha, 0.0) * mean * mean


def shrink_rates(
    count: Sequence[float] | np.ndarray | pd.Series,
    exposure: Sequence[float] | np.ndarray | pd.Series,
    *,
    units: Sequence[Any] | pd.Index | None = None,
    method: str = "moments",
    confidence: float = 0.95,
) -> ShrinkageResult:
    """Empirical-Bayes (Poisson–Gamma) rates per unit, so small units are not ranked on noise.

    Parameters
    ----------
    count : array-like of int
        Events per unit (≥ 0).
    exposure : array-like of float
        Exposure per unit (> 0), e.g. person-months.
    units : sequence, optional
        Unit labels; defaults to the index of ``count`` when it is a Series.
    method : {"moments", "ml"}, default "moments"
        Estimate the Gamma prior by Marshall's method of moments or by maximum likelihood
        of the marginal negative-binomial model.
    confidence : float, default 0.95
        Level of the equal-tailed posterior intervals.

    Returns
    -------
    ShrinkageResult
        Posterior mean rates, intervals, weights and ranks; the prior mean and variance.

    Raises
    ------
    ParameterError
        For negative counts, exposure ≤ 0, mismatched lengths, duplicate units or fewer
        than 3 units.

    Notes
    -----
    Model: ``y_i ~ Poisson(E_i λ_i)``, ``λ_i ~ Gamma(shape α, rate β)``; posterior
    ``λ_i | y_i ~ Gamma(α + y_i, β + E_i)`` with mean ``(α + y_i) / (β + E_i)``.

    * ``"moments"`` (Marshall 1991, *Applied Statistics* 40:283–294; the global estimator
      of R's ``spdep::EBest``): ``m = Σy / ΣE``, ``s² = Σ E_i (y_i/E_i − m)² / ΣE``,
      prior variance ``A = max(s² − m / Ē, 0)``; ``α = m² / A``, ``β = m / A``.
    * ``"ml"``: the marginal distribution of ``y_i`` is negative binomial (NB2) with mean
      ``E_i μ`` and dispersion ``a``; fitted by ``statsmodels`` ``NegativeBinomial`` with
      an exposure offset; ``α = 1 / a``, ``β = 1 / (a μ)``.

    When the prior variance is 0 the data show no variation beyond chance: every unit
    gets the overall rate, with the exact Poisson interval of ``Σy / ΣE``. The intervals
    treat the estimated prior as known (naive empirical Bayes), so they are somewhat too
    narrow with few units. Checked in the tests against the moment formulas by hand and
    against a direct maximisation of the negative-binomial likelihood.

    Examples
    --------
    >>> res = shrink_rates([2, 10, 60, 3, 15], [100, 1000, 2000, 20, 1500],
    ...                    units=list("ABCDE"))
    >>> res.table[["rate_raw", "estimate", "rank_raw", "rank"]].round(4)
    ... # doctest: +NORMALIZE_WHITESPACE
          rate_raw  estimate  rank_raw  rank
    unit
    A         0.02    0.0197         3     3
    B         0.01    0.0111         1     2
    C         0.03    0.0294         4     4
    D         0.15    0.0368         5     5
    E         0.01    0.0108         1     1
    """
    func = "shrink_rates"
    y = check_counts(func, "count", count)
    e = check_exposures(func, "exposure", exposure, y.size)
    index = _units(func, units, count, y.size)
    check_choice(func, "method", method, SHRINK_METHODS)
    conf = check_confidence(func, confidence)
    if y.size < 3:
        raise ParameterError(
            func,
            "count",
            "at least 3 units (the prior is estimated from the spread between units)",
            y.size,
        )
    mean, variance = (_gamma_prior_moments if method == "moments" else _gamma_prior_ml)(y, e)
    tail = (1.0 - conf) / 2
    if variance > 0 and mean > 0:
        shape, rate = mean * mean / variance, mean / variance
        estimate = (shape + y) / (rate + e)
        low = stats.gamma.ppf(tail, shape + y, scale=1.0 / (rate + e))
        high = stats.gamma.isf(tail, shape + y, scale=1.0 / (rate + e))
        weight = e / (rate + e)
    else:
        pooled_low, pooled_high = confint_poisson(
            y.sum(), e.sum(), method="exact-c", alpha=1.0 - conf
        )
        estimate = np.full(y.size, mean)
        low, high = np.full(y.size, float(pooled_low)), np.full(y.size, float(pooled_high))
        weight = np.zeros(y.size)
    table = pd.DataFrame(
        {
            "count": y.astype(int),
            "exposure": e,
            "rate_raw": y / e,
            "estimate": estimate,
            "ci_low": low,
            "ci_high": high,
            "weight": weight,
        },
        index=index,
    )
    table["rank"] = table["estimate"].rank(method="min").astype(int)
    table["rank_raw"] = table["rate_raw"].rank(method="min").astype(int)
    return ShrinkageResult(
        table=table, prior_mean=mean, prior_variance=variance, method=method, confidence=conf
    )


# --------------------------------------------------------------------------- funnel


def funnel_limits(
    exposure: Sequence[float] | np.ndarray,
    target: float,
    probability: float,
) -> np.ndarray:
    """Exact Poisson control limit for the rate at each exposure (Spiegelhalter 2005).

    Parameters
    ----------
    exposure : array-like of float
        Exposures (> 0).
    target : float
        Target rate ``θ0`` (> 0).
    probability : float
        Tail probability of the limit, e.g. 0.975 for the upper 95% limit or 0.025 for
        the lower one.

    Returns
    -------
    numpy.ndarray
        The limit on the rate scale, ``(y_p − a) / E``, floored at 0.

    Notes
    -----
    ``y_p`` is the ``p``-quantile of Poisson(``E θ0``) (``scipy.stats.poisson.ppf``) and
    ``a = (F(y_p) − p) / (F(y_p) − F(y_p − 1))`` interpolates between the integers so the
    funnel is smooth (Spiegelhalter, *Statistics in Medicine* 2005;24:1185–1202,
    Appendix A.1).

    Examples
    --------
    >>> funnel_limits([100.0, 1000.0], 0.02, 0.975).round(5)
    array([0.04766, 0.02875])
    """
    e = np.asarray(exposure, dtype=float)
    mu = e * target
    quantile = stats.poisson.ppf(probability, mu)
    at = stats.poisson.cdf(quantile, mu)
    below = stats.poisson.cdf(quantile - 1, mu)
    shift = (at - probability) / (at - below)
    return np.maximum(quantile - shift, 0.0) / e


@dataclass(frozen=True, eq=False)
class FunnelResult(ResultDisplay):
    """Result of :func:`funnel`.

    Attributes
    ----------
    table : pandas.DataFrame
        Index ``unit``; columns ``count``, ``exposure``, ``rate``, ``expected``
        (``E θ0``), ``z`` (``(y − E θ0) / √(E θ0)``), the unit's limits
        ``lower_<level>`` / ``upper_<level>`` (e.g. ``upper_95``, ``upper_99_8``) and
        ``flag`` (``high_alarm``, ``high_alert``, ``within``, ``low_alert``, ``low_alarm``).
    target : float
        Target rate ``θ0``.
    confidence : tuple of float
        The confidence levels of the two pairs of limits, inner first.
    dispersion : float
        ``Σ z² / (n − 1)`` (``n`` if ``target`` was given): about 1 under pure Poisson
        variation; much larger means the limits are too narrow for these data.
    dispersion_p_value : float
        Chi-square test of ``dispersion`` = 1.
    """

    table: pd.DataFrame
    target: float
    confidence: tuple[float, float]
    dispersion: float
    dispersion_p_value: float

    _title = "漏斗图 / Funnel plot"

    def to_frame(self) -> pd.DataFrame:
        """The per-unit table, units above the outer limit first, then by ``z``."""
        order = self.table["flag"].map({k: i for i, k in enumerate(_FLAGS)})
        return (
            self.table.assign(_order=order)
            .sort_values(["_order", "z"], ascending=[True, False])
            .drop(columns="_order")
        )

    def summary(self) -> str:
        """Units outside the limits and the over-dispersion check."""
        t = self.table
        inner, outer = (f"{x * 100:g}%" for x in self.confidence)
        high = t.index[t["flag"].isin(["high_alarm", "high_alert"])]
        alarm = t.index[t["flag"] == "high_alarm"]
        low = t.index[t["flag"].isin(["low_alarm", "low_alert"])]
        expected = (1 - self.confidence[0]) / 2 * len(t)
        listed_zh = f"：{_names(alarm, 10)}" if len(alarm) else ""
        listed_en = f": {', '.join(map(str, alarm[:10]))}" if len(alarm) else ""
        zh = [
            f"共 {len(t)} 个单位，目标率 {self.target:.4g}。高于 {inner} 上控制限的单位 "
            f"{len(high)} 个（纯随机时约 {number(expected, 1)} 个），其中高于 {outer} 上控制限的 "
            f"{len(alarm)} 个{listed_zh}；低于 {inner} 下控制限的 {len(low)} 个。"
        ]
        en = [
            f"{len(t)} units, target rate {self.target:.4g}. {len(high)} units lie above the "
            f"upper {inner} limit (about {number(expected, 1)} by chance alone), {len(alarm)} "
            f"above the upper {outer} limit{listed_en}; {len(low)} below the lower {inner} limit."
        ]
        if self.dispersion_p_value < 0.05:
            dispersion_p = p_value(self.dispersion_p_value, prefix=True)
            zh.append(
                f"离散度 {number(self.dispersion)}（{dispersion_p}）：单位间差异"
                "超出泊松随机波动，控制限偏窄，落在限外的单位应结合经验贝叶斯收缩结果解读。"
            )
            en.append(
                f"Dispersion {number(self.dispersion)} ({dispersion_p}): units "
                "differ by more than Poisson chance, so the limits are too narrow; read the "
                "units outside them together with the shrunken rates."
            )
        return "\n".join(zh) + "\n\n" + "\n".join(en)

    def plot(self, ax: Axes | None = None, *, annotate: bool = True, language: str = "zh") -> Axes:
        """Rates against exposure with the target and both pairs of control limits.

        Units above the outer limit are drawn in red and, with ``annotate``, labelled;
        the labels are in ``language``.
        """
        check_language("FunnelResult.plot", language)
        ax = new_axes(ax)
        t = self.table
        grid = np.geomspace(t["exposure"].min() * 0.8, t["exposure"].max() * 1.2, 300)
        for level, style in zip(self.confidence, ("--", ":"), strict=True):
            tail = (1 - level) / 2
            ax.plot(
                grid,
                funnel_limits(grid, self.target, 1 - tail),
                color="0.3",
                ls=style,
                lw=1,
                label=f"{level * 100:g}% {term('control_limits', language)}",
            )
            ax.plot(grid, funnel_limits(grid, self.target, tail), color="0.3", ls=style, lw=1)
        ax.axhline(self.target, color="0.3", lw=1, label=term("target_rate", language))
        colours = t["flag"].map(
            {
                "high_alarm": "C3",
                "high_alert": "C1",
                "within": "C0",
                "low_alert": "C2",
                "low_alarm": "C2",
            }
        )
        ax.scatter(t["exposure"], t["rate"], c=colours.tolist(), s=18, zorder=3)
        if annotate:
            for unit, row in t[t["flag"] == "high_alarm"].iterrows():
                ax.annotate(
                    str(unit),
                    (row["exposure"], row["rate"]),
                    fontsize="small",
                    xytext=(3, 3),
                    textcoords="offset points",
                )
        ax.set_xscale("log")
        ax.set_xlabel(term("exposure", language))
        ax.set_ylabel(term("rate_per_exposure", language))
        ax.set_title(term("funnel_title", language))
        ax.legend(loc="best", fontsize="small")
        return ax


def _level_name(level: float) -> str:
    return f"{level * 100:g}".replace(".", "_")


def funnel(
    count: Sequence[float] | np.ndarray | pd.Series,
    exposure: Sequence[float] | np.ndarray | pd.Series,
    *,
    units: Sequence[Any] | pd.Index | None = None,
    target: float | None = None,
    confidence: tuple[float, float] = (0.95, 0.998),
) -> FunnelResult:
    """Funnel plot data: each unit's rate against exact Poisson control limits.

    Parameters
    ----------
    count : array-like of int
        Events per unit (≥ 0).
    exposure : array-like of float
        Exposure per unit (> 0).
    units : sequence, optional
        Unit labels; defaults to the index of ``count`` when it is a Series.
    target : float, optional
        Target rate; defaults to the overall rate ``Σy / ΣE``.
    confidence : (float, float), default (0.95, 0.998)
        Confidence levels (two-sided coverage) of the inner and outer limits (about 2 and
        3 standard errors).

    Returns
    -------
    FunnelResult
        Per-unit rates, limits and flags, and an over-dispersion check.

    Raises
    ------
    ParameterError
        For negative counts, exposure ≤ 0, a target ≤ 0, or confidence levels not
        increasing in (0, 1).

    Notes
    -----
    Limits from :func:`funnel_limits` (Spiegelhalter 2005). A unit is flagged
    ``high_alarm`` when its rate is above the upper outer limit, ``high_alert`` above the
    upper inner one, and ``low_…`` likewise below. Limits assume pure Poisson variation;
    ``dispersion`` tells whether that holds.

    Examples
    --------
    >>> res = funnel([2, 10, 30, 9], [100, 1000, 2000, 150], units=list("ABCD"))
    >>> res.table["flag"].tolist()
    ['within', 'within', 'within', 'high_alarm']
    """
    func = "funnel"
    y = check_counts(func, "count", count)
    e = check_exposures(func, "exposure", exposure, y.size)
    index = _units(func, units, count, y.size)
    if (
        not isinstance(confidence, tuple)
        or len(confidence) != 2
        or not all(isinstance(x, int | float) for x in confidence)
        or not 0 < confidence[0] < confidence[1] < 1
    ):
        raise ParameterError(
            func, "confidence", "two increasing levels in (0, 1), e.g. (0.95, 0.998)", confidence
        )
    if target is None:
        theta = float(y.sum() / e.sum())
        df = y.size - 1
    else:
        if (
            isinstance(target, bool)
            or not isinstance(target, int | float)
            or not math.isfinite(target)
            or target <= 0
        ):
            raise ParameterError(func, "target", "a rate > 0", target)
        theta, df = float(target), y.size
    if theta <= 0:
        raise ParameterError(
            func, "count", "at least one event (the overall rate is 0)", int(y.sum())
        )
    expected = e * theta
    table = pd.DataFrame(
        {
            "count": y.astype(int),
            "exposure": e,
            "rate": y / e,
            "expected": expected,
            "z": (y - expected) / np.sqrt(expected),
        },
        index=index,
    )
    flag = np.full(y.size, "within", dtype=object)
    for level, kind in zip(confidence, ("alert", "alarm"), strict=True):
        tail = (1 - level) / 2
        name = _level_name(level)
        table[f"lower_{name}"] = funnel_limits(e, theta, tail)
        table[f"upper_{name}"] = funnel_limits(e, theta, 1 - tail)
        flag = np.where(table["rate"] > table[f"upper_{name}"], f"high_{kind}", flag)
        flag = np.where(table["rate"] < table[f"lower_{name}"], f"low_{kind}", flag)
    table["flag"] = flag
    chi2 = float(np.sum(table["z"] ** 2))
    dispersion = chi2 / df if df > 0 else math.nan
    p = float(stats.chi2.sf(chi2, df)) if df > 0 else math.nan
    return FunnelResult(
        table=table,
        target=theta,
        confidence=(float(confidence[0]), float(confidence[1])),
        dispersion=dispersion,
        dispersion_p_value=p,
    )
