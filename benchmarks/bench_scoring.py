"""Benchmark: the Pioneer Index of every member in every quarter of the province demo.

Compares :func:`assess.appraisal.scoring.index_panel` (integer codes, ``numpy.bincount``) with a
straightforward pandas implementation of the same rules (``groupby().apply`` per member,
quarter and indicator), measured in the same run, and checks that both give the same
index. With ``--national STORE`` it also appraises the latest quarter of a store holding
the national demo (about 1,000,000 members) as ``assess score`` does —
:func:`~assess.io.store.read_for_scoring`, then
:func:`~assess.appraisal.scoring.score_quarter` — in a
fresh process, and reports the time and the peak memory (goal: within 8 GB). Make that
store once with ``assess demo --size national --out DIR`` and
``assess import DIR --store STORE``.

Run: ``.venv/bin/python benchmarks/bench_scoring.py [--national STORE]``. Not a test.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from assess.appraisal.ledger import member_panel
from assess.appraisal.scoring import index_panel, score_quarter
from assess.core.scheme import Scheme, load_scheme
from assess.io.demo import generate
from assess.io.store import Store, read_for_scoring
from assess.io.validation import load_inputs


def baseline_index(
    points: pd.DataFrame,
    staff: pd.DataFrame,
    quarters: list[str],
    scheme: Scheme,
    weights: dict[str, pd.Series],
) -> pd.Series:
    """The obvious pandas version: apply the caps group by group, then the formula."""
    caps = {i.code: (i.item_cap, i.quarter_cap) for i in scheme.indicators}
    panel = member_panel(staff, quarters)
    pts = points.loc[points["indicator"].isin(caps) & points["quarter"].isin(quarters)]

    def capped(group: pd.DataFrame) -> float:
        item_cap, quarter_cap = caps[group.name[2]]
        return min(group["value"].clip(upper=item_cap).sum(), quarter_cap)

    sums = pts.groupby(["person_id", "quarter", "indicator"]).apply(capped, include_groups=False)
    wide = sums.unstack("indicator").reindex(columns=list(caps)).fillna(0.0)
    wide = wide.reindex(pd.MultiIndex.from_frame(panel[["person_id", "quarter"]]), fill_value=0.0)
    span = scheme.ceiling - scheme.base
    out = []
    for quarter in quarters:
        part = wide.xs(quarter, level="quarter", drop_level=False)
        norm = part / pd.Series({c: caps[c][1] for c in caps})
        out.append(scheme.base + span * (norm * weights[quarter]).sum(axis=1))
    return pd.concat(out)


def appraise_store(store: str) -> dict[str, float]:
    """Read and score the latest quarter of ``store``; times and peak memory (this process)."""
    with Store.open(store, read_only=True) as db:
        parts = db.partitions()
    quarter = max(parts.loc[parts["table_name"] == "points", "partition"])
    start = time.perf_counter()
    data = read_for_scoring(store, quarter=quarter)
    read = time.perf_counter() - start
    peak_read = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    start = time.perf_counter()
    result = score_quarter(data, quarter=quarter)
    return {
        "quarter": quarter,
        "members": len(result.members),
        "read": read,
        "peak_read": peak_read,
        "score": time.perf_counter() - start,
        "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--national", metavar="STORE", help="also appraise this store of the national demo"
    )
    args = parser.parse_args()
    scheme = load_scheme()
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp) / "p", size="province", seed=2026, progress=False)
        data = load_inputs(Path(tmp) / "p")
        quarters = sorted(data.points["quarter"].unique())
        no_events = data.events.iloc[0:0]
        plain = type(data)(**{**dict(data.items()), "events": no_events})
        start = time.perf_counter()
        scored, _, per_quarter = index_panel(plain, quarters=quarters, scheme=scheme)
        fast = time.perf_counter() - start
        weights = {q: per_quarter[q].weights.weights for q in quarters}
        start = time.perf_counter()
        slow_index = baseline_index(plain.points, plain.staff, quarters, scheme, weights)
        slow = time.perf_counter() - start
        ours = scored.set_index(["person_id", "quarter"])["index"]
        diff = np.abs(ours.to_numpy() - slow_index.reindex(ours.index).to_numpy()).max()
        members = scored["person_id"].nunique()
        print(
            f"province demo: {members:,} members × {len(quarters)} quarters "
            f"({len(scored):,} member-quarters)"
        )
        print(f"  assess index_panel   {fast:7.2f} s")
        print(f"  pandas groupby/apply {slow:7.2f} s")
        print(f"  ratio {slow / fast:.1f}×; largest difference in the index {diff:.2e}")
        start = time.perf_counter()
        score_quarter(data, quarter=quarters[-1], scheme=scheme)
        print(
            f"  full appraisal of {quarters[-1]} (grades, changes, stars): "
            f"{time.perf_counter() - start:.2f} s"
        )
    if args.national:
        # A fresh process: its peak memory is that of the appraisal alone.
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
            got = pool.submit(appraise_store, args.national).result()
        print(f"national store {args.national}: {got['members']:,} members, {got['quarter']}")
        print(f"  read_for_scoring {got['read']:7.1f} s (peak {got['peak_read']:.2f} GB)")
        print(f"  score_quarter    {got['score']:7.1f} s")
        print(f"  peak memory {got['peak']:.2f} GB (goal: within 8 GB)")


if __name__ == "__main__":
    main()
