"""Writing Excel workbooks safely: atomic, never overwriting unasked, never a formula
from data.

A cell value from data that begins with ``=``, ``+``, ``-`` or ``@`` would be taken by
Excel as a formula (CSV/formula injection); such text is stored as a text cell.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from tqdm.auto import tqdm

from .errors import InputError, bilingual

__all__ = ["write_workbook", "FORMULA_PREFIXES", "EXCEL_MAX_ROWS"]

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@")
#: Rows of an Excel sheet.
EXCEL_MAX_ROWS = 1_048_576
# A progress bar from this many rows on, updated every _PROGRESS_STEP rows.
_PROGRESS_ROWS = 200_000
_PROGRESS_STEP = 10_000


def _cell(sheet: object, value: object, bold: bool = False) -> WriteOnlyCell:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        value = None
    elif value is pd.NaT or value is pd.NA:
        value = None
    elif isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        cell.data_type = "s"
    if bold:
        cell.font = Font(bold=True)
    return cell


def _value(sheet: object, value: object) -> object:
    """A data value as openpyxl takes it: plain numbers and text that cannot be read as a
    formula as they are (most cells of a large sheet, and faster than a cell object),
    anything else through :func:`_cell`."""
    kind = type(value)
    if kind is int or (kind is float and not math.isnan(value)):  # type: ignore[arg-type]
        return value
    if kind is str and not value.startswith(FORMULA_PREFIXES):  # type: ignore[attr-defined]
        return value
    return _cell(sheet, value)


def _parts(
    name: str, frame: pd.DataFrame, lines: list[str], *, max_rows: int
) -> list[tuple[str, list[str], pd.DataFrame]]:
    """The sheets a table fills: (title, lines above the header, rows), in order."""
    first = max_rows - 1 - len(lines)
    rest = max_rows - 2  # a continuation sheet: one line saying so, then the header
    if first < 1 or rest < 1:
        raise InputError(
            bilingual(
                f"工作表 {name} 的说明行超过 Excel 的行数上限",
                f"the notes of sheet {name} exceed Excel's row limit",
            )
        )
    if len(frame) <= first:
        return [(name[:31], lines, frame)]
    starts = [0, *range(first, len(frame), rest)]
    total = len(starts)
    out = [(name[:31], lines, frame.iloc[:first])]
    for k, start in enumerate(starts[1:], start=2):
        suffix = f"（续{k}）"
        line = f"续表：第 {k}/{total} 部分 / continued: part {k} of {total}"
        out.append((name[: 31 - len(suffix)] + suffix, [line], frame.iloc[start : start + rest]))
    return out


def write_workbook(
    path: str | os.PathLike[str],
    sheets: Mapping[str, pd.DataFrame],
    *,
    overwrite: bool = False,
    notes: Mapping[str, list[str]] | None = None,
    max_rows: int = EXCEL_MAX_ROWS,
) -> Path:
    """Write ``sheets`` (sheet name → frame, headers as given) to ``path`` atomically.

    Parameters
    ----------
    path : path-like
        The ``.xlsx`` file to write.
    sheets : mapping of str to DataFrame
        Sheets in order; each frame's columns become the header row (bold).
    overwrite : bool, default False
        Replace an existing file. Without it an existing file is an error: nothing
        already saved is lost unasked.
    notes : mapping of str to list of str, optional
        Lines written above a sheet's table (e.g. the rules of the calculation).
    max_rows : int, default 1,048,576
        Rows a sheet may hold (Excel's limit). A longer table continues on sheets named
        ``"<name>（续2）"``, ``"<name>（续3）"``…, each with the header row and a line
        saying which part it is.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    InputError
        The file exists and ``overwrite`` is false.
    """
    target = Path(path)
    if target.exists() and not overwrite:
        raise InputError(
            bilingual(
                f"文件 {target} 已存在；如需覆盖请加 --force（或 overwrite=True）",
                f"{target} already exists; pass --force (overwrite=True) to replace it",
            )
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook(write_only=True)
    total = sum(len(frame) for frame in sheets.values())
    # Minutes at national size (9 million calculation rows): show how far it is, on a
    # terminal or in a notebook (disable=None turns the bar off when output is a file).
    bar = tqdm(
        total=total,
        desc=f"写入 writing {target.name}",
        unit="行",
        unit_scale=True,
        disable=None if total >= _PROGRESS_ROWS else True,
        file=sys.stderr,
    )
    with bar:
        for name, frame in sheets.items():
            lines = (notes or {}).get(name, [])
            for title, head, part in _parts(name, frame, lines, max_rows=max_rows):
                sheet = book.create_sheet(title=title)
                for line in head:
                    sheet.append([_cell(sheet, line)])
                sheet.append([_cell(sheet, str(c), bold=True) for c in frame.columns])
                for i, row in enumerate(part.itertuples(index=False, name=None), start=1):
                    sheet.append([_value(sheet, v) for v in row])
                    if i % _PROGRESS_STEP == 0:
                        bar.update(_PROGRESS_STEP)
                bar.update(len(part) % _PROGRESS_STEP)
    handle, tmp = tempfile.mkstemp(suffix=".xlsx.tmp", dir=target.parent)
    os.close(handle)
    try:
        book.save(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
