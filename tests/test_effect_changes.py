"""Shrunken rate ratios against brute-force integration, a simulation and the demo.

References: the binomial–logit-normal marginal likelihood integrated with
``scipy.integrate.quad`` and maximised with Nelder–Mead; a simulated panel with a known
``τ²``; at ``τ = 0`` the binomial likelihood with offset from ``scipy.stats.binom``; the
demo at branch level (its true changes differ between pilot and other cities).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, optimize, special, stats

from assess.core.errors import ParameterError
from assess.effect._logit_normal import fit_logit_normal, log_marginal
from assess.effect.changes import shrink_rate_ratios

# Eight units: counts before, after, exposure before, after.
B = np.array([40, 5, 60, 8, 30, 0, 12, 3])
A = np.array([12, 1, 45, 8, 30, 0, 2, 9])
EB = np.array([1.0, 1.0, 2.0, 1.0, 1.0, 1.0, 1.5, 1.0])
EA = np.array([1.0, 1.2, 2.0, 1.0, 0.8, 1.0, 1.5, 1.0])


def _quad_marginal(a, n, o, mu, tau):
    def integrand(t):
        return stats.binom.pmf(a, n, special.expit(t + o)) * stats.norm.pdf(t, mu, tau)

    value, _ = integrate.quad(integrand, mu - 12 * tau, mu + 12 * tau, epsabs=0, epsrel=1e-11)
    return math.log(value)


@pytest.mark.parametrize(("mu", "tau"), [(-0.3, 0.4), (0.5, 1.5), (-1.0, 0.05)])
def test_marginal_likelihood_against_quad(mu, tau):
    n, o = A + B, np.log(EA / EB)
    ours = log_marginal(mu, tau, A, n, o)
    ref = [_quad_marginal(a, k, x, mu, tau) for a, k, x in zip(A, n, o, strict=True)]
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-9)
    # τ = 0: the plain binomial likelihood with offset.
    at_zero = log_marginal(mu, 0.0, A, n, o)
    np.testing.assert_allclose(at_zero, stats.binom.logpmf(A, n, special.expit(mu + o)))
    # A unit with no events has likelihood exactly 1.
    assert ours[5] == 0.0


def test_fit_maximises_the_brute_force_likelihood():
    # The marginal likelihood by the trapezoid rule on a fine fixed grid (quad checks it
    # above), maximised by Nelder–Mead: no quadrature nodes, no gradients.
    n, o = A + B, np.log(EA / EB)
    grid = np.linspace(-15.0, 15.0, 30_001)
    binom = stats.binom.pmf(A[:, None], n[:, None], special.expit(grid[None, :] + o[:, None]))

    def negloglik(params):
        prior = stats.norm.pdf(grid, params[0], math.exp(params[1]))
        return -np.log(np.trapezoid(binom * prior, grid, axis=1)).sum()

    ref = optimize.minimize(
        negloglik,
        x0=[-0.3, math.log(0.5)],
        method="Nelder-Mead",
        options={"xatol": 1e-8, "fatol": 1e-11},
    )
    fit = fit_logit_normal(A, n, o)
    assert fit.converged
    assert fit.mu == pytest.approx(ref.x[0], abs=1e-5)
    assert fit.tau == pytest.approx(math.exp(ref.x[1]), abs=1e-5)
    assert fit.loglik == pytest.approx(-ref.fun, abs=1e-8)


def test_posterior_mean_against_quad():
    res = shrink_rate_ratios(B, EB, A, EA, units=list("ABCDEFGH"))
    fit = fit_logit_normal(A, A + B, np.log(EA / EB))
    prior_sd = math.sqrt(fit.tau**2 + fit.se_mu**2)
    for i in (0, 1, 7):
        a, n, o = A[i], A[i] + B[i], math.log(EA[i] / EB[i])

        def post(t, a=a, n=n, o=o):
            return stats.binom.pmf(a, n, special.expit(t + o)) * stats.norm.pdf(t, fit.mu, prior_sd)

        lo, hi = fit.mu - 12 * prior_sd, fit.mu + 12 * prior_sd
        z = integrate.quad(post, lo, hi, epsrel=1e-11)[0]
        mean = integrate.quad(lambda t, post=post: t * post(t), lo, hi, epsrel=1e-11)[0] / z
        assert res.table["estimate"].iloc[i] == pytest.approx(math.exp(mean), rel=1e-5)
        upper = optimize.brentq(
            lambda q, post=post, lo=lo, z=z: integrate.quad(post, lo, q)[0] / z - 0.975, lo, hi
        )
        assert res.table["ci_high"].iloc[i] == pytest.approx(math.exp(upper), rel=1e-4)
    # The 0 → 0 unit keeps the prior: its estimate is the pooled ratio.
    assert res.table.loc["F", "estimate"] == pytest.approx(res.pooled, rel=1e-6)
    assert not res.table.loc["F", "informative"] and res.table.loc["F", "weight"] < 1e-6


def test_simulation_recovers_a_known_tau2_and_ignores_empty_units(rng):
    units, tau = 600, 0.4
    theta = rng.normal(math.log(0.8), tau, units)
    level = rng.gamma(2.0, 5.0, units)  # expected before counts, mean 10
    b, a = rng.poisson(level), rng.poisson(level * np.exp(theta))
    ones = np.ones(units)
    res = shrink_rate_ratios(b, ones, a, ones)
    assert math.sqrt(res.tau2) == pytest.approx(tau, abs=0.06)
    assert res.pooled == pytest.approx(0.8, abs=0.04)
    # 400 more units with 0 → 0 change nothing but the count of units.
    zeros = np.zeros(400, dtype=int)
    more = shrink_rate_ratios(
        np.r_[b, zeros], np.r_[ones, ones[:400]], np.r_[a, zeros], np.r_[ones, ones[:400]]
    )
    assert more.tau2 == pytest.approx(res.tau2, rel=1e-6)
    assert more.pooled == pytest.approx(res.pooled, rel=1e-6)
    empty = int(((a + b) == 0).sum()) + 400
    assert f"{empty} 个单位两期都没有事件" in more.summary()


def test_no_spread_gives_equal_ratios_and_says_so(rng):
    level = np.full(80, 30.0)
    b, a = rng.poisson(level), rng.poisson(level * 0.7)
    res = shrink_rate_ratios(b, np.ones(80), a, np.ones(80))
    if res.tau2 == 0:
        assert res.table["estimate"].nunique() <= 80
        assert "τ² = 0" in res.summary() and "改善最多" not in res.summary()
    assert math.sqrt(res.tau2) < 0.15
    # Rank ranges are wide: with no real spread, no unit's place is known.
    assert (res.table["rank_high"] - res.table["rank_low"]).median() > 40


def _branch_table(data, before, after):
    """Complaints of each branch in two quarters, customer-months as exposure."""
    branches = data.units.loc[data.units["level"] == "branch", "unit_code"]
    events = data.events[data.events["type"] == "complaint"]
    quarter = events["date"].dt.to_period("Q").astype(str)
    counts = events.groupby([events["unit_code"], quarter]).size()
    exposure = (
        data.exposure.assign(
            q=pd.PeriodIndex(data.exposure["month"], freq="M").asfreq("Q").astype(str)
        )
        .groupby(["unit_code", "q"])["customers"]
        .sum()
        .astype(float)
    )
    rows = {
        u: (
            counts.get((u, before), 0),
            exposure[(u, before)],
            counts.get((u, after), 0),
            exposure[(u, after)],
        )
        for u in branches
    }
    return pd.DataFrame.from_dict(rows, orient="index", columns=["b", "eb", "a", "ea"])


def test_small_demo_branches_named_and_plots_fit_a_page(small_dataset):
    t = _branch_table(small_dataset, "2025Q3", "2026Q3")
    res = shrink_rate_ratios(t["b"], t["eb"], t["a"], t["ea"], names=small_dataset.units)
    name = small_dataset.units.set_index("unit_code")["unit_name"]
    assert (res.table["name"] == name.reindex(res.table.index)).all()
    top = res.to_frame()
    top = top[top["informative"]].iloc[0]
    assert top["name"] in res.summary()
    assert res.table["rate_ratio_raw"].dtype == float
    assert res.table.loc[t["b"] == 0, "rate_ratio_raw"].isna().all()
    for kind in ("ranking", "funnel"):
        width, height = res.plot(kind=kind, top=15).figure.get_size_inches()
        assert width <= 8.27 and height <= 11.69  # A4
    ax = res.plot(top=3, language="en")
    assert len(ax.get_yticklabels()) == 6 and "Change by unit" in ax.get_title()


@pytest.mark.slow
def test_province_demo_at_branch_level(tmp_path):
    from assess.io.demo import generate
    from assess.io.validation import load_inputs

    generate(tmp_path / "prov", size="province", seed=2026, progress=False)
    data = load_inputs(tmp_path / "prov")
    t = _branch_table(data, "2025Q3", "2026Q3")
    assert len(t) == 1589
    res = shrink_rate_ratios(t["b"], t["eb"], t["a"], t["ea"], names=data.units)
    tab = res.table
    # Branch-month noise (Gamma, shape 8) and pilot vs other cities: τ ≈ 0.3.
    assert 0.05 < res.tau2 < 0.3 and tab["estimate"].nunique() > 1000
    assert tab["estimate"].std() > 0.05
    worse = tab[(tab["count_before"] == 2) & (tab["count_after"] == 7)]
    assert len(worse) and (worse["ci_high"] > 1).all() and (worse["estimate"] > 0.9).all()
    improved = int((tab["ci_high"] < 1).sum())
    assert (
        0 < improved < 200 and f"有证据改善（区间上限低于 1）的单位 {improved} 个" in res.summary()
    )
    empty = tab[~tab["informative"]]
    assert not set(empty["name"]) & set(
        res.summary().split("收缩后改善最多的单位：")[1][:200].split("（")
    )
    assert tab.loc[tab["count_before"] == 0, "rate_ratio_raw"].isna().all()
    width, height = res.plot().figure.get_size_inches()
    assert height <= 11.69 and width <= 8.27


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: shrink_rate_ratios([1, 2, 3], [1, 1, 1], [1, 2], [1, 1, 1]), "count_after"),
        (lambda: shrink_rate_ratios([1, 2, 3], [1, 1, 1], [1, 2, 3], [1, 1, 0]), "exposure_after"),
        (
            lambda: shrink_rate_ratios([1, 0, 0], [1, 1, 1], [1, 0, 3], [1, 1, 1]),
            "at least 3 units with events",
        ),
        (lambda: shrink_rate_ratios([1, 2, 3], [1, 1, 1], [1, 2, 3], [1, 1, 1], names=5), "names"),
        (
            lambda: shrink_rate_ratios(
                [1, 2, 3], [1, 1, 1], [1, 2, 3], [1, 1, 1], names=pd.DataFrame({"code": [1]})
            ),
            "unit_code and unit_name",
        ),
        (lambda: shrink_rate_ratios([1, 2, 3], [1, 1, 1], [1, 2, 3], [1, 1, 1], seed=-1), "seed"),
        (lambda: shrink_rate_ratios([1, 2, 3], [1] * 3, [1, 2, 3], [1] * 3).plot(kind="x"), "kind"),
        (lambda: shrink_rate_ratios([1, 2, 3], [1] * 3, [1, 2, 3], [1] * 3).plot(top=0), "top"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ParameterError, match=match):
        call()
