"""Speed of the effect-analysis core (issue 4): run ``python benchmarks/bench_effect.py``.

1. Poisson fixed-effects DiD at 2,000 units × 36 months: the concentrated Newton
   estimator of ``assess.effect._poisson`` against statsmodels ``GLM(Poisson)`` with one
   dummy per unit and per month (dense design, 72,000 × 2,036); the coefficient must agree
   to 1e-8 and the ratio of wall times is printed.
2. Randomisation inference with 999 re-assignments on 100 units × 36 months: the p-value
   alone, and with the interval by test inversion.

Timings are wall-clock seconds of one run on this machine; the ratio is what matters.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import statsmodels.api as sm

from assess.effect._poisson import fit_fe_poisson
from assess.effect.did import fit_did
from assess.effect.panel import Panel
from assess.effect.randomisation import randomisation_test


def _panel(n_units: int, n_months: int, n_treated: int, seed: int) -> Panel:
    rng = np.random.default_rng(seed)
    start = np.where(np.arange(n_units) < n_treated, n_months // 2, n_months)
    exposure = rng.uniform(20, 200, (n_units, n_months))
    rate = 0.05 * exposure * rng.gamma(4, 0.25, (n_units, 1))
    rate *= np.exp(0.1 * np.sin(2 * np.pi * np.arange(n_months) / 12))[None, :]
    rate[np.arange(n_months)[None, :] >= start[:, None]] *= 0.8
    periods = tuple(f"{2023 + m // 12}-{m % 12 + 1:02d}" for m in range(n_months))
    return Panel(
        units=tuple(f"u{i:04d}" for i in range(n_units)),
        periods=periods,
        freq="month",
        counts=rng.poisson(rate).astype(float),
        exposure=exposure,
        start=start,
    )


def bench_fixed_effects(n_units: int, n_months: int) -> None:
    panel = _panel(n_units, n_months, n_units // 3, seed=1)
    X = panel.post[:, :, None].astype(float)
    began = time.perf_counter()
    fast = fit_fe_poisson(panel.counts, offset=panel.offset, X=X)
    fast_s = time.perf_counter() - began

    units = np.repeat(np.arange(n_units), n_months)
    months = np.tile(np.arange(n_months), n_units)
    design = np.zeros((n_units * n_months, 1 + n_units + n_months - 1))
    design[:, 0] = X.ravel()
    design[np.arange(len(units)), 1 + units] = 1.0
    later = months > 0
    design[np.flatnonzero(later), n_units + months[later]] = 1.0
    began = time.perf_counter()
    ref = sm.GLM(
        panel.counts.ravel(), design, family=sm.families.Poisson(), offset=panel.offset.ravel()
    ).fit(tol=1e-12)
    slow_s = time.perf_counter() - began
    diff = abs(fast.beta[0] - ref.params[0])
    print(
        f"Poisson FE DiD, {n_units} units x {n_months} months "
        f"({n_units * n_months:,} cells, {design.shape[1]:,} dummy columns)"
    )
    print(f"  assess fit_fe_poisson : {fast_s:8.3f} s  beta = {fast.beta[0]:.10f}")
    print(f"  statsmodels GLM+dummies: {slow_s:8.3f} s  beta = {ref.params[0]:.10f}")
    print(f"  |difference| = {diff:.2e} (must be < 1e-8: {'ok' if diff < 1e-8 else 'FAIL'})")
    print(
        f"  speed-up = {slow_s / fast_s:,.0f}x (must be >= 10x: "
        f"{'ok' if slow_s / fast_s >= 10 else 'FAIL'})"
    )


def bench_randomisation(n_units: int, n_months: int, n_permutations: int) -> None:
    panel = _panel(n_units, n_months, 7, seed=2)
    estimate = fit_did(panel).estimate
    began = time.perf_counter()
    p_only = randomisation_test(
        panel, design="did", estimate=estimate, n_permutations=n_permutations, invert=False
    )
    p_s = time.perf_counter() - began
    began = time.perf_counter()
    full = randomisation_test(panel, design="did", estimate=estimate, n_permutations=n_permutations)
    full_s = time.perf_counter() - began
    print(
        f"Randomisation inference, {n_permutations} re-assignments, {n_units} units x "
        f"{n_months} months, 7 treated"
    )
    print(
        f"  p-value only          : {p_s:8.3f} s  p = {p_only.p_value:.4f} "
        f"(must be < 10 s: {'ok' if p_s < 10 else 'FAIL'})"
    )
    print(
        f"  with interval (inverted): {full_s:6.3f} s  interval {full.ci_low:.4f} to "
        f"{full.ci_high:.4f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--months", type=int, default=36)
    args = parser.parse_args()
    bench_fixed_effects(args.units, args.months)
    bench_randomisation(100, 36, 999)


if __name__ == "__main__":
    main()
