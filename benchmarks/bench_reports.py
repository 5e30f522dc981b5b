"""Benchmark: one batch of unit reports, the usual way and with the assess runner (goal ≥ 10×).

(a) a loop of the ``papermill`` command (a fresh Python and a fresh Jupyter kernel per
report) followed by ``jupyter nbconvert --to html --no-input``, one report after another,
as an analyst would script it; (b) ``assess.report.render_batch`` with the local executor
(one warm parent, a forked child per report, ``--workers`` at a time). Both render the
same template for the same units, measured in one run; the ratio and the time per report
are printed.

The default template is a small but real unit report (the unit's staff, members, points
of the quarter, a chart and a table, key results published): its own work is a small
part of a report's cost, as in the issue's premise. ``--template quarterly`` measures the
full quarterly appraisal instead (about a second of analysis per report).

Run: ``.venv/bin/python benchmarks/bench_reports.py [--reports 100] [--workers 2]
[--template unit|quarterly] [--keep DIR]``. Not part of the test suite. The small demo
has 31 units; 100 reports take each unit in several quarters.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from assess.appraisal.scoring import score_quarter
from assess.io.demo import generate
from assess.io.store import Store, read_for_scoring, read_store
from assess.io.validation import load_inputs
from assess.report import render_batch

BIN = Path(sys.executable).parent

UNIT_TEMPLATE = [
    ("md", "# 单位人员与积分概况 / Unit staff and points"),
    (
        "params",
        'quarter: str = "2026Q3"  # 季度 / quarter\n'
        'unit: str = "00"  # 单位编码 / unit code\n'
        'store: str = "data/assess.duckdb"  # 数据库文件 / store file',
    ),
    (
        "code",
        "import matplotlib.pyplot as plt\n"
        "import assess.report as ar\n"
        "from assess.core.plotting import new_axes\n"
        "from assess.io.store import read_store\n"
        "from assess.core.units import units_under\n"
        'data = read_store(store, tables=["units", "staff", "points"])\n'
        "info = ar.unit_info(data.units, unit)\n"
        'ar.cover(info, quarter=quarter, title=("单位概况", "Unit summary"))',
    ),
    (
        "code",
        'staff = data.staff[data.staff["unit_code"].isin(units_under(data.units, unit))]\n'
        'points = data.points[data.points["person_id"].isin(staff["person_id"])\n'
        '                     & (data.points["quarter"] == quarter)]\n'
        'by_indicator = points.groupby("indicator", as_index=False)["value"].sum()\n'
        "ax = new_axes()\n"
        'ax.bar(by_indicator["indicator"], by_indicator["value"])\n'
        'ax.set_title(f"{info.name} {quarter} 指标积分合计")\n'
        "plt.show()\n"
        'ar.table(by_indicator, labels={"indicator": "指标 Indicator",\n'
        '                               "value": "积分 Points"})',
    ),
    (
        "code",
        'ar.publish_key_results({"staff": len(staff),\n'
        '                        "members": int(staff["is_party_member"].sum()),\n'
        '                        "points": float(points["value"].sum())},\n'
        '                       title=f"{info.name} {quarter} 单位概况")',
    ),
]


def write_unit_template(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    for kind, source in UNIT_TEMPLATE:
        if kind == "md":
            nb.cells.append(nbformat.v4.new_markdown_cell(source))
        else:
            cell = nbformat.v4.new_code_cell(source)
            if kind == "params":
                cell.metadata["tags"] = ["parameters"]
            nb.cells.append(cell)
    nbformat.write(nb, path)
    return path


def ensure_kernelspec() -> None:
    """The baseline needs a ``python3`` kernel of this interpreter."""
    from jupyter_client.kernelspec import KernelSpecManager

    if "python3" not in KernelSpecManager().find_kernel_specs():
        subprocess.run(
            [sys.executable, "-m", "ipykernel", "install", "--sys-prefix"],
            check=True,
            capture_output=True,
        )


def demo_store(folder: Path) -> Path:
    generate(folder / "inputs", size="small", seed=2026, progress=False)
    store = folder / "demo.duckdb"
    with Store.open(store) as opened:
        opened.import_dataset(load_inputs(folder / "inputs"))
    return store


def publish_quarters(store: Path, quarters: set[str]) -> None:
    """Score and publish each quarter, as ``assess score`` does: quarterly reports read it."""
    for quarter in sorted(quarters):
        appraisal = score_quarter(read_for_scoring(store, quarter=quarter), quarter=quarter)
        with Store.open(store) as db:
            db.publish("appraisal", quarter, appraisal.tables(), params=appraisal.params())


def parameter_sets(store: Path, n: int) -> list[dict[str, str]]:
    data = read_store(store, tables=["units", "points"])
    units = sorted(data.units["unit_code"])
    quarters = sorted(set(data.points["quarter"]), reverse=True)
    pairs = itertools.islice(itertools.product(quarters, units), n)
    return [{"quarter": q, "unit": u, "store": str(store)} for q, u in pairs]


def _run(cmd: list[str], env: dict[str, str]) -> int:
    """Run a command, once more if it fails (a kernel that did not start in time on a
    busy machine); returns the number of retries."""
    if subprocess.run(cmd, capture_output=True, env=env).returncode == 0:
        return 0
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    return 1


def baseline(template: Path, sets: list[dict[str, str]], out: Path) -> tuple[float, int]:
    """papermill CLI then nbconvert CLI, one report after another; seconds and retries."""
    out.mkdir(parents=True)
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    retries = 0
    start = time.perf_counter()
    for i, params in enumerate(sets):
        executed = out / f"report_{i:03d}.ipynb"
        # -r: raw text, so that unit code 0101 is not turned into the number 101.
        raw = [arg for key, value in params.items() for arg in ("-r", key, value)]
        retries += _run(
            [
                str(BIN / "papermill"),
                str(template),
                str(executed),
                *raw,
                "--kernel",
                "python3",
                "--no-progress-bar",
                "--log-level",
                "ERROR",
            ],
            env,
        )
        retries += _run(
            [
                str(BIN / "jupyter"),
                "nbconvert",
                "--to",
                "html",
                "--no-input",
                "--log-level",
                "ERROR",
                str(executed),
            ],
            env,
        )
    return time.perf_counter() - start, retries


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--template", choices=("unit", "quarterly"), default="unit")
    parser.add_argument("--keep", type=Path, help="keep the outputs in this folder")
    args = parser.parse_args(argv)

    ensure_kernelspec()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="assess-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    store = demo_store(folder)
    template = (
        write_unit_template(folder / "unit_summary.ipynb")
        if args.template == "unit"
        else Path(__file__).resolve().parents[1] / "notebooks" / "quarterly_appraisal.ipynb"
    )
    sets = parameter_sets(store, args.reports)
    if args.template == "quarterly":
        publish_quarters(store, {s["quarter"] for s in sets})
    n = len(sets)
    print(
        f"{n} reports of {template.name}, {args.workers} workers, "
        f"{os.cpu_count()} CPUs; outputs in {folder}"
    )

    start = time.perf_counter()
    batch = render_batch(
        template,
        sets,
        out_dir=folder / "assess",
        workers=args.workers,
        progress=False,
        overwrite=True,
    )
    ours = time.perf_counter() - start
    failed = [r for r in batch.reports if r.status == "failed"]
    if failed:
        raise SystemExit(f"assess runner: {len(failed)} reports failed, e.g. {failed[0].error}")
    child = sum(r.seconds for r in batch.reports) / n
    print(
        f"assess runner:       {ours:8.1f} s  {ours / n:6.3f} s per report "
        f"(each report's child: {child:.3f} s of work)"
    )

    theirs, retries = baseline(template, sets, folder / "baseline")
    print(
        f"papermill + nbconvert: {theirs:6.1f} s  {theirs / n:6.3f} s per report"
        + (f" ({retries} commands retried)" if retries else "")
    )
    print(f"ratio: {theirs / ours:.1f}x")
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
