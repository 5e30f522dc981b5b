"""Difference-in-differences: pilot units against comparison units, counts with exposure.

:func:`fit_did` is the Poisson model with unit and period fixed effects and the
log-exposure offset (:mod:`assess.effect._poisson`), with CR1 cluster-robust standard
errors by unit, an event study of leads and lags, and a joint test of the leads (the
pre-trend test). :func:`did_2x2` is the classic two-group, two-period comparison as a
regression (linear or Poisson), the textbook case that published examples report.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from matplotlib.axes import Axes
from scipy import stats
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

from assess.core.checks import check_choice, check_confidence
from assess.core.display import ResultDisplay
from assess.core.errors import ParameterError
from assess.core.formatting import p_value as format_p_value
from assess.core.formatting import percent
from assess.core.glossary import check_language, term
from assess.core.plotting import new_axes
from assess.effect._poisson import SMALL_SAMPLE, FEPoissonFit, fit_fe_poisson, se_convention
from assess.effect.panel import Panel
from assess.effect.verdict import Verdict, write_verdict

__all__ = [
    "DiDResult",
    "TwoByTwoResult",
    "fit_did",
    "did_2x2",
    "DID_ASSUMPTIONS",
    "TWO_BY_TWO_MODELS",
    "event_study_frame",
    "counterfactual_frame",
    "wald_leads",
    "max_leads",
    "identified_dummies",
]

DID_ASSUMPTIONS: tuple[tuple[str, str], ...] = (
    (
        "平行趋势：若无活动，试点单位与对照单位的事件率会按相同比例变化",
        "parallel trends: without the campaign, the event rates of pilot and comparison units "
        "would have changed by the same proportion",
    ),
    (
        "对照单位未受活动影响（无溢出），且活动前没有提前反应",
        "comparison units were not affected by the campaign (no spill-over) and nothing "
        "changed in anticipation of it",
    ),
    (
        "同一单位不同月份的事件可以相关，按单位聚类的标准误已考虑这一点",
        "events of one unit may be correlated over months; standard errors clustered by unit "
        "allow for it",
    ),
)

#: ``"linear"``: OLS on the outcome (a difference); ``"poisson"``: Poisson GLM with the
#: log-exposure offset (a rate ratio).
TWO_BY_TWO_MODELS: tuple[str, ...] = ("linear", "poisson")


def _exp(x: float) -> float:
    """``exp(x)`` that gives ``inf`` past the float range (a near-singular cluster
    covariance with one or two treated units gives log-scale limits of ±1000)."""
    return math.exp(x) if x < 709.0 else math.inf


def _t_interval(b: float, se: float, df: float, conf: float) -> tuple[float, float, float]:
    crit = stats.t.ppf(0.5 + conf / 2, df)
    return b - crit * se, b + crit * se, float(2 * stats.t.sf(abs(b / se), df))


def event_study_frame(
    fit: FEPoissonFit, rel: np.ndarray, conf: float, reference: int = -1
) -> pd.DataFrame:
    """Rate ratio by period relative to the start (``rel[j]`` for slope ``j``), CR1, t(G−1).

    The reference period gets ratio 1 and no interval.
    """
    df = fit.n_clusters - 1
    rows = [
        {
            "rel_period": reference,
            "estimate": 1.0,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "p_value": np.nan,
        }
    ]
    se = fit.se_beta
    for j, e in enumerate(rel):
        b = fit.beta[j]
        if not np.isfinite(b) or not np.isfinite(se[j]):
            rows.append(
                {
                    "rel_period": int(e),
                    "estimate": _exp(b) if b == -np.inf else np.nan,
                    "ci_low": np.nan,
                    "ci_high": np.nan,
                    "p_value": np.nan,
                }
            )
            continue
        low, high, p = _t_interval(b, se[j], df, conf)
        rows.append(
            {
                "rel_period": int(e),
                "estimate": _exp(b),
                "ci_low": _exp(low),
                "ci_high": _exp(high),
                "p_value": p,
            }
        )
    return pd.DataFrame(rows).sort_values("rel_period").reset_index(drop=True)


def counterfactual_frame(
    panel: Panel, fit: FEPoissonFit, units: np.ndarray, conf: float
) -> pd.DataFrame:
    """Observed and counterfactual (no-treatment) totals of ``units`` per period.

    The counterfactual total ``Σ_i exp(α_i + γ_t + o_it)`` has a delta-method interval
    from the CR1 covariance (``t`` with ``G − 1`` df).
    """
    crit = stats.t.ppf(0.5 + conf / 2, fit.n_clusters - 1)
    observed = panel.observed
    rows = []
    for t, period in enumerate(panel.periods):
        cells = np.zeros_like(observed)
        cells[units, t] = observed[units, t]
        if not cells.any():
            continue
        log_c, grad = fit.log_total(cells, effects=False)
        # cov = c·ΨᵀΨ is positive semi-definite by construction, so the quadratic form is
        # ≥ 0; with one or two treated units it is rank-deficient and rounding can leave
        # −1e-17: clipped at 0 (a zero band, not a math domain error).
        var = max(float(grad @ fit.cov @ grad), 0.0) if np.isfinite(log_c) else math.nan
        se = math.sqrt(var)
        rows.append(
            {
                "period": period,
                "observed": float(panel.counts[cells].sum()),
                "counterfactual": _exp(log_c),
                "cf_low": _exp(log_c - crit * se),
                "cf_high": _exp(log_c + crit * se),
                "post": bool(panel.post[cells].any()),
            }
        )
    return pd.DataFrame(rows)


def plot_counterfactual(
    frame: pd.DataFrame, conf: float, ax: Axes | None, title: str, language: str
) -> Axes:
    """Observed totals and the counterfactual with its band, for panel designs; ``title``
    is a glossary key, ``language`` that of the labels."""
    check_language("plot", language)
    ax = new_axes(ax)
    x = np.arange(len(frame))
    ax.plot(
        x,
        frame["observed"],
        "o-",
        color="0.2",
        ms=3.5,
        lw=1,
        label=term("treated_observed", language),
    )
    ax.plot(
        x,
        frame["counterfactual"],
        color="C3",
        ls="--",
        lw=1.5,
        label=term("counterfactual", language),
    )
    ax.fill_between(
        x,
        frame["cf_low"],
        frame["cf_high"],
        color="C3",
        alpha=0.2,
        lw=0,
        label=f"{percent(conf, 0)} {term('confidence_band', language)}",
    )
    post = frame["post"].to_numpy()
    if post.any():
        ax.axvline(np.flatnonzero(post)[0] - 0.5, color="0.5", lw=1)
    step = max(1, len(frame) // 8)
    ax.set_xticks(x[::step], frame["period"].iloc[::step], rotation=45, ha="right")
    ax.set_ylabel(term("events_axis", language))
    ax.set_title(term(title, language))
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_event_study(frame: pd.DataFrame, conf: float, ax: Axes | None, language: str) -> Axes:
    """Rate ratios by period relative to the start, with intervals, on a log scale;
    labelled in ``language``."""
    check_language("plot_event_study", language)
    ax = new_axes(ax)
    shown = frame[np.isfinite(frame["estimate"]) & (frame["estimate"] > 0)]
    err = shown[["ci_low", "ci_high"]].to_numpy()
    est = shown["estimate"].to_numpy()
    lower = np.where(np.isfinite(err[:, 0]), est - err[:, 0], 0.0)
    upper = np.where(np.isfinite(err[:, 1]), err[:, 1] - est, 0.0)
    ax.errorbar(
        shown["rel_period"],
        est,
        yerr=[lower, upper],
        fmt="o",
        color="C0",
        ms=4,
        capsize=2,
        label=f"{term('rate_ratio', language)} "
        f"({percent(conf, 0)} {term('level_interval', language)})",
    )
    ax.axhline(1.0, color="0.3", lw=1)
    ax.axvline(-0.5, color="0.5", lw=1, ls=":")
    ax.set_yscale("log")
    ax.set_xlabel(term("periods_since_start", language))
    ax.set_ylabel(term("rate_ratio", language))
    ax.set_title(term("event_study_title", language))
    ax.legend(loc="best", fontsize="small")
    return ax


@dataclass(frozen=True, eq=False)
class DiDResult(ResultDisplay):
    """Result of :func:`fit_did`.

    Attributes
    ----------
    estimate, ci_low, ci_high, p_value : float
        Rate ratio ``exp(β)`` of treated cells (pilot units after the start), its CR1
        interval (t with ``G − 1`` df) and p-value.
    n : int
        Unit-periods used.
    n_units, n_treated, n_clusters : int
        Units in the panel, treated units, clusters (units with events).
    confidence : float
    log_rr, se : float
        ``β`` and its CR1 standard error.
    se_convention : str
        :func:`~assess.effect._poisson.se_convention` of ``small_sample``.
    event_study : DataFrame
        ``rel_period``, ``estimate``, ``ci_low``, ``ci_high``, ``p_value``; period −1 is
        the reference.
    pretrend_f, pretrend_p : float
        Joint Wald test (:func:`wald_leads`) that the leads −2 … −(K+1) are zero, K half
        a year or the pre-period less one; ``nan`` without leads. With few treated units
        the cluster covariance of the leads is poor and the test over-rejects; the
        randomisation test of :mod:`assess.effect.randomisation` is then used instead.
    pretrend_df : tuple of int
        ``(q, G − q)``.
    counterfactual : DataFrame
        Treated units' observed and counterfactual totals per period (see
        :func:`counterfactual_frame`), from the event-study fit.
    fit : FEPoissonFit
        The main fit.
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
    log_rr: float
    se: float
    se_convention: str
    event_study: pd.DataFrame
    pretrend_f: float
    pretrend_p: float
    pretrend_df: tuple[int, int]
    counterfactual: pd.DataFrame
    fit: FEPoissonFit
    verdict: Verdict

    _title = "双重差分 / Difference-in-differences"

    def to_frame(self) -> pd.DataFrame:
        """One row ``did``: ``estimate``, ``ci_low``, ``ci_high``, ``p_value``, ``n``,
        ``design``, ``se_convention``, ``pretrend_p``."""
        return pd.DataFrame(
            {
                "estimate": self.estimate,
                "ci_low": self.ci_low,
                "ci_high": self.ci_high,
                "p_value": self.p_value,
                "n": self.n,
                "design": "did",
                "se_convention": self.se_convention,
                "pretrend_p": self.pretrend_p,
            },
            index=pd.Index(["did"], name="term"),
        )

    def summary(self) -> str:
        """The verdict, Chinese then English."""
        return self.verdict.text

    def plot(self, ax: Axes | None = None, *, language: str = "zh") -> Axes:
        """Treated units' observed totals against the counterfactual with its band,
        labelled in ``language``."""
        return plot_counterfactual(self.counterfactual, self.confidence, ax, "did_title", language)

    def plot_event_study(self, ax: Axes | None = None, *, language: str = "zh") -> Axes:
        """Leads and lags as rate ratios with intervals, labelled in ``language``."""
        return plot_event_study(self.event_study, self.confidence, ax, language)


def check_panel_design(func: str, panel: Panel, *, staggered: bool) -> None:
    """Raise when a panel cannot carry the design: no comparison units, or several starts."""
    if not staggered and len(panel.cohorts) > 1:
        raise ParameterError(
            func,
            "panel",
            "treated units sharing one start",
            len(panel.cohorts),
            zh=f"{func}：处理单位有 {len(panel.cohorts)} 个不同的开始时间；"
            "请改用分批推行设计（design='staggered'）",
        )
    if not staggered and panel.treated.all():
        raise ParameterError(
            func,
            "panel",
            "some units never treated (a comparison group)",
            "all units treated",
            zh=f"{func}：所有单位都在同一时间开始活动，没有对照组，无法做双重"
            "差分；请加入未参加活动的单位，或改用中断时间序列"
            "（design='its'）",
        )


def treatment_fit(panel: Panel, small_sample: str = "stata") -> FEPoissonFit:
    """The Poisson FE fit with one dummy for treated cells (the DiD/TWFE estimator)."""
    X = panel.post[:, :, None].astype(float)
    fit = fit_fe_poisson(
        panel.counts, offset=panel.offset, X=X, mask=panel.observed, small_sample=small_sample
    )
    if np.isnan(fit.beta[0]):
        raise ParameterError(
            "fit_did",
            "count",
            "events in the treated units (before or after the start)",
            0,
            zh="fit_did：处理单位在整个期间没有任何事件，无从比较；请换用更常见的事件类型，"
            "或合并更多单位后再分析",
        )
    if fit.beta[0] == -np.inf:
        raise ParameterError(
            "fit_did",
            "count",
            "at least one event in treated units after the start",
            0,
            zh="fit_did：处理单位在活动开始后没有任何事件，率比为 0，"
            "模型无法给出区间；请用同比核查（design='yoy'）的精确区间",
        )
    return fit


def fit_did(
    panel: Panel,
    *,
    confidence: float = 0.95,
    outcome: str | tuple[str, str] = "event",
    small_sample: str = "stata",
) -> DiDResult:
    """Poisson difference-in-differences with unit and period fixed effects.

    Parameters
    ----------
    panel : Panel
        Treated units sharing one start, and units never treated.
    confidence : float, default 0.95
    outcome : str or (str, str), default "event"
        What is counted, for the verdict.
    small_sample : {"stata", "pyfixest", "none"}, default "stata"
        Small-sample factor of the cluster-robust covariance
        (:data:`~assess.effect._poisson.SMALL_SAMPLE`), quoted in ``se_convention``.

    Returns
    -------
    DiDResult

    Raises
    ------
    ParameterError
        If all units are treated, the treated units start at different times, or the
        treated cells hold no events.

    Notes
    -----
    ``log E[y_it] = α_i + γ_t + β D_it + log e_it`` with ``D_it = 1`` for treated units
    from the start on, by Poisson pseudo-ML (Wooldridge 2023, "Simple approaches to
    nonlinear difference-in-differences with panel data", Econometrics Journal 26:C31):
    the rate ratio is ``exp(β)``. Standard errors: :func:`se_convention`. The event study
    replaces ``D`` by one dummy per period relative to the start (reference −1); the
    pre-trend test is the Wald test of the last leads with the CR1 covariance
    (:func:`wald_leads`). Coefficients and covariance equal statsmodels ``GLM(Poisson)`` with
    dummies (tests/test_effect_poisson.py).

    Examples
    --------
    >>> from assess.effect.panel import Panel
    >>> rng = np.random.default_rng(2)
    >>> start = np.array([6] * 8 + [12] * 12)
    >>> rate = 5 * rng.gamma(4, 0.25, size=(20, 1)) * np.ones((20, 12))
    >>> rate[:8, 6:] *= 0.6
    >>> panel = Panel(units=tuple(f"u{i:02d}" for i in range(20)),
    ...               periods=tuple(f"2025-{m:02d}" for m in range(1, 13)), freq="month",
    ...               counts=rng.poisson(rate).astype(float), exposure=np.ones((20, 12)),
    ...               start=start)
    >>> res = fit_did(panel)
    >>> round(res.estimate, 2), res.ci_low < 0.6 < res.ci_high
    (0.66, True)
    """
    func = "fit_did"
    conf = check_confidence(func, confidence)
    check_choice(func, "small_sample", small_sample, SMALL_SAMPLE)
    check_panel_design(func, panel, staggered=False)
    fit = treatment_fit(panel, small_sample)
    b, se = float(fit.beta[0]), float(fit.se_beta[0])
    low, high, p = _t_interval(b, se, fit.n_clusters - 1, conf)
    study, rel_fit, f_stat, f_p, f_df = _event_study(panel, conf)
    frame = counterfactual_frame(panel, rel_fit, np.flatnonzero(panel.treated), conf)
    verdict = write_verdict(
        _exp(b),
        _exp(low),
        _exp(high),
        p_value=p,
        confidence=conf,
        design="did",
        outcome=outcome,
        assumptions=DID_ASSUMPTIONS,
    )
    return DiDResult(
        estimate=_exp(b),
        ci_low=_exp(low),
        ci_high=_exp(high),
        p_value=p,
        n=fit.n_obs,
        n_units=panel.n_units,
        n_treated=int(panel.treated.sum()),
        n_clusters=fit.n_clusters,
        confidence=conf,
        log_rr=b,
        se=se,
        se_convention=se_convention(small_sample),
        event_study=study,
        pretrend_f=f_stat,
        pretrend_p=f_p,
        pretrend_df=f_df,
        counterfactual=frame,
        fit=fit,
        verdict=verdict,
    )


def wald_leads(fit: FEPoissonFit, leads: list[int]) -> tuple[float, float, tuple[int, int]]:
    """Joint Wald test that the slopes ``leads`` are zero, with the CR1 covariance.

    Hotelling's small-sample form: ``F = (G − q) / (q (G − 1)) · W`` on ``(q, G − q)`` df
    (Cameron & Miller 2015, "A practitioner's guide to cluster-robust inference", J Human
    Resources 50:317, §VII.B). Returns ``(F, p, (q, G − q))``, NaN when ``q ≥ G``.
    """
    leads = [j for j in leads if j in set(fit.beta_index.tolist())]
    q, clusters = len(leads), fit.n_clusters
    if q == 0 or q >= clusters:
        return math.nan, math.nan, (q, 0)
    pos = [int(np.flatnonzero(fit.beta_index == j)[0]) for j in leads]
    b = fit.beta[leads]
    wald = float(b @ np.linalg.solve(fit.cov_beta[np.ix_(pos, pos)], b))
    f_stat = (clusters - q) / (q * (clusters - 1)) * wald
    return f_stat, float(stats.f.sf(f_stat, q, clusters - q)), (q, clusters - q)


def identified_dummies(X: np.ndarray, counts: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Event-time dummies the data can identify: in every period a dummy covers, cells
    outside all dummies must hold events (else that period's effect and the dummy are
    confounded: with rare events a month without comparison events is common).
    """
    plain = mask & ~(X != 0).any(axis=2)
    comparison = np.where(plain, counts, 0.0).sum(axis=0) > 0
    covered = ((X != 0) & mask[..., None]).any(axis=0)
    return ~(covered & ~comparison[:, None]).any(axis=0)


def max_leads(panel: Panel) -> int:
    """Leads in the pre-trend test: half a year, fewer if the pre-period is shorter."""
    return max(0, min(panel.periods_per_year // 2, int(panel.cohorts.min()) - 1))


def _event_study(
    panel: Panel, conf: float
) -> tuple[pd.DataFrame, FEPoissonFit, float, float, tuple[int, int]]:
    """Fit one dummy per relative period (reference −1); test the last leads jointly."""
    rel = np.arange(panel.n_periods)[None, :] - panel.start[:, None]
    treated_cells = panel.treated[:, None] & panel.observed
    values = np.unique(rel[treated_cells])
    values = values[values != -1]
    X = np.zeros((*panel.counts.shape, len(values)))
    for j, e in enumerate(values):
        X[:, :, j] = treated_cells & (rel == e)
    keep = identified_dummies(X, panel.counts, panel.observed)
    X, values = X[:, :, keep], values[keep]
    fit = fit_fe_poisson(panel.counts, offset=panel.offset, X=X, mask=panel.observed)
    frame = event_study_frame(fit, values, conf)
    tested = [j for j, e in enumerate(values) if -max_leads(panel) - 1 <= e <= -2]
    f_stat, f_p, df = wald_leads(fit, tested)
    return frame, fit, f_stat, f_p, df


@dataclass(frozen=True, eq=False)
class TwoByTwoResult(ResultDisplay):
    """Result of :func:`did_2x2`.

    Attributes
    ----------
    estimate, ci_low, ci_high, p_value : float
        The interaction: a difference of differences (``"linear"``) or a ratio of rate
        ratios (``"poisson"``); ``nan`` interval and p-value when no degrees of freedom
        are left (one observation per cell).
    se : float
        Standard error of the interaction coefficient (log scale for ``"poisson"``).
    n : int
    model, se_convention : str
    confidence : float
    cells : DataFrame
        Mean outcome (``"linear"``) or rate (``"poisson"``) by group (rows ``control``,
        ``treated``) and period (columns ``before``, ``after``).
    """

    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    se: float
    n: int
    model: str
    se_convention: str
    confidence: float
    cells: pd.DataFrame

    _title = "两组两期双重差分 / Two-by-two difference-in-differences"

    def to_frame(self) -> pd.DataFrame:
        """One row: ``estimate``, ``ci_low``, ``ci_high``, ``p_value``, ``se``, ``n``,
        ``model``, ``se_convention``."""
        return pd.DataFrame(
            {
                "estimate": self.estimate,
                "ci_low": self.ci_low,
                "ci_high": self.ci_high,
                "p_value": self.p_value,
                "se": self.se,
                "n": self.n,
                "model": self.model,
                "se_convention": self.se_convention,
            },
            index=pd.Index(["did_2x2"], name="term"),
        )

    def summary(self) -> str:
        """The estimate and interval in words, Chinese then English."""
        conf = percent(self.confidence, 0)
        p_text = format_p_value(self.p_value, prefix=True)
        what_zh, what_en = (
            ("差值之差", "difference of differences")
            if self.model == "linear"
            else ("率比之比", "ratio of rate ratios")
        )
        if math.isnan(self.ci_low):
            return (
                f"两组两期双重差分：{what_zh}为 {self.estimate:.4g}；每格只有一个观测，"
                f"没有剩余自由度，无法给出置信区间。\n\n"
                f"Two-by-two difference-in-differences: the {what_en} is "
                f"{self.estimate:.4g}; with one observation per cell no degrees of freedom "
                "are left for an interval."
            )
        return (
            f"两组两期双重差分：{what_zh}为 {self.estimate:.4g}（{conf} 置信区间 "
            f"{self.ci_low:.4g} 至 {self.ci_high:.4g}，{p_text}；"
            f"{self.se_convention}）。\n\n"
            f"Two-by-two difference-in-differences: the {what_en} is {self.estimate:.4g} "
            f"({conf} confidence interval {self.ci_low:.4g} to {self.ci_high:.4g}, "
            f"{p_text}; {self.se_convention})."
        )

    def plot(self, ax: Axes | None = None, *, language: str = "zh") -> Axes:
        """The two groups' means (or rates) before and after, labelled in ``language``."""
        check_language("TwoByTwoResult.plot", language)
        ax = new_axes(ax)
        for name, color in (("control", "C0"), ("treated", "C3")):
            ax.plot(
                [0, 1],
                self.cells.loc[name, ["before", "after"]],
                "o-",
                color=color,
                label=term(f"{name}_group", language),
            )
        ax.set_xticks([0, 1], [term("before", language), term("after", language)])
        ax.set_ylabel(term("mean" if self.model == "linear" else "rate", language))
        ax.set_title(term("two_by_two_title", language))
        ax.legend(loc="best", fontsize="small")
        return ax


def _binary(func: str, data: pd.DataFrame, name: str) -> np.ndarray:
    if not isinstance(name, str) or name not in data.columns:
        raise ParameterError(
            func, name if isinstance(name, str) else "column", "a column of the table", name
        )
    values = pd.to_numeric(data[name], errors="coerce").to_numpy(dtype=float)
    if not np.isin(values, (0.0, 1.0)).all() or len(np.unique(values)) != 2:
        raise ParameterError(
            func, name, "a 0/1 column with both values present", sorted(pd.unique(data[name]))[:5]
        )
    return values


def did_2x2(
    data: pd.DataFrame,
    *,
    outcome: str,
    treated: str,
    post: str,
    exposure: str | None = None,
    model: str = "linear",
    se: str = "classical",
    cluster: str | None = None,
    confidence: float = 0.95,
) -> TwoByTwoResult:
    """Two groups, two periods: the interaction of group and period in one regression.

    Parameters
    ----------
    data : DataFrame
        One row per observation (person, unit-period, ...).
    outcome : str
        Outcome column (a count for ``model="poisson"``).
    treated, post : str
        0/1 columns: the treated group, the after period.
    exposure : str, optional
        Exposure column for ``model="poisson"`` (log offset).
    model : {"linear", "poisson"}, default "linear"
        See :data:`TWO_BY_TWO_MODELS`.
    se : {"classical", "hc1"}, default "classical"
        Usual OLS/GLM standard errors or heteroskedasticity-robust HC1.
    cluster : str, optional
        Column to cluster by (overrides ``se``): statsmodels' CR1 with
        ``G/(G−1) · (N−1)/(N−K)`` (Stata's ``regress, vce(cluster)``), t with ``G − 1`` df.
    confidence : float, default 0.95

    Returns
    -------
    TwoByTwoResult

    Notes
    -----
    ``y = b0 + b1 treated + b2 post + b3 treated·post``; ``b3`` is the difference in
    differences of the four cell means (Poisson: ``exp(b3)`` the ratio of the two groups'
    rate ratios). Checked against Wooldridge, *Introductory Econometrics*, Example 13.4
    (injury, Kentucky: 0.1906, SE 0.0685, n = 5,626), Proposition 99 (−27.349) and the
    Mississippi banks (19).

    Examples
    --------
    >>> cells = pd.DataFrame({"y": [10.0, 12, 11, 16, 9, 11, 12, 17],
    ...                       "treated": [0, 0, 1, 1] * 2, "post": [0, 1] * 4})
    >>> round(did_2x2(cells, outcome="y", treated="treated", post="post").estimate, 3)
    3.0
    """
    func = "did_2x2"
    check_choice(func, "model", model, TWO_BY_TWO_MODELS)
    check_choice(func, "se", se, ("classical", "hc1"))
    conf = check_confidence(func, confidence)
    if not isinstance(data, pd.DataFrame) or data.empty:
        raise ParameterError(func, "data", "a non-empty DataFrame", type(data).__name__)
    if outcome not in data.columns:
        raise ParameterError(func, "outcome", "a column of the table", outcome)
    g = _binary(func, data, treated)
    t = _binary(func, data, post)
    y = pd.to_numeric(data[outcome], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(y).all():
        raise ParameterError(func, "outcome", "a number in every row", outcome)
    X = np.column_stack([np.ones_like(y), g, t, g * t])
    if model == "poisson":
        if (y < 0).any():
            raise ParameterError(func, "outcome", "counts ≥ 0 for model='poisson'", outcome)
        expo = (
            np.ones_like(y)
            if exposure is None
            else pd.to_numeric(data[exposure], errors="coerce").to_numpy(dtype=float)
        )
        if not (np.isfinite(expo) & (expo > 0)).all():
            raise ParameterError(func, "exposure", "numbers > 0 in every row", exposure)
        fitter = sm.GLM(y, X, family=sm.families.Poisson(), offset=np.log(expo))
    else:
        expo = np.ones_like(y)
        fitter = sm.OLS(y, X)
    df_resid = len(y) - 4
    if cluster is not None:
        if cluster not in data.columns:
            raise ParameterError(func, "cluster", "a column of the table", cluster)
        groups = pd.factorize(data[cluster])[0]
        kwargs = {"cov_type": "cluster", "cov_kwds": {"groups": groups}, "use_t": True}
        convention = "CR1 clustered by " + cluster + ": G/(G−1)·(N−1)/(N−K), t with G−1 df"
    elif se == "hc1":
        kwargs = {"cov_type": "HC1", "use_t": True}
        convention = "HC1 heteroskedasticity-robust, t with N−4 df"
    elif model == "poisson":
        kwargs = {}
        convention = "classical Poisson (scale 1), normal"
    else:
        kwargs = {}
        convention = "classical OLS, t with N−4 df"
    cells = pd.DataFrame(
        [
            [y[(g == a) & (t == b)].sum() / expo[(g == a) & (t == b)].sum() for b in (0, 1)]
            for a in (0, 1)
        ],
        index=["control", "treated"],
        columns=["before", "after"],
    )
    if df_resid <= 0 and model == "linear":
        estimate = float(
            cells.loc["treated", "after"]
            - cells.loc["treated", "before"]
            - cells.loc["control", "after"]
            + cells.loc["control", "before"]
        )
        return TwoByTwoResult(
            estimate=estimate,
            ci_low=math.nan,
            ci_high=math.nan,
            p_value=math.nan,
            se=math.nan,
            n=len(y),
            model=model,
            se_convention="none: one observation per cell",
            confidence=conf,
            cells=cells,
        )
    with warnings.catch_warnings():
        # Four cells and four parameters fit each cell exactly: statsmodels calls that
        # "perfect prediction", which is what a saturated 2×2 model is.
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        if df_resid <= 0:
            # statsmodels divides by the zero residual df for its (unused) scale.
            warnings.simplefilter("ignore", RuntimeWarning)
        res = fitter.fit(**kwargs)
    b, s = float(res.params[3]), float(res.bse[3])
    low, high = (float(v) for v in res.conf_int(alpha=1 - conf)[3])
    p = float(res.pvalues[3])
    if model == "poisson":
        b, low, high = math.exp(b), math.exp(low), math.exp(high)
    return TwoByTwoResult(
        estimate=b,
        ci_low=low,
        ci_high=high,
        p_value=p,
        se=s,
        n=len(y),
        model=model,
        se_convention=convention,
        confidence=conf,
        cells=cells,
    )
