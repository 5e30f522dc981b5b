"""A batch of reports: typically one per unit for a quarter, from one template or several.

:func:`render_batch` (one template) and :func:`render_reports` (any mix of templates)
validate every report's parameters before anything runs, keep reports whose inputs,
template and software are unchanged since a finished run (unless ``overwrite``), run the
rest on an executor with one progress bar and an ETA, continue past failing reports, and
write ``index.html`` (every report with status, key figures and links, a section per
template) and ``failures.json`` (each failure with its error) into the output folder.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from assess.core.checks import check_choice
from assess.core.display import ResultDisplay
from assess.core.errors import bilingual
from assess.core.schema import LEVELS
from assess.report._files import atomic_write, sweep_temporaries
from assess.report.errors import ReportParameterError
from assess.report.executors import Executor, make_executor
from assess.report.index import index_html
from assess.report.runner import (
    FAILED_DIR,
    ReportJob,
    ReportResult,
    StoreFacts,
    finished_report,
    plan_report,
    store_facts,
    write_outcome,
)
from assess.report.templates import find_template

__all__ = ["BatchResult", "render_batch", "render_reports", "unit_parameter_sets"]


@dataclass(frozen=True)
class BatchResult(ResultDisplay):
    """The reports of a batch.

    Attributes
    ----------
    out_dir : Path
        Output folder.
    reports : tuple of ReportResult
        One per parameter set, in the order given.
    index : Path
        The batch's ``index.html``.
    failures : Path
        ``failures.json``: ``[{"report", "parameters", "error", "notebook"}]``, the
        notebook's path relative to ``out_dir`` (in its folder ``failed/``).
    seconds : float
        Wall time of the batch.
    """

    out_dir: Path
    reports: tuple[ReportResult, ...]
    index: Path
    failures: Path
    seconds: float

    _title = "报告批次 / Report batch"

    def count(self, status: str) -> int:
        """Number of reports with ``status`` (``ok``, ``skipped``, ``failed``)."""
        return sum(r.status == status for r in self.reports)

    @property
    def ok(self) -> bool:
        """True when no report failed."""
        return self.count("failed") == 0

    def to_frame(self) -> pd.DataFrame:
        """One row per report: ``stem``, ``status``, ``seconds``, ``error``, ``html``."""
        return pd.DataFrame(
            {
                "stem": [r.stem for r in self.reports],
                "status": [r.status for r in self.reports],
                "seconds": [r.seconds for r in self.reports],
                "error": [r.error for r in self.reports],
                "html": [str(r.files.get("html", "")) for r in self.reports],
            }
        )

    def summary(self) -> str:
        """Counts, time per report and where the index is; Chinese, then English."""
        n, ok, kept, failed = (
            len(self.reports),
            self.count("ok"),
            self.count("skipped"),
            self.count("failed"),
        )
        per = self.seconds / (ok + failed) if ok + failed else 0.0
        zh = (
            f"共 {n} 份报告：新生成 {ok} 份，未变沿用 {kept} 份，失败 {failed} 份；"
            f"用时 {self.seconds:.1f} 秒（每份 {per:.2f} 秒）。索引：{self.index}"
        )
        en = (
            f"{n} reports: {ok} written, {kept} unchanged and kept, {failed} failed; "
            f"{self.seconds:.1f} s ({per:.2f} s per report). Index: {self.index}"
        )
        if failed:
            folder = self.out_dir / FAILED_DIR
            zh += f"\n失败清单：{self.failures}；出错的笔记本在 {folder}"
            en += f"\nFailures: {self.failures}; the failed notebooks are in {folder}"
        return f"{zh}\n\n{en}"


def unit_parameter_sets(
    store: str | os.PathLike[str],
    *,
    level: str = "city",
    common: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """One parameter set per unit at ``level`` of the store's organisation tree.

    Parameters
    ----------
    store : path
        The store (its ``units`` table is read).
    level : {"province", "city", "county", "branch"}, default "city"
    common : mapping, optional
        Parameters shared by all reports (e.g. ``quarter``); ``store`` and ``unit`` are
        set here.

    Raises
    ------
    StoreError
        No readable store at ``store``.
    ReportParameterError
        No unit at ``level``.
    """
    from assess.io.store import read_store

    check_choice("unit_parameter_sets", "level", level, tuple(LEVELS))
    units = read_store(store, tables="units").units
    codes = sorted(units.loc[units["level"] == level, "unit_code"])
    if not codes:
        raise ReportParameterError(
            bilingual(
                f"数据库 {store} 中没有 {LEVELS[level]} 层级的单位",
                f"store {store} has no unit at level {level}",
            )
        )
    return [{**(common or {}), "store": os.fspath(store), "unit": code} for code in codes]


def _store_facts(
    parameter_sets: Sequence[Mapping[str, Any]],
) -> tuple[str | None, StoreFacts | None]:
    """The store's content hash, units and quarters, read once when every report uses one."""
    stores = {ps.get("store") for ps in parameter_sets}
    path = next(iter(stores)) if len(stores) == 1 else None
    if not isinstance(path, str):
        return None, None
    from assess.io.store import Store

    with Store.open(path, read_only=True) as store:
        sha = store.content_sha256()
    return sha, store_facts(path)


def _plan(
    requests: Sequence[tuple[Path, Mapping[str, Any]]], formats: Sequence[str]
) -> list[ReportJob]:
    store_sha256, facts = _store_facts([ps for _, ps in requests])
    jobs = [
        plan_report(path, ps, formats=formats, store_sha256=store_sha256, facts=facts)
        for path, ps in requests
    ]
    seen: dict[str, int] = {}
    for i, job in enumerate(jobs):
        if job.stem in seen:
            raise ReportParameterError(
                bilingual(
                    f"第 {seen[job.stem] + 1} 与第 {i + 1} 组参数生成同一报告 {job.stem}",
                    f"parameter sets {seen[job.stem] + 1} and {i + 1} give the same report "
                    f"{job.stem}",
                )
            )
        seen[job.stem] = i
    return jobs


def _progress(total: int, initial: int, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(
        total=total,
        initial=initial,
        disable=not enabled,
        unit="份",
        file=sys.stderr,
        desc="报告 reports",
        dynamic_ncols=True,
    )


def render_batch(
    template: str | os.PathLike[str],
    parameter_sets: Sequence[Mapping[str, Any]],
    *,
    out_dir: str | os.PathLike[str],
    formats: Sequence[str] = ("html",),
    executor: str | Executor = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    overwrite: bool = False,
    progress: bool = True,
    timeout: float | None = None,
    title: str | None = None,
) -> BatchResult:
    """Render one report per parameter set, with an index and a failure summary.

    Parameters
    ----------
    template : str or path
        Template name or notebook file.
    parameter_sets : sequence of mappings
        One mapping of parameters per report (see :func:`unit_parameter_sets`).
    out_dir : path
        Folder of all outputs, ``index.html`` and ``failures.json``.
    formats : sequence of str, default ("html",)
        ``html`` plus optionally ``docx``, ``pdf``.
    executor : {"local", "dask"} or Executor, default "local"
        Where reports run; an :class:`~assess.report.executors.Executor` instance is used
        as given (and not closed).
    workers : int, optional
        Reports at a time for the local executor (default: CPUs).
    scheduler : str, optional
        Dask scheduler address for ``executor="dask"``.
    overwrite : bool, default False
        Render reports even when unchanged since a finished run.
    progress : bool, default True
        Show a progress bar with ETA on standard error.
    timeout : float, optional
        Seconds after which one report is stopped (counted as failed).
    title : str, optional
        Heading of the index page (default: the quarters and the template's title).

    Returns
    -------
    BatchResult
        Never raises for a failing report: see ``.ok`` and ``failures``.

    Raises
    ------
    ReportParameterError, StoreError, ExportError, TemplateError
        Any parameter set is invalid (nothing runs then), or two give the same report.
    """
    return render_reports(
        [(template, ps) for ps in parameter_sets],
        out_dir=out_dir,
        formats=formats,
        executor=executor,
        workers=workers,
        scheduler=scheduler,
        overwrite=overwrite,
        progress=progress,
        timeout=timeout,
        title=title,
    )


def render_reports(
    requests: Sequence[tuple[str | os.PathLike[str], Mapping[str, Any]]],
    *,
    out_dir: str | os.PathLike[str],
    formats: Sequence[str] = ("html",),
    executor: str | Executor = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    overwrite: bool = False,
    progress: bool = True,
    timeout: float | None = None,
    title: str | None = None,
) -> BatchResult:
    """Render reports of any templates as one batch: one progress bar, one index.

    What ``assess run`` does with the quarterly reports of every unit, the exam report
    and the campaign's effect report. The index has a section per template, each with
    that template's key figures.

    Parameters
    ----------
    requests : sequence of (template, parameters)
        A template name or notebook file and its parameters, per report.
    out_dir, formats, executor, workers, scheduler, overwrite, progress, timeout
        As for :func:`render_batch`.
    title : str, optional
        Heading of the index page (default: the quarters and the templates' titles).

    Returns
    -------
    BatchResult
        Never raises for a failing report: see ``.ok`` and ``failures``.

    Raises
    ------
    ReportParameterError, StoreError, ExportError, TemplateError
        Any request is invalid (nothing runs then), or two give the same report.
    """
    start = time.perf_counter()
    jobs = _plan([(find_template(t), ps) for t, ps in requests], formats)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sweep_temporaries(out)
    sweep_temporaries(out / FAILED_DIR)
    results: dict[str, ReportResult] = {}
    if not overwrite:
        for job in jobs:
            kept = finished_report(out, job)
            if kept is not None:
                results[job.stem] = kept
    todo = [job for job in jobs if job.stem not in results]
    if todo:
        own = not isinstance(executor, Executor)
        runner = (
            executor
            if isinstance(executor, Executor)
            else make_executor(executor, workers=workers, scheduler=scheduler, timeout=timeout)
        )
        bar = _progress(len(jobs), len(results), progress)
        try:
            for job, outcome in runner.run(todo):
                results[job.stem] = write_outcome(out, job, outcome)
                bar.update(1)
                failed = sum(r.status == "failed" for r in results.values())
                bar.set_postfix_str(f"失败 failed {failed}")
        finally:
            bar.close()
            if own:
                runner.close()
    reports = tuple(results[job.stem] for job in jobs)
    quarters = sorted({str(j.parameters["quarter"]) for j in jobs if "quarter" in j.parameters})
    titles = list(dict.fromkeys(job.title for job in jobs))
    heading = title or " ".join([*quarters, "、".join(titles), "· 报告索引 / index"])
    index = atomic_write(
        out / "index.html", index_html(reports, title=heading, out_dir=out).encode()
    )
    failures = [
        {
            "report": r.stem,
            "parameters": r.parameters,
            "error": r.error,
            "notebook": (
                f"{FAILED_DIR}/{r.files['failed_ipynb'].name}"
                if "failed_ipynb" in r.files
                else None
            ),
        }
        for r in reports
        if r.status == "failed"
    ]
    failures_path = atomic_write(
        out / "failures.json", json.dumps(failures, ensure_ascii=False, indent=2).encode()
    )
    return BatchResult(out, reports, index, failures_path, time.perf_counter() - start)
