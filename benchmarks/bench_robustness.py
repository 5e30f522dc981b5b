"""Benchmark: rank robustness, 500 members × 20 indicators × 1,000 draws (target ≤ 1 s).

Compares :func:`assess.appraisal.robustness.rank_robustness` with a straightforward baseline that
loops over the same draws (recorded in the result) in Python, normalising, aggregating
and ranking each draw with pandas, and checks that both give the same ranks.

Run: ``.venv/bin/python benchmarks/bench_robustness.py [--members 500] [--indicators 20]
[--draws 1000] [--repeat 5]``. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from assess.appraisal.robustness import BAND, rank_robustness

GRADES = {"优秀": 0.2, "良好": 0.5, "合格": 0.3}


def demo_table(
    members: int, indicators: int, seed: int = 20261121
) -> tuple[pd.DataFrame, dict[str, str], pd.Series]:
    """Skewed indicator values with some zeros, every fourth indicator negative."""
    rng = np.random.default_rng(seed)
    values = np.floor(rng.gamma(1.5, 3.0, size=(members, indicators)))
    frame = pd.DataFrame(
        values,
        index=[f"m{i:04d}" for i in range(members)],
        columns=[f"x{j:02d}" for j in range(indicators)],
    )
    directions = {c: "negative" if j % 4 == 0 else "positive" for j, c in enumerate(frame.columns)}
    weights = pd.Series(rng.dirichlet(np.full(indicators, 5.0)), index=frame.columns)
    return frame, directions, weights


def baseline(
    frame: pd.DataFrame,
    directions: dict[str, str],
    draw_weights: pd.DataFrame,
    draw_methods: pd.DataFrame,
    shift: float,
) -> pd.DataFrame:
    """One draw at a time with pandas: normalise, aggregate, rank. Returns rows × draws."""
    negative = [c for c, d in directions.items() if d == "negative"]
    ranks = {}
    for d in draw_weights.index:
        method, agg = draw_methods.loc[d, "normalisation"], draw_methods.loc[d, "aggregation"]
        x = frame.copy()
        x[negative] = -x[negative]
        if method == "minmax":
            z = (x - x.min()) / (x.max() - x.min())
        elif method == "zscore":
            z = (x - x.mean()) / x.std()
        else:
            r = x.rank(method="average")
            z = (r - r.min()) / (r.max() - r.min())
        w = draw_weights.loc[d]
        score = z @ w if agg == "arithmetic" else np.log(z + shift) @ w
        ranks[d] = score.round(10).rank(ascending=False, method="min")
    return pd.DataFrame(ranks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--indicators", type=int, default=20)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    frame, directions, weights = demo_table(args.members, args.indicators)
    kwargs = dict(
        weights=weights, directions=directions, draws=args.draws, grade_shares=GRADES, seed=0
    )

    rank_robustness(frame, **kwargs)  # warm-up: imports, caches
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        result = rank_robustness(frame, **kwargs)
        times.append(time.perf_counter() - start)
    fast = float(np.median(times))

    start = time.perf_counter()
    loop_ranks = baseline(
        frame, directions, result.draw_weights, result.draw_methods, float(result.zero_guard)
    )
    p05, median, p95 = np.quantile(
        loop_ranks.to_numpy(), [BAND[0], 0.5, BAND[1]], axis=1, method="inverted_cdf"
    )
    slow = time.perf_counter() - start

    t = result.table
    same = (
        np.array_equal(t["median_rank"], median)
        and np.array_equal(t["rank_p05"], p05)
        and np.array_equal(t["rank_p95"], p95)
    )
    print(
        f"rank_robustness: {args.members} rows × {args.indicators} indicators × {args.draws} draws"
    )
    print(
        f"  vectorised : median {fast * 1e3:8.1f} ms over {args.repeat} runs "
        f"(min {min(times) * 1e3:.1f}, max {max(times) * 1e3:.1f}); target ≤ 1000 ms"
    )
    print(f"  pandas loop: {slow * 1e3:8.1f} ms (one run)")
    print(f"  ratio      : {slow / fast:8.1f}× faster")
    print(f"  same ranks : {same}")


if __name__ == "__main__":
    main()
