"""Shrinkage and funnel plots against hand computations and direct scipy calls.

References: Marshall (1991) moment estimator written out by hand; the negative-binomial
marginal likelihood maximised directly with scipy; Spiegelhalter (2005) funnel limits
from ``scipy.stats.poisson.ppf`` (rate-ratio shrinkage: test_effect_changes.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from assess.core.errors import ParameterError
from assess.effect.shrinkage import funnel, funnel_limits, shrink_rates

Y = [2, 10, 60, 3, 15]
E = [100.0, 1000.0, 2000.0, 20.0, 1500.0]
UNITS = list("ABCDE")


def test_moment_estimate_by_hand():
    # m = 90 / 4620; s² = Σ E (y/E − m)² / ΣE; A = s² − m / (4620 / 5).
    m = 90 / 4620
    s2 = sum(e * (y / e - m) ** 2 for y, e in zip(Y, E, strict=True)) / 4620
    a = s2 - m / (4620 / 5)
    assert a == pytest.approx(0.000149210097, rel=1e-8)
    res = shrink_rates(Y, E, units=UNITS)
    assert res.prior_mean == pytest.approx(m) and res.prior_variance == pytest.approx(a)
    # Marshall's weighted form m + C (r − m), C = A / (A + m / E): same posterior mean.
    for unit, y, e in zip(UNITS, Y, E, strict=True):
        c = a / (a + m / e)
        assert res.table.loc[unit, "estimate"] == pytest.approx(m + c * (y / e - m))
        assert res.table.loc[unit, "weight"] == pytest.approx(c)
    # Gamma posterior (shape m²/A + y, rate m/A + E) quantiles.
    d = stats.gamma(m * m / a + 3, scale=1 / (m / a + 20.0)).interval(0.95)
    assert (res.table.loc["D", "ci_low"], res.table.loc["D", "ci_high"]) == pytest.approx(d)
    # D has the highest raw rate (0.15 from 3 events) but is pulled far towards m.
    assert res.table.loc["D", "rank_raw"] == 5 and res.table.loc["D", "estimate"] < 0.04
    assert res.table.loc["E", "rank"] == 1 and res.table.loc["B", "rank"] == 2


def test_marginal_ml_matches_direct_negative_binomial_maximisation():
    y, e = np.array(Y, dtype=float), np.array(E)

    def negloglik(params):
        shape, rate = np.exp(params)
        return -stats.nbinom.logpmf(y, shape, rate / (rate + e)).sum()

    fit = optimize.minimize(
        negloglik,
        x0=[1.0, 4.0],
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20_000},
    )
    shape, rate = np.exp(fit.x)
    res = shrink_rates(Y, E, units=UNITS, method="ml")
    assert res.prior_mean == pytest.approx(shape / rate, rel=1e-4)
    assert res.prior_variance == pytest.approx(shape / rate**2, rel=1e-3)


def test_no_extra_variation_gives_the_pooled_rate_and_its_exact_interval():
    res = shrink_rates([10, 20, 30], [100.0, 200.0, 300.0])
    assert res.prior_variance == 0.0
    assert (res.table["estimate"] == 0.1).all() and (res.table["weight"] == 0).all()
    low = stats.chi2.ppf(0.025, 120) / 2 / 600
    high = stats.chi2.ppf(0.975, 122) / 2 / 600
    assert res.table["ci_low"].tolist() == pytest.approx([low] * 3)
    assert res.table["ci_high"].tolist() == pytest.approx([high] * 3)


@pytest.mark.parametrize(
    ("exposure", "target", "p"),
    [(100.0, 0.02, 0.975), (1000.0, 0.02, 0.999), (37.0, 0.3, 0.025), (5.0, 0.1, 0.001)],
)
def test_funnel_limits_against_scipy_poisson_ppf(exposure, target, p):
    mu = exposure * target
    q = stats.poisson.ppf(p, mu)
    at, below = stats.poisson.cdf(q, mu), stats.poisson.cdf(q - 1, mu)
    expected = max(q - (at - p) / (at - below), 0.0) / exposure
    (limit,) = funnel_limits([exposure], target, p)
    assert limit == pytest.approx(expected)
    assert (q - 1) / exposure <= limit + 1e-12 and limit <= q / exposure


def test_funnel_flags_and_dispersion():
    counts, exposure = [2, 10, 30, 9, 50, 0], [100, 1000, 2000, 150, 1200, 30]
    res = funnel(counts, exposure, units=list("ABCDEF"))
    theta = sum(counts) / sum(exposure)
    assert res.target == pytest.approx(theta)
    t = res.table
    assert t.loc["E", "flag"] == "high_alarm"  # 50 events where 27 are expected
    assert t.loc["E", "upper_99_8"] == pytest.approx(funnel_limits([1200.0], theta, 0.999)[0])
    assert t.loc["D", "flag"] == "high_alert"
    assert t.loc["A", "flag"] == "within"
    z = (np.array(counts) - np.array(exposure) * theta) / np.sqrt(np.array(exposure) * theta)
    assert res.dispersion == pytest.approx(np.sum(z**2) / 5)
    assert res.to_frame().index[0] == "E"
    assert "E" in res.summary() and "离散度" in res.summary()
    ax = res.plot()
    assert ax.get_xscale() == "log" and "暴露量" in ax.get_xlabel()
    with_target = funnel(counts, exposure, target=0.02)
    assert with_target.dispersion == pytest.approx(
        np.sum((np.array(counts) - np.array(exposure) * 0.02) ** 2 / (np.array(exposure) * 0.02))
        / 6
    )


def test_shrinkage_outputs():
    res = shrink_rates(pd.Series(Y, index=UNITS), E)
    assert list(res.to_frame().index) == ["E", "B", "A", "C", "D"]
    text = res.summary()
    assert text.index("共 5 个单位") < text.index("5 units")
    assert "收缩" in res._repr_html_()
    assert res.plot().get_title().startswith("单位率")


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: shrink_rates([1, -2, 3], [1, 1, 1]), "count.*whole numbers ≥ 0"),
        (lambda: shrink_rates([1, 2, 3], [1, 0, 1]), "exposure.*> 0"),
        (lambda: shrink_rates([1, 2, 3], [1, 1]), "exposure.*length 3"),
        (lambda: shrink_rates([1, 2], [1, 1]), "at least 3 units"),
        (lambda: shrink_rates([1, 2, 3], [1, 1, 1], units=list("AAB")), "distinct"),
        (lambda: shrink_rates([1, 2, 3], [1, 1, 1], method="reml"), "method"),
        (lambda: funnel([1, 2, 3], [1, 1, 1], confidence=(0.998, 0.95)), "confidence"),
        (lambda: funnel([1, 2, 3], [1, 1, 1], target=0), "target"),
        (lambda: funnel([0, 0, 0], [1, 1, 1]), "at least one event"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ParameterError, match=match):
        call()
