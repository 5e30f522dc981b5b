"""Interrupted time series: one series of counts before and after a campaign starts.

Segmented Poisson (or negative-binomial) regression with an exposure offset, a trend,
seasonality and the Spring Festival, plus a level change, a slope change or both at the
start (``change=``).
The effect is reported as the ratio of the post-period sums, fitted over counterfactual
(the model with the level and slope change switched off), never as a mean of monthly
percentages; the counterfactual comes with its confidence band.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from matplotlib.axes import Axes
from scipy import optimize, stats

from assess.core.checks import check_choice, check_confidence, check_int
from assess.core.display import ResultDisplay
from assess.core.errors import ParameterError
from assess.core.formatting import percent
from assess.core.glossary import check_language, term
from assess.core.plotting import new_axes
from assess.effect.calendar import spring_festival_share
from assess.effect.panel import Panel
from assess.effect.verdict import Verdict, write_verdict

__all__ = [
    "FAMILIES",
    "SEASONALITY",
    "COVARIANCES",
    "CHANGES",
    "ITSResult",
    "fit_its",
    "ITS_ASSUMPTIONS",
]

#: Count models: ``"poisson"`` (pseudo-ML; the covariance carries the over-dispersion)
#: or ``"negbin"`` (NB2 with the dispersion estimated by profile maximum likelihood).
FAMILIES: tuple[str, ...] = ("poisson", "negbin")
#: ``"dummies"`` (one per month or quarter), ``"fourier"`` (``harmonics`` sine/cosine
#: pairs), ``"none"``, or ``"auto"``: dummies when the pre-period spans two years or
#: more, else Fourier terms (a trend and twelve monthly dummies cannot both be estimated
#: from one year before the start).
SEASONALITY: tuple[str, ...] = ("auto", "dummies", "fourier", "none")
#: ``"model"``: quasi-Poisson (Pearson χ²/df scale, t intervals with n − p df, as R's
#: ``glm(family = quasipoisson)``) or the negative-binomial likelihood; ``"hac"``:
#: Newey–West, robust to over-dispersion and autocorrelation (normal intervals, no
#: small-sample correction).
COVARIANCES: tuple[str, ...] = ("model", "hac")
#: What the campaign changes at its start: ``"level"`` (a step, the impact model of the
#: textbook, e.g. ``front ~ law + t + month`` for the seat-belt law), ``"slope"`` (a
#: change of trend from the start) or ``"both"``.
CHANGES: tuple[str, ...] = ("level", "slope", "both")
_CHANGE_ZH = {"level": "水平变化", "slope": "斜率变化", "both": "水平与斜率变化"}
_CHANGE_TERMS = {
    "level": ("level_change",),
    "slope": ("slope_change",),
    "both": ("level_change", "slope_change"),
}

ITS_ASSUMPTIONS: tuple[tuple[str, str], ...] = (
    (
        "若无活动，活动前的趋势和季节规律会延续到活动后",
        "without the campaign, the pre-campaign trend and seasonal pattern would have continued",
    ),
    (
        "活动开始时没有其他同时发生的变化（政策、统计口径、人员）",
        "nothing else changed when the campaign started (other measures, recording rules, staff)",
    ),
    (
        "单一序列无对照组，无法排除同期的共同冲击",
        "a single series has no comparison group, so a shock common to all units at the same "
        "time cannot be ruled out",
    ),
)


@dataclass(frozen=True, eq=False)
class ITSResult(ResultDisplay):
    """Result of :func:`fit_its`.

    Attributes
    ----------
    estimate, ci_low, ci_high, p_value : float
        Ratio of the post-period sums, fitted over counterfactual (for the Poisson
        family equal to observed sum / counterfactual sum), its interval and the p-value
        of ratio 1.
    n : int
        Periods used.
    confidence : float
    family, covariance : str
        The count model and the covariance used (quoted in tables).
    change : {"level", "slope", "both"}
        The change terms in the model.
    dispersion : float
        Pearson χ²/df of the Poisson fit, or the negative-binomial ``alpha``.
    coefficients : DataFrame
        Index ``term`` (``"level_change"`` and/or ``"slope_change"``, as ``change``):
        ``estimate`` (rate ratio; the slope change per period), ``ci_low``, ``ci_high``,
        ``p_value``, ``std_error`` (of the log rate ratio, the model coefficient).
    std_error : float
        Standard error of ``log(estimate)`` (delta method).
    series : DataFrame
        Per period: ``period``, ``observed``, ``exposure``, ``post``, ``fitted``,
        ``counterfactual``, ``cf_low``, ``cf_high`` (the confidence band of the
        expected counterfactual count).
    observed_post, counterfactual_post : float
        Sums over the post period.
    spring_festival : bool
        Whether the Spring Festival regressor is in the model.
    verdict : Verdict
    """

    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    n: int
    confidence: float
    std_error: float
    family: str
    covariance: str
    change: str
    dispersion: float
    coefficients: pd.DataFrame
    series: pd.DataFrame
    observed_post: float
    counterfactual_post: float
    spring_festival: bool
    verdict: Verdict

    _title = "中断时间序列 / Interrupted time series"

    def to_frame(self) -> pd.DataFrame:
        """Rows ``post_ratio`` (the headline), then ``level_change`` and/or
        ``slope_change``; columns ``estimate``, ``ci_low``, ``ci_high``, ``p_value``,
        ``std_error`` (of the log ratio), ``n``, ``design``, ``se_convention``."""
        head = pd.DataFrame(
            {
                "estimate": self.estimate,
                "ci_low": self.ci_low,
                "ci_high": self.ci_high,
                "p_value": self.p_value,
                "std_error": self.std_error,
            },
            index=pd.Index(["post_ratio"], name="term"),
        )
        frame = pd.concat([head, self.coefficients])
        frame["n"] = self.n
        frame["design"] = "its"
        frame["se_convention"] = self.covariance
        return frame

    def summary(self) -> str:
        """The verdict, Chinese then English."""
        return self.verdict.text

    def plot(self, ax: Axes | None = None, *, language: str = "zh") -> Axes:
        """Observed counts, the fitted series and the counterfactual with its band,
        labelled in ``language``."""
        check_language("ITSResult.plot", language)
        ax = new_axes(ax)
        s = self.series
        x = np.arange(len(s))
        ax.plot(x, s["observed"], "o", color="0.2", ms=3.5, label=term("observed", language))
        ax.plot(x, s["fitted"], color="C0", lw=1.5, label=term("fitted", language))
        post = s["post"].to_numpy()
        ax.plot(
            x[post],
            s["counterfactual"][post],
            color="C3",
            ls="--",
            lw=1.5,
            label=term("counterfactual", language),
        )
        ax.fill_between(
            x[post],
            s["cf_low"][post],
            s["cf_high"][post],
            color="C3",
            alpha=0.2,
            lw=0,
            label=f"{percent(self.confidence, 0)} {term('confidence_band', language)}",
        )
        ax.axvline(x[post][0] - 0.5, color="0.5", lw=1)
        step = max(1, len(s) // 8)
        ax.set_xticks(x[::step], s["period"].iloc[::step], rotation=45, ha="right")
        ax.set_ylabel(term("events_axis", language))
        ax.set_title(term("its_title", language))
        ax.legend(loc="best", fontsize="small")
        return ax


def _seasonal(periods: list[str], freq: str, seasonality: str, harmonics: int) -> pd.DataFrame:
    season = np.array([int(p[5:]) if freq == "month" else int(p[-1]) for p in periods])
    length = 12 if freq == "month" else 4
    if seasonality == "dummies":
        frame = pd.get_dummies(
            pd.Categorical(season, categories=range(1, length + 1)), prefix="season", dtype=float
        )
        return frame.iloc[:, 1:]
    if seasonality == "fourier":
        columns = {}
        for k in range(1, harmonics + 1):
            angle = 2 * np.pi * k * season / length
            columns[f"sin{k}"] = np.sin(angle)
            if 2 * k < length:
                columns[f"cos{k}"] = np.cos(angle)
        return pd.DataFrame(columns)
    return pd.DataFrame(index=range(len(periods)))


def _design(
    periods: list[str],
    freq: str,
    start: int,
    seasonality: str,
    harmonics: int,
    festival: bool,
    change: str,
) -> pd.DataFrame:
    t = np.arange(len(periods)) - start
    post = (t >= 0).astype(float)
    columns = {"level_change": post, "slope_change": t * post}
    frame = pd.DataFrame({"const": 1.0, "time": t.astype(float)})
    for name in _CHANGE_TERMS[change]:
        frame[name] = columns[name]
    frame = pd.concat([frame, _seasonal(periods, freq, seasonality, harmonics)], axis=1)
    if festival:
        frame["spring_festival"] = spring_festival_share(periods)
    return frame


def _fit(
    y: np.ndarray, X: pd.DataFrame, offset: np.ndarray, family: str, covariance: str, maxlags: int
) -> tuple[np.ndarray, np.ndarray, float, bool, str]:
    """Coefficients, covariance, dispersion, whether to use t, and a description."""
    if family == "poisson":
        model = sm.GLM(y, X, family=sm.families.Poisson(), offset=offset)
        base = model.fit()
        dispersion = float(base.pearson_chi2 / base.df_resid) if base.df_resid > 0 else math.nan
        if covariance == "hac":
            res = model.fit(cov_type="HAC", cov_kwds={"maxlags": maxlags})
            desc = f"Poisson pseudo-ML; HAC Newey–West (Bartlett, maxlags={maxlags}), normal"
            return res.params.to_numpy(), res.cov_params().to_numpy(), dispersion, False, desc
        res = model.fit(scale="X2")
        desc = "quasi-Poisson: Pearson χ²/df scale, t with n−p df"
        return res.params.to_numpy(), res.cov_params().to_numpy(), dispersion, True, desc
    alpha = _nb_alpha(y, X, offset)
    model = sm.GLM(y, X, family=sm.families.NegativeBinomial(alpha=alpha), offset=offset)
    if covariance == "hac":
        res = model.fit(cov_type="HAC", cov_kwds={"maxlags": maxlags})
        desc = (
            f"negative binomial NB2, dispersion alpha = {alpha:.3g} by profile ML; HAC "
            f"Newey–West (Bartlett, maxlags={maxlags}), normal"
        )
    else:
        res = model.fit()
        desc = (
            f"negative binomial NB2, dispersion alpha = {alpha:.3g} by profile ML; "
            "likelihood covariance, normal"
        )
    return res.params.to_numpy(), res.cov_params().to_numpy(), alpha, False, desc


def _nb_alpha(y: np.ndarray, X: pd.DataFrame, offset: np.ndarray) -> float:
    """NB2 dispersion by profile maximum likelihood over ``log alpha`` in [−12, 3].

    A bounded 1-d search over statsmodels ``GLM(NegativeBinomial(alpha))`` fits: unlike a
    joint Newton fit it stays finite when the data are barely over-dispersed (the
    maximum then sits at the lower bound, a negligible alpha ≈ 6e-6, i.e. Poisson).
    """

    def loss(log_alpha: float) -> float:
        family = sm.families.NegativeBinomial(alpha=math.exp(log_alpha))
        return -sm.GLM(y, X, family=family, offset=offset).fit().llf

    found = optimize.minimize_scalar(
        loss, bounds=(-12.0, 3.0), method="bounded", options={"xatol": 1e-4}
    )
    return float(math.exp(found.x))


def fit_its(
    panel: Panel,
    *,
    family: str = "poisson",
    seasonality: str = "auto",
    harmonics: int = 2,
    spring_festival: bool = True,
    change: str = "level",
    covariance: str = "model",
    maxlags: int | None = None,
    confidence: float = 0.95,
    outcome: str | tuple[str, str] = "event",
) -> ITSResult:
    """Segmented count regression for one series: a level and/or slope change at the start.

    Parameters
    ----------
    panel : Panel
        One unit with a treatment start (several treated units sharing one start are
        summed into one series; untreated units are ignored).
    family : {"poisson", "negbin"}, default "poisson"
        See :data:`FAMILIES`.
    seasonality : {"auto", "dummies", "fourier", "none"}, default "auto"
        See :data:`SEASONALITY`; integer periods have no season (``"auto"`` is
        ``"none"``).
    harmonics : int, default 2
        Sine/cosine pairs for ``seasonality="fourier"``.
    spring_festival : bool, default True
        Add :func:`~assess.effect.calendar.spring_festival_share` (monthly data only; for
        quarters the festival is always in Q1 and the seasonal terms absorb it).
    change : {"level", "slope", "both"}, default "level"
        See :data:`CHANGES`. The default is the textbook impact model (Lopez Bernal et
        al. 2017; Harvey & Durbin 1986 for the seat-belt law): a step at the start. A
        slope change should be asked for only when the campaign is expected to work
        gradually; it takes its information from the ends of the series, and adding it
        when it is not needed moves the level change and inflates its standard error.
    covariance : {"model", "hac"}, default "model"
        See :data:`COVARIANCES`: quasi-Poisson (as R's ``quasipoisson``) by default,
        Newey–West when the residuals are autocorrelated.
    maxlags : int, optional
        HAC lags; default ``floor(4 (n/100)^(2/9))`` (Newey–West 1994).
    confidence : float, default 0.95
    outcome : str or (str, str), default "event"
        What is counted, for the verdict (see :func:`~assess.effect.verdict.write_verdict`).

    Returns
    -------
    ITSResult

    Raises
    ------
    ParameterError
        For unknown options, several treated units with different starts, too few
        periods for the model, or a negative-binomial fit that does not converge.

    Notes
    -----
    ``log E[y_t] = log e_t + β0 + β1 t + β2 post_t + β3 (t − t0) post_t + season_t
    + β4 festival_t``, with ``β3 = 0`` for ``change="level"`` and ``β2 = 0`` for
    ``"slope"``. Counterfactual ``μ0_t`` sets ``β2 = β3 = 0``; its band is
    ``exp(log μ0_t ± z se_t)`` with ``se_t² = x0_tᵀ V x0_t``. The headline ratio is
    ``R = Σ_post μ_t / Σ_post μ0_t`` with ``var(log R) = gᵀ V g``,
    ``g = Σ μ_t x_t / Σ μ_t − Σ μ0_t x0_t / Σ μ0_t`` (delta method); with a level
    change alone ``R = exp(β2)``. For the Poisson family with a level change
    ``Σ_post μ_t = Σ_post y_t`` (the level-change score equation), so ``R`` is the
    observed over the counterfactual sum. Standard errors are those of the coefficients
    on the log scale, quasi-Poisson ``sqrt(φ)`` times Poisson's with
    ``φ = Pearson χ² / (n − p)``. Lopez Bernal, Cummins & Gasparrini (2017),
    "Interrupted time series regression for the evaluation of public health
    interventions", Int J Epidemiol 46:348. The coefficients and covariances are those of
    statsmodels (``GLM`` Poisson, ``NegativeBinomial`` NB2); the quasi-Poisson fit is
    checked in the tests on R's ``Seatbelts`` data against ``glm(front ~ law + t + month
    + offset(log(kms)), family = quasipoisson)`` (reproduced by statsmodels
    ``GLM(Poisson).fit(scale="X2")``, which is the same estimator) to 1e-6, and the
    ratio of sums against simulation from the coefficient covariance.

    Examples
    --------
    >>> from assess.effect.panel import make_panel
    >>> rng = np.random.default_rng(1)
    >>> months = pd.period_range("2023-01", periods=36, freq="M").strftime("%Y-%m")
    >>> y = rng.poisson(40 * np.where(np.arange(36) >= 24, 0.7, 1.0))
    >>> table = pd.DataFrame({"unit": "A", "month": months, "n": y})
    >>> panel = make_panel(table, unit_col="unit", period_col="month", count_col="n",
    ...                    treated_units=["A"], start="2025-01")
    >>> res = fit_its(panel, seasonality="none", spring_festival=False)
    >>> round(res.estimate, 2), res.ci_low < 0.7 < res.ci_high
    (0.72, True)
    >>> res.to_frame()["std_error"].round(3).to_dict()
    {'post_ratio': 0.082, 'level_change': 0.082}
    """
    func = "fit_its"
    check_choice(func, "family", family, FAMILIES)
    check_choice(func, "seasonality", seasonality, SEASONALITY)
    check_choice(func, "covariance", covariance, COVARIANCES)
    check_choice(func, "change", change, CHANGES)
    conf = check_confidence(func, confidence)
    check_int(func, "harmonics", harmonics, minimum=1)
    starts = np.unique(panel.start[panel.treated])
    if len(starts) != 1:
        raise ParameterError(
            func,
            "panel",
            "treated units sharing one start",
            len(starts),
            zh=f"{func}：中断时间序列要求所有处理单位的开始时间相同，"
            f"实际有 {len(starts)} 个不同的开始时间；请改用分批推行设计",
        )
    treated = panel.treated
    observed = panel.observed[treated]
    y_all = np.where(observed, panel.counts[treated], 0.0).sum(axis=0)
    e_all = np.where(observed, panel.exposure[treated], 0.0).sum(axis=0)
    keep = observed.all(axis=0)
    periods = [p for p, k in zip(panel.periods, keep, strict=True) if k]
    start = int(np.searchsorted(np.flatnonzero(keep), starts[0]))
    festival = spring_festival and panel.freq == "month"
    if panel.freq == "integer" and seasonality in ("dummies", "fourier"):
        raise ParameterError(
            func,
            "seasonality",
            "'none' or 'auto' for integer periods (no calendar, no season)",
            seasonality,
            zh=f"{func}：整数期号没有日历，无法估计季节项；请使用 seasonality='none' 或 'auto'",
        )
    if panel.freq == "integer":
        seasonality = "none"
    elif seasonality == "auto":
        seasonality = "dummies" if start >= 2 * panel.periods_per_year else "fourier"
    X = _design(periods, panel.freq, start, seasonality, harmonics, festival, change)
    y, expo = y_all[keep], e_all[keep]
    if festival and np.linalg.matrix_rank(X.to_numpy()) < X.shape[1]:
        # The festival share only moves between years; a short series may not see it move.
        X = X.drop(columns="spring_festival")
        festival = False
    n, k = X.shape
    if np.linalg.matrix_rank(X.to_numpy()) < k or n <= k or y.sum() == 0:
        raise ParameterError(
            func,
            "panel",
            f"a series from which the {k} parameters (trend, "
            f"{change} change, {seasonality} seasonality) can be "
            "estimated: a longer series, more periods before the start, or "
            "seasonality='fourier'/'none'",
            f"{n} periods, {start} before the start",
            zh=f"{func}：{n} 期数据（开始前 {start} 期）不足以估计模型的 {k} 个"
            f"参数（趋势、{_CHANGE_ZH[change]}、季节项）；请提供更长的序列或更长的"
            "前期，或使用 seasonality='fourier'/'none'",
        )
    lags = maxlags if maxlags is not None else int(math.floor(4 * (n / 100) ** (2 / 9)))
    offset = np.log(expo)
    params, cov, dispersion, use_t, desc = _fit(y, X, offset, family, covariance, lags)
    df = n - k
    crit = stats.t.ppf(0.5 + conf / 2, df) if use_t else stats.norm.ppf(0.5 + conf / 2)

    def p_of(z: float) -> float:
        return float(2 * (stats.t.sf(abs(z), df) if use_t else stats.norm.sf(abs(z))))

    x1 = X.to_numpy()
    x0 = x1.copy()
    changes = [X.columns.get_loc(name) for name in _CHANGE_TERMS[change]]
    x0[:, changes] = 0.0
    mu1 = np.exp(x1 @ params + offset)
    eta0 = x0 @ params + offset
    mu0 = np.exp(eta0)
    # Clip: a HAC covariance from a short series can be numerically indefinite.
    se0 = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", x0, cov, x0), 0.0))
    post = np.arange(n) >= start
    grad = (mu1[post] @ x1[post]) / mu1[post].sum() - (mu0[post] @ x0[post]) / mu0[post].sum()
    log_r = math.log(mu1[post].sum() / mu0[post].sum())
    se_r = math.sqrt(grad @ cov @ grad)
    rows = {}
    for coefficient in _CHANGE_TERMS[change]:
        j = X.columns.get_loc(coefficient)
        b, se = params[j], math.sqrt(cov[j, j])
        rows[coefficient] = {
            "estimate": math.exp(b),
            "ci_low": math.exp(b - crit * se),
            "ci_high": math.exp(b + crit * se),
            "p_value": p_of(b / se),
            "std_error": se,
        }
    coefficients = pd.DataFrame.from_dict(rows, orient="index").rename_axis("term")
    series = pd.DataFrame(
        {
            "period": periods,
            "observed": y,
            "exposure": expo,
            "post": post,
            "fitted": mu1,
            "counterfactual": mu0,
            "cf_low": np.exp(eta0 - crit * se0),
            "cf_high": np.exp(eta0 + crit * se0),
        }
    )
    estimate = math.exp(log_r)
    low, high = math.exp(log_r - crit * se_r), math.exp(log_r + crit * se_r)
    p_value = p_of(log_r / se_r)
    verdict = write_verdict(
        estimate,
        low,
        high,
        p_value=p_value,
        confidence=conf,
        design="its",
        outcome=outcome,
        assumptions=ITS_ASSUMPTIONS,
    )
    return ITSResult(
        estimate=estimate,
        ci_low=low,
        ci_high=high,
        p_value=p_value,
        n=n,
        confidence=conf,
        std_error=se_r,
        family=family,
        covariance=desc,
        change=change,
        dispersion=dispersion,
        coefficients=coefficients,
        series=series,
        observed_post=float(y[post].sum()),
        counterfactual_post=float(mu0[post].sum()),
        spring_festival=festival,
        verdict=verdict,
    )
