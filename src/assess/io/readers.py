"""Reading input files as text: a folder of CSV files or one Excel workbook.

Every cell is read as text exactly as the user wrote it (``0101`` stays ``0101``); empty
cells become missing. Each row keeps the number the user sees in Excel (the header is
row 1, the first data row is row 2), so :mod:`assess.io.validation` can point at it.
Reading never judges the content: it only maps file and header names to the contract in
:mod:`assess.core.schema`, and records what could not be read.
"""

from __future__ import annotations

import codecs
import collections
import datetime as dt
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from openpyxl.utils import get_column_letter
from tqdm.auto import tqdm

from assess.core.checks import check_bool, check_path
from assess.core.errors import InputError, bilingual
from assess.core.schema import TABLES, Table

__all__ = [
    "RawTable",
    "RawInputs",
    "ReadProblem",
    "read_inputs",
    "read_table_file",
    "source_label",
]

_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
_ROW = "row"


@dataclass(frozen=True)
class ReadProblem:
    """A file, sheet or header that could not be read as a table of the contract.

    ``rule`` is one of ``unreadable_file``, ``duplicate_table`` or ``duplicate_column``;
    ``row`` is the Excel row number, or ``None`` for a problem with the whole file.
    """

    rule: str
    table: str
    file: str
    sheet: str
    message_zh: str
    message_en: str
    row: int | None = None
    column: str = ""
    header: str = ""
    value: str = ""
    hint_zh: str = ""
    hint_en: str = ""


@dataclass(frozen=True)
class RawTable:
    """One input table as text.

    Attributes
    ----------
    name : str
        English table name (a key of :data:`assess.core.schema.TABLES`).
    file : str
        Path of the CSV file or workbook it was read from.
    sheet : str
        Sheet name as written in the workbook; empty for CSV.
    frame : pandas.DataFrame
        The contract's columns found in the file, under their English names, as text
        (pandas ``str`` dtype; empty cells missing). The index, named ``row``, holds the
        row numbers as Excel shows them. Rows with no value in these columns are dropped.
    headers : dict
        English column name → the header as the user wrote it.
    encoding : str
        ``UTF-8``, ``UTF-8 (BOM)`` or ``GB18030`` for CSV; empty for a workbook.
    """

    name: str
    file: str
    sheet: str
    frame: pd.DataFrame
    headers: dict[str, str]
    encoding: str = ""

    @property
    def file_name(self) -> str:
        """The file's name without its folder, as problems show it."""
        return Path(self.file).name

    @property
    def source(self) -> str:
        """Where the table came from: the CSV path, or ``workbook#sheet``."""
        return source_label(self.file, self.sheet)


@dataclass(frozen=True)
class RawInputs:
    """Everything read from one input path, before validation.

    Attributes
    ----------
    source : str
        The folder or workbook that was read.
    kind : {"csv", "xlsx"}
        A folder of CSV files or a workbook.
    tables : dict
        Table name → :class:`RawTable` for every table found and read.
    problems : tuple of ReadProblem
        Files, sheets or headers that could not be read.
    notes : tuple of str
        Bilingual notes: encodings used, files, sheets and columns ignored.
    """

    source: str
    kind: Literal["csv", "xlsx"]
    tables: dict[str, RawTable] = field(default_factory=dict)
    problems: tuple[ReadProblem, ...] = ()
    notes: tuple[str, ...] = ()


def source_label(file: str, sheet: str) -> str:
    """How a table's origin is recorded: the file path, or ``workbook#sheet``.

    Examples
    --------
    >>> source_label("data/book.xlsx", "事件"), source_label("data/events.csv", "")
    ('data/book.xlsx#事件', 'data/events.csv')
    """
    return f"{file}#{sheet}" if sheet else file


def read_inputs(path: str | os.PathLike[str], *, progress: bool = False) -> RawInputs:
    """Read a folder of CSV files or an Excel workbook as text tables.

    Parameters
    ----------
    path : str or path-like
        A folder holding one CSV file per table (``events.csv`` or ``事件.csv``), or an
        ``.xlsx`` workbook with one sheet per table (sheet ``events`` or ``事件``).
    progress : bool, default False
        Show a progress bar over the files or sheets read.

    Returns
    -------
    RawInputs
        The tables found, the problems met while reading and bilingual notes.

    Raises
    ------
    InputError
        The path does not exist, is neither a folder nor a workbook, holds no CSV
        file, or the workbook cannot be opened.

    Notes
    -----
    A CSV file is decoded as UTF-8 (a byte-order mark is allowed); when that fails it
    is decoded as GB18030, the superset of GBK that Chinese Excel writes. Headers match
    the English column name or the Chinese header, ignoring case and spaces; a
    combination such as ``单位编码(unit_code)`` is accepted too.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "组织机构.csv").write_text("单位编码,单位名称,层级\\n0101,省公司,省公司\\n",
    ...                                      encoding="utf-8")
    >>> raw = read_inputs(folder)
    >>> units = raw.tables["units"]
    >>> units.frame.index.tolist(), units.frame["unit_code"].tolist(), units.headers["level"]
    ([2], ['0101'], '层级')
    """
    check_bool("read_inputs", "progress", progress)
    target = check_path("read_inputs", "path", path)
    if not target.exists():
        raise InputError(bilingual(f"找不到路径：{target}", f"path not found: {target}"))
    if target.is_dir():
        return _read_folder(target, progress=progress)
    suffix = target.suffix.lower()
    if suffix in _WORKBOOK_SUFFIXES:
        return _read_workbook(target, progress=progress)
    if suffix == ".csv":
        zh = f"{target.name} 是单个 CSV 文件：请传入存放全部 CSV 文件的文件夹"
        en = f"{target.name} is a single CSV file: pass the folder that holds all CSV files"
    elif suffix == ".xls":
        zh = f"{target.name} 是旧版 .xls 工作簿：请在 Excel 中另存为 .xlsx"
        en = f"{target.name} is an old .xls workbook: save it as .xlsx in Excel"
    else:
        zh = f"{target} 既不是 CSV 文件夹也不是 .xlsx 工作簿"
        en = f"{target} is neither a folder of CSV files nor an .xlsx workbook"
    raise InputError(bilingual(zh, en))


# ---------------------------------------------------------------------------------------
# matching names


def read_table_file(path: str | os.PathLike[str]) -> pd.DataFrame:
    """One free-form table (any columns) from a CSV file or the first sheet of a workbook.

    For tables outside the data contract, such as a tidy table of counts given to the
    effect analysis: CSV encodings are detected as for the inputs; columns whose every
    value reads as a number become numbers, the rest — and codes with a leading zero such
    as ``0101`` — stay text.

    Raises
    ------
    InputError
        The file is missing or cannot be read.
    """
    file = Path(path)
    if not file.is_file():
        raise InputError(bilingual(f"找不到文件 {file}", f"file not found: {file}"))
    if file.suffix.lower() in (".xlsx", ".xlsm"):
        frame = pd.read_excel(file, sheet_name=0, dtype=str)
    else:
        grid = _read_csv_grid(file, file.stem)
        if isinstance(grid, ReadProblem):
            raise InputError(bilingual(grid.message_zh, grid.message_en))
        frame = grid[0].iloc[1:].reset_index(drop=True)
        frame.columns = [str(c).strip() for c in grid[0].iloc[0]]
    for column in frame.columns:
        text = frame[column].dropna().astype(str)
        if text.str.match(r"^0\d").any():
            continue
        numbers = pd.to_numeric(frame[column], errors="coerce")
        if numbers.notna().sum() == frame[column].notna().sum():
            frame[column] = numbers
    return frame


def _name_key(text: str) -> str:
    return re.sub(r"\s+", "", str(text)).lower()


_TABLE_LOOKUP = {
    key: table.name for table in TABLES.values() for key in (table.name, _name_key(table.zh))
}
_COMBINED = re.compile(r"^(.+?)[(（](.+?)[)）]$")


def _table_of(stem: str) -> str | None:
    return _TABLE_LOOKUP.get(_name_key(stem))


def _column_lookup(table: Table) -> dict[str, str]:
    return {key: col.name for col in table.columns for key in (col.name.lower(), _name_key(col.zh))}


def _column_of(header: str, lookup: dict[str, str]) -> str | None:
    key = _name_key(header)
    if key in lookup:
        return lookup[key]
    combined = _COMBINED.match(key)
    if combined:
        found = {lookup.get(part) for part in combined.groups()} - {None}
        if len(found) == 1:
            return found.pop()
    return None


# ---------------------------------------------------------------------------------------
# turning a grid of cells (header row first) into a RawTable


def _grid_to_table(
    grid: pd.DataFrame, table: Table, file: Path, sheet: str, encoding: str
) -> tuple[RawTable, list[ReadProblem], list[str]]:
    """``grid``: every cell as text or missing, row 0 the header, no column names."""
    problems: list[ReadProblem] = []
    notes: list[str] = []
    where = f"{file.name}#{sheet}" if sheet else file.name
    header_row = grid.iloc[0] if len(grid) else pd.Series(dtype="str")
    body = grid.iloc[1:]
    body.index = pd.RangeIndex(2, len(grid) + 1, name=_ROW)
    lookup = _column_lookup(table)
    columns: dict[str, pd.Series] = {}
    headers: dict[str, str] = {}
    letters: dict[str, str] = {}
    ignored: list[str] = []
    for position, raw_header in enumerate(header_row):
        letter = get_column_letter(position + 1)
        header = "" if pd.isna(raw_header) else str(raw_header).strip()
        if not header:
            if _clean_text(body.iloc[:, position]).notna().any():
                ignored.append(letter)
            continue
        name = _column_of(header, lookup)
        if name is None:
            ignored.append(header)
        elif name in columns:
            first, first_letter = headers[name], letters[name]
            problems.append(
                ReadProblem(
                    "duplicate_column",
                    table.name,
                    str(file),
                    sheet,
                    f"{letter} 列“{header}”与 {first_letter} 列“{first}”都对应 {name}",
                    f"column {letter} {header!r} and column {first_letter} {first!r} "
                    f"both mean {name}",
                    row=1,
                    column=name,
                    header=header,
                    hint_zh="删除其中一列",
                    hint_en="delete one of the two columns",
                )
            )
        else:
            columns[name] = _clean_text(body.iloc[:, position])
            headers[name] = header
            letters[name] = letter
    if ignored:
        notes.append(
            bilingual(
                f"{where}：已忽略规范外的列 {'、'.join(ignored)}",
                f"{where}: ignored columns outside the contract: {', '.join(ignored)}",
            )
        )
    frame = pd.DataFrame(columns, index=body.index)
    if columns:
        frame = frame[frame.notna().any(axis=1)]
    return RawTable(table.name, str(file), sheet, frame, headers, encoding), problems, notes


def _clean_text(values: pd.Series) -> pd.Series:
    # Spaces around a value are invisible in Excel; a cell holding only spaces is empty.
    text = values.astype("str").str.strip()
    return text.where(text != "")


# ---------------------------------------------------------------------------------------
# CSV folders


def _decode_name(data: bytes) -> tuple[str, str]:
    """(codec, name shown to the user) that decodes ``data``; raises UnicodeDecodeError."""
    if data.startswith(codecs.BOM_UTF8):
        data[len(codecs.BOM_UTF8) :].decode("utf-8")
        return "utf-8-sig", "UTF-8 (BOM)"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        data.decode("gb18030")
        return "gb18030", "GB18030"
    return "utf-8", "UTF-8"


def _rare_characters(text: str) -> str:
    """A few of the characters outside GB2312 when they are most of a text's non-ASCII ones.

    Chinese text is almost all in GB2312's 6,763 common characters (a name's rare
    character is the exception); a Latin-1 file read as GB18030 pairs each accented
    letter with the next byte into a rare character ("Müller" → "M黮ler").
    """
    counts = collections.Counter(_NON_ASCII.findall(text))
    rare = {ch: n for ch, n in counts.items() if not _in_gb2312(ch)}
    if sum(rare.values()) < 3 or 2 * sum(rare.values()) <= sum(counts.values()):
        return ""
    return "".join(rare)[:5]


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _read_csv_grid(file: Path, table: str) -> tuple[pd.DataFrame, str] | ReadProblem:
    """Every cell of ``file`` as text, and the encoding used; or why it cannot be read."""

    def failed(
        zh: str, en: str, row: int | None = None, hint: tuple[str, str] = ("", "")
    ) -> ReadProblem:
        return ReadProblem(
            "unreadable_file",
            table,
            str(file),
            "",
            f"无法读取 {file.name}：{zh}",
            f"cannot read {file.name}: {en}",
            row=row,
            hint_zh=hint[0],
            hint_en=hint[1],
        )

    try:
        data = file.read_bytes()
    except OSError as exc:
        return failed(str(exc), str(exc))
    save_utf8 = ("在 Excel 中另存为“CSV UTF-8”", "save it from Excel as 'CSV UTF-8'")
    nul = data.find(b"\x00")
    if nul >= 0:
        # Text never holds NUL: a UTF-16 file ("Unicode text") or a damaged copy. Read on,
        # the NUL would reach the store and break whatever reads the value later.
        utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        return failed(
            "含 NUL 空字节（\\x00）" + ("：这是 UTF-16 文件" if utf16 else "：文件可能已损坏"),
            "it holds NUL bytes (\\x00)"
            + (": it is a UTF-16 file" if utf16 else ": the file may be damaged"),
            row=data.count(b"\n", 0, nul) + 1,
            hint=save_utf8,
        )
    try:
        codec, shown = _decode_name(data)
    except UnicodeDecodeError:
        return failed(
            "既不是 UTF-8 也不是 GBK/GB18030 编码", "neither UTF-8 nor GBK/GB18030", hint=save_utf8
        )
    if codec == "gb18030":
        rare = _rare_characters(data.decode(codec))
        if rare:
            return failed(
                f"按 GBK/GB18030 解码得到大量生僻字（如 {rare}），应是其他编码（如 Latin-1）",
                f"decoded as GBK/GB18030 it gives mostly rare characters (e.g. {rare}): "
                "it is in another encoding, such as Latin-1",
                hint=save_utf8,
            )
    try:
        grid = pd.read_csv(
            io.BytesIO(data),
            encoding=codec,
            header=None,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skip_blank_lines=False,
        )
    except pd.errors.EmptyDataError:
        return failed("文件为空", "the file is empty")
    except pd.errors.ParserError as exc:
        line = re.search(r"line (\d+), saw (\d+)", str(exc))
        if line is None:
            return failed(str(exc), str(exc))
        return failed(
            f"该行有 {line.group(2)} 个字段，多于表头的列数",
            f"the row has {line.group(2)} fields, more than the header",
            row=int(line.group(1)),
            hint=(
                "删除多余的逗号，或给含逗号的值加英文双引号",
                "remove the extra commas, or quote values that contain commas",
            ),
        )
    return grid, shown


def _read_folder(folder: Path, *, progress: bool) -> RawInputs:
    files = sorted(p for p in folder.iterdir() if not p.name.startswith((".", "~$")))
    csv_files = [p for p in files if p.is_file() and p.suffix.lower() == ".csv"]
    if not csv_files:
        raise InputError(
            bilingual(
                f"文件夹 {folder} 中没有 CSV 文件（每个表一个文件，如 events.csv 或 事件.csv）",
                f"folder {folder} holds no CSV file (one per table, e.g. events.csv or 事件.csv)",
            )
        )
    notes = [
        bilingual(f"已忽略非 CSV 文件 {p.name}", f"ignored {p.name}: not a CSV file")
        for p in files
        if p not in csv_files
    ]
    tables: dict[str, RawTable] = {}
    problems: list[ReadProblem] = []
    claimed: dict[str, Path] = {}
    encodings: dict[str, list[str]] = {}
    for file in tqdm(csv_files, desc="读取 reading", unit="file", disable=not progress):
        name = _table_of(file.stem)
        if name is None:
            notes.append(_unknown_note(file.name, "文件", "file"))
            continue
        if name in claimed:
            problems.append(_duplicate_table(name, str(file), "", claimed[name].name, file.name))
            continue
        claimed[name] = file
        read = _read_csv_grid(file, name)
        if isinstance(read, ReadProblem):
            problems.append(read)
            continue
        grid, encoding = read
        encodings.setdefault(encoding, []).append(file.name)
        raw, more_problems, more_notes = _grid_to_table(grid, TABLES[name], file, "", encoding)
        tables[name] = raw
        problems += more_problems
        notes += more_notes
    notes += [
        bilingual(
            f"按 {codec} 编码读取：{'、'.join(names)}", f"read as {codec}: {', '.join(names)}"
        )
        for codec, names in encodings.items()
    ]
    return RawInputs(str(folder), "csv", tables, tuple(problems), tuple(notes))


def _unknown_note(name: str, zh_kind: str, en_kind: str) -> str:
    return bilingual(
        f"已忽略{zh_kind} {name}：不是规范中的表名",
        f"ignored {en_kind} {name}: not a table of the data contract",
    )


def _duplicate_table(table: str, file: str, sheet: str, first: str, second: str) -> ReadProblem:
    spec = TABLES[table]
    return ReadProblem(
        "duplicate_table",
        table,
        file,
        sheet,
        f"{first} 与 {second} 都是表 {spec.zh}（{table}）",
        f"{first} and {second} are both table {table} ({spec.zh})",
        hint_zh="只保留一个",
        hint_en="keep only one of them",
    )


# ---------------------------------------------------------------------------------------
# Excel workbooks


def _cell_text(value: Any) -> Any:
    """One Excel cell as the text the user sees; missing stays missing."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _excel_grid(book: pd.ExcelFile, sheet: str) -> pd.DataFrame:
    grid = pd.read_excel(book, sheet_name=sheet, header=None, dtype=object)
    return grid.apply(lambda col: col.map(_cell_text).astype("str"))


def _read_workbook(path: Path, *, progress: bool) -> RawInputs:
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many kinds for a damaged or non-xlsx file
        raise InputError(
            bilingual(f"无法打开工作簿 {path}：{exc}", f"cannot open workbook {path}: {exc}")
        ) from exc
    tables: dict[str, RawTable] = {}
    problems: list[ReadProblem] = []
    notes: list[str] = []
    claimed: dict[str, str] = {}
    with book:
        for sheet in tqdm(
            book.sheet_names, desc="读取 reading", unit="sheet", disable=not progress
        ):
            name = _table_of(sheet)
            if name is None:
                notes.append(_unknown_note(sheet, "工作表", "sheet"))
                continue
            if name in claimed:
                problems.append(_duplicate_table(name, str(path), sheet, claimed[name], sheet))
                continue
            claimed[name] = sheet
            try:
                grid = _excel_grid(book, sheet)
            # A damaged sheet must not hide the other sheets' problems; openpyxl reports
            # damage as one of these (XML parse errors are SyntaxErrors).
            except (ValueError, KeyError, TypeError, OSError, SyntaxError) as exc:
                problems.append(
                    ReadProblem(
                        "unreadable_file",
                        name,
                        str(path),
                        sheet,
                        f"无法读取工作表 {sheet}：{exc}",
                        f"cannot read sheet {sheet}: {exc}",
                    )
                )
                continue
            raw, more_problems, more_notes = _grid_to_table(grid, TABLES[name], path, sheet, "")
            tables[name] = raw
            problems += more_problems
            notes += more_notes
    return RawInputs(str(path), "xlsx", tables, tuple(problems), tuple(notes))
