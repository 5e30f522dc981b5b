"""Randomisation inference against brute-force computations."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from assess.core.errors import ParameterError
from assess.effect._poisson import fit_fe_poisson
from assess.effect.panel import Panel
from assess.effect.randomisation import _statistic, randomisation_test


def _panel(rng, n=9, treated=3, t=8, effect=0.5, rate=6.0):
    start = np.array([t // 2] * treated + [t] * (n - treated))
    mu = np.full((n, t), rate) * rng.gamma(5, 0.2, (n, 1))
    mu[:treated, t // 2 :] *= effect
    return Panel(
        units=tuple(f"u{i}" for i in range(n)),
        periods=tuple(f"2025-{m:02d}" for m in range(1, t + 1)),
        freq="month",
        counts=rng.poisson(mu).astype(float),
        exposure=rng.uniform(1, 2, (n, t)),
        start=start,
    )


def test_exhaustive_p_value_equals_brute_force_refits(rng):
    panel = _panel(rng)
    res = randomisation_test(panel, design="did", estimate=0.5, invert=False)
    assert res.exhaustive and res.n == math.comb(9, 3)
    stats = []
    for chosen in itertools.combinations(range(9), 3):
        start = np.full(9, 8)
        start[list(chosen)] = 4
        post = (np.arange(8)[None, :] >= start[:, None]).astype(float)[:, :, None]
        stats.append(fit_fe_poisson(panel.counts, offset=panel.offset, X=post).beta[0])
    actual = fit_fe_poisson(
        panel.counts, offset=panel.offset, X=panel.post[:, :, None].astype(float)
    ).beta[0]
    expected = np.mean(np.abs(stats) >= abs(actual) - 1e-9)
    assert res.p_value == pytest.approx(expected, abs=1e-12)
    assert res.observed == pytest.approx(actual, abs=1e-7)


def test_interval_is_the_set_of_ratios_not_rejected(rng):
    panel = _panel(rng, n=12, treated=4, t=10)
    res = randomisation_test(panel, design="did", estimate=0.5)
    assert res.ci_low < 0.5 < res.ci_high
    starts = np.array(
        [panel.start]
        + [
            np.where(np.isin(np.arange(12), c), 5, 10)
            for c in itertools.combinations(range(12), 4)
            if set(c) != {0, 1, 2, 3}
        ]
    )
    stat = _statistic(panel, starts, "did")

    def p_at(ratio):
        values = stat(math.log(ratio))[0]
        return np.mean(np.abs(values) >= abs(values[0]) - 1e-9)

    alpha = 0.05
    assert p_at(res.ci_low * 1.01) > alpha >= p_at(res.ci_low * 0.98)
    assert p_at(res.ci_high * 0.99) > alpha >= p_at(res.ci_high * 1.02)


def test_sampled_assignments_are_seeded_and_staggered_works(rng):
    panel = _panel(rng, n=20, treated=6, t=12)
    panel = panel.with_start(np.r_[[6] * 3, [8] * 3, [12] * 14])
    one = randomisation_test(
        panel, design="staggered", estimate=0.5, n_permutations=199, invert=False, seed=3
    )
    two = randomisation_test(
        panel, design="staggered", estimate=0.5, n_permutations=199, invert=False, seed=3
    )
    assert not one.exhaustive and one.n == 200
    np.testing.assert_array_equal(one.distribution, two.distribution)
    assert one.p_value == two.p_value and one.min_p == 1 / 200
    assert 0 <= one.pretrend_p <= 1 and one.pretrend_leads == 5


def test_too_few_assignments_give_an_unbounded_interval(rng):
    panel = _panel(rng, n=5, treated=1, t=6)
    res = randomisation_test(panel, design="did", estimate=0.5)
    assert res.n == 5 and res.ci_low == 0.0 and res.ci_high == math.inf
    assert res.p_value >= 0.2
    assert "随机化推断" in res.summary() and res.plot().get_xlabel().startswith("率比")


def test_one_treated_unit_enumerates_every_placebo_unit_and_says_so(rng):
    """One treated unit among 20: exactly 20 assignments, the p-value is the rank of the
    actual |log RR| among them (computed here by hand from the fits)."""
    panel = _panel(rng, n=20, treated=1, t=12)
    res = randomisation_test(panel, design="did", estimate=0.7, invert=False)
    assert res.exhaustive and res.n == 20 and res.min_p == pytest.approx(1 / 20)
    betas = []
    for unit in range(20):
        start = np.full(20, 12)
        start[unit] = 6
        post = (np.arange(12)[None, :] >= start[:, None]).astype(float)[:, :, None]
        betas.append(fit_fe_poisson(panel.counts, offset=panel.offset, X=post).beta[0])
    betas = np.abs(np.array(betas))
    rank = int((betas >= betas[0] - 1e-6).sum())
    assert res.p_value == pytest.approx(rank / 20)
    assert "1/20 是可能的最小 p 值" in res.summary()
    assert "exact: all 20 distinct assignments" in res.se_convention


def test_bad_input(rng):
    panel = _panel(rng)
    with pytest.raises(ParameterError, match="n_permutations"):
        randomisation_test(panel, design="did", estimate=0.5, n_permutations=5)
    with pytest.raises(ParameterError, match="'design'"):
        randomisation_test(panel, design="its", estimate=0.5)
