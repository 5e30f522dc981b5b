"""A Papermill engine that runs a notebook's cells in this process, without a kernel.

Starting a Jupyter kernel and importing pandas, matplotlib and `assess` in it costs about
two CPU-seconds per report here, ten times the report's own work. The ``assess-inprocess``
engine runs each cell in an :class:`IPython.core.interactiveshell.InteractiveShell` of the
current process instead and turns what the cell prints and displays into nbformat outputs,
in the order it happened: ``stream`` (stdout/stderr, including warnings), ``display_data``
(rich reprs, matplotlib figures as PNG through the inline backend), ``execute_result``
(the cell's last expression) and ``error``. Papermill keeps everything else: parameter
injection, cell metadata, and saving a failed notebook with the error before raising.

The engine gives no isolation of its own: the shell, ``matplotlib.rcParams`` and pandas
options live in the process. :mod:`assess.report.isolation` runs every report in a
child process forked from a warm parent (:func:`prepare_shell` builds a pristine shell
there once), so nothing one report sets reaches the next.
"""

from __future__ import annotations

import io
import sys
import warnings
from typing import Any

import nbformat
from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from IPython.core.pylabtools import activate_matplotlib
from matplotlib_inline.backend_inline import configure_inline_support
from papermill.engines import Engine, papermill_engines
from traitlets.config import Config

__all__ = ["ENGINE_NAME", "InProcessEngine", "prepare_shell", "register"]

#: The name the engine is registered under with Papermill.
ENGINE_NAME = "assess-inprocess"


class _Outputs:
    """The nbformat outputs of the cell being run, in order; consecutive stream text merged."""

    def __init__(self) -> None:
        self.items: list[nbformat.NotebookNode] = []

    def stream(self, name: str, text: str) -> None:
        last = self.items[-1] if self.items else None
        if last is not None and last.output_type == "stream" and last.name == name:
            last.text += text
        else:
            self.items.append(nbformat.v4.new_output("stream", name=name, text=text))

    def display(self, data: dict[str, Any], metadata: dict[str, Any] | None) -> None:
        self.items.append(
            nbformat.v4.new_output("display_data", data=data, metadata=metadata or {})
        )

    def result(self, data: dict[str, Any], metadata: dict[str, Any] | None, count: int) -> None:
        self.items.append(
            nbformat.v4.new_output(
                "execute_result", data=data, metadata=metadata or {}, execution_count=count
            )
        )

    def error(self, ename: str, evalue: str, traceback: list[str]) -> None:
        self.items.append(
            nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=traceback)
        )


class _Stream(io.TextIOBase):
    """``sys.stdout``/``sys.stderr`` while a cell runs: text goes to the cell's outputs."""

    def __init__(self, sink: _Outputs, name: str) -> None:
        self._sink, self.name = sink, name

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if text:
            self._sink.stream(self.name, text)
        return len(text)

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"


class _Publisher(DisplayPublisher):
    """``display(...)`` → a ``display_data`` output of the running cell."""

    def publish(
        self,
        data: dict[str, Any],
        metadata: dict[str, Any] | None = None,
        source: Any = None,
        *,
        transient: Any = None,
        update: bool = False,
        **kwargs: Any,
    ) -> None:
        shell: Any = self.shell
        shell.sink.display(data, metadata)

    def clear_output(self, wait: bool = False) -> None:
        shell: Any = self.shell
        shell.sink.items.clear()


class _DisplayHook(DisplayHook):
    """The value of a cell's last expression → an ``execute_result`` output."""

    def write_output_prompt(self) -> None:
        pass

    def write_format_data(
        self, format_dict: dict[str, Any], md_dict: dict[str, Any] | None = None
    ) -> None:
        shell: Any = self.shell
        shell.sink.result(format_dict, md_dict, shell.execution_count)

    def finish_displayhook(self) -> None:
        pass


class _ReportShell(InteractiveShell):
    """An IPython shell whose outputs are collected for the notebook, not printed."""

    displayhook_class = _DisplayHook
    display_pub_class = _Publisher

    def __init__(self, **kwargs: Any) -> None:
        self.sink = _Outputs()
        super().__init__(**kwargs)

    def _showtraceback(self, etype: type, evalue: BaseException, stb: list[str]) -> None:
        self.sink.error(etype.__name__, str(evalue), stb)


def _config() -> Config:
    c = Config()
    # No history database: it would be shared by all reports and written on every cell.
    c.HistoryManager.enabled = False
    c.InteractiveShell.colors = "nocolor"
    c.InteractiveShell.xmode = "Plain"
    # Retina PNGs (2× pixels, shown at the figure's size); no "Software" tag, so the
    # same figure gives the same bytes.
    c.InlineBackend.figure_formats = {"retina"}
    c.InlineBackend.print_figure_kwargs = {"bbox_inches": "tight", "metadata": {"Software": None}}
    return c


_pristine: list[_ReportShell] = []
# matplotlib's inline backend, see assess.report._inline.
_BACKEND = "module://assess.report._inline"


def prepare_shell() -> None:
    """Build the shell (with matplotlib's inline backend) that the next report will use.

    Called in the warm parent before it forks, so each child starts from this unused
    shell instead of paying for building one.
    """
    if not _pristine:
        InteractiveShell.clear_instance()
        shell = _ReportShell.instance(config=_config())
        activate_matplotlib(_BACKEND)
        configure_inline_support(shell, "inline")
        _pristine.append(shell)


def _take_shell() -> _ReportShell:
    """The prepared shell, once; a report never runs in a shell another report used."""
    prepare_shell()
    return _pristine.pop()


def _show_warning(
    message: Any,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def _fresh_state() -> None:
    """Start every report from Python's, matplotlib's and pandas' defaults.

    A report child inherits the state of the process it was forked from: a caller's
    ``catch_warnings`` (pytest records warnings instead of printing them), changed
    ``rcParams`` or pandas options. Resetting them makes a report independent of its
    caller and lets every warning reach the cell's stderr, where the runner sees it.
    """
    import matplotlib
    import pandas as pd

    warnings.resetwarnings()
    for action, category, module in _DEFAULT_FILTERS:
        warnings.filterwarnings(action, category=category, module=module)
    warnings.showwarning = _show_warning
    backend = matplotlib.rcParams["backend"]
    matplotlib.rcdefaults()
    matplotlib.rcParams["backend"] = backend
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pd.reset_option("all")


# Python's own default filters (see the warnings documentation), latest first.
_DEFAULT_FILTERS: tuple[tuple[Any, type[Warning], str], ...] = (
    ("ignore", ResourceWarning, ""),
    ("ignore", ImportWarning, ""),
    ("ignore", PendingDeprecationWarning, ""),
    ("ignore", DeprecationWarning, ""),
    ("default", DeprecationWarning, "__main__"),
)


class InProcessEngine(Engine):
    """Papermill engine running cells in an in-process IPython shell (see module notes)."""

    @classmethod
    def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, **kwargs: Any) -> None:
        shell = _take_shell()
        _fresh_state()
        saved = sys.stdout, sys.stderr
        try:
            for index, cell in enumerate(nb_man.nb.cells):
                if cell.cell_type != "code":
                    continue
                nb_man.cell_start(cell, index)
                shell.sink = _Outputs()
                sys.stdout, sys.stderr = (
                    _Stream(shell.sink, "stdout"),
                    _Stream(shell.sink, "stderr"),
                )
                try:
                    result = shell.run_cell(cell.source, store_history=True)
                finally:
                    sys.stdout, sys.stderr = saved
                cell.execution_count = shell.execution_count - 1
                cell.outputs = shell.sink.items
                failed = not result.success
                if failed:
                    error = result.error_in_exec or result.error_before_exec
                    nb_man.cell_exception(cell, cell_index=index, exception=error)
                nb_man.cell_complete(cell, cell_index=index)
                if failed:
                    break
        finally:
            sys.stdout, sys.stderr = saved


def register() -> None:
    """Register the engine with Papermill under :data:`ENGINE_NAME` (idempotent)."""
    papermill_engines.register(ENGINE_NAME, InProcessEngine)
