"""Speed of the effect analysis (issues 4 and 12): run ``python benchmarks/bench_effect.py``.

1. Poisson fixed-effects DiD at 2,000 units × 36 months: the concentrated Newton
   estimator of ``assess.effect._poisson`` against statsmodels ``GLM(Poisson)`` with one
   dummy per unit and per month (dense design, 72,000 × 2,036); the coefficient must agree
   to 1e-8 and the ratio of wall times is printed.
2. Randomisation inference with 999 re-assignments on 100 units × 36 months: the p-value
   alone, and with the interval by test inversion.
3. The public API against ``pyfixest.fepois`` (the ``bench`` extra; skipped when it is not
   installed) on tidy tables of 100, 1,000 and 10,000 units × 36 months: ``analyse_effect``
   with design and inference fixed (``design="did"``, ``inference="cluster"``, no
   falsification) against ``fepois("y ~ treat | unit + month", offset=log exposure,
   vcov={"CRV1": "unit"})``, both warm (one call first), median of three; the rate ratios
   must agree to 1e-9 on the log scale. Then the full default analysis (falsification and
   randomisation inference) of 1,000 units × 36 months with 7 treated, against the plain
   fit of the same table.

Timings are wall-clock seconds of one run on this machine; the ratios are what matter, and
no timing is asserted. BLAS is pinned to one thread for every library (on a shared
machine OpenBLAS threads oversubscribe the cores and a small matrix product runs 50×
slower); set ``OPENBLAS_NUM_THREADS`` yourself to override.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import statsmodels.api as sm  # noqa: E402

from assess.effect._poisson import fit_fe_poisson  # noqa: E402
from assess.effect.did import fit_did  # noqa: E402
from assess.effect.engine import analyse_effect  # noqa: E402
from assess.effect.panel import Panel  # noqa: E402
from assess.effect.randomisation import randomisation_test  # noqa: E402


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


def _table(panel: Panel) -> tuple[pd.DataFrame, list[str], str]:
    """The panel as the tidy table a user hands to ``analyse_effect`` (month labels)."""
    n_units, n_months = panel.counts.shape
    unit = np.repeat(np.asarray(panel.units, dtype=object), n_months)
    month = np.tile(np.asarray(panel.periods, dtype=object), n_units)
    table = pd.DataFrame(
        {
            "unit": unit,
            "month": month,
            "y": panel.counts.ravel().astype(np.int64),
            "e": panel.exposure.ravel(),
        }
    )
    treated = [u for u, t in zip(panel.units, panel.treated, strict=True) if t]
    return table, treated, panel.periods[int(panel.start[panel.treated][0])]


def _median_time(call: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    call()  # warm: imports, numba/JIT compilation, caches
    times, out = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        out = call()
        times.append(time.perf_counter() - began)
    return statistics.median(times), out


def bench_public_api(sizes: list[int], n_months: int, repeat: int) -> float | None:
    """``analyse_effect`` (design and inference fixed) against ``pyfixest.fepois``."""
    try:
        import pyfixest as pf
    except ImportError:
        print("pyfixest is not installed (pip install -e '.[bench]'): public API bench skipped")
        return None
    print(
        f"Public API against pyfixest {pf.__version__} fepois (warm, median of {repeat}), "
        f"{n_months} months, a third of units treated"
    )
    print(
        f"  {'units':>7} {'assess s':>9} {'fepois s':>9} {'fepois/assess':>14} {'|Δ log RR|':>11}"
    )
    plain_1000 = None
    for n_units in sizes:
        table, treated, start = _table(_panel(n_units, n_months, n_units // 3, seed=3))
        fixest = table.assign(
            treat=(table["unit"].isin(treated) & (table["month"] >= start)).astype(float),
            log_e=np.log(table["e"]),
        )

        def ours(
            table: pd.DataFrame = table, treated: list[str] = treated, start: str = start
        ) -> Any:
            return analyse_effect(
                table,
                unit_col="unit",
                period_col="month",
                count_col="y",
                exposure_col="e",
                treated_units=treated,
                start=start,
                design="did",
                inference="cluster",
                falsification=False,
            )

        def theirs(fixest: pd.DataFrame = fixest) -> Any:
            return pf.fepois(
                "y ~ treat | unit + month",
                data=fixest,
                offset="log_e",
                vcov={"CRV1": "unit"},
                iwls_tol=1e-12,
            )

        ours_s, res = _median_time(ours, repeat)
        theirs_s, fit = _median_time(theirs, repeat)
        diff = abs(math.log(res.estimate) - float(fit.coef().iloc[0]))
        assert diff < 1e-9, f"{n_units} units: |log RR - fepois| = {diff:.2e} >= 1e-9"
        print(
            f"  {n_units:>7,} {ours_s:>9.3f} {theirs_s:>9.3f} {theirs_s / ours_s:>13.2f}x "
            f"{diff:>11.1e}"
        )
        if n_units == 1000:
            plain_1000 = ours_s
    return plain_1000


def bench_full_default(n_units: int, n_months: int, n_treated: int) -> None:
    """The default analysis (falsification, randomisation inference) against the plain fit."""
    table, treated, start = _table(_panel(n_units, n_months, n_treated, seed=4))
    kw: dict[str, Any] = {
        "unit_col": "unit",
        "period_col": "month",
        "count_col": "y",
        "exposure_col": "e",
        "treated_units": treated,
        "start": start,
    }
    plain_s, _ = _median_time(
        lambda: analyse_effect(table, **kw, design="did", inference="cluster", falsification=False),
        1,
    )
    began = time.perf_counter()
    full = analyse_effect(table, **kw)
    full_s = time.perf_counter() - began
    print(
        f"Full default analysis, {n_units:,} units x {n_months} months, {n_treated} treated: "
        f"design {full.design}, inference {full.inference}, falsification "
        f"{'on' if full.falsification is not None else 'off'}"
    )
    print(
        f"  plain fit {plain_s:.3f} s, full default {full_s:.3f} s: "
        f"{full_s / plain_s:.1f}x the plain fit (goal < 10x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-core", action="store_true", help="only the public API benches")
    args = parser.parse_args()
    if not args.skip_core:
        bench_fixed_effects(args.units, args.months)
        bench_randomisation(100, 36, 999)
    bench_public_api(args.sizes, args.months, args.repeat)
    bench_full_default(1000, args.months, 7)


if __name__ == "__main__":
    main()
