"""Per-cell rules of one table: value kinds, required values, choices, ranges.

:func:`_check_table` parses every column of a text table into its typed values and
records which cells failed, so the rules across rows and tables see typed values only.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from assess.core.errors import bilingual
from assess.core.periods import parse_dates, parse_months, parse_quarters
from assess.core.schema import KIND_DTYPES, KIND_EXPECTED, TABLES, Column, Table
from assess.io.readers import RawTable
from assess.io.validation.report import _one, _rows

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


@dataclass
class _Checked:
    """The typed columns of one table (invalid → missing) and which rows failed."""

    raw: RawTable
    values: dict[str, pd.Series]
    invalid: dict[str, np.ndarray]
    notes: list[str] = field(default_factory=list)

    def header(self, column: str) -> str:
        return self.raw.headers.get(column) or TABLES[self.raw.name].column(column).zh

    def usable(self, column: str) -> bool:
        return column in self.raw.frame.columns


def _choice_text(col: Column) -> tuple[str, str]:
    return (
        "以下之一：" + "、".join(f"{k}（{v}）" for k, v in col.choices.items()),
        "one of: " + ", ".join(f"{k} ({v})" for k, v in col.choices.items()),
    )


def _code_columns(table: Table) -> set[str]:
    """Text columns that hold codes: keys and both ends of every reference."""
    codes = set(table.key) | {fk.column for fk in table.foreign_keys}
    codes |= {
        fk.ref_column
        for other in TABLES.values()
        for fk in other.foreign_keys
        if fk.ref_table == table.name
    }
    return {c.name for c in table.columns if c.kind == "text" and c.name in codes}


def _nfkc(text: pd.Series) -> pd.Series:
    """Full-width digits, letters and signs (１２３, ２０２６－０５) folded to ASCII by NFKC.

    ``text`` itself when nothing changes. ASCII is left as it is by NFKC, so only values
    with another character are folded (one vectorised test for millions of codes).
    """
    wide = text.str.contains(r"[^\x00-\x7f]", regex=True).fillna(False).to_numpy(dtype=bool)
    if not wide.any():
        return text
    uniques = pd.unique(text[wide])
    mapping = {u: unicodedata.normalize("NFKC", u) for u in uniques}
    if all(k == v for k, v in mapping.items()):
        return text
    folded = text.copy()
    folded[wide] = text[wide].map(mapping)
    return folded


def _full_width_note(raw: RawTable, header: str, text: pd.Series, folded: pd.Series) -> str:
    changed = (folded != text).fillna(False).to_numpy(dtype=bool)
    n = int(changed.sum())
    where = f"{raw.file_name}#{raw.sheet}" if raw.sheet else raw.file_name
    example = f"{text[changed].iloc[0]} → {folded[changed].iloc[0]}"
    return bilingual(
        f"{where} 列“{header}”：{n:,} 个值含全角字符，已转为半角（如 {example}）",
        f"{where} column {header}: {n:,} full-width value{'s' * (n != 1)} read as ASCII "
        f"(e.g. {example})",
    )


# Dates and months written as bare digits (ISO 8601 basic form, GB/T 7408: 20260501,
# 202605): read year-month-day, the only order Chinese forms use, and noted.
_BARE_DIGITS = {
    "date": (r"\d{8}", "8", "20260501", "2026-05-01"),
    "month": (r"\d{6}|\d{8}", "6/8", "202605", "2026-05"),
}


def _bare_digits_note(raw: RawTable, col: Column, text: pd.Series, parsed: np.ndarray) -> str:
    pattern, width, example, read_as = _BARE_DIGITS[col.kind]
    bare = text.str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool) & parsed
    n = int(bare.sum())
    if not n:
        return ""
    first = str(text[bare].iloc[0])
    where = f"{raw.file_name}#{raw.sheet}" if raw.sheet else raw.file_name
    header = raw.headers.get(col.name, col.zh)
    kind_zh = "日期" if col.kind == "date" else "月份"
    return bilingual(
        f"{where} 列“{header}”：{n:,} 个{kind_zh}写作 {width} 位数字（如 {first}），"
        f"已按年月日读取（{example} → {read_as}）",
        f"{where} column {header}: {n:,} {col.kind}{'s' * (n != 1)} written as {width} "
        f"digits (e.g. {first}) read as year, month, day ({example} → {read_as})",
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
    notes: list[str] = []
    n = len(raw.frame)
    present = [c for c in table.columns if c.name in raw.frame.columns]
    codes = _code_columns(table)
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
        folded = text if col.kind == "text" and col.name not in codes else _nfkc(text)
        if folded is not text:
            notes.append(_full_width_note(raw, header, text, folded))
        typed, parsed = _parse(col, folded)
        if col.kind in _BARE_DIGITS:
            note = _bare_digits_note(raw, col, folded, parsed)
            if note:
                notes.append(note)
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
    return _Checked(raw, values, invalid, notes), [f for f in frames if f is not None]
