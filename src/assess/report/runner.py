"""Run one report: validate, execute in an isolated child, write the outputs atomically.

The work is split between two processes:

* the **parent** (:func:`plan_report`, :func:`write_outcome`) validates the parameters
  and inputs before anything runs, computes the provenance and decides whether a
  finished report can be kept; after the run it writes every file atomically;
* the **child** (:func:`assess.report.child.render_job`, forked by an executor, see
  :mod:`assess.report.executors`) executes the template with Papermill and returns the
  rendered files as bytes.

Files of a report ``STEM`` in the output folder: ``STEM.ipynb`` (executed notebook),
``STEM.html``, ``STEM.docx``/``STEM.pdf`` when asked, and ``STEM.json`` — the key
results, parameters, provenance and the fingerprint of the inputs. ``STEM.json`` is
written last, so it marks a finished report: a later run with the same fingerprint
keeps the report (unless ``overwrite``). A failed run leaves ``failed/STEM.failed.ipynb``
(in the folder :data:`FAILED_DIR` of the output folder, never beside the reports), the
executed notebook with the error, as Papermill saved it.

Parameters that every template means the same by are checked against the store before
anything runs (:func:`plan_report`): the quarter is one the store holds, the unit is in
its organisation tree, ``privacy`` and ``language`` are allowed values and ``scheme`` is
a scheme that loads. So a report that cannot succeed fails at once, with the parameter
named, and leaves no file.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assess.core.checks import check_quarter
from assess.core.errors import ParameterError, bilingual
from assess.report._files import atomic_write, sweep_temporaries
from assess.report.child import RenderOutcome, ReportJob
from assess.report.errors import ReportExecutionError, ReportParameterError
from assess.report.executors import LocalExecutor
from assess.report.export import FORMATS, find_browser
from assess.report.params import validate_parameters
from assess.report.provenance import collect_provenance
from assess.report.templates import find_template, template_title

__all__ = [
    "FAILED_DIR",
    "ReportResult",
    "STATUSES",
    "plan_report",
    "write_outcome",
    "finished_report",
    "render_report",
    "report_stem",
]

#: Status of a report after a run: written now, kept from an earlier run, or failed.
STATUSES: dict[str, tuple[str, str]] = {
    "ok": ("已生成", "written"),
    "skipped": ("未变，沿用", "unchanged, kept"),
    "failed": ("失败", "failed"),
}

#: Folder, inside the output folder, that holds the notebooks of failed reports.
FAILED_DIR = "failed"

_STEM_KEYS = ("campaign", "quarter", "unit")
_UNSAFE = re.compile(r"[^\w.-]+")


@dataclass(frozen=True)
class ReportResult:
    """One report after a run.

    Attributes
    ----------
    stem : str
        File name stem of the report's files.
    status : str
        ``"ok"``, ``"skipped"`` (unchanged since a finished run) or ``"failed"``.
    files : dict of str to Path
        ``html``, ``ipynb``, ``json``, ``docx``, ``pdf`` as written; ``failed_ipynb``
        for a failure.
    parameters : dict
        The parameters it ran with.
    key_results : dict
        ``{"results": ..., "labels": ..., "title": ...}`` as the template published them.
    error : str or None
        The bilingual error of a failure.
    seconds : float
        Time the child took (0 for a kept report).
    template : str
        The heading of the report's template (the index has a section per template).
    """

    stem: str
    status: str
    files: dict[str, Path]
    parameters: dict[str, Any]
    key_results: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0
    template: str = ""

    @property
    def results(self) -> dict[str, Any]:
        """The key results themselves."""
        return dict(self.key_results.get("results", {}))


def report_stem(template: str, parameters: Mapping[str, Any]) -> str:
    """File stem of a report: the template and its campaign, quarter and unit.

    Examples
    --------
    >>> report_stem("quarterly_appraisal", {"quarter": "2026Q3", "unit": "0101", "seed": 1})
    'quarterly_appraisal_2026Q3_0101'
    """
    parts = [template] + [str(parameters[k]) for k in _STEM_KEYS if parameters.get(k)]
    return _UNSAFE.sub("-", "_".join(parts)).strip("-")


def _check_formats(formats: Sequence[str]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in formats if f.strip()))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or "html" not in chosen:
        raise ReportParameterError(
            bilingual(
                f"输出格式 {', '.join(chosen) or '（空）'} 不可用；"
                f"可选 {', '.join(FORMATS)}，且须含 html",
                f"output formats {', '.join(chosen) or '(none)'} not available; choose from "
                f"{', '.join(FORMATS)}, including html",
            )
        )
    if "pdf" in chosen and find_browser() is None:
        from assess.report.export import to_pdf

        to_pdf("")  # raises the ExportError explaining how to get a browser
    return chosen


@dataclass(frozen=True)
class StoreFacts:
    """What the pre-flight checks need from a store, read once for a batch.

    Attributes
    ----------
    units : pandas.DataFrame
        The organisation tree (``unit_code`` at least).
    quarters : frozenset of str
        The quarters any table of the store holds.
    """

    units: Any
    quarters: frozenset[str]


def store_facts(store: str) -> StoreFacts:
    """The units and quarters of ``store``; StoreError when it cannot be read."""
    from assess.io.store import Store

    with Store.open(store, read_only=True) as opened:
        units = opened.read("units").units
        partitions = opened.partitions()
    quarters = frozenset(str(p) for p in partitions["partition"] if str(p) != "*")
    return StoreFacts(units, quarters)


def _rejected(name: str, accepted: tuple[str, str], value: Any) -> ReportParameterError:
    return ReportParameterError(
        bilingual(
            f"报告参数 {name!r} 应为{accepted[0]}，实际为 {value!r}",
            f"report parameter {name!r} must be {accepted[1]}; got {value!r}",
        )
    )


def _check_choices(values: Mapping[str, Any]) -> None:
    from assess.core.glossary import LANGUAGES
    from assess.report.privacy import PRIVACY_LEVELS

    for name, allowed in (("privacy", PRIVACY_LEVELS), ("language", LANGUAGES)):
        value = values.get(name)
        if isinstance(value, str) and value not in allowed:
            shown = ", ".join(allowed)
            raise _rejected(name, (f"以下之一：{shown}", f"one of {shown}"), value)
    scheme = values.get("scheme")
    if isinstance(scheme, str) and scheme:
        _check_scheme(scheme)


_SCHEMES_LOADED: set[tuple[str, int]] = set()


def _check_scheme(scheme: str) -> None:
    """Load the scheme once per file version: a batch names the same scheme per report."""
    from assess.core.scheme import load_scheme

    path = Path(scheme)
    key = (os.fspath(path.resolve()), path.stat().st_mtime_ns if path.is_file() else -1)
    if key not in _SCHEMES_LOADED:
        load_scheme(path)  # SchemeError naming every problem, or the missing file
        _SCHEMES_LOADED.add(key)


def _check_inputs(values: Mapping[str, Any], *, facts: StoreFacts | None = None) -> None:
    """Pre-flight checks of the parameters every template means the same by."""
    quarter = values.get("quarter")
    if isinstance(quarter, str):
        try:
            quarter = check_quarter("render_report", quarter)
        except ParameterError as exc:
            # Same words as everywhere else; the report's own error class, so the batch and
            # the CLI treat it as a bad report parameter.
            raise ReportParameterError(str(exc)) from None
    _check_choices(values)
    store = values.get("store")
    unit = values.get("unit")
    if not isinstance(store, str):
        return
    if facts is None:
        facts = store_facts(store)  # StoreError when missing
    if isinstance(quarter, str) and quarter not in facts.quarters:
        held = ", ".join(sorted(facts.quarters)) or "—"
        raise ReportParameterError(
            bilingual(
                f"数据库 {store} 中没有 {quarter} 的数据；已有季度：{held}",
                f"store {store} holds no data for {quarter}; quarters held: {held}",
            )
        )
    units = facts.units
    if isinstance(unit, str) and unit and unit not in set(units["unit_code"]):
        import difflib

        close = difflib.get_close_matches(unit, list(units["unit_code"]), n=3)
        hint_zh = f"；相近的编码：{', '.join(close)}" if close else ""
        hint_en = f"; close codes: {', '.join(close)}" if close else ""
        raise ReportParameterError(
            bilingual(
                f"单位编码 {unit!r} 不在数据库 {store} 的组织机构表中{hint_zh}",
                f"unit {unit!r} is not in the units table of store {store}{hint_en}",
            )
        )


def plan_report(
    template: str | os.PathLike[str],
    parameters: Mapping[str, Any] | None = None,
    *,
    formats: Sequence[str] = ("html",),
    store_sha256: str | None = None,
    facts: StoreFacts | None = None,
) -> ReportJob:
    """Validate a report request and prepare its job; nothing runs yet.

    Raises
    ------
    ReportParameterError
        Unknown or mistyped parameters, a malformed quarter or one the store does not
        hold, a unit not in the store, a wrong ``privacy`` or ``language``, a scheme that
        does not load, unknown formats.
    StoreError
        The ``store`` parameter names no readable store.
    ExportError
        ``pdf`` asked for without a Chromium browser.
    ReportError, TemplateError
        Unknown template, or a template breaking the contract.
    """
    path = find_template(template)
    values = validate_parameters(path, parameters or {})
    chosen = _check_formats(formats)
    _check_inputs(values, facts=facts)
    provenance = collect_provenance(path, values, store_sha256=store_sha256)
    return ReportJob(
        path, values, report_stem(path.stem, values), chosen, provenance, template_title(path)
    )


def _record(
    out_dir: Path, job: ReportJob, outcome: RenderOutcome, files: dict[str, Path]
) -> dict[str, Any]:
    return {
        "report": job.stem,
        "template": job.template.stem,
        "title": outcome.key_results.get("title"),
        "fingerprint": job.fingerprint,
        "files": {k: p.name for k, p in files.items()},
        "parameters": job.parameters,
        "results": outcome.key_results.get("results", {}),
        "labels": outcome.key_results.get("labels", {}),
        "percent": outcome.key_results.get("percent", []),
        "provenance": outcome.provenance,
    }


def write_outcome(out_dir: Path, job: ReportJob, outcome: RenderOutcome) -> ReportResult:
    """Write a child's files atomically, the JSON last; return the report's result."""
    out_dir = Path(out_dir)
    failed_nb = out_dir / FAILED_DIR / f"{job.stem}.failed.ipynb"
    if not outcome.ok:
        files = {}
        if ".failed.ipynb" in outcome.files:
            files["failed_ipynb"] = atomic_write(failed_nb, outcome.files[".failed.ipynb"])
        return ReportResult(
            job.stem,
            "failed",
            files,
            job.parameters,
            error=outcome.error,
            seconds=outcome.seconds,
            template=job.title,
        )
    files = {
        suffix.lstrip("."): atomic_write(out_dir / f"{job.stem}{suffix}", data)
        for suffix, data in outcome.files.items()
    }
    files["json"] = out_dir / f"{job.stem}.json"
    record = _record(out_dir, job, outcome, files)
    text = json.dumps(record, ensure_ascii=False, indent=2, allow_nan=False)
    atomic_write(files["json"], text.encode())
    failed_nb.unlink(missing_ok=True)
    return ReportResult(
        job.stem,
        "ok",
        files,
        job.parameters,
        key_results=outcome.key_results,
        seconds=outcome.seconds,
        template=job.title,
    )


def finished_report(out_dir: Path, job: ReportJob) -> ReportResult | None:
    """The report of an earlier run when it is complete and its fingerprint unchanged."""
    record_path = Path(out_dir) / f"{job.stem}.json"
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if record.get("fingerprint") != job.fingerprint:
        return None
    files = {k: Path(out_dir) / name for k, name in record.get("files", {}).items()}
    if not all(p.is_file() for p in files.values()):
        return None
    key = {name: record.get(name) for name in ("results", "labels", "percent", "title")}
    return ReportResult(
        job.stem, "skipped", files, job.parameters, key_results=key, template=job.title
    )


def render_report(
    template: str | os.PathLike[str],
    parameters: Mapping[str, Any] | None = None,
    *,
    out_dir: str | os.PathLike[str] = "reports",
    formats: Sequence[str] = ("html",),
    overwrite: bool = False,
    timeout: float | None = None,
) -> ReportResult:
    """Render one report from a template.

    Parameters
    ----------
    template : str or path
        Template name (``quarterly``, ``effect_analysis``) or notebook file.
    parameters : mapping, optional
        Parameter values; text is converted to the declared types.
    out_dir : path, default "reports"
        Folder of the outputs.
    formats : sequence of str, default ("html",)
        Any of ``html`` (always), ``docx``, ``pdf``.
    overwrite : bool, default False
        Render even when a finished report with the same fingerprint exists.
    timeout : float, optional
        Seconds after which the report is stopped.

    Returns
    -------
    ReportResult
        Status ``ok`` or ``skipped``.

    Raises
    ------
    ReportParameterError, StoreError, ExportError, TemplateError
        Before anything runs (see :func:`plan_report`).
    ReportExecutionError
        The report failed; the message names the cell and error, and the executed
        notebook is saved as ``STEM.failed.ipynb``.

    Notes
    -----
    The report runs in a child forked from this process's warm parent (started on the
    first report, a few seconds; see :mod:`assess.report._warm_parent`), or in a fresh
    process on Windows, so nothing it sets reaches the caller, and later reports start
    at once.
    """
    job = plan_report(template, parameters, formats=formats)
    out = Path(out_dir)
    if not overwrite:
        kept = finished_report(out, job)
        if kept is not None:
            return kept
    sweep_temporaries(out)
    sweep_temporaries(out / FAILED_DIR)
    ((_, outcome),) = LocalExecutor(1, timeout=timeout).run([job])
    result = write_outcome(out, job, outcome)
    if result.status == "failed":
        where = result.files.get("failed_ipynb")
        saved = (
            "\n"
            + bilingual(f"已保存执行过的笔记本：{where}", f"executed notebook saved as {where}")
            if where
            else ""
        )
        raise ReportExecutionError(f"{result.error}{saved}")
    return result
