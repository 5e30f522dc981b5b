"""The validation report: rule ids, the problems table, its printed, HTML and Excel forms.

:class:`ValidationReport` holds every problem found, one row each; :class:`ValidationResult`
adds the typed Dataset and notes. The rule modules build their problem rows with
``_rows`` (many rows of a table at once) and ``_one`` (a whole table or column).
"""

from __future__ import annotations

import html
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from openpyxl.utils import get_column_letter

from assess.core.dataset import Dataset
from assess.core.display import frame_html
from assess.core.errors import InputError, ParameterError, bilingual
from assess.core.excel import EXCEL_MAX_ROWS, keep_as_text, temporary_beside
from assess.core.schema import TABLE_NAMES, TABLES
from assess.io.readers import RawTable, ReadProblem

__all__ = [
    "RULES",
    "PROBLEM_COLUMNS",
    "ValidationReport",
    "ValidationResult",
]

#: Every rule: id → (Chinese, English) name. Problems carry the id in ``rule``.
RULES: dict[str, tuple[str, str]] = {
    "unreadable_file": ("文件无法读取", "file cannot be read"),
    "duplicate_table": ("表重复", "table given twice"),
    "duplicate_column": ("列重复", "column given twice"),
    "missing_table": ("缺少表", "missing table"),
    "empty_table": ("表中没有数据", "table without data rows"),
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
    "date_order": ("日期先后颠倒", "dates in the wrong order"),
    "garbled_text": ("乱码", "garbled text"),
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
                    f"文件已存在：{target}（如需覆盖请加 --overwrite）",
                    f"file exists: {target} (pass overwrite=True, or --overwrite, to replace it)",
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


def _write_workbook(problems: pd.DataFrame, path: str | os.PathLike[str]) -> None:
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
