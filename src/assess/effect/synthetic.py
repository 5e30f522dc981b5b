"""Synthetic control for counts with exposure: one or two pilot units against a weighted
blend of comparison units.

With one pilot unit a difference-in-differences leans on one unit's noise, and
cluster-robust errors are meaningless. :func:`fit_synthetic` builds, for each treated
unit, a weighted average of the comparison units (weights ≥ 0 summing to one) whose event
*rates* (count / exposure) track the treated unit's before the start (Abadie, Diamond &
Hainmueller 2010, "Synthetic control methods for comparative case studies", JASA
105:493). After the start the blend's rates times the treated unit's exposure are the
counterfactual counts. Inference is placebo-in-space: every unit in turn is treated as if
it were the pilot, and the pilot's post/pre RMSPE ratio is ranked among them.
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy import optimize

from assess.core.checks import check_confidence
from assess.core.display import ResultDisplay
from assess.core.errors import ParameterError, bilingual
from assess.core.formatting import percent
from assess.effect.did import plot_counterfactual
from assess.effect.panel import Panel
from assess.effect.verdict import Verdict, write_verdict

__all__ = [
    "SyntheticResult",
    "SYNTHETIC_ASSUMPTIONS",
    "fit_synthetic",
    "synthetic_weights",
    "MAX_TREATED",
]

#: The synthetic design takes at most this many treated units (more: DiD).
MAX_TREATED = 2
# Pre-period fit called poor when its RMSPE exceeds this share of the mean pre-period rate
# *and* its squared errors exceed this multiple of what Poisson counting noise gives.
_POOR_RELATIVE = 0.15
_POOR_DISPERSION = 2.0
# Weight of the Σ w = 1 row in the augmented least-squares system: the sum is then one to
# about 1e-12 before the final rescaling.
_SUM_WEIGHT = 1e6

SYNTHETIC_ASSUMPTIONS: tuple[tuple[str, str], ...] = (
    (
        "若无活动，试点单位的事件率会继续沿着对照单位加权组合（合成对照）的轨迹变化",
        "without the campaign, the pilot's event rate would have kept following the weighted "
        "blend of comparison units (the synthetic control)",
    ),
    (
        "对照单位未受活动影响（无溢出），且活动前没有提前反应",
        "comparison units were not affected by the campaign (no spill-over) and nothing "
        "changed in anticipation of it",
    ),
    (
        "置换检验把每个单位轮流当作试点；p 值是试点在这些单位中的排位，单位越少，可能的最小 "
        "p 值越大",
        "the placebo test treats every unit in turn as the pilot; the p-value is the pilot's "
        "rank among them, and the fewer the units the larger the smallest possible p-value",
    ),
)


def synthetic_weights(target: np.ndarray, donors: np.ndarray) -> np.ndarray:
    """Weights ``w ≥ 0, Σ w = 1`` minimising ``‖target − donorsᵀ w‖²``.

    Parameters
    ----------
    target : ndarray, shape (T0,)
        The treated unit's pre-period rates.
    donors : ndarray, shape (J, T0)
        The comparison units' pre-period rates.

    Returns
    -------
    ndarray, shape (J,)

    Notes
    -----
    Solved by non-negative least squares (``scipy.optimize.nnls``, an exact active-set
    method) on the system augmented by the row ``λ·1ᵀ w = λ`` with ``λ = 10⁶`` on unit-scaled
    rates, which enforces ``Σ w = 1``; the problem is convex, so the minimum is global
    (the weights are unique when the donors' rate paths are affinely independent).
    Checked against SLSQP on the simplex and against brute force on a grid
    (tests/test_effect_synthetic.py).

    Examples
    --------
    >>> donors = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0], [5.0, 5.0, 5.0]])
    >>> np.round(synthetic_weights(np.array([2.0, 2.0, 2.0]), donors), 3)
    array([0.5, 0.5, 0. ])
    """
    target = np.asarray(target, dtype=float)
    donors = np.asarray(donors, dtype=float)
    n = donors.shape[0]
    if n == 1:
        return np.ones(1)
    # Scaled to unit size, so that the constraint row's weight means the same for rates
    # of 0.001 and of 100.
    scale = max(float(np.abs(target).max()), float(np.abs(donors).max()), 1e-300)
    a = np.vstack([donors.T / scale, np.full(n, _SUM_WEIGHT)])
    b = np.concatenate([target / scale, [_SUM_WEIGHT]])
    w = optimize.nnls(a, b, maxiter=50 * n)[0]
    return w / w.sum()


@dataclass(frozen=True, eq=False)
class SyntheticResult(ResultDisplay):
    """Result of :func:`fit_synthetic`.

    Attributes
    ----------
    estimate : float
        Rate ratio: the treated units' events after the start over the synthetic
        counterfactual (the blend's rates times the treated units' exposures).
    ci_low, ci_high : float
        ``nan``: with one or two treated units the placebo test gives a p-value, not an
        interval that could be trusted.
    p_value : float
        Placebo-in-space p-value: the share of units (or pairs of units) whose post/pre
        RMSPE ratio is at least the treated one's, the treated counted.
    min_p : float
        The smallest attainable p-value, ``1 / n_assignments``.
    n_assignments : int
        Placebo assignments compared (every unit, or every pair, the actual one included).
    n : int
        Unit-periods used.
    n_units, n_treated, n_donors : int
    confidence : float
    weights : DataFrame
        One column per treated unit, one row per comparison unit: the weights.
    pre_rmspe : Series
        Per treated unit, the root mean squared error of the pre-period rates.
    pre_rmspe_relative : Series
        ``pre_rmspe`` over the unit's mean pre-period rate.
    pre_dispersion : Series
        Per treated unit, ``Σ (y − ŷ)² / Σ ŷ`` over the pre-period counts: near 1 when the
        misfit is counting noise alone.
    poor_fit : bool
        Some treated unit's pre-period fit is poor (RMSPE above 15% of its rate and
        squared errors above twice the counting noise): then the result is not reliable.
    ratios : Series
        Post/pre RMSPE ratio of every unit, treated and placebo.
    counterfactual : DataFrame
        ``period``, ``observed``, ``counterfactual``, ``cf_low``, ``cf_high`` (``nan``),
        ``post``: the treated units' totals.
    se_convention : str
    verdict : Verdict
    """

    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    min_p: float
    n_assignments: int
    n: int
    n_units: int
    n_treated: int
    n_donors: int
    confidence: float
    weights: pd.DataFrame
    pre_rmspe: pd.Series
    pre_rmspe_relative: pd.Series
    pre_dispersion: pd.Series
    poor_fit: bool
    ratios: pd.Series
    counterfactual: pd.DataFrame
    se_convention: str
    verdict: Verdict

    _title = "合成控制 / Synthetic control"

    def to_frame(self) -> pd.DataFrame:
        """One row ``synthetic``: ``estimate``, ``ci_low``, ``ci_high``, ``p_value``,
        ``min_p``, ``n``, ``design``, ``se_convention``, ``pre_rmspe_relative`` (the
        worst treated unit's), ``poor_fit``."""
        return pd.DataFrame(
            {
                "estimate": self.estimate,
                "ci_low": self.ci_low,
                "ci_high": self.ci_high,
                "p_value": self.p_value,
                "min_p": self.min_p,
                "n": self.n,
                "design": "synthetic",
                "se_convention": self.se_convention,
                "pre_rmspe_relative": float(self.pre_rmspe_relative.max()),
                "poor_fit": self.poor_fit,
            },
            index=pd.Index(["synthetic"], name="term"),
        )

    def summary(self) -> str:
        """The verdict, Chinese then English."""
        return self.verdict.text

    def plot(self, ax: Axes | None = None, *, language: str = "zh") -> Axes:
        """Treated units' observed totals against the synthetic control, labelled in
        ``language``."""
        return plot_counterfactual(
            self.counterfactual, self.confidence, ax, "synthetic_title", language
        )


def _rates(panel: Panel) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(panel.observed, panel.counts / panel.exposure, np.nan)


def _fit_one(rates: np.ndarray, unit: int, donors: np.ndarray, pre: np.ndarray) -> np.ndarray:
    return synthetic_weights(rates[unit, pre], rates[np.ix_(donors, pre)])


def _rmspe(gap: np.ndarray) -> float:
    return float(np.sqrt(np.mean(gap**2))) if len(gap) else math.nan


def _ratio(rates: np.ndarray, unit: int, donors: np.ndarray, pre: np.ndarray) -> float:
    """Post/pre RMSPE ratio of ``unit`` against its synthetic control from ``donors``."""
    w = _fit_one(rates, unit, donors, pre)
    gap = rates[unit] - w @ rates[donors]
    before, after = _rmspe(gap[pre]), _rmspe(gap[~pre])
    # A perfect pre-period fit (all rates zero, say) would give ∞: floored at a
    # millionth of the rate scale, so ties stay ties.
    floor = 1e-6 * max(float(np.nanmax(np.abs(rates[unit]))), 1e-12)
    return after / max(before, floor)


def fit_synthetic(
    panel: Panel,
    *,
    confidence: float = 0.95,
    outcome: str | tuple[str, str] = "event",
) -> SyntheticResult:
    """Synthetic control on event rates, with placebo-in-space inference.

    Parameters
    ----------
    panel : Panel
        One or two treated units sharing one start, at least two pre-periods, and units
        never treated (the donors).
    confidence : float, default 0.95
        Level of the test: the verdict claims a change only when ``p ≤ 1 − confidence``.
    outcome : str or (str, str), default "event"
        What is counted, for the verdict.

    Returns
    -------
    SyntheticResult

    Raises
    ------
    ParameterError
        More than two treated units, several starts, fewer than two pre-periods, fewer
        than two donors observed in every period, or a counterfactual without events.

    Notes
    -----
    For treated unit ``i`` the weights solve ``min ‖r_i,pre − Σ_j w_j r_j,pre‖²`` over
    the simplex (:func:`synthetic_weights`), ``r = count / exposure``, every pre-period
    weighted equally. Counterfactual counts ``ŷ_it = e_it Σ_j w_j r_jt``; the estimate is
    ``Σ_post y / Σ_post ŷ`` over the treated units. Placebo-in-space (Abadie et al. 2010,
    §4): each donor in turn gets a synthetic control from the other donors; statistic the
    post/pre RMSPE ratio (for two treated units the mean of their two ratios, ranked
    among the means of every pair of units: Cavallo, Galiani, Noy & Pantano 2013, REStat
    95:1549). ``p = #{placebo ≥ actual} / n``, the actual counted, so ``1/n`` is the
    smallest possible p-value. Donors must be observed in every period the treated units
    are; others are left out. Weights checked against scipy ``nnls`` on the augmented
    system and, for Proposition 99 (tests/data/prop99_long.csv), against the published
    donors of Abadie et al. (2010, Table 2).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> base = rng.uniform(4, 8, size=(12, 1)) * (1 + 0.2 * np.sin(np.arange(24) / 3))
    >>> counts = rng.poisson(base * 10).astype(float)
    >>> counts[0, 18:] = rng.poisson(base[0, 18:] * 10 * 0.5)
    >>> panel = Panel(units=tuple(f"u{i:02d}" for i in range(12)),
    ...               periods=tuple(f"2025-{m:02d}" for m in range(1, 13)) +
    ...               tuple(f"2026-{m:02d}" for m in range(1, 13)), freq="month",
    ...               counts=counts, exposure=np.full((12, 24), 10.0),
    ...               start=np.array([18] + [24] * 11))
    >>> res = fit_synthetic(panel)
    >>> res.n_assignments, res.min_p, res.p_value
    (12, 0.08333333333333333, 0.08333333333333333)
    """
    func = "fit_synthetic"
    conf = check_confidence(func, confidence)
    treated = np.flatnonzero(panel.treated)
    if not 1 <= len(treated) <= MAX_TREATED:
        raise ParameterError(
            func,
            "panel",
            "one or two treated units (more: design='did')",
            len(treated),
            zh=f"{func}：合成控制只用于 1 至 2 个试点单位，数据中有 {len(treated)} 个；"
            "请改用双重差分（design='did'）",
        )
    if len(panel.cohorts) > 1:
        raise ParameterError(
            func,
            "panel",
            "treated units sharing one start",
            len(panel.cohorts),
            zh=f"{func}：试点单位有 {len(panel.cohorts)} 个不同的开始时间；"
            "合成控制要求同一开始时间",
        )
    start = int(panel.cohorts[0])
    periods = panel.observed[treated].all(axis=0)
    pre = periods & (np.arange(panel.n_periods) < start)
    if pre.sum() < 2 or not (periods & ~pre).any():
        raise ParameterError(
            func,
            "panel",
            "at least two periods before the start and one after it",
            int(pre.sum()),
            zh=f"{func}：开始前只有 {int(pre.sum())} 期，至少需要 2 期才能拟合合成控制",
        )
    donors = np.flatnonzero(~panel.treated & panel.observed[:, periods].all(axis=1))
    if len(donors) < 2:
        raise ParameterError(
            func,
            "panel",
            "at least two comparison units observed in every period",
            len(donors),
            zh=f"{func}：每期都有数据的对照单位只有 {len(donors)} 个，至少需要 2 个",
        )
    rates = _rates(panel)[:, periods]
    pre_c = pre[periods]
    weights = np.array([_fit_one(rates, int(i), donors, pre_c) for i in treated])
    synth = weights @ rates[donors]
    expo = panel.exposure[np.ix_(treated, np.flatnonzero(periods))]
    fitted = synth * expo
    observed_counts = panel.counts[np.ix_(treated, np.flatnonzero(periods))]
    cf_post = float(fitted[:, ~pre_c].sum())
    if cf_post <= 0:
        raise ParameterError(
            func,
            "count",
            "events in the synthetic control after the start",
            0,
            zh=f"{func}：合成对照在开始后没有任何事件，率比无法计算",
        )
    estimate = float(observed_counts[:, ~pre_c].sum()) / cf_post

    gaps = rates[treated][:, pre_c] - synth[:, pre_c]
    pre_rmspe = np.sqrt(np.mean(gaps**2, axis=1))
    mean_rate = rates[treated][:, pre_c].mean(axis=1)
    relative = np.where(mean_rate > 0, pre_rmspe / np.where(mean_rate > 0, mean_rate, 1), np.inf)
    expected = fitted[:, pre_c].sum(axis=1)
    sq = ((observed_counts[:, pre_c] - fitted[:, pre_c]) ** 2).sum(axis=1)
    dispersion = np.where(expected > 0, sq / np.where(expected > 0, expected, 1), np.inf)
    poor = bool(((relative > _POOR_RELATIVE) & (dispersion > _POOR_DISPERSION)).any())

    pool = np.concatenate([treated, donors])
    values = [_ratio(rates, int(i), donors, pre_c) for i in treated]
    values += [_ratio(rates, int(j), donors[donors != j], pre_c) for j in donors]
    ratios = np.asarray(values, dtype=float)
    k = len(treated)
    combos = np.array(list(itertools.combinations(range(len(pool)), k)))
    stats_ = ratios[combos].mean(axis=1)
    actual = ratios[:k].mean()
    p_value = float((stats_ >= actual - 1e-12 * max(1.0, abs(actual))).mean())
    n_assign = len(combos)

    names = np.asarray(panel.units, dtype=object)
    unit_index = pd.Index(names[donors], name="unit")
    weight_frame = pd.DataFrame(weights.T, index=unit_index, columns=names[treated])
    per_treated = pd.Index(names[treated], name="unit")
    frame = pd.DataFrame(
        {
            "period": np.asarray(panel.periods, dtype=object)[periods],
            "observed": observed_counts.sum(axis=0),
            "counterfactual": fitted.sum(axis=0),
            "cf_low": np.nan,
            "cf_high": np.nan,
            "post": ~pre_c,
        }
    )
    convention = (
        f"placebo-in-space test: post/pre RMSPE ratio ranked among {n_assign} "
        f"{'units' if k == 1 else 'pairs of units'} (every one enumerated); smallest possible "
        f"p-value 1/{n_assign}; no interval"
    )
    would_change = None
    if poor:
        worst = float(relative.max())
        would_change = (
            f"活动前的拟合较差（拟合误差为事件率的 {percent(worst)}，超过计数噪声所能解释的"
            "程度），合成对照不能可靠地代表试点单位；在拟合改善（更长的前期、更多相似的对照"
            "单位）之前，这一结果不可靠。",
            f"the pre-period fit is poor (its error is {percent(worst)} of the event rate, more "
            "than counting noise explains), so the synthetic control does not represent the "
            "pilot well; until the fit improves (a longer pre-period, more similar comparison "
            "units) the result is not reliable.",
        )
        warnings.warn(bilingual(would_change[0], would_change[1]), UserWarning, stacklevel=2)
    verdict = write_verdict(
        estimate,
        math.nan,
        math.nan,
        p_value=p_value,
        confidence=conf,
        design="synthetic",
        outcome=outcome,
        assumptions=SYNTHETIC_ASSUMPTIONS,
        would_change=would_change,
        n_treated=k,
        n_assignments=n_assign,
    )
    return SyntheticResult(
        estimate=estimate,
        ci_low=math.nan,
        ci_high=math.nan,
        p_value=p_value,
        min_p=1.0 / n_assign,
        n_assignments=n_assign,
        n=int(len(pool) * periods.sum()),
        n_units=panel.n_units,
        n_treated=k,
        n_donors=len(donors),
        confidence=conf,
        weights=weight_frame,
        pre_rmspe=pd.Series(pre_rmspe, index=per_treated, name="pre_rmspe"),
        pre_rmspe_relative=pd.Series(relative, index=per_treated, name="pre_rmspe_relative"),
        pre_dispersion=pd.Series(dispersion, index=per_treated, name="pre_dispersion"),
        poor_fit=poor,
        ratios=pd.Series(ratios, index=pd.Index(names[pool], name="unit"), name="rmspe_ratio"),
        counterfactual=frame,
        se_convention=convention,
        verdict=verdict,
    )
