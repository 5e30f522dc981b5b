"""Validation of input tables against the data contract, every problem collected at once.

:func:`validate` applies every rule of :mod:`assess.core.schema` to the text tables that
:mod:`assess.io.readers` returns and lists **all** problems together (lazily, as pandera
does), each with file, sheet, the row as Excel shows it, the column, the value found,
what was expected and a bilingual message. Only when nothing fails does it return the
typed :class:`~assess.core.dataset.Dataset`. All rules are vectorised: a province's
three million indicator-point rows validate in seconds.

:func:`check_inputs` reads and validates a path and never raises for a data problem;
:func:`load_inputs` returns the Dataset or raises :class:`~assess.core.errors.DataValidationError`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from assess.core.checks import check_bool
from assess.core.dataset import Dataset
from assess.core.errors import DataValidationError, bilingual
from assess.core.periods import quarter_months, quarter_of
from assess.core.schema import TABLE_NAMES, TABLES, Table
from assess.io.readers import RawInputs, read_inputs
from assess.io.validation.cells import _DTYPES, _check_table, _Checked
from assess.io.validation.keys import _duplicates, _references
from assess.io.validation.order import _date_order
from assess.io.validation.periods import _describe, _month_number, _outside_periods, _periods_arg
from assess.io.validation.report import (
    ValidationReport,
    ValidationResult,
    _from_read,
    _one,
    _sorted,
)
from assess.io.validation.text import _garbled
from assess.io.validation.tree import _unit_tree

__all__ = [
    "validate",
    "check_inputs",
    "load_inputs",
]


def _typed_frame(checked: _Checked) -> pd.DataFrame:
    table = TABLES[checked.raw.name]
    return pd.DataFrame(
        {c.name: checked.values[c.name].astype(_DTYPES[c.kind]) for c in table.columns}
    ).reset_index(drop=True)


def _empty_typed(table: Table) -> pd.DataFrame:
    return pd.DataFrame({c.name: pd.Series(dtype=_DTYPES[c.kind]) for c in table.columns})


def _empty(checked: _Checked) -> pd.DataFrame | None:
    """A required table read with its header but no data row."""
    raw, table = checked.raw, TABLES[checked.raw.name]
    if not table.required or len(raw.frame) or raw.frame.columns.empty:
        return None
    return _one(
        "empty_table",
        raw.name,
        file=raw.file_name,
        sheet=raw.sheet,
        row=2,
        expected=("至少一行数据", "at least one data row"),
        message=(
            f"必需的表 {table.zh}（{raw.name}）只有表头，没有数据行",
            f"required table {raw.name} ({table.zh}) has a header but no data rows",
        ),
        hint=("检查导出是否完整", "check that the export is complete"),
    )


def validate(
    raw: RawInputs, *, periods: Iterable[str] | str | None = None, progress: bool = False
) -> ValidationResult:
    """Check input tables against the data contract and type them.

    Parameters
    ----------
    raw : RawInputs
        Tables as read by :func:`assess.io.readers.read_inputs`.
    periods : iterable of str, optional
        The quarters being imported (``"2026Q3"``, ``"2026年第3季度"``, ...). By default
        they are the months present in the exposure table.
    progress : bool, default False
        Show a progress bar over the tables checked.

    Returns
    -------
    ValidationResult
        ``report`` (every problem), ``dataset`` (typed tables, only when clean) and
        ``notes``.

    Raises
    ------
    ParameterError
        ``periods`` holds something that is not a quarter.

    Notes
    -----
    Rules (ids in :data:`RULES`): readable files, each table once and each column once;
    required tables and columns; value kinds (:mod:`assess.core.periods` parses dates,
    months and quarters); required values; allowed choices (code or Chinese label,
    stored as the code); minimum and maximum; unique keys (after normalising, so
    ``2026Q3`` and ``2026年第3季度`` are the same quarter); references, including the
    unit level they must point to; the unit tree province → city → county → branch
    without cycles; facts dated inside the periods being imported (events by month,
    points and exam responses by quarter, KPIs and exposure by month); a required
    table with data rows; dates of a record in order (nobody leaves before joining, no
    project or problem due or closed before it started or was found, see
    :data:`~assess.io.validation.order.DATE_ORDER`); text not garbled by a wrong encoding
    (mojibake, ``�``, ``??``, control characters; :mod:`~assess.io.validation.text`).

    What is read leniently is noted, never silent. Numbers, dates, periods, choices and
    codes are read after Unicode NFKC folding, so the full-width ``１２３`` that Chinese
    input methods type is 123 (a note names the column). A date written as eight bare
    digits, ``20260501``, is read as 2026-05-01 with a note: it is the basic form of
    ISO 8601 and GB/T 7408, and year-month-day is the only order Chinese forms write
    (there is no day-first reading to confuse it with); an impossible one such as
    ``20261301`` is refused as any bad date is. Likewise ``202605`` as a month. Columns,
    files and sheets outside the contract are named in the notes.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> text = "unit_code,unit_name,level,parent_code\\n01,省公司,省,\\n"
    >>> _ = (folder / "units.csv").write_text(text, encoding="utf-8")
    >>> result = validate(read_inputs(folder))
    >>> result.ok
    False
    >>> p = result.report.problems.iloc[0]
    >>> p.file, int(p.row), p.column, p.value, p.message_en
    ('units.csv', 2, 'level', '省', 'not an allowed value')
    """
    wanted = _periods_arg(periods, "validate")
    check_bool("validate", "progress", progress)
    frames: list[pd.DataFrame | None] = [_from_read(p) for p in raw.problems]
    notes = list(raw.notes)
    unread = {p.table for p in raw.problems if p.rule == "unreadable_file"}
    for name, table in TABLES.items():
        if table.required and name not in raw.tables and name not in unread:
            if raw.kind == "csv":
                expected = (
                    f"文件 {name}.csv 或 {table.zh}.csv",
                    f"a file {name}.csv or {table.zh}.csv",
                )
            else:
                expected = (f"工作表 {name} 或 {table.zh}", f"a sheet {name} or {table.zh}")
            frames.append(
                _one(
                    "missing_table",
                    name,
                    file=Path(raw.source).name if raw.kind == "xlsx" else "",
                    expected=expected,
                    message=(
                        f"缺少必需的表：{table.zh}（{name}）",
                        f"required table {name} ({table.zh}) is missing",
                    ),
                )
            )
    checked: dict[str, _Checked] = {}
    for name in tqdm(
        [n for n in TABLE_NAMES if n in raw.tables],
        desc="校验 validating",
        unit="table",
        disable=not progress,
    ):
        checked[name], more = _check_table(raw.tables[name])
        frames += more
        frames.append(_duplicates(checked[name]))
        frames += _garbled(checked[name])
        frames += _date_order(checked[name])
        frames.append(_empty(checked[name]))
        notes += checked[name].notes
    for name, item in checked.items():
        for fk in TABLES[name].foreign_keys:
            if fk.ref_table in checked:
                frames += _references(item, fk, checked[fk.ref_table])
    if "units" in checked:
        frames += _unit_tree(checked["units"])
    if wanted is not None:
        months = {m for q in wanted for m in quarter_months(q)}
        quarters = set(wanted)
        origin = ("由 --periods 指定", "given by --periods")
    elif "exposure" in checked and checked["exposure"].usable("month"):
        months = set(checked["exposure"].values["month"].dropna().unique())
        quarters = {quarter_of(m) for m in months}
        origin = ("取自暴露量表", "from the exposure table")
    else:
        months, quarters = set(), set()
    if months:
        zh, en = _describe(months, _month_number)
        notes.append(
            bilingual(
                f"导入期间（{origin[0]}）：{zh}", f"periods being imported ({origin[1]}): {en}"
            )
        )
        for item in checked.values():
            frames.append(_outside_periods(item, months, quarters))
    else:
        notes.append(
            bilingual(
                "无法确定导入期间，未检查日期是否在期间内",
                "could not tell the periods being imported; dates not checked against them",
            )
        )
    report = ValidationReport(_sorted([f for f in frames if f is not None]), raw.source)
    dataset = None
    if report.ok:
        typed = {
            name: _typed_frame(checked[name]) if name in checked else _empty_typed(table)
            for name, table in TABLES.items()
        }
        sources = {name: checked[name].raw.source for name in checked}
        dataset = Dataset(**typed, sources=sources)
    return ValidationResult(report, dataset, tuple(notes))


def check_inputs(
    path: str | os.PathLike[str],
    *,
    periods: Iterable[str] | str | None = None,
    progress: bool = False,
) -> ValidationResult:
    """Read and validate a CSV folder or workbook; data problems go into the report.

    Parameters
    ----------
    path : str or path-like
        A folder of CSV files or an ``.xlsx`` workbook (see :func:`assess.io.readers.read_inputs`).
    periods : iterable of str, optional
        The quarters being imported; default: the months of the exposure table.
    progress : bool, default False
        Show progress bars while reading and checking.

    Returns
    -------
    ValidationResult
        See :func:`validate`.

    Raises
    ------
    InputError
        The path cannot be read at all (missing, not a folder or workbook).
    """
    # Checked before reading, which takes the longest.
    _periods_arg(periods, "check_inputs")
    check_bool("check_inputs", "progress", progress)
    return validate(read_inputs(path, progress=progress), periods=periods, progress=progress)


def load_inputs(
    path: str | os.PathLike[str],
    *,
    periods: Iterable[str] | str | None = None,
    progress: bool = False,
) -> Dataset:
    """Read and validate inputs; return the typed :class:`~assess.core.dataset.Dataset`.

    Parameters
    ----------
    path : str or path-like
        A folder of CSV files or an ``.xlsx`` workbook.
    periods : iterable of str, optional
        The quarters being imported; default: the months of the exposure table.
    progress : bool, default False
        Show progress bars while reading and checking.

    Returns
    -------
    Dataset
        Every table, typed.

    Raises
    ------
    InputError
        The path cannot be read at all.
    DataValidationError
        Any rule failed; ``.report`` is the :class:`ValidationReport` listing every problem.
    """
    result = check_inputs(path, periods=periods, progress=progress)
    if result.dataset is None:
        raise DataValidationError(result.report)
    return result.dataset
