"""Calibration of every default path of ``analyse_effect`` (issue 12).

Run ``nice -n 10 python benchmarks/bench_calibration.py`` (about half an hour on two
cores with the defaults; ``--reps 100`` for a quick look).

Each scenario simulates panels of 36 months, the campaign from month 25 on a randomly
chosen set of 1, 2, 3, 7, 12, 25 or 40 treated units among 20–120 units, with exposure
(uniform 50–150 per unit-month) and over-dispersed counts: negative binomial, a gamma
frailty of shape 5 on every cell (variance ``μ + μ²/5``), unit sizes gamma(3, 1/3), a
seasonal swing and a common trend. For each scenario the script asks the engine which
design and inference it would choose with defaults (:func:`choose_design`,
:func:`choose_inference`, the functions ``analyse_effect`` calls) and runs exactly that:

* false alarms: no effect (rate ratio 1); share of replications with ``p ≤ 0.05``;
* coverage: rate ratio 0.8; share of replications whose 95% interval contains 0.8. For
  the randomisation path the interval is, by construction, the set of ratios the test does
  not reject, so it covers 0.8 exactly when the test of ratio 0.8 has ``p > 0.05``; that
  test is run instead of the (15 times dearer) root search for the limits.

With one or two treated units the synthetic control reports a placebo p-value and no
interval, so only its false-alarm rate is reported ("—" under coverage). The Monte Carlo
error printed is the binomial standard error ``sqrt(p(1 − p)/R)``.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import time
import warnings

import numpy as np

from assess.effect.did import fit_did
from assess.effect.engine import choose_design, choose_inference
from assess.effect.panel import Panel
from assess.effect.randomisation import randomisation_test
from assess.effect.synthetic import fit_synthetic

N_MONTHS, START, ALPHA, TRUTH = 36, 24, 0.05, 0.8
#: (treated units, units) of each scenario.
SCENARIOS: tuple[tuple[int, int], ...] = (
    (1, 20),
    (2, 20),
    (2, 30),
    (3, 20),
    (7, 20),
    (12, 25),
    (25, 60),
    (40, 120),
)
PERIODS = tuple(f"{2023 + m // 12}-{m % 12 + 1:02d}" for m in range(N_MONTHS))


def simulate(rng: np.random.Generator, n_treated: int, n_units: int, ratio: float) -> Panel:
    """One panel of negative-binomial counts with exposure (see the module docstring)."""
    size = rng.gamma(3.0, 1.0 / 3.0, n_units)
    exposure = rng.uniform(50, 150, (n_units, N_MONTHS))
    months = np.arange(N_MONTHS)
    season = np.exp(0.2 * np.sin(2 * np.pi * months / 12) + 0.01 * months)
    treated = rng.permutation(n_units) < n_treated
    start = np.where(treated, START, N_MONTHS)
    post = months[None, :] >= start[:, None]
    mu = 0.05 * exposure * size[:, None] * season[None, :] * np.where(post, ratio, 1.0)
    lam = rng.gamma(5.0, mu / 5.0)
    return Panel(
        units=tuple(f"u{i:02d}" for i in range(n_units)),
        periods=PERIODS,
        freq="month",
        counts=rng.poisson(lam).astype(float),
        exposure=exposure,
        start=start,
    )


def default_path(panel: Panel) -> tuple[str, str]:
    """The design and inference ``analyse_effect`` picks with defaults."""
    design = choose_design(panel)
    n_treated = int(panel.treated.sum())
    return design, choose_inference(design, n_treated, panel.n_units, panel.n_units - n_treated)


def one_rep(task: tuple[int, int, float, int, int]) -> tuple[str, str, bool]:
    """Simulate and test once; ``True`` when the test rejects the true ratio."""
    n_treated, n_units, ratio, seed, permutations = task
    rng = np.random.default_rng(seed)
    panel = simulate(rng, n_treated, n_units, ratio)
    design, inference = default_path(panel)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        if design == "synthetic":
            p = fit_synthetic(panel).p_value
        else:
            did = fit_did(panel)
            if inference == "cluster":
                return design, inference, not (did.ci_low < ratio < did.ci_high)
            p = randomisation_test(
                panel,
                design="did",
                estimate=did.estimate,
                n_permutations=permutations,
                invert=False,
                null_ratio=ratio,
                seed=seed,
            ).p_value
    return design, inference, bool(p <= ALPHA)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=1000, help="replications per cell")
    parser.add_argument("--permutations", type=int, default=999)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    rows = []
    with multiprocessing.Pool(args.workers) as pool:
        for n_treated, n_units in SCENARIOS:
            t0 = time.perf_counter()
            out = {}
            for ratio in (1.0, TRUTH):
                tasks = [
                    (n_treated, n_units, ratio, 1_000_003 * n_treated + 7919 * n_units + r, 0)
                    for r in range(args.reps)
                ]
                tasks = [(*t[:4], args.permutations) for t in tasks]
                path = default_path(simulate(np.random.default_rng(0), n_treated, n_units, 1.0))
                if path[0] == "synthetic" and ratio != 1.0:
                    continue
                results = pool.map(one_rep, tasks, chunksize=8)
                paths = {(d, i) for d, i, _ in results}
                out[ratio] = (np.mean([r for *_, r in results]), paths)
            alarm, paths = out[1.0]
            cover = 1 - out[TRUTH][0] if TRUTH in out else math.nan
            rows.append((n_treated, n_units, paths, alarm, cover, time.perf_counter() - t0))
            print_row(rows[-1], args.reps, flush=True)
    print()
    print_table(rows, args.reps, args.permutations)


def _fmt(p: float, reps: int) -> str:
    if math.isnan(p):
        return "—".center(15)
    return f"{p:.3f} ± {math.sqrt(p * (1 - p) / reps):.3f}".center(15)


def print_row(row: tuple, reps: int, *, flush: bool = False) -> None:
    n_treated, n_units, paths, alarm, cover, secs = row
    names = ", ".join(sorted(f"{d}/{i}" for d, i in paths))
    print(
        f"{n_treated:>7} {n_units:>5}  {names:<26} {_fmt(cover, reps)} {_fmt(alarm, reps)}"
        f" {secs:7.0f}",
        flush=flush,
    )


def print_table(rows: list, reps: int, permutations: int) -> None:
    print(
        f"Calibration of the default paths: {reps} replications per cell, 36 months, "
        f"negative-binomial counts with exposure, randomisation tests with {permutations} "
        "re-assignments where not exhaustive; ± is the Monte Carlo standard error."
    )
    print(
        f"{'treated':>7} {'units':>5}  {'default design/inference':<26} "
        f"{'coverage (0.95)':^15} {'false alarms':^15} {'seconds':>7}"
    )
    for row in rows:
        print_row(row, reps)
    print("— : one or two treated units, synthetic control: a placebo p-value, no interval.")


if __name__ == "__main__":
    main()
