"""One report in a child process: the job it is sent, the outcome it sends back, the run.

:class:`ReportJob` is everything a child needs (planned by the parent,
:func:`assess.report.runner.plan_report`); :func:`render_job` executes the template
through Papermill's ``execute_notebook`` with the in-process engine, rejects output
containing stderr or errors, collects the key results and renders HTML, DOCX and PDF,
returning them as bytes in a :class:`RenderOutcome`; :func:`warm_up` prepares the warm
parent that forks the children (:mod:`assess.report._warm_parent`). The executors and the
warm parent import this module, the runner imports them: imports point one way.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assess.core.errors import bilingual
from assess.report.errors import ReportError
from assess.report.provenance import Provenance
from assess.report.templates import notebook_title

__all__ = ["ReportJob", "RenderOutcome", "render_job", "warm_up"]


@dataclass(frozen=True)
class ReportJob:
    """Everything a child needs to render one report (picklable, sent to Dask workers)."""

    template: Path
    parameters: dict[str, Any]
    stem: str
    formats: tuple[str, ...]
    provenance: Provenance
    title: str  # the template's heading, e.g. "党建工作季度考评报告"

    @property
    def fingerprint(self) -> str:
        """What decides whether a finished report can be kept."""
        return self.provenance.fingerprint(self.formats)


@dataclass(frozen=True)
class RenderOutcome:
    """What a child sends back: the files' bytes by suffix, or the error."""

    stem: str
    ok: bool
    files: dict[str, bytes]
    key_results: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0

    @classmethod
    def failed(cls, stem: str, error: BaseException | str, seconds: float = 0.0) -> RenderOutcome:
        """The outcome of a report that produced nothing."""
        return cls(stem, False, {}, error=str(error), seconds=seconds)


def warm_up() -> None:
    """Prepare the warm parent once, before it forks report children.

    Imports pandas, matplotlib, scipy, statsmodels, IPython, Papermill, nbconvert,
    python-docx and the analysis modules of `assess`; renders a sample page (compiling
    the HTML templates, loading the font cutter and the base font); registers the CJK
    font with matplotlib's font manager and draws it once on an off-screen figure, so its
    glyph cache is filled; registers the in-process engine with Papermill and builds a
    pristine IPython shell with matplotlib's inline backend. Idempotent.
    """
    if _WARM:
        return
    from assess.report.engine import prepare_shell, register

    _fill_caches()
    register()
    prepare_shell()
    _WARM.append(True)


_WARM: list[bool] = []


def _fill_caches() -> None:
    import importlib
    import io

    from matplotlib import font_manager
    from matplotlib.figure import Figure

    from assess.core.plotting import CJK_FAMILY
    from assess.report.render import prepare_exporter

    for name in (
        "numpy",
        "pandas",
        "scipy.stats",
        "statsmodels.api",
        "matplotlib.pyplot",
        "IPython",
        "papermill",
        "docx",
        "assess.io.store",
        "assess.appraisal.scoring",
        "assess.exams.analysis",
        "assess.effect.engine",
        "assess.report.content",
        "assess.report.export",
    ):
        try:
            importlib.import_module(name)
        except ImportError:  # a module of the library that does not exist (yet)
            continue
    prepare_exporter()
    if not any(f.name == CJK_FAMILY for f in font_manager.fontManager.ttflist):
        from noto_cjk_sans_otc import FONT_PATH

        font_manager.fontManager.addfont(str(FONT_PATH))
    figure = Figure(figsize=(1, 1))
    figure.text(0.5, 0.5, "党建 0.5", fontfamily=CJK_FAMILY)
    figure.savefig(io.BytesIO(), format="png")


def _unclean_output(nb: Any) -> str | None:
    """The first stderr or error output of an executed notebook, as text."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream" and output.name == "stderr":
                return output.text
            if output.output_type == "error":
                return f"{output.ename}: {output.evalue}"
    return None


def _title(nb: Any, key: dict[str, Any], fallback: str) -> str:
    return str(key.get("title") or notebook_title(nb) or fallback)


def render_job(job: ReportJob) -> RenderOutcome:
    """Execute and render one report in this process (meant to run in a forked child).

    Never raises for a failing report: the outcome then carries the error and the failed
    notebook.
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from assess.report.engine import ENGINE_NAME, register
    from assess.report.export import to_docx, to_pdf
    from assess.report.render import to_html
    from assess.report.results import extract_key_results

    register()
    start = time.perf_counter()
    provenance = job.provenance.stamped()

    def failed(error: str, notebook: bytes | None) -> RenderOutcome:
        files = {} if notebook is None else {".failed.ipynb": notebook}
        return RenderOutcome(
            job.stem,
            False,
            files,
            provenance=provenance.to_dict(),
            error=error,
            seconds=time.perf_counter() - start,
        )

    with tempfile.TemporaryDirectory(prefix="assess-report-") as tmp:
        executed = Path(tmp) / f"{job.stem}.ipynb"
        try:
            nb = papermill.execute_notebook(
                str(job.template),
                str(executed),
                parameters=job.parameters,
                engine_name=ENGINE_NAME,
                kernel_name="python3",
                language="python",
                progress_bar=False,
                request_save_on_cell_execute=False,
            )
        except PapermillExecutionError as exc:
            notebook = executed.read_bytes() if executed.is_file() else None
            what = f"{exc.ename}: {exc.evalue}"
            return failed(
                bilingual(
                    f"报告单元 In[{exc.exec_count}] 出错：{what}",
                    f"cell In[{exc.exec_count}] failed: {what}",
                ),
                notebook,
            )
    nb.metadata["assess"] = {"provenance": provenance.to_dict()}
    unclean = _unclean_output(nb)
    if unclean is not None:
        message = bilingual(
            "报告输出含有警告或错误信息（模板须无警告运行）",
            "the report's output contains warnings or error text (templates must run clean)",
        )
        return failed(f"{message}: {unclean.strip()[:500]}", nbformat.writes(nb).encode())
    try:
        key = extract_key_results(nb)
        nb.metadata["assess"]["key_results"] = key
        title = _title(nb, key, job.stem)
        html = to_html(nb, provenance, title=title, kicker=title)
        files = {".ipynb": nbformat.writes(nb).encode(), ".html": html.encode()}
        if "docx" in job.formats:
            files[".docx"] = to_docx(nb, provenance, title=title)
        if "pdf" in job.formats:
            files[".pdf"] = to_pdf(html)
    except ReportError as exc:
        return failed(str(exc), nbformat.writes(nb).encode())
    return RenderOutcome(
        job.stem,
        True,
        files,
        key_results=key,
        provenance=provenance.to_dict(),
        seconds=time.perf_counter() - start,
    )
