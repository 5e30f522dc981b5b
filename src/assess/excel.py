"""Writing Excel workbooks safely: atomic, never overwriting unasked, never a formula
from data.

A cell value from data that begins with ``=``, ``+``, ``-`` or ``@`` would be taken by
Excel as a formula (CSV/formula injection); such text is stored as a text cell.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from .errors import InputError, bilingual

__all__ = ["write_workbook", "FORMULA_PREFIXES"]

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@")
_EXCEL_MAX_ROWS = 1_048_576


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


def write_workbook(
    path: str | os.PathLike[str],
    sheets: Mapping[str, pd.DataFrame],
    *,
    overwrite: bool = False,
    notes: Mapping[str, list[str]] | None = None,
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

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    InputError
        The file exists and ``overwrite`` is false, or a sheet has more rows than Excel.
    """
    target = Path(path)
    if target.exists() and not overwrite:
        raise InputError(
            bilingual(
                f"文件 {target} 已存在；如需覆盖请加 --force（或 overwrite=True）",
                f"{target} already exists; pass --force (overwrite=True) to replace it",
            )
        )
    for name, frame in sheets.items():
        if len(frame) + 1 + len((notes or {}).get(name, [])) > _EXCEL_MAX_ROWS:
            raise InputError(
                bilingual(
                    f"工作表 {name} 超过 Excel 的行数上限",
                    f"sheet {name} exceeds Excel's row limit",
                )
            )
    target.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook(write_only=True)
    for name, frame in sheets.items():
        sheet = book.create_sheet(title=name[:31])
        for line in (notes or {}).get(name, []):
            sheet.append([_cell(sheet, line)])
        sheet.append([_cell(sheet, str(c), bold=True) for c in frame.columns])
        for row in frame.itertuples(index=False, name=None):
            sheet.append([_cell(sheet, v) for v in row])
    handle, tmp = tempfile.mkstemp(suffix=".xlsx.tmp", dir=target.parent)
    os.close(handle)
    try:
        book.save(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
