"""Staggered rollout: pilot units first, the others later (seed 001's 7 pilot departments).

Plain two-way fixed effects is biased when the effect differs between cohorts or grows
over time, because units treated earlier serve as controls for units treated later. The
imputation estimator (Borusyak, Jaravel & Spiess 2024) avoids that: a Poisson model with
unit and period fixed effects is fitted on the *untreated* cells only (never-treated units
and not-yet-treated periods), the counterfactual of every treated cell is imputed from it,
and the effect is the ratio of the observed to the counterfactual sum over treated cells.
Plain TWFE is kept for comparison only.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy import stats

from assess.core.checks import check_confidence
from assess.core.display import ResultDisplay
from assess.core.errors import ParameterError, bilingual
from assess.effect._poisson import SE_CONVENTION, FEPoissonFit, fit_fe_poisson
from assess.effect.did import (
    DID_ASSUMPTIONS,
    check_panel_design,
    counterfactual_frame,
    event_study_frame,
    identified_dummies,
    max_leads,
    plot_counterfactual,
    plot_event_study,
    treatment_fit,
    wald_leads,
)
from assess.effect.panel import Panel
from assess.effect.verdict import Verdict, write_verdict

__all__ = [
    "StaggeredResult",
    "fit_staggered",
    "prepare_staggered",
    "imputation_ratio",
    "IMPUTATION_SE_CONVENTION",
    "STAGGERED_ASSUMPTIONS",
]

IMPUTATION_SE_CONVENTION = (
    "CR1 cluster-robust by unit on the linearised imputation estimator (first-stage scores "
    "and treated-cell residuals) × G/(G−1), t with G−1 df; conservative when effects differ "
    "between units"
)

STAGGERED_ASSUMPTIONS: tuple[tuple[str, str], ...] = (
    (
        "平行趋势：若无活动，先推行与后推行（及从未推行）的单位事件率会按相同比例变化",
        "parallel trends: without the campaign, the event rates of early, late and never-treated "
        "units would have changed by the same proportion",
    ),
    *DID_ASSUMPTIONS[1:],
    (
        "各批次、各月的效应可以不同；估计值是处理单元格上实际数与反事实数之比",
        "the effect may differ between cohorts and months; the estimate is the ratio of observed "
        "to counterfactual events over all treated cells",
    ),
)


@dataclass(frozen=True, eq=False)
class StaggeredResult(ResultDisplay):
    """Result of :func:`fit_staggered`.

    Attributes
    ----------
    estimate, ci_low, ci_high, p_value : float
        Observed over counterfactual events in all treated cells (the imputation
        estimator), its interval and the p-value of ratio 1.
    n : int
        Cells used (untreated cells of the first stage plus treated cells).
    n_units, n_treated, n_clusters : int
    confidence, se : float
        ``se`` is the standard error of the log ratio.
    se_convention : str
        :data:`IMPUTATION_SE_CONVENTION`.
    observed_post, counterfactual_post : float
        The two sums.
    cohorts : DataFrame
        Per cohort (index ``start``, the first treated period): ``n_units``, ``observed``,
        ``counterfactual``, ``estimate``, ``ci_low``, ``ci_high``, ``p_value``.
    event_study : DataFrame
        ``rel_period``, ``estimate``, ``ci_low``, ``ci_high``, ``p_value``: leads from the
        pre-trend fit, lags (≥ 0) from the imputation.
    pretrend_f, pretrend_p : float
        Joint test of the leads in the untreated cells (Borusyak et al.'s test 1) with
        :func:`~assess.effect.did.wald_leads`.
    pretrend_df : tuple of int
    twfe : DataFrame
        One row ``twfe``: the plain two-way fixed-effects rate ratio, for comparison only.
    counterfactual : DataFrame
        Treated units' observed and counterfactual totals per period.
    influence : ndarray, shape (N,)
        Each unit's influence on the log ratio (the cluster-robust variance is built from them).
    notes : tuple of (str, str)
        What was dropped or changed, in Chinese and English.
    fit : FEPoissonFit
        The first-stage fit on untreated cells.
    verdict : Verdict
    """

    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    n: int
    n_units: int
    n_treated: int
    n_clusters: int
    confidence: float
    se: float
    se_convention: str
    observed_post: float
    counterfactual_post: float
    cohorts: pd.DataFrame
    event_study: pd.DataFrame
    pretrend_f: float
    pretrend_p: float
    pretrend_df: tuple[int, int]
    twfe: pd.DataFrame
    counterfactual: pd.DataFrame
    influence: np.ndarray
    notes: tuple[tuple[str, str], ...]
    fit: FEPoissonFit
    verdict: Verdict

    _title = "分批推行的双重差分 / Staggered rollout"

    def to_frame(self) -> pd.DataFrame:
        """Rows ``staggered`` (the headline), one per cohort (``cohort_<start>``) and
        ``twfe``; columns ``estimate``, ``ci_low``, ``ci_high``, ``p_value``, ``n``,
        ``design``, ``se_convention``."""
        head = pd.DataFrame(
            {
                "estimate": self.estimate,
                "ci_low": self.ci_low,
                "ci_high": self.ci_high,
                "p_value": self.p_value,
                "n": self.n,
                "design": "staggered",
                "se_convention": self.se_convention,
            },
            index=["staggered"],
        )
        cohorts = self.cohorts[["estimate", "ci_low", "ci_high", "p_value"]].copy()
        cohorts.index = [f"cohort_{s}" for s in self.cohorts.index]
        cohorts["n"] = self.cohorts["n_units"]
        cohorts["design"] = "staggered"
        cohorts["se_convention"] = self.se_convention
        twfe = self.twfe.assign(design="twfe")
        frame = pd.concat([head, cohorts, twfe])
        frame.index.name = "term"
        return frame

    def summary(self) -> str:
        """The verdict, Chinese then English."""
        return self.verdict.text

    def plot(self, ax: Axes | None = None, *, language: str = "zh") -> Axes:
        """Treated units' observed totals against the imputed counterfactual, labelled in
        ``language``."""
        return plot_counterfactual(
            self.counterfactual, self.confidence, ax, "staggered_title", language
        )

    def plot_event_study(self, ax: Axes | None = None, *, language: str = "zh") -> Axes:
        """Leads (pre-trend fit) and lags (imputation) as rate ratios with intervals,
        labelled in ``language``."""
        return plot_event_study(self.event_study, self.confidence, ax, language)


def prepare_staggered(func: str, panel: Panel) -> tuple[Panel, tuple[tuple[str, str], ...]]:
    """The panel the imputation can use, and notes on what was changed.

    Without never-treated units the last cohort serves as the comparison group: its
    periods from its start on are dropped for every unit (nothing is untreated then).
    """
    notes: list[tuple[str, str]] = []
    if panel.treated.all():
        cohorts = panel.cohorts
        if len(cohorts) < 2:
            check_panel_design(func, panel, staggered=False)
        last = int(cohorts[-1])
        start = np.where(panel.start == last, panel.n_periods, panel.start)
        late = np.arange(panel.n_periods)[None, :] >= last
        panel = panel.with_start(start).drop_cells(np.broadcast_to(late, panel.counts.shape))
        notes.append(
            (
                f"没有从未推行的单位：最后一批（{panel.periods[last]} 开始）作为对照组，"
                f"{panel.periods[last]} 及以后的期间不参与估计",
                f"no never-treated units: the last cohort (starting {panel.periods[last]}) "
                f"is the comparison group and periods from {panel.periods[last]} on are "
                "left out",
            )
        )
    return panel, tuple(notes)


def imputation_ratio(
    fit: FEPoissonFit, panel: Panel, cells: np.ndarray
) -> tuple[float, float, float, np.ndarray]:
    """Observed and counterfactual sums over ``cells`` and the per-unit influence on the
    log ratio.

    ``ψ_i = Σ_{t∈cells_i} (y_it − R μ0_it) / O − gᵀ I⁻¹ s_i`` with ``g`` the gradient of
    ``log C`` and ``I⁻¹ s_i`` unit ``i``'s first-stage influence; ``var(log R) =
    G/(G−1) Σ ψ_i²``. Without observed events the ratio is 0 and ψ is NaN.
    """
    observed = float(panel.counts[cells].sum())
    log_c, grad = fit.log_total(cells, effects=False)
    counterfactual = math.exp(log_c)
    if observed == 0:
        return observed, counterfactual, 0.0, np.full(panel.n_units, np.nan)
    ratio = observed / counterfactual
    alpha = np.where(np.isfinite(fit.alpha), fit.alpha, -np.inf)[:, None]
    mu0 = np.exp(alpha + fit.gamma[None, :] + fit.offset)
    resid = np.where(cells, np.nan_to_num(panel.counts) - ratio * np.nan_to_num(mu0), 0.0)
    psi = resid.sum(axis=1) / observed - fit.influence() @ grad
    return observed, counterfactual, ratio, psi


def _interval(
    ratio: float, psi: np.ndarray, clusters: int, conf: float
) -> tuple[float, float, float, float]:
    se = math.sqrt(clusters / (clusters - 1) * float(psi @ psi))
    log_r = math.log(ratio) if ratio > 0 else -math.inf
    crit = stats.t.ppf(0.5 + conf / 2, clusters - 1)
    p = float(2 * stats.t.sf(abs(log_r) / se, clusters - 1))
    return se, math.exp(log_r - crit * se), math.exp(log_r + crit * se), p


def _usable_cells(fit: FEPoissonFit, panel: Panel) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Treated cells with an imputable counterfactual, and notes on the ones left out."""
    cells = panel.observed & panel.post
    notes = []
    no_base = panel.treated & ~np.isfinite(fit.alpha)
    if no_base.any():
        names = [panel.units[i] for i in np.flatnonzero(no_base)[:5]]
        notes.append(
            (
                f"{int(no_base.sum())} 个处理单位在开始前没有任何事件，无法推算其反事实，"
                f"未计入（如 {names}）",
                f"{int(no_base.sum())} treated units had no events before their start, so "
                f"their counterfactual cannot be imputed; left out (e.g. {names})",
            )
        )
        cells &= ~no_base[:, None]
    no_period = ~np.isfinite(fit.gamma)
    dead = cells & no_period[None, :]
    if dead.any():
        notes.append(
            (
                f"{int(dead.sum())} 个处理单元格所在期间的对照单元格没有事件，未计入",
                f"{int(dead.sum())} treated cells fall in periods whose untreated cells "
                "have no events; left out",
            )
        )
        cells &= ~dead
    return cells, notes


def _pretrend(
    panel: Panel, untreated: np.ndarray, conf: float
) -> tuple[pd.DataFrame, float, float, tuple[int, int]]:
    """Leads −K…−1 in the untreated cells of treated units (Borusyak et al.'s test):
    Wald test that all are 0 (:func:`~assess.effect.did.wald_leads`)."""
    rel = np.arange(panel.n_periods)[None, :] - panel.start[:, None]
    leads = max_leads(panel)
    empty = pd.DataFrame(columns=["rel_period", "estimate", "ci_low", "ci_high", "p_value"])
    if leads < 1:
        return empty, math.nan, math.nan, (0, 0)
    values = np.arange(-leads, 0)
    cells = panel.treated[:, None] & untreated
    X = np.stack([(cells & (rel == e)).astype(float) for e in values], axis=2)
    keep = identified_dummies(X, panel.counts, untreated)
    if not keep.any():
        return empty, math.nan, math.nan, (0, 0)
    X, values = X[:, :, keep], values[keep]
    fit = fit_fe_poisson(panel.counts, offset=panel.offset, X=X, mask=untreated)
    frame = event_study_frame(fit, values, conf, reference=-leads - 1)
    frame = frame[frame["rel_period"] >= -leads]
    f_stat, f_p, df = wald_leads(fit, list(range(len(values))))
    return frame, f_stat, f_p, df


def fit_staggered(
    panel: Panel,
    *,
    confidence: float = 0.95,
    outcome: str | tuple[str, str] = "event",
) -> StaggeredResult:
    """Imputation estimator for a staggered rollout of counts with exposure.

    Parameters
    ----------
    panel : Panel
        Units with their own starts; units never treated (or, without them, the last
        cohort) form the comparison group.
    confidence : float, default 0.95
    outcome : str or (str, str), default "event"
        What is counted, for the verdict.

    Returns
    -------
    StaggeredResult

    Raises
    ------
    ParameterError
        If all units start together (no comparison group).

    Warns
    -----
    UserWarning
        When the last cohort has to serve as comparison group, or treated units or cells
        are left out because no counterfactual can be imputed; the warning says which.

    Notes
    -----
    First stage: ``log E[y_it] = α_i + γ_t + log e_it`` by Poisson pseudo-ML on untreated
    cells (:func:`~assess.effect._poisson.fit_fe_poisson`). Counterfactual
    ``μ0_it = exp(α_i + γ_t + log e_it)`` for treated cells; ``R = Σ y / Σ μ0`` over
    treated cells, also by cohort and by period since the start. Variance: see
    :func:`imputation_ratio` and :data:`IMPUTATION_SE_CONVENTION`. With a Poisson first
    stage this is Wooldridge's (2023) extended TWFE with one dummy per treated cell, i.e.
    the imputation estimator of Borusyak, Jaravel & Spiess (2024), "Revisiting event-study
    designs: robust and efficient estimation", Review of Economic Studies 91:3253. The
    first stage is checked against statsmodels ``GLM(Poisson)`` with dummies on the
    untreated cells; the interval's coverage by simulation.

    Examples
    --------
    >>> from assess.effect.panel import Panel
    >>> rng = np.random.default_rng(5)
    >>> start = np.array([8] * 6 + [14] * 6 + [24] * 8)
    >>> rate = 10 * rng.gamma(4, 0.25, size=(20, 1)) * np.ones((20, 24))
    >>> rate[np.arange(24)[None, :] >= start[:, None]] *= 0.7
    >>> panel = Panel(units=tuple(f"u{i:02d}" for i in range(20)),
    ...               periods=tuple(pd.period_range("2024-01", periods=24, freq="M")
    ...                             .strftime("%Y-%m")), freq="month",
    ...               counts=rng.poisson(rate).astype(float), exposure=np.ones((20, 24)),
    ...               start=start)
    >>> res = fit_staggered(panel)
    >>> round(res.estimate, 2), res.ci_low < 0.7 < res.ci_high
    (0.7, True)
    """
    func = "fit_staggered"
    conf = check_confidence(func, confidence)
    work, notes = prepare_staggered(func, panel)
    untreated = work.observed & ~work.post
    fit = fit_fe_poisson(work.counts, offset=work.offset, mask=untreated)
    cells, more = _usable_cells(fit, work)
    notes = notes + tuple(more)
    if not cells.any() or work.counts[cells].sum() == 0:
        raise ParameterError(
            func,
            "count",
            "events in treated cells with an imputable counterfactual",
            0,
            zh=f"{func}：处理单元格中没有可用的事件，无法估计；请改用同比核查",
        )
    for zh, en in notes:
        warnings.warn(bilingual(zh, en), UserWarning, stacklevel=2)
    clusters = int((np.isfinite(fit.alpha) | cells.any(axis=1)).sum())
    observed, counterfactual, ratio, psi = imputation_ratio(fit, work, cells)
    se, low, high, p = _interval(ratio, psi, clusters, conf)

    rows = {}
    for g in work.cohorts:
        sub = cells & (work.start == g)[:, None]
        if not sub.any():
            continue
        o, c, r, ps = imputation_ratio(fit, work, sub)
        _, lo, hi, pv = (
            _interval(r, ps, clusters, conf) if o > 0 else (math.nan, 0.0, math.nan, math.nan)
        )
        rows[work.periods[g]] = {
            "n_units": int((work.start == g).sum()),
            "observed": o,
            "counterfactual": c,
            "estimate": r,
            "ci_low": lo,
            "ci_high": hi,
            "p_value": pv,
        }
    cohorts = pd.DataFrame.from_dict(rows, orient="index").rename_axis("start")

    rel = np.arange(work.n_periods)[None, :] - work.start[:, None]
    lags = []
    for e in np.unique(rel[cells]):
        o, c, r, ps = imputation_ratio(fit, work, cells & (rel == e))
        _, lo, hi, pv = (
            _interval(r, ps, clusters, conf) if o > 0 else (math.nan, 0.0, math.nan, math.nan)
        )
        lags.append(
            {"rel_period": int(e), "estimate": r, "ci_low": lo, "ci_high": hi, "p_value": pv}
        )
    leads, f_stat, f_p, f_df = _pretrend(work, untreated, conf)
    study = (
        pd.concat([leads, pd.DataFrame(lags)], ignore_index=True)
        if len(leads)
        else pd.DataFrame(lags)
    )

    twfe_fit = treatment_fit(work)
    b, s = float(twfe_fit.beta[0]), float(twfe_fit.se_beta[0])
    crit = stats.t.ppf(0.5 + conf / 2, twfe_fit.n_clusters - 1)
    twfe = pd.DataFrame(
        {
            "estimate": math.exp(b),
            "ci_low": math.exp(b - crit * s),
            "ci_high": math.exp(b + crit * s),
            "p_value": float(2 * stats.t.sf(abs(b / s), twfe_fit.n_clusters - 1)),
            "n": twfe_fit.n_obs,
            "se_convention": SE_CONVENTION,
        },
        index=["twfe"],
    )
    frame = counterfactual_frame(work, fit, np.flatnonzero(work.treated & cells.any(axis=1)), conf)
    verdict = write_verdict(
        ratio,
        low,
        high,
        p_value=p,
        confidence=conf,
        design="staggered",
        outcome=outcome,
        assumptions=STAGGERED_ASSUMPTIONS,
    )
    return StaggeredResult(
        estimate=ratio,
        ci_low=low,
        ci_high=high,
        p_value=p,
        n=int(fit.n_obs + cells.sum()),
        n_units=panel.n_units,
        n_treated=int(work.treated.sum()),
        n_clusters=clusters,
        confidence=conf,
        se=se,
        se_convention=IMPUTATION_SE_CONVENTION,
        observed_post=observed,
        counterfactual_post=counterfactual,
        cohorts=cohorts,
        event_study=study,
        pretrend_f=f_stat,
        pretrend_p=f_p,
        pretrend_df=f_df,
        twfe=twfe,
        counterfactual=frame,
        influence=psi,
        notes=notes,
        fit=fit,
        verdict=verdict,
    )
