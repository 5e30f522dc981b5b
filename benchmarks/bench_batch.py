"""Benchmark: a quarterly report for every branch, against one scoring plus the per-report floor.

(a) the whole branch-level batch, as ``assess report quarterly --all --level branch``
runs it (``render_batch`` of the quarterly template over ``unit_parameter_sets(level=
"branch")``, the local executor, ``--workers`` at a time), the quarter scored and
published once beforehand; (b) one province scoring (read the store for scoring, score,
publish) plus the per-report floor: one branch report's render time in its child with
everything preloaded (the store and the published appraisal in the warm parent, the
median over ``--floor`` reports after a warm-up) × the number of reports / workers.

Printed: (a), (b), the ratio (goal ≤ 1.5), the per-report split (median, 10% and 90% of
the children's seconds in the batch), and peak memory (this process and the largest
child, ``ru_maxrss``; goal < 4 GB).

Run: ``nice .venv/bin/python benchmarks/bench_batch.py [--size small|province]
[--workers 2] [--limit N] [--floor 5] [--keep DIR]``. ``--limit`` renders the first N
branches only (a quick run while developing). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

from assess.appraisal.scoring import score_quarter
from assess.io.demo import generate
from assess.io.store import Store, read_for_scoring
from assess.io.validation import load_inputs
from assess.report import render_batch, unit_parameter_sets

QUARTER = "2026Q3"


def _store(folder: Path, size: str) -> Path:
    store = folder / "store.duckdb"
    generate(folder / "inputs", size=size, seed=2026, progress=False)
    with Store.open(store) as db:
        db.import_dataset(load_inputs(folder / "inputs"))
    return store


def _score_and_publish(store: Path) -> float:
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        appraisal = score_quarter(read_for_scoring(store, quarter=QUARTER), quarter=QUARTER)
    with Store.open(store) as db:
        db.publish(
            "appraisal", QUARTER, appraisal.tables(), params=appraisal.params(), replace=True
        )
    return time.perf_counter() - start


def _gb(kilobytes: int) -> float:
    return kilobytes * 1024 / 1e9 if sys.platform != "darwin" else kilobytes / 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", choices=("small", "province"), default="small")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--limit", type=int, help="only the first N branches")
    parser.add_argument("--floor", type=int, default=5, help="reports timed for the floor")
    parser.add_argument("--keep", type=Path, help="keep the store and reports here")
    args = parser.parse_args()

    folder = Path(args.keep or tempfile.mkdtemp(prefix="bench-batch-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        store = _store(folder, args.size)
        scoring = _score_and_publish(store)
        sets = unit_parameter_sets(store, level="branch", common={"quarter": QUARTER})
        if args.limit:
            sets = sets[: args.limit]
        n = len(sets)

        # The floor: a few branch reports one at a time in a warm parent that has
        # preloaded everything (the first, a warm-up, is not counted).
        probe = render_batch(
            "quarterly",
            sets[: args.floor + 1],
            out_dir=folder / "floor",
            workers=1,
            progress=False,
            overwrite=True,
        )
        ok = [r.seconds for r in probe.reports if r.status == "ok"]
        floor = statistics.median(ok[1:] or ok)
        b = scoring + floor * n / args.workers

        start = time.perf_counter()
        batch = render_batch(
            "quarterly",
            sets,
            out_dir=folder / "reports",
            workers=args.workers,
            progress=False,
            overwrite=True,
        )
        a = time.perf_counter() - start
        seconds = sorted(r.seconds for r in batch.reports if r.status == "ok")
        failed = [r.stem for r in batch.reports if r.status == "failed"]
        deciles = statistics.quantiles(seconds, n=10) if len(seconds) > 1 else seconds * 9

        print(f"size {args.size}: {n} branch reports, {args.workers} workers")
        print(f"(a) branch-level batch: {a:,.1f} s ({len(failed)} failed)")
        print(
            f"(b) one scoring {scoring:,.1f} s + floor {floor:.2f} s × {n} / "
            f"{args.workers} = {b:,.1f} s"
        )
        print(f"ratio (a)/(b): {a / b:.2f} (goal ≤ 1.5)")
        print(
            f"per report in its child: median {statistics.median(seconds):.2f} s, "
            f"10% {deciles[0]:.2f} s, 90% {deciles[-1]:.2f} s; "
            f"batch overhead {a - sum(seconds) / args.workers:,.1f} s"
        )
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(f"peak memory: this process {_gb(own):.2f} GB, largest child {_gb(children):.2f} GB")
        if failed:
            print("failed:", ", ".join(failed[:10]))
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
