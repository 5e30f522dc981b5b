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
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from tqdm.auto import tqdm

from assess.core.errors import InputError, bilingual

__all__ = [
    "write_workbook",
    "keep_as_text",
    "temporary_beside",
    "FORMULA_PREFIXES",
    "EXCEL_MAX_ROWS",
]

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


def keep_as_text(sheet: Any) -> None:
    """Store every formula-looking cell of an openpyxl ``sheet`` as text.

    For sheets filled by other writers (``DataFrame.to_excel``): openpyxl takes any string
    that begins with ``=`` for a formula.
    """
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"


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


def _spill_line(rows: int, max_rows: int, csv: Path) -> str:
    return bilingual(
        f"本表共 {rows:,} 行，超过 Excel 单表上限（{max_rows:,} 行），已另存为 {csv.name}"
        "（UTF-8 CSV，表头相同）",
        f"this table has {rows:,} rows, more than a sheet holds ({max_rows:,}); it is saved "
        f"as {csv.name} (UTF-8 CSV, same headers)",
    )


def _csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Text that Excel would run as a formula, prefixed with an apostrophe (OWASP)."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if column.dtype == object or pd.api.types.is_string_dtype(column):
            text = column.astype("str")
            risky = column.notna() & text.str.startswith(FORMULA_PREFIXES)
            if risky.any():
                out[name] = column.where(~risky, "'" + text)
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
        Replace existing files. Without it an existing file is an error: nothing already
        saved is lost unasked.
    notes : mapping of str to list of str, optional
        Lines written above a sheet's table (e.g. the rules of the calculation).
    max_rows : int, default 1,048,576
        Rows a sheet may hold (Excel's limit). A longer table (the calculation steps of a
        national appraisal: 9 million rows) is saved next to the workbook as
        ``<stem>_<sheet>.csv`` (UTF-8 with BOM, which Excel opens with Chinese intact;
        formula-looking text prefixed with ``'``), and its sheet keeps the notes and a
        line naming that file.

    Returns
    -------
    Path
        The workbook written.

    Raises
    ------
    InputError
        A file exists and ``overwrite`` is false (nothing is written then).
    """
    target = Path(path)
    notes = notes or {}
    spilled = {
        name: target.with_name(f"{target.stem}_{name}.csv")
        for name, frame in sheets.items()
        if len(frame) + 1 + len(notes.get(name, [])) > max_rows
    }
    for existing in [target, *spilled.values()]:
        if existing.exists() and not overwrite:
            raise InputError(
                bilingual(
                    f"文件 {existing} 已存在；如需覆盖请加 --overwrite（或 overwrite=True）",
                    f"{existing} already exists; pass --overwrite (overwrite=True) to replace it",
                )
            )
    target.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook(write_only=True)
    total = sum(len(frame) for name, frame in sheets.items() if name not in spilled)
    # Minutes for a million rows: show how far it is, on a terminal or in a notebook
    # (disable=None turns the bar off when the output is a file).
    bar = tqdm(
        total=total,
        desc=f"写入 writing {target.name}",
        unit="行",
        unit_scale=True,
        disable=None if total >= _PROGRESS_ROWS else True,
        file=sys.stderr,
    )
    temporaries: dict[Path, Path] = {}
    try:
        with bar:
            for name, frame in sheets.items():
                sheet = book.create_sheet(title=name[:31])
                for line in notes.get(name, []):
                    sheet.append([_cell(sheet, line)])
                if name in spilled:
                    csv = spilled[name]
                    sheet.append([_cell(sheet, _spill_line(len(frame), max_rows, csv))])
                    temporaries[csv] = temporary_beside(csv)
                    _csv_safe(frame).to_csv(
                        temporaries[csv], index=False, encoding="utf-8-sig", lineterminator="\r\n"
                    )
                    continue
                sheet.append([_cell(sheet, str(c), bold=True) for c in frame.columns])
                for i, row in enumerate(frame.itertuples(index=False, name=None), start=1):
                    sheet.append([_value(sheet, v) for v in row])
                    if i % _PROGRESS_STEP == 0:
                        bar.update(_PROGRESS_STEP)
                bar.update(len(frame) % _PROGRESS_STEP)
        temporaries[target] = temporary_beside(target)
        book.save(temporaries[target])
        for final, tmp in temporaries.items():
            os.replace(tmp, final)
    except BaseException:
        for tmp in temporaries.values():
            tmp.unlink(missing_ok=True)
        raise
    return target


def temporary_beside(target: Path) -> Path:
    """An empty temporary file next to ``target``, to be renamed onto it when complete.

    With the permissions a new file gets (``0o666`` less the umask), not the owner-only
    ones of :func:`tempfile.mkstemp`: a workbook on a shared drive stays readable.
    """
    handle, name = tempfile.mkstemp(suffix=f"{target.suffix}.tmp", dir=target.parent)
    os.close(handle)
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(name, 0o666 & ~mask)
    return Path(name)
