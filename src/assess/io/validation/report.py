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

import html
import math
import os
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from openpyxl.utils import get_column_letter
from tqdm.auto import tqdm

from assess.core.dataset import Dataset
from assess.core.display import frame_html
from assess.core.errors import DataValidationError, InputError, ParameterError, bilingual
from assess.core.excel import EXCEL_MAX_ROWS, keep_as_text, temporary_beside
from assess.core.periods import (
    parse_dates,
    parse_months,
    parse_quarter,
    parse_quarters,
    quarter_index,
    quarter_months,
    quarter_of,
)
from assess.core.schema import (
    KIND_DTYPES,
    KIND_EXPECTED,
    LEVELS,
    TABLE_NAMES,
    TABLES,
    Column,
    ForeignKey,
    Table,
)
from assess.io.readers import RawInputs, RawTable, ReadProblem, read_inputs

__all__ = [
    "RULES",
    "PROBLEM_COLUMNS",
    "ValidationReport",
    "ValidationResult",
    "validate",
    "check_inputs",
    "load_inputs",
]

#: Every rule: id → (Chinese, English) name. Problems carry the id in ``rule``.
RULES: dict[str, tuple[str, str]] = {
    "unreadable_file": ("文件无法读取", "file cannot be read"),
    "duplicate_table": ("表重复", "table given twice"),
    "duplicate_column": ("列重复", "column given twice"),
    "missing_table": ("缺少表", "missing table"),
    "missing_column": ("缺少列", "missing column"),
    "required": ("必填值为空", "required value empty"),
    "type": ("类型不符", "wrong kind of value"),
    "choice": ("取值不允许", "value not allowed"),
    "range": ("数值超出范围", "number out of range"),
    "duplicate_key": ("记录重复", "duplicate record"),
    "reference": ("引用不存在", "unknown reference"),
    "unit_level": ("单位层级不符", "unit at the wrong level"),
    "unit_tree": ("组织树不符", "broken organisation tree"),
    "unit_cycle": ("组织树成环", "cycle in the organisation tree"),
    "outside_periods": ("不在导入期间内", "outside the periods imported"),
}

#: Columns of :attr:`ValidationReport.problems`, in order.
PROBLEM_COLUMNS: tuple[str, ...] = (
    "table",
    "file",
    "sheet",
    "row",
    "column",
    "header",
    "value",
    "expected_zh",
    "expected_en",
    "rule",
    "message_zh",
    "message_en",
    "hint_zh",
    "hint_en",
)

_EXCEL_HEADERS = {
    "table": "表名",
    "file": "文件",
    "sheet": "工作表",
    "row": "行号",
    "header": "列名",
    "column": "英文列名",
    "value": "值",
    "expected_zh": "应为",
    "expected_en": "应为（英文）",
    "rule": "规则",
    "message_zh": "问题",
    "message_en": "问题（英文）",
    "hint_zh": "修改建议",
    "hint_en": "修改建议（英文）",
}
_PRINT_ROWS = 200
_LEVEL_ORDER = tuple(LEVELS)
_BOOL_WORDS = {
    "是": True,
    "否": False,
    "y": True,
    "n": False,
    "yes": True,
    "no": False,
    "true": True,
    "false": False,
    "1": True,
    "0": False,
    "党员": True,
    "非党员": False,
}
_DTYPES: dict[str, Any] = KIND_DTYPES


# ---------------------------------------------------------------------------------------
# the report


def _width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _fit(text: str, width: int) -> str:
    if _width(text) > width:
        while _width(text) > width - 1:
            text = text[:-1]
        text += "…"
    return text + " " * (width - _width(text))


def _empty_problems() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="str") for c in PROBLEM_COLUMNS})
    frame["row"] = frame["row"].astype("Int64")
    return frame


@dataclass(frozen=True, eq=False)
class ValidationReport:
    """Every problem found in one set of input tables.

    Attributes
    ----------
    problems : pandas.DataFrame
        One row per problem, columns :data:`PROBLEM_COLUMNS`: ``table``, ``file``,
        ``sheet`` (empty for CSV), ``row`` (the row as Excel shows it, header = 1;
        missing for a problem with a whole table or column), ``column`` (English name),
        ``header`` (as the user wrote it), ``value`` (found), ``expected_zh``/``expected_en``,
        ``rule`` (a key of :data:`RULES`), ``message_zh``/``message_en`` and
        ``hint_zh``/``hint_en`` (how to fix it; may be empty).
    source : str
        The folder or workbook checked.
    """

    problems: pd.DataFrame
    source: str = ""

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return self.problems.empty

    def __repr__(self) -> str:
        return f"ValidationReport(ok={self.ok}, problems={len(self.problems):,})"

    def to_frame(self) -> pd.DataFrame:
        """A copy of :attr:`problems`."""
        return self.problems.copy()

    def summary(self) -> str:
        """The printed report: :meth:`__str__`."""
        return str(self)

    def _headline(self) -> tuple[str, str]:
        n = len(self.problems)
        if self.ok:
            return "校验通过：未发现问题", "validation passed: no problems found"
        tables = self.problems["table"].nunique()
        return (
            f"校验未通过：共 {n:,} 个问题，涉及 {tables} 个表",
            f"validation failed: {n:,} problem{'s' * (n != 1)} in {tables} "
            f"table{'s' * (tables != 1)}",
        )

    def _rule_counts(self) -> tuple[str, str]:
        counts = self.problems["rule"].value_counts(sort=False)
        ordered = [(r, counts[r]) for r in RULES if r in counts.index]
        return (
            "；".join(f"{RULES[r][0]} {n:,}" for r, n in ordered),
            "; ".join(f"{RULES[r][1]} {n:,}" for r, n in ordered),
        )

    def __str__(self) -> str:
        zh, en = self._headline()
        lines = [f"来源 / source: {self.source}"] if self.source else []
        lines.append(bilingual(zh, en))
        if self.ok:
            return "\n".join(lines)
        lines.append(bilingual(*self._rule_counts()))
        lines.append("")
        lines += self._table_lines(self.problems.head(_PRINT_ROWS))
        more = len(self.problems) - _PRINT_ROWS
        if more > 0:
            lines.append(
                bilingual(
                    f"… 另有 {more:,} 个问题未显示；用 --problems 文件.xlsx 写出全部",
                    f"… {more:,} more not shown; --problems FILE.xlsx writes them all",
                )
            )
        hints = self.problems.head(_PRINT_ROWS)[["hint_zh", "hint_en"]].drop_duplicates()
        hints = hints[hints["hint_zh"] != ""]
        if len(hints):
            lines += ["", "修改建议 / how to fix:"]
            for hint_zh, hint_en in hints.head(10).itertuples(index=False):
                lines += [f"  · {hint_zh}", f"    {hint_en}"]
        return "\n".join(lines)

    def _table_lines(self, shown: pd.DataFrame) -> list[str]:
        # Two lines per problem: Chinese first (header as written), English second.
        has_sheet = bool((shown["sheet"] != "").any())
        cells = []
        for p in shown.to_dict("records"):
            row = "" if pd.isna(p["row"]) else str(p["row"])
            column_en = p["column"] if p["column"] != p["header"] else ""
            message_zh = p["message_zh"] + (
                f"；应为 {p['expected_zh']}" if p["expected_zh"] else ""
            )
            message_en = p["message_en"] + (
                f"; expected {p['expected_en']}" if p["expected_en"] else ""
            )
            # A line break inside a cell would break the table's alignment.
            value = " ".join(p["value"].split())
            sheet = [p["sheet"]] if has_sheet else []
            first: list[str] = [p["file"], *sheet, row, p["header"], value]
            second: list[str] = ["", *[""] * len(sheet), "", column_en, ""]
            cells.append((first, message_zh, second, message_en))
        titles = [["文件", "工作表", "行", "列", "值"], ["file", "sheet", "row", "column", "value"]]
        if not has_sheet:
            titles = [[t for i, t in enumerate(ts) if i != 1] for ts in titles]
        caps = [28, 16, 8, 24, 24] if has_sheet else [28, 8, 24, 24]
        widths = [
            min(
                cap,
                max(
                    [_width(titles[0][i]), _width(titles[1][i])]
                    + [_width(c[0][i]) for c in cells]
                    + [_width(c[2][i]) for c in cells]
                ),
            )
            for i, cap in enumerate(caps)
        ]

        def line(parts: list[str], message: str) -> str:
            return (
                "  ".join(_fit(x, w) for x, w in zip(parts, widths, strict=True)) + "  " + message
            )

        body = [
            text
            for first, message_zh, second, message_en in cells
            for text in (line(first, message_zh).rstrip(), line(second, message_en).rstrip())
        ]
        rule = "-" * min(100, max(_width(text) for text in body))
        return [line(titles[0], "问题"), line(titles[1], "problem"), rule, *body]

    def _repr_html_(self) -> str:
        zh, en = self._headline()
        shown = self.problems.rename(
            columns={c: f"{_EXCEL_HEADERS[c]} {c}" for c in PROBLEM_COLUMNS}
        )
        return (
            f"<div class='assess-result'><h4>{html.escape(zh)} / {html.escape(en)}</h4>"
            + ("" if self.ok else frame_html(shown, max_rows=_PRINT_ROWS))
            + "</div>"
        )

    def to_excel(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Write every problem to an Excel workbook with Chinese headers.

        The workbook holds a sheet ``问题清单`` (one row per problem) and a sheet ``汇总``
        (counts by table, column and rule). It is written to a temporary file beside
        ``path`` and moved into place, so a failed write never leaves half a file.

        Parameters
        ----------
        path : str or path-like
            The ``.xlsx`` file to write; missing folders are created.
        overwrite : bool, default False
            Replace an existing file; otherwise an existing file is an error.

        Returns
        -------
        pathlib.Path
            The file written.

        Raises
        ------
        ParameterError
            ``path`` does not end in ``.xlsx``.
        InputError
            The file exists and ``overwrite`` is false.
        """
        target = Path(path)
        if target.suffix.lower() != ".xlsx":
            raise ParameterError(
                "ValidationReport.to_excel", "path", "a file name ending in .xlsx", str(path)
            )
        if target.exists() and not overwrite:
            raise InputError(
                bilingual(
                    f"文件已存在：{target}（如需覆盖请加 --force）",
                    f"file exists: {target} (pass overwrite=True, or --force, to replace it)",
                )
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp_name = temporary_beside(target)
        try:
            _write_workbook(self.problems, tmp_name)
            os.replace(tmp_name, target)
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
        return target


def _write_workbook(problems: pd.DataFrame, path: str) -> None:
    shown = problems.assign(
        table=problems["table"].map({t: f"{spec.zh}（{t}）" for t, spec in TABLES.items()})
    )
    counts = shown.groupby(["table", "header", "rule"], sort=False).size().reset_index()
    counts.insert(3, "rule_zh", counts["rule"].map({r: zh for r, (zh, _) in RULES.items()}))
    counts.columns = ["表名", "列名", "规则", "规则说明", "问题数"]
    limit = EXCEL_MAX_ROWS - 1
    if len(shown) > limit:
        note = bilingual(
            f"仅写出前 {limit:,} 个问题（Excel 行数上限）",
            f"only the first {limit:,} problems written (Excel's row limit)",
        )
        counts = pd.concat([counts, pd.DataFrame({"表名": [note], "问题数": [len(shown)]})])
    sheets = {"问题清单": shown.head(limit).rename(columns=_EXCEL_HEADERS), "汇总": counts}
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            sheet.freeze_panes = "A2"
            for i, column in enumerate(frame.columns, start=1):
                texts = [column, *frame[column].head(500).astype("str").fillna("")]
                width = min(60, 2 + max(_width(t) for t in texts))
                sheet.column_dimensions[get_column_letter(i)].width = width
            # A bad value quoted from the data ("=HYPERLINK(...)") must stay text.
            keep_as_text(sheet)


@dataclass(frozen=True, eq=False)
class ValidationResult:
    """What :func:`validate` found.

    Attributes
    ----------
    report : ValidationReport
        Every problem found.
    dataset : Dataset or None
        The typed tables (dtypes as documented in :class:`~assess.core.dataset.Dataset`,
        choice values as codes), only when the report is clean.
    notes : tuple of str
        Bilingual notes: the encoding of each file, columns, files and sheets ignored,
        the periods being imported.
    """

    report: ValidationReport
    dataset: Dataset | None
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return self.report.ok

    def __repr__(self) -> str:
        return (
            f"ValidationResult(ok={self.ok}, problems={len(self.report.problems):,}, "
            f"notes={len(self.notes)})"
        )

    def summary(self) -> str:
        """The report followed by the notes."""
        notes = ["", "说明 / notes:"] + [f"  · {n}" for n in self.notes] if self.notes else []
        return "\n".join([str(self.report), *notes])

    def _repr_html_(self) -> str:
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        return self.report._repr_html_() + (f"<ul>{notes}</ul>" if notes else "")


# ---------------------------------------------------------------------------------------
# building problem rows


def _rows(
    raw: RawTable,
    mask: np.ndarray,
    *,
    rule: str,
    column: str,
    header: str,
    value: pd.Series | str,
    expected: tuple[pd.Series | str, pd.Series | str],
    message: tuple[pd.Series | str, pd.Series | str],
    hint: tuple[pd.Series | str, pd.Series | str] = ("", ""),
) -> pd.DataFrame | None:
    """Problems for the rows of ``raw`` where ``mask`` is true (Series align with rows)."""
    if not mask.any():
        return None

    rows = raw.frame.index.to_numpy()[mask]

    def pick(x: pd.Series | str) -> pd.Series:
        if isinstance(x, pd.Series):
            return x[mask].fillna("").astype("str").reset_index(drop=True)
        # Repeating a scalar in Arrow is a memory copy; broadcasting it through pandas
        # costs seconds when a whole column of millions of rows is wrong.
        return pd.Series(pa.repeat(pa.scalar(x, pa.large_string()), len(rows)), dtype="str")

    return pd.DataFrame(
        {
            "table": pick(raw.name),
            "file": pick(raw.file_name),
            "sheet": pick(raw.sheet),
            "row": rows,
            "column": pick(column),
            "header": pick(header),
            "value": pick(value),
            "expected_zh": pick(expected[0]),
            "expected_en": pick(expected[1]),
            "rule": pick(rule),
            "message_zh": pick(message[0]),
            "message_en": pick(message[1]),
            "hint_zh": pick(hint[0]),
            "hint_en": pick(hint[1]),
        }
    )


def _one(
    rule: str,
    table: str,
    *,
    file: str = "",
    sheet: str = "",
    row: int | None = None,
    column: str = "",
    header: str = "",
    value: str = "",
    expected: tuple[str, str] = ("", ""),
    message: tuple[str, str],
    hint: tuple[str, str] = ("", ""),
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "table": [table],
            "file": [file],
            "sheet": [sheet],
            "row": [row],
            "column": [column],
            "header": [header],
            "value": [value],
            "expected_zh": [expected[0]],
            "expected_en": [expected[1]],
            "rule": [rule],
            "message_zh": [message[0]],
            "message_en": [message[1]],
            "hint_zh": [hint[0]],
            "hint_en": [hint[1]],
        }
    )


def _from_read(p: ReadProblem) -> pd.DataFrame:
    return _one(
        p.rule,
        p.table,
        file=Path(p.file).name,
        sheet=p.sheet,
        row=p.row,
        column=p.column,
        header=p.header,
        value=p.value,
        message=(p.message_zh, p.message_en),
        hint=(p.hint_zh, p.hint_en),
    )


# ---------------------------------------------------------------------------------------
# per-column rules: kinds, required values, choices, ranges


@dataclass
class _Checked:
    """The typed columns of one table (invalid → missing) and which rows failed."""

    raw: RawTable
    values: dict[str, pd.Series]
    invalid: dict[str, np.ndarray]

    def header(self, column: str) -> str:
        return self.raw.headers.get(column) or TABLES[self.raw.name].column(column).zh

    def usable(self, column: str) -> bool:
        return column in self.raw.frame.columns


def _choice_text(col: Column) -> tuple[str, str]:
    return (
        "以下之一：" + "、".join(f"{k}（{v}）" for k, v in col.choices.items()),
        "one of: " + ", ".join(f"{k} ({v})" for k, v in col.choices.items()),
    )


def _parse(col: Column, text: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Typed values (unparseable → missing) and a mask of the values that parsed."""
    kind = col.kind
    if kind == "text":
        return text, text.notna().to_numpy()
    if kind in ("int", "float"):
        num = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        ok = np.isfinite(num)
        if kind == "int":
            # Beyond 2**53 a float no longer holds every whole number exactly.
            ok &= (num == np.round(num)) & (np.abs(num) < 2.0**53)
            return pd.Series(np.where(ok, num, np.nan), index=text.index).astype("Int64"), ok
        return pd.Series(np.where(ok, num, np.nan), index=text.index), ok
    typed: pd.Series
    if kind == "bool":
        typed = text.str.lower().map(_BOOL_WORDS).astype("boolean")
    elif kind == "choice":
        lookup = {k.lower(): k for k in col.choices} | {v: k for k, v in col.choices.items()}
        typed = text.str.lower().map(lookup).astype("str")
    elif kind == "date":
        typed = parse_dates(text)
    elif kind == "month":
        typed = parse_months(text).astype("str")
    else:
        typed = parse_quarters(text).astype("str")
    return typed, typed.notna().to_numpy()


_KIND_MESSAGES = {
    "int": ("不是整数", "not a whole number"),
    "float": ("不是数值", "not a number"),
    "bool": ("不是“是/否”", "not a yes/no value"),
    "date": ("不是有效日期", "not a valid date"),
    "month": ("不是有效月份", "not a valid month"),
    "quarter": ("不是有效季度", "not a valid quarter"),
    "choice": ("不是允许的取值", "not an allowed value"),
}
_KIND_HINTS = {
    "date": (
        "日期请写成 2026-05-01、2026/5/1 或 2026年5月1日",
        "write dates as 2026-05-01, 2026/5/1 or 2026年5月1日",
    ),
    "month": (
        "月份请写成 2026-05、2026/5 或 2026年5月",
        "write months as 2026-05, 2026/5 or 2026年5月",
    ),
    "quarter": (
        "季度请写成 2026Q3、2026-Q3 或 2026年第3季度",
        "write quarters as 2026Q3, 2026-Q3 or 2026年第3季度",
    ),
    "bool": ("填写 是 或 否", "write 是 (yes) or 否 (no)"),
    "choice": ("填写编码或其中文名称", "write the code or its Chinese name"),
    "int": (
        "只填数字，不带单位、千分位逗号或小数",
        "digits only: no units, separators or decimals",
    ),
    "float": ("只填数字，不带单位或千分位逗号", "digits only: no units or thousands separators"),
}


def _expected(col: Column) -> tuple[str, str]:
    if col.kind == "choice":
        return _choice_text(col)
    if col.kind == "bool":
        return (
            "是/否（或 Y/N、true/false、1/0、党员/非党员）",
            "yes/no: 是/否, Y/N, true/false, 1/0, 党员/非党员",
        )
    return KIND_EXPECTED[col.kind]


def _check_table(raw: RawTable) -> tuple[_Checked, list[pd.DataFrame]]:
    table = TABLES[raw.name]
    frames: list[pd.DataFrame | None] = []
    values: dict[str, pd.Series] = {}
    invalid: dict[str, np.ndarray] = {}
    n = len(raw.frame)
    present = [c for c in table.columns if c.name in raw.frame.columns]
    for col in table.columns:
        if col.name not in raw.frame.columns:
            values[col.name] = pd.Series(index=raw.frame.index, dtype=_DTYPES[col.kind])
            invalid[col.name] = np.zeros(n, dtype=bool)
            if col.required:
                hint = ("", "")
                if not present:
                    hint = (
                        "表头应在第 1 行，用中文列名或英文列名",
                        "the header must be row 1, with the Chinese or English column names",
                    )
                frames.append(
                    _one(
                        "missing_column",
                        raw.name,
                        file=raw.file_name,
                        sheet=raw.sheet,
                        column=col.name,
                        header=col.zh,
                        expected=(
                            f"列“{col.zh}”或“{col.name}”",
                            f"a column {col.zh} or {col.name}",
                        ),
                        message=(f"缺少必填列“{col.zh}”", f"required column {col.name} is missing"),
                        hint=hint,
                    )
                )
            continue
        text = raw.frame[col.name]
        header = raw.headers[col.name]
        missing = text.isna().to_numpy()
        typed, parsed = _parse(col, text)
        bad = ~missing & ~parsed
        where: dict[str, Any] = {"column": col.name, "header": header, "value": text}
        if col.required:
            frames.append(
                _rows(
                    raw,
                    missing,
                    rule="required",
                    **where,
                    expected=_expected(col),
                    message=("必填值为空", "required value is empty"),
                    hint=("填写该单元格", "fill in the cell"),
                )
            )
        if col.kind != "text":
            frames.append(
                _rows(
                    raw,
                    bad,
                    rule="choice" if col.kind == "choice" else "type",
                    **where,
                    expected=_expected(col),
                    message=_KIND_MESSAGES[col.kind],
                    hint=_KIND_HINTS[col.kind],
                )
            )
        out = np.zeros(n, dtype=bool)
        if col.minimum is not None:
            low = (typed < col.minimum).fillna(False).to_numpy(dtype=bool)
            frames.append(
                _rows(
                    raw,
                    low,
                    rule="range",
                    **where,
                    expected=(f"≥ {col.minimum:g}", f"≥ {col.minimum:g}"),
                    message=(f"小于下限 {col.minimum:g}", f"below the minimum {col.minimum:g}"),
                )
            )
            out |= low
        if col.maximum is not None:
            high = (typed > col.maximum).fillna(False).to_numpy(dtype=bool)
            frames.append(
                _rows(
                    raw,
                    high,
                    rule="range",
                    **where,
                    expected=(f"≤ {col.maximum:g}", f"≤ {col.maximum:g}"),
                    message=(f"大于上限 {col.maximum:g}", f"above the maximum {col.maximum:g}"),
                )
            )
            out |= high
        values[col.name] = typed
        invalid[col.name] = bad | out | (missing & col.required)
    return _Checked(raw, values, invalid), [f for f in frames if f is not None]


# ---------------------------------------------------------------------------------------
# rules across rows and tables


def _duplicates(checked: _Checked) -> pd.DataFrame | None:
    table = TABLES[checked.raw.name]
    keys = list(table.key)
    if not all(checked.usable(k) or not table.column(k).required for k in keys):
        return None
    valid = ~np.logical_or.reduce([checked.invalid[k] for k in keys])
    frame = pd.DataFrame({k: checked.values[k] for k in keys})[valid]
    repeated = frame.duplicated(keep=False)
    if not repeated.any():
        return None
    frame = frame[repeated]
    first = (
        frame.index.to_series()
        .groupby([frame[k] for k in keys], dropna=False, sort=False)
        .transform("min")
    )
    mask = pd.Series(False, index=checked.raw.frame.index)
    mask.loc[first.index[first.index != first.to_numpy()]] = True
    first_row = first.reindex(checked.raw.frame.index).astype("Int64").astype("str")
    shown = checked.raw.frame.reindex(columns=keys)
    value = shown[keys[0]].fillna("")
    for k in keys[1:]:
        value = value + " | " + shown[k].fillna("")
    headers = [checked.header(k) for k in keys]
    return _rows(
        checked.raw,
        mask.to_numpy(),
        rule="duplicate_key",
        column=", ".join(keys),
        header="、".join(headers),
        value=value,
        expected=(f"每个（{'、'.join(headers)}）只出现一次", f"each ({', '.join(keys)}) only once"),
        message=("与第 " + first_row + " 行重复", "repeats row " + first_row),
        hint=("删除重复行，或更正其中一行", "delete the repeated row or correct one of them"),
    )


def _leading_zero_hint(
    missing: pd.Series, known: pd.Series, ref_table: Table
) -> tuple[pd.Series, pd.Series]:
    """Hints naming the code a value probably was before Excel dropped its leading zeros."""
    stripped = known.dropna().drop_duplicates()
    stripped = pd.Series(stripped.to_numpy(), index=stripped.str.lstrip("0").to_numpy())
    stripped = stripped[~stripped.index.duplicated(keep=False)]
    guess = missing.str.lstrip("0").map(stripped)
    guess = guess.where(guess != missing)
    zh = ("可能是 Excel 去掉了前导零，应为 " + guess).fillna(
        f"先在{ref_table.zh}表中登记，或更正编号"
    )
    en = ("Excel may have dropped leading zeros: did you mean " + guess + "?").fillna(
        f"add it to {ref_table.name} first, or correct the code"
    )
    return zh, en


def _references(checked: _Checked, fk: ForeignKey, ref: _Checked) -> list[pd.DataFrame | None]:
    if not (checked.usable(fk.column) and ref.usable(fk.ref_column)):
        return []
    child = checked.values[fk.column]
    given = child.notna().to_numpy() & ~checked.invalid[fk.column]
    known = ref.values[fk.ref_column]
    exists = child.isin(known.dropna()).to_numpy()
    ref_table = TABLES[fk.ref_table]
    ref_header = ref_table.column(fk.ref_column).zh
    where: dict[str, Any] = {
        "column": fk.column,
        "header": checked.header(fk.column),
        "value": child,
    }
    missing = given & ~exists
    frames: list[pd.DataFrame | None] = []
    if missing.any():
        hint_zh, hint_en = _leading_zero_hint(child[missing], known, ref_table)
        frames.append(
            _rows(
                checked.raw,
                missing,
                rule="reference",
                **where,
                expected=(
                    f"{ref_table.zh}表中已有的{ref_header}",
                    f"an existing {fk.ref_table}.{fk.ref_column}",
                ),
                message=(
                    f"在{ref_table.zh}表的{ref_header}中找不到",
                    f"not found in {fk.ref_table}.{fk.ref_column}",
                ),
                hint=(hint_zh.reindex(child.index), hint_en.reindex(child.index)),
            )
        )
    if fk.levels and ref.usable("level"):
        level_of = pd.Series(ref.values["level"].to_numpy(), index=known.to_numpy())
        level_of = level_of[~level_of.index.duplicated() & level_of.index.notna()]
        actual = child.map(level_of)
        wrong = given & exists & ~actual.isin(fk.levels).to_numpy()
        want_zh = "或".join(LEVELS[lv] for lv in fk.levels)
        want_en = " or ".join(fk.levels)
        label = actual.map(LEVELS).astype("str")
        frames.append(
            _rows(
                checked.raw,
                wrong,
                rule="unit_level",
                **where,
                expected=(f"层级为{want_zh}的单位", f"a unit at level {want_en}"),
                message=(
                    "该单位是" + label + "，应为" + want_zh,
                    "the unit is a " + actual.astype("str") + ", not a " + want_en,
                ),
                hint=(f"改为所属{want_zh}的编码", f"use the code of the {want_en} it belongs to"),
            )
        )
    return frames


def _unit_tree(units: _Checked) -> list[pd.DataFrame | None]:
    if not all(units.usable(c) for c in ("unit_code", "level")):
        return []
    if not units.usable("parent_code"):
        # Optional values (the province has none), but the tree cannot be built without
        # the column: one problem, not one per unit.
        zh = TABLES["units"].column("parent_code").zh
        return [
            _one(
                "missing_column",
                "units",
                file=units.raw.file_name,
                sheet=units.raw.sheet,
                column="parent_code",
                header=zh,
                expected=(f"列“{zh}”或“parent_code”", f"a column {zh} or parent_code"),
                message=(
                    f"缺少列“{zh}”，无法建立组织树",
                    "column parent_code is missing: the organisation tree cannot be built",
                ),
            )
        ]
    code, level = units.values["unit_code"], units.values["level"]
    parent = units.values["parent_code"]
    first = ~code.duplicated().to_numpy() & code.notna().to_numpy()
    level_of = pd.Series(level.to_numpy()[first], index=code.to_numpy()[first])
    parent_level = parent.map(level_of).astype("str")
    # A unit hangs under any level above its own: a branch under a county, or directly
    # under a city company or the province (their own office branches).
    order = {name: i for i, name in enumerate(_LEVEL_ORDER)}
    above = level.map(dict(zip(_LEVEL_ORDER[1:], _LEVEL_ORDER[:-1], strict=True))).astype("str")
    is_root = (level == _LEVEL_ORDER[0]).to_numpy()
    has_parent = parent.notna().to_numpy()
    step_wrong = (
        has_parent
        & above.notna().to_numpy()
        & (parent_level.map(order) >= level.map(order)).fillna(False).to_numpy()
    )
    where: dict[str, Any] = {
        "column": "parent_code",
        "header": units.header("parent_code"),
        "value": parent,
    }
    return [
        _rows(
            units.raw,
            is_root & has_parent,
            rule="unit_tree",
            **where,
            expected=("空（省公司没有上级）", "empty: a province has no parent"),
            message=("省公司不应有上级单位", "a province has no parent unit"),
        ),
        _rows(
            units.raw,
            above.notna().to_numpy() & ~has_parent,
            rule="unit_tree",
            **where,
            expected=("上级单位编码", "the parent's unit code"),
            message=("只有省公司可以没有上级单位", "only a province may have no parent unit"),
            hint=("填写上级单位编码", "fill in the parent's unit code"),
        ),
        _rows(
            units.raw,
            step_wrong & parent_level.notna().to_numpy(),
            rule="unit_tree",
            **where,
            expected=(
                "层级高于" + level.map(LEVELS) + "的上级单位",
                "a parent above level " + level,
            ),
            message=(
                level.map(LEVELS) + "的上级不能是" + parent_level.map(LEVELS),
                "a " + level + "'s parent cannot be a " + parent_level,
            ),
            hint=(
                "组织树自上而下为 省公司→市公司→县公司→党支部，上级须高于本级",
                "the tree runs province → city → county → branch; a parent must be higher",
            ),
        ),
        _cycles(units, first),
    ]


def _cycles(units: _Checked, first: np.ndarray) -> pd.DataFrame | None:
    """Units on a cycle of parent codes (each unit is checked once, at its first row)."""
    codes = pd.Index(units.values["unit_code"].to_numpy()[first])
    parent = codes.get_indexer(units.values["parent_code"].to_numpy()[first])
    # Pointer doubling: after k rounds ``up`` points 2**k generations up. A chain still
    # going after more generations than there are units has entered a cycle, and the
    # unit it reached lies on that cycle.
    up = parent
    for _ in range(math.ceil(math.log2(len(codes) + 1)) + 1):
        up = np.where(up >= 0, up[up], -1)
    on_cycle = np.zeros(len(codes), dtype=bool)
    on_cycle[up[up >= 0]] = True
    # Walk each cycle once round from the units found on it.
    while not on_cycle[parent[on_cycle]].all():
        on_cycle[parent[on_cycle]] = True
    mask = units.values["unit_code"].isin(codes[on_cycle]).to_numpy() & first
    return _rows(
        units.raw,
        mask,
        rule="unit_cycle",
        column="parent_code",
        header=units.header("parent_code"),
        value=units.values["parent_code"],
        expected=("通向省公司的上级链", "a chain of parents ending at a province"),
        message=(
            "上级单位链成环，到不了省公司",
            "the chain of parent units loops back and never reaches a province",
        ),
        hint=("检查这些单位的上级单位编码", "check the parent codes of these units"),
    )


# ---------------------------------------------------------------------------------------
# periods


def _month_number(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def _describe(values: Iterable[str], number: Callable[[str], int]) -> tuple[str, str]:
    """Sorted periods as runs: ``2024-01 至 2026-09`` / ``2024-01 to 2026-09``."""
    ordered = sorted(set(values), key=number)
    runs: list[list[str]] = []
    for v in ordered:
        if runs and number(v) == number(runs[-1][-1]) + 1:
            runs[-1].append(v)
        else:
            runs.append([v])
    zh = [r[0] if len(r) == 1 else f"{r[0]} 至 {r[-1]}" for r in runs[:5]]
    en = [r[0] if len(r) == 1 else f"{r[0]} to {r[-1]}" for r in runs[:5]]
    more = ("、…", ", …") if len(runs) > 5 else ("", "")
    return "、".join(zh) + more[0], ", ".join(en) + more[1]


def _periods_arg(periods: Iterable[str] | str | None, func: str) -> list[str] | None:
    if periods is None:
        return None
    given = [periods] if isinstance(periods, str) else list(periods)
    parsed = [parse_quarter(p) for p in given]
    if not given or any(p is None for p in parsed):
        raise ParameterError(
            func,
            "periods",
            "quarters such as '2026Q3' or '2026年第3季度'",
            periods,
            zh=f"{func}：参数 periods 应为季度，如 2026Q3，实际为 {periods!r}",
        )
    return [p for p in parsed if p is not None]


def _outside_periods(
    checked: _Checked, months: set[str], quarters: set[str]
) -> pd.DataFrame | None:
    table = TABLES[checked.raw.name]
    column = table.period
    if column is None or not checked.usable(column):
        return None
    values = checked.values[column]
    kind = table.column(column).kind
    if kind == "date":
        number = (values.dt.year * 12 + values.dt.month - 1).to_numpy(dtype=float, na_value=np.nan)
        inside = np.isin(number, [_month_number(m) for m in months])
        allowed = _describe(months, _month_number)
    elif kind == "month":
        inside = values.isin(months).to_numpy()
        allowed = _describe(months, _month_number)
    else:
        inside = values.isin(quarters).to_numpy()
        allowed = _describe(quarters, quarter_index)
    outside = values.notna().to_numpy() & ~inside
    return _rows(
        checked.raw,
        outside,
        rule="outside_periods",
        column=column,
        header=checked.header(column),
        value=checked.raw.frame[column],
        expected=(f"导入期间内：{allowed[0]}", f"inside the periods imported: {allowed[1]}"),
        message=("不在导入期间内", "outside the periods being imported"),
        hint=(
            "核对日期；其他期间的数据请单独导入，或用 --periods 指定导入的季度",
            "check it; import other periods separately, or name the quarters with --periods",
        ),
    )


# ---------------------------------------------------------------------------------------
# putting it together


def _sorted(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """All problems in reading order: table by table, row by row, column by column."""
    if not frames:
        return _empty_problems()
    # Every frame holds one table and one column: rank frames, not millions of rows.
    column_rank = {(t.name, c.name): i for t in TABLES.values() for i, c in enumerate(t.columns)}
    table_rank = {t: i for i, t in enumerate(TABLE_NAMES)}
    ranks = []
    for f in frames:
        table, column = str(f["table"].iat[0]), str(f["column"].iat[0]).split(",")[0]
        ranks.append((table_rank.get(table, -1), column_rank.get((table, column), -1), len(f)))
    problems = pd.concat(frames, ignore_index=True)
    problems["row"] = problems["row"].astype("Int64")
    order = np.lexsort(
        (
            np.repeat([c for _, c, _ in ranks], [n for *_, n in ranks]),
            problems["row"].fillna(0).to_numpy(dtype=np.int64),
            np.repeat([t for t, _, _ in ranks], [n for *_, n in ranks]),
        )
    )
    problems = problems.take(order).reset_index(drop=True)
    for c in PROBLEM_COLUMNS:
        if c != "row":
            problems[c] = problems[c].fillna("").astype("str")
    return problems[list(PROBLEM_COLUMNS)]


def _typed_frame(checked: _Checked) -> pd.DataFrame:
    table = TABLES[checked.raw.name]
    return pd.DataFrame(
        {c.name: checked.values[c.name].astype(_DTYPES[c.kind]) for c in table.columns}
    ).reset_index(drop=True)


def _empty_typed(table: Table) -> pd.DataFrame:
    return pd.DataFrame({c.name: pd.Series(dtype=_DTYPES[c.kind]) for c in table.columns})


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
    points and exam responses by quarter, KPIs and exposure by month).

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
