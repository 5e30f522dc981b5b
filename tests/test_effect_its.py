"""Interrupted time series against R's quasi-Poisson glm on Seatbelts, statsmodels fits and
simulation from the covariance."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from assess.core.errors import ParameterError
from assess.effect.its import fit_its
from assess.effect.panel import make_panel

MONTHS = list(pd.period_range("2022-01", periods=48, freq="M").strftime("%Y-%m"))
SEATBELTS = Path(__file__).parent / "data" / "seatbelts.csv"


def _series(rng, effect=0.7, n=48, start=30):
    t = np.arange(n)
    season = 1 + 0.2 * np.sin(2 * np.pi * t / 12)
    expo = rng.uniform(80, 120, n)
    mu = expo * 0.3 * season * np.where(t >= start, effect, 1.0)
    table = pd.DataFrame({"unit": "A", "month": MONTHS[:n], "n": rng.poisson(mu), "staff": expo})
    return make_panel(
        table,
        unit_col="unit",
        period_col="month",
        count_col="n",
        exposure_col="staff",
        treated_units=["A"],
        start=MONTHS[start],
    )


def test_coefficients_and_hac_equal_statsmodels(rng):
    panel = _series(rng)
    res = fit_its(
        panel,
        seasonality="fourier",
        spring_festival=False,
        maxlags=2,
        covariance="hac",
        change="both",
    )
    t = np.arange(48) - 30
    post = (t >= 0).astype(float)
    angle = 2 * np.pi * np.array([int(m[5:]) for m in MONTHS]) / 12
    X = np.column_stack(
        [
            np.ones(48),
            t,
            post,
            t * post,
            np.sin(angle),
            np.cos(angle),
            np.sin(2 * angle),
            np.cos(2 * angle),
        ]
    )
    ref = sm.GLM(
        panel.counts[0], X, family=sm.families.Poisson(), offset=np.log(panel.exposure[0])
    ).fit(cov_type="HAC", cov_kwds={"maxlags": 2})
    level = res.coefficients.loc["level_change"]
    assert level["estimate"] == pytest.approx(np.exp(ref.params[2]), rel=1e-8)
    low = np.exp(ref.params[2] - 1.959963985 * ref.bse[2])
    assert level["ci_low"] == pytest.approx(low, rel=1e-6)
    assert level["p_value"] == pytest.approx(ref.pvalues[2], rel=1e-6)


def test_ratio_of_sums_is_observed_over_counterfactual(rng):
    res = fit_its(_series(rng), change="both")
    s = res.series
    post = s["post"]
    # Poisson score equation of the level-change term: fitted post sum = observed post sum.
    assert s.loc[post, "fitted"].sum() == pytest.approx(s.loc[post, "observed"].sum(), rel=1e-8)
    assert res.estimate == pytest.approx(res.observed_post / res.counterfactual_post, rel=1e-8)
    assert res.ci_low < 0.7 < res.ci_high and res.spring_festival


def test_interval_matches_simulation_from_the_covariance(rng):
    panel = _series(rng)
    res = fit_its(
        panel, seasonality="fourier", spring_festival=False, covariance="model", change="both"
    )
    t = np.arange(48) - 30
    post = (t >= 0).astype(float)
    angle = 2 * np.pi * np.array([int(m[5:]) for m in MONTHS]) / 12
    X = np.column_stack(
        [
            np.ones(48),
            t,
            post,
            t * post,
            np.sin(angle),
            np.cos(angle),
            np.sin(2 * angle),
            np.cos(2 * angle),
        ]
    )
    fit = sm.GLM(
        panel.counts[0], X, family=sm.families.Poisson(), offset=np.log(panel.exposure[0])
    ).fit(scale="X2")
    draws = rng.multivariate_normal(fit.params, fit.cov_params(), size=20000)
    x0 = X.copy()
    x0[:, 2:4] = 0
    off = np.log(panel.exposure[0])
    ratio = np.exp(draws @ X[t >= 0].T + off[t >= 0]).sum(1) / np.exp(
        draws @ x0[t >= 0].T + off[t >= 0]
    ).sum(1)
    # The delta-method interval (t quantiles) against normal simulation: a few per cent.
    assert np.median(ratio) == pytest.approx(res.estimate, rel=0.01)
    assert np.quantile(ratio, 0.025) == pytest.approx(res.ci_low, rel=0.04)
    assert np.quantile(ratio, 0.975) == pytest.approx(res.ci_high, rel=0.04)


def test_quasi_poisson_scale(rng):
    panel = _series(rng)
    quasi = fit_its(panel, covariance="model", seasonality="fourier")
    plain = fit_its(panel, covariance="hac", seasonality="fourier")
    assert "quasi-Poisson" in quasi.covariance
    # Same coefficients; quasi-Poisson standard errors are Poisson's × sqrt(Pearson χ²/df).
    assert quasi.estimate == pytest.approx(plain.estimate, rel=1e-10)
    assert quasi.dispersion == pytest.approx(plain.dispersion, rel=1e-10)


def test_negative_binomial_dispersion_equals_statsmodels_ml(rng):
    panel = _series(rng)
    shape = 8.0  # NB2 alpha = 1/8
    counts = rng.poisson(rng.gamma(shape, panel.counts[0] / shape + 1e-9))
    nb_panel = panel.with_counts(counts[None].astype(float))
    res = fit_its(
        nb_panel,
        family="negbin",
        seasonality="fourier",
        spring_festival=False,
        covariance="model",
        change="both",
    )
    t = np.arange(48) - 30
    post = (t >= 0).astype(float)
    angle = 2 * np.pi * np.array([int(m[5:]) for m in MONTHS]) / 12
    X = np.column_stack(
        [
            np.ones(48),
            t,
            post,
            t * post,
            np.sin(angle),
            np.cos(angle),
            np.sin(2 * angle),
            np.cos(2 * angle),
        ]
    )
    ref = sm.NegativeBinomial(
        counts, X, offset=np.log(panel.exposure[0]), loglike_method="nb2"
    ).fit(disp=False, maxiter=1000)
    assert res.dispersion == pytest.approx(ref.params[-1], rel=2e-3)
    level = res.coefficients.loc["level_change", "estimate"]
    assert level == pytest.approx(np.exp(ref.params[2]), rel=1e-3)
    assert "alpha" in res.covariance


def test_plot_and_summary(rng):
    res = fit_its(_series(rng))
    ax = res.plot()
    assert "反事实" in ax.get_legend().get_texts()[2].get_text()
    assert res.summary().startswith("中断时间序列")
    assert list(res.to_frame().index) == ["post_ratio", "level_change"]
    both = fit_its(_series(rng), change="both").to_frame()
    assert list(both.index) == ["post_ratio", "level_change", "slope_change"]
    assert list(fit_its(_series(rng), change="slope").to_frame().index) == [
        "post_ratio",
        "slope_change",
    ]
    assert {"std_error", "se_convention"} <= set(both.columns)


def test_bad_input(rng):
    panel = _series(rng, n=20, start=12)
    with pytest.raises(ParameterError, match="seasonality='fourier'"):
        fit_its(panel, seasonality="dummies")
    with pytest.raises(ParameterError, match="'family'"):
        fit_its(panel, family="gaussian")
    with pytest.raises(ParameterError, match="'change'.*'level', 'slope', 'both'"):
        fit_its(panel, change="step")


def test_seatbelts_quasi_poisson_equals_r_glm():
    """R: ``glm(front ~ law + t + month + offset(log(kms)), family = quasipoisson,
    data = data.frame(Seatbelts, t = 1:192, month = factor(cycle(Seatbelts))))``.

    R is not installed here, so the reference is statsmodels on the same design:
    ``GLM(front, X, family=Poisson(), offset=log(kms)).fit(scale="X2")`` is R's
    quasipoisson glm — the same IRLS estimates, the dispersion Pearson χ² / (n − p) and
    standard errors sqrt(dispersion) × Poisson's, t tests on n − p df (``use_t=True``, as
    ``summary.glm``); the interval is estimate ± t(n − p) × SE (R's ``confint.default``
    uses the normal quantile instead).
    """
    data = pd.read_csv(SEATBELTS, comment="#")
    assert len(data) == 192 and data["law"].sum() == 23
    month = pd.get_dummies(pd.Categorical(np.tile(np.arange(1, 13), 16)), dtype=float)
    X = pd.concat(
        [pd.DataFrame({"const": 1.0, "law": data["law"], "t": np.arange(1.0, 193.0)}), month],
        axis=1,
    ).drop(columns=1)
    ref = sm.GLM(data["front"], X, family=sm.families.Poisson(), offset=np.log(data["kms"])).fit(
        scale="X2", use_t=True
    )
    panel = make_panel(
        data.assign(unit="GB"),
        unit_col="unit",
        period_col="month",
        count_col="front",
        exposure_col="kms",
        treated_col="law",
    )
    res = fit_its(panel, spring_festival=False)  # change="level", covariance="model"
    assert res.change == "level" and "quasi-Poisson" in res.covariance
    law = res.coefficients.loc["level_change"]
    assert np.log(law["estimate"]) == pytest.approx(ref.params["law"], rel=1e-6)
    assert law["std_error"] == pytest.approx(ref.bse["law"], rel=1e-6)
    assert law["p_value"] == pytest.approx(ref.pvalues["law"], rel=1e-6, abs=0)
    low, high = ref.conf_int(alpha=0.05).loc["law"]
    assert np.log(law["ci_low"]) == pytest.approx(low, rel=1e-6)
    assert np.log(law["ci_high"]) == pytest.approx(high, rel=1e-6)
    assert res.dispersion == pytest.approx(ref.scale, rel=1e-6)
    # With a level change alone the headline ratio is exp(law): a fall of about 19%.
    assert res.estimate == pytest.approx(np.exp(ref.params["law"]), rel=1e-9)
    assert res.std_error == pytest.approx(ref.bse["law"], rel=1e-6)
    assert 0.78 < res.estimate < 0.84


def test_slope_and_both_equal_statsmodels(rng):
    panel = _series(rng)
    t = np.arange(48) - 30
    post = (t >= 0).astype(float)
    off = np.log(panel.exposure[0])
    for change, columns in (("slope", [t * post]), ("both", [post, t * post])):
        X = np.column_stack([np.ones(48), t, *columns])
        ref = sm.GLM(panel.counts[0], X, family=sm.families.Poisson(), offset=off).fit(scale="X2")
        res = fit_its(panel, seasonality="none", spring_festival=False, change=change)
        slope = res.coefficients.loc["slope_change"]
        assert np.log(slope["estimate"]) == pytest.approx(ref.params[-1], rel=1e-8)
        assert slope["std_error"] == pytest.approx(ref.bse[-1], rel=1e-6)


def test_level_change_interval_covers_under_overdispersion():
    # 300 series of 48 months, NB counts (dispersion 1/20), true level change 0.8.
    rng = np.random.default_rng(12)
    t = np.arange(48)
    expo = np.full(48, 100.0)
    mu = expo * 0.5 * (1 + 0.2 * np.sin(2 * np.pi * t / 12)) * np.where(t >= 30, 0.8, 1.0)
    covered = []
    for _ in range(300):
        y = rng.poisson(rng.gamma(20.0, mu / 20.0))
        table = pd.DataFrame({"unit": "A", "month": MONTHS, "n": y})
        panel = make_panel(
            table,
            unit_col="unit",
            period_col="month",
            count_col="n",
            treated_units=["A"],
            start=MONTHS[30],
        )
        res = fit_its(panel, seasonality="fourier", harmonics=1, spring_festival=False)
        covered.append(res.ci_low < 0.8 < res.ci_high)
    # Nominal 0.95; Monte Carlo error sqrt(0.95 × 0.05 / 300) = 0.013.
    assert 0.91 <= np.mean(covered) <= 0.99
