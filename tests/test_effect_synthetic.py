"""Synthetic control for counts with exposure: weights against independent solves, the
placebo p-value against a hand-computed rank, a planted effect, Proposition 99."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from assess.core.errors import ParameterError
from assess.effect.panel import Panel
from assess.effect.synthetic import fit_synthetic, synthetic_weights

DATA = Path(__file__).parent / "data"


def _panel(rng, n=16, t=24, start=16, effect=1.0, treated=1):
    base = rng.uniform(0.03, 0.08, (n, 1)) * (1 + 0.25 * np.sin(np.arange(t) / 2.5))
    base = base * rng.uniform(0.9, 1.1, (n, 1)) ** np.arange(t) ** 0.5
    exposure = rng.uniform(300, 600, (n, t))
    mu = base * exposure
    mu[:treated, start:] *= effect
    starts = np.array([start] * treated + [t] * (n - treated))
    return Panel(
        units=tuple(f"u{i:02d}" for i in range(n)),
        periods=tuple(str(p) for p in pd.period_range("2024-01", periods=t, freq="M")),
        freq="month",
        counts=rng.poisson(mu).astype(float),
        exposure=exposure,
        start=starts,
    )


def _slsqp_simplex(target, donors):
    """Independent solve: SLSQP on the simplex from equal weights."""
    n = donors.shape[0]
    res = optimize.minimize(
        lambda w: np.sum((target - w @ donors) ** 2),
        np.full(n, 1 / n),
        method="SLSQP",
        bounds=[(0, 1)] * n,
        constraints=({"type": "eq", "fun": lambda w: w.sum() - 1},),
        options={"ftol": 1e-14, "maxiter": 1000},
    )
    return res.x


def test_weights_match_slsqp_on_the_simplex(rng):
    donors = rng.uniform(0, 1, (8, 12))
    target = 0.5 * donors[1] + 0.3 * donors[4] + 0.2 * donors[6] + rng.normal(0, 0.01, 12)
    w = synthetic_weights(target, donors)
    assert w.min() >= 0 and w.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(w, _slsqp_simplex(target, donors), atol=1e-4)
    assert set(np.flatnonzero(w > 0.05)) == {1, 4, 6}


def test_weights_match_brute_force_on_a_tiny_example():
    donors = np.array([[1.0, 3.0, 2.0], [4.0, 0.0, 1.0], [2.0, 2.0, 5.0]])
    target = np.array([2.2, 1.9, 2.1])
    a, b = np.meshgrid(np.linspace(0, 1, 401), np.linspace(0, 1, 401), indexing="ij")
    grid = np.stack([a.ravel(), b.ravel(), 1 - a.ravel() - b.ravel()], axis=1)
    grid = grid[grid[:, 2] >= -1e-12]
    losses = ((target - grid @ donors) ** 2).sum(axis=1)
    best = grid[int(np.argmin(losses))]
    np.testing.assert_allclose(synthetic_weights(target, donors), best, atol=3e-3)


def test_planted_effect_is_recovered_and_placebo_p_is_the_rank(rng):
    panel = _panel(rng, effect=0.5)
    res = fit_synthetic(panel)
    assert res.estimate == pytest.approx(0.5, abs=0.08)
    # The rank by hand: each unit's synthetic control from the other comparison units.
    rates = panel.counts / panel.exposure
    pre = np.arange(24) < 16
    ratios = []
    for j in range(16):
        donors = [i for i in range(1, 16) if i != j]
        w = _slsqp_simplex(rates[j, pre], rates[np.ix_(donors, pre)])
        gap = rates[j] - w @ rates[donors]
        ratios.append(np.sqrt(np.mean(gap[~pre] ** 2)) / np.sqrt(np.mean(gap[pre] ** 2)))
    np.testing.assert_allclose(res.ratios.to_numpy(), ratios, rtol=1e-3)
    rank = int((np.array(ratios) >= ratios[0]).sum())
    assert res.p_value == pytest.approx(rank / 16) and res.p_value == pytest.approx(1 / 16)
    assert res.n_assignments == 16 and res.min_p == pytest.approx(1 / 16)
    assert res.verdict.evidence == "inconclusive"  # 1/16 > 0.05: no test can reject
    assert "1/16 是可能的最小 p 值" in res.summary()
    assert res.weights.sum().iloc[0] == pytest.approx(1.0)
    assert not res.poor_fit and res.pre_rmspe_relative.iloc[0] < 0.15
    assert "合成控制" in res.plot().get_title()


def test_two_treated_units_rank_among_all_pairs(rng):
    panel = _panel(rng, n=21, effect=0.4, treated=2)
    res = fit_synthetic(panel)
    assert res.n_assignments == math.comb(21, 2) and res.n_treated == 2
    ratios = res.ratios.to_numpy()
    pairs = [ratios[list(c)].mean() for c in itertools.combinations(range(21), 2)]
    assert res.p_value == pytest.approx(np.mean(np.array(pairs) >= ratios[:2].mean() - 1e-12))
    assert res.p_value <= 0.05 and res.verdict.evidence == "decrease"
    assert "两个试点单位" in res.summary()


def test_poor_pre_fit_is_reported_with_a_warning(rng):
    panel = _panel(rng)
    counts = panel.counts.copy()
    counts[0] *= 4.0  # far above every donor: outside their convex hull
    with pytest.warns(UserWarning, match="pre-period fit is poor"):
        res = fit_synthetic(panel.with_counts(counts))
    assert res.poor_fit and "拟合较差" in res.summary()


def test_prop99_weights_close_to_the_published_donors():
    """Abadie, Diamond & Hainmueller (2010), Table 2: Utah 0.394, Nevada 0.234, Montana
    0.199, Colorado 0.164, Connecticut 0.069 (fitted on predictors as well). Fitted on
    the 19 pre-1989 sales alone the same five states should carry most weight."""
    data = pd.read_csv(DATA / "prop99_long.csv")
    wide = data.pivot(index="state", columns="year", values="sales")
    pre = wide.columns < 1989
    target = wide.loc["California", pre].to_numpy()
    donors = wide.drop(index="California")
    w = pd.Series(synthetic_weights(target, donors.loc[:, pre].to_numpy()), index=donors.index)
    published = ["Utah", "Nevada", "Montana", "Colorado", "Connecticut"]
    # Here: Utah 0.394, Montana 0.232, Nevada 0.205, Connecticut 0.109, New Hampshire
    # 0.045, Colorado 0.015 — Utah's weight as published, the same top four.
    assert w[published].sum() > 0.9, w.sort_values().tail(8)
    assert set(w.nlargest(4).index) == {"Utah", "Montana", "Nevada", "Connecticut"}
    assert w["Utah"] == pytest.approx(0.394, abs=0.02)
    gap = target - w.to_numpy() @ donors.loc[:, pre].to_numpy()
    assert np.sqrt(np.mean(gap**2)) < 3.0  # published pre-period RMSPE: 1.76 packs


@pytest.mark.parametrize(
    ("treated", "start", "match"),
    [(3, 16, "one or two treated units"), (1, 1, "至少需要 2 期")],
)
def test_bad_panels_are_clear_errors(rng, treated, start, match):
    panel = _panel(rng, treated=treated, start=start)
    with pytest.raises(ParameterError, match=match):
        fit_synthetic(panel)
