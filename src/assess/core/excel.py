"""Writing Excel workbooks safely: atomic, never overwriting unasked, never a formula
from data; headed in Chinese, numbers shown by what they mean, with a first sheet 说明.

A cell value from data that begins with ``=``, ``+``, ``-`` or ``@`` would be taken by
Excel as a formula (CSV/formula injection); such text is stored as a text cell.

Numbers stay numbers (a reader can sum and sort them); what a reader sees is set by each
cell's number format: shares and rates ``0.0%``, p-values ``0.000`` (below 0.001 shown as
"< 0.001"), other decimals ``0.00`` — never 3.810000000000002. :func:`workbook_sheet`
heads a frame by the glossary and records the formats of its columns by their meaning
(their names before heading); :func:`write_workbook` applies them.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from tqdm.auto import tqdm

from assess.core.errors import InputError, bilingual
from assess.core.glossary import headed, phrase, term

__all__ = [
    "write_workbook",
    "workbook_sheet",
    "number_format",
    "README_SHEET",
    "PERCENT",
    "DECIMAL",
    "P_VALUE",
    "keep_as_text",
    "temporary_beside",
    "FORMULA_PREFIXES",
    "EXCEL_MAX_ROWS",
]

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@")
#: Rows of an Excel sheet.
EXCEL_MAX_ROWS = 1_048_576
#: Number formats: a share or rate, a p-value ("< 0.001" below 0.001), other decimals.
PERCENT = "0.0%"
P_VALUE = '[<0.001]"< 0.001";0.000'
DECIMAL = "0.00"
#: The name of the first sheet, which explains the others.
README_SHEET = "说明"
_PERCENT_NAMES = frozenset(
    {"share", "share_upper", "share_lower", "max_share", "min_share", "participation"}
    | {"confidence", "p_upper", "p_lower"}
)
_PERCENT_ENDINGS = ("_rate", "_share", "_ci_low", "_ci_high")
_PERCENT_STARTS = ("pass_", "completion_", "closure_", "on_time_")
_P_NAMES = frozenset({"p", "p_value", "q_value", "p_adj", "p_adjusted", "p_holm"})
# A progress bar from this many rows on, updated every _PROGRESS_STEP rows.
_PROGRESS_ROWS = 200_000
_PROGRESS_STEP = 10_000


def number_format(name: str, dtype: Any = float) -> str | None:
    """The Excel number format of a column by its meaning: its name before heading.

    Shares and rates (``*_rate``, ``share``, ``participation``, the interval bounds of a
    pass, completion or closure rate) as ``0.0%``; p- and q-values as ``0.000`` with
    "< 0.001" below; other decimals ``0.00``; whole numbers and text as they are (None).

    Examples
    --------
    >>> number_format("pass_rate"), number_format("p_value"), number_format("index")
    ('0.0%', '[<0.001]"< 0.001";0.000', '0.00')
    >>> number_format("n", "int64") is None
    True
    """
    key = str(name)
    if key in _P_NAMES:
        return P_VALUE
    is_rate = key in _PERCENT_NAMES or key.endswith(_PERCENT_ENDINGS[:2])
    if is_rate or (key.startswith(_PERCENT_STARTS) and key.endswith(_PERCENT_ENDINGS[2:])):
        return PERCENT
    if pd.api.types.is_float_dtype(dtype):
        return DECIMAL
    return None


def workbook_sheet(
    frame: pd.DataFrame,
    terms: Mapping[str, str] | None = None,
    *,
    description: str = "",
    formats: Mapping[str, str] | None = None,
    language: str = "zh",
) -> pd.DataFrame:
    """``frame`` as a sheet a reader opens: headed by the glossary
    (:func:`assess.core.glossary.headed`), yes/no columns as 是/否, star counts as
    三星 …, and the number format of each column (:func:`number_format`, or
    ``formats`` by the column's name before heading) recorded for
    :func:`write_workbook` with the sheet's ``description`` for its 说明 sheet.

    Examples
    --------
    >>> sheet = workbook_sheet(pd.DataFrame({"pass_rate": [0.5], "stars": [3]}))
    >>> list(sheet.columns), sheet.iloc[0, 1], sheet.attrs["number_formats"]
    (['合格率', '星级'], '三星', {'合格率': '0.0%'})
    """
    out = frame.copy()
    yes, no = phrase("是", "yes", language), phrase("否", "no", language)
    for name in out.columns:
        column = out[name]
        if pd.api.types.is_bool_dtype(column):
            out[name] = column.map({True: yes, False: no}).astype(object)
        elif name in ("stars", "target") and pd.api.types.is_integer_dtype(column):
            out[name] = column.map(lambda k: term(f"stars_{int(k)}", language)).astype(object)
    chosen = {str(c): number_format(str(c), out[c].dtype) for c in out.columns}
    chosen.update(formats or {})
    out = headed(out, terms, language)
    out.attrs = {
        "number_formats": {
            str(new): chosen[str(old)]
            for old, new in zip(frame.columns, out.columns, strict=True)
            if chosen.get(str(old))
        },
        "description": description,
    }
    return out


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
    about: Mapping[str, str] | None = None,
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
    about : mapping of str to str, optional
        Facts about the whole workbook (quarter, unit, scheme …), label → value. With
        them, or when a sheet has a description (:func:`workbook_sheet`), the workbook
        opens with a sheet 说明: these facts, when it was made (local time and zone), and
        each sheet with what it holds and its rows.

    Number formats are those :func:`workbook_sheet` recorded; a decimal column without
    one shows two decimals (``0.00``). Column widths follow the headers and first rows.

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
            if about is not None or any(f.attrs.get("description") for f in sheets.values()):
                _readme(book.create_sheet(title=README_SHEET), sheets, about or {}, spilled)
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
                formats = _formats(frame)
                _widths(sheet, frame, offset=0)
                sheet.append([_cell(sheet, str(c), bold=True) for c in frame.columns])
                for i, row in enumerate(frame.itertuples(index=False, name=None), start=1):
                    sheet.append(
                        [
                            _value(sheet, v) if f is None else _number(sheet, v, f)
                            for v, f in zip(row, formats, strict=True)
                        ]
                    )
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


def _formats(frame: pd.DataFrame) -> list[str | None]:
    recorded = frame.attrs.get("number_formats", {})
    return [
        recorded.get(str(c)) or (DECIMAL if pd.api.types.is_float_dtype(t) else None)
        for c, t in zip(frame.columns, frame.dtypes, strict=True)
    ]


def _number(sheet: object, value: object, number_format: str) -> object:
    cell = _cell(sheet, value)
    kind = type(cell.value)
    if kind is float or kind is int:
        cell.number_format = number_format
    return cell


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WFA" else 1 for c in text)


def _widths(sheet: Any, frame: pd.DataFrame, offset: int) -> None:
    """Column widths from the header and the first rows (CJK characters count double),
    between 6 and 60 characters."""
    head = frame.head(200)
    for j, name in enumerate(frame.columns, start=1 + offset):
        values = head.iloc[:, j - 1 - offset]
        texts = [str(name), *(f"{v:.2f}" if isinstance(v, float) else str(v) for v in values)]
        width = max(_display_width(t) for t in texts) + 2
        sheet.column_dimensions[get_column_letter(j)].width = min(max(width, 6), 60)


def _readme(
    sheet: Any,
    sheets: Mapping[str, pd.DataFrame],
    about: Mapping[str, str],
    spilled: Mapping[str, Path],
) -> None:
    """The first sheet: what the workbook is, when it was made, what each sheet holds."""
    made = datetime.now().astimezone()
    offset = made.strftime("%z")
    stamp = f"{made:%Y-%m-%d %H:%M:%S} (UTC{offset[:3]}:{offset[3:]})"
    facts = [*about.items(), (phrase("生成时间", "Made", "zh"), stamp)]
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 70
    sheet.column_dimensions["C"].width = 10
    sheet.append([_cell(sheet, phrase("工作簿说明", "About this workbook", "zh"), bold=True)])
    for label, value in facts:
        sheet.append([_cell(sheet, str(label), bold=True), _cell(sheet, str(value))])
    sheet.append([])
    sheet.append(
        [
            _cell(sheet, phrase("工作表", "Sheet", "zh"), bold=True),
            _cell(sheet, phrase("内容", "Contents", "zh"), bold=True),
            _cell(sheet, phrase("行数", "Rows", "zh"), bold=True),
        ]
    )
    for name, frame in sheets.items():
        text = str(frame.attrs.get("description", ""))
        if name in spilled:
            text = f"{text}（{phrase('数据另存为', 'saved as', 'zh')} {spilled[name].name}）"
        wrapped = WriteOnlyCell(sheet, value=text)
        wrapped.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.append([_cell(sheet, name[:31]), wrapped, len(frame)])


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
