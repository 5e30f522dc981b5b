"""The parameters contract of a report template, and validation of the values given.

A template has exactly one code cell tagged ``parameters``. Every line of it is an
annotated assignment with a literal default and a bilingual comment::

    quarter: str = "2026Q3"  # 考评季度 / quarter to appraise
    unit: str = "00"  # 单位编码 / unit code
    seed: int = 2026  # 随机种子 / random seed

Supported annotations are :data:`TYPES`. :func:`read_parameters` reads the declarations
with :mod:`ast` (anything else in the cell is a :class:`TemplateError` for the template's
author); :func:`validate_parameters` checks given values against them before anything
runs: unknown names and mistyped values are errors naming the parameter, and text from
the command line is converted to the declared type (a unit code ``"0101"`` declared
``str`` stays ``"0101"``).
"""

from __future__ import annotations

import ast
import difflib
import io
import math
import os
import re
import tokenize
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from assess.core.errors import bilingual
from assess.report.errors import ReportParameterError, TemplateError
from assess.report.templates import find_template

__all__ = ["TYPES", "Parameter", "parameters_cell", "read_parameters", "validate_parameters"]

#: Annotations a template may declare, as written in the ``parameters`` cell.
TYPES: tuple[str, ...] = ("str", "int", "float", "bool", "list[str]")

_TRUE = ("是", "true", "yes", "y", "1")
_FALSE = ("否", "false", "no", "n", "0")
_INT = re.compile(r"[+-]?\d+")
# "中文 / English": the first slash followed by a space ("是/否 / yes or no" splits once).
_COMMENT_SEP = re.compile(r"\s*/\s+")
_LIST_SEP = re.compile(r"\s*[,，、]\s*")
_TYPE_ZH = {"str": "文本", "int": "整数", "float": "数值", "bool": "是/否", "list[str]": "文本列表"}


@dataclass(frozen=True)
class Parameter:
    """One declared parameter of a template.

    Attributes
    ----------
    name : str
        The variable name.
    type : str
        One of :data:`TYPES`.
    default : object
        The default value (of the declared type).
    zh, en : str
        The comment: what the parameter means, in Chinese and in English.
    """

    name: str
    type: str
    default: Any
    zh: str
    en: str

    def describe(self) -> str:
        """One line for ``--list-params``: name, type, default, meaning.

        Examples
        --------
        >>> Parameter("unit", "str", "00", "单位编码", "unit code").describe()
        "unit: str = '00'  单位编码 / unit code"
        """
        return f"{self.name}: {self.type} = {self.default!r}  {bilingual(self.zh, self.en)}"


def parameters_cell(nb: nbformat.NotebookNode, *, source: str = "") -> int:
    """Index of the one code cell tagged ``parameters``; a :class:`TemplateError` otherwise."""
    found = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", [])
    ]
    if len(found) != 1:
        raise TemplateError(
            bilingual(
                f"模板 {source} 应恰有一个标记为 parameters 的代码单元，实际有 {len(found)} 个",
                f"template {source} must have exactly one code cell tagged 'parameters'; "
                f"it has {len(found)}",
            )
        )
    return found[0]


def read_parameters(
    template: str | os.PathLike[str] | nbformat.NotebookNode,
) -> tuple[Parameter, ...]:
    """The parameters a template declares, in the order of its ``parameters`` cell.

    Parameters
    ----------
    template : str, path or NotebookNode
        A template name (``quarterly``, ``quarterly_appraisal``), a notebook file or a
        notebook already read.

    Returns
    -------
    tuple of Parameter

    Raises
    ------
    TemplateError
        No or several ``parameters`` cells; a statement that is not an annotated
        assignment of a literal; an unsupported annotation; a default of another type;
        a missing ``# 中文 / English`` comment; a name declared twice.
    ReportError
        An unknown template name.

    Examples
    --------
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
    ...     'unit: str = "0101"  # 单位编码 / unit code', metadata={"tags": ["parameters"]})])
    >>> read_parameters(nb)[0]
    Parameter(name='unit', type='str', default='0101', zh='单位编码', en='unit code')
    """
    nb, source = _load(template)
    return _declarations(nb, source)


def _declarations(nb: nbformat.NotebookNode, source: str) -> tuple[Parameter, ...]:
    text = nb.cells[parameters_cell(nb, source=source)].source
    where = f"{source} parameters"
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        raise TemplateError(
            bilingual(
                f"{where} 单元有语法错误：{exc.msg}（第 {exc.lineno} 行）",
                f"{where} cell: syntax error: {exc.msg} (line {exc.lineno})",
            )
        ) from exc
    comments = _comments(text)
    params: dict[str, Parameter] = {}
    for node in tree.body:
        param = _declaration(node, comments, where)
        if param.name in params:
            raise TemplateError(
                bilingual(
                    f"{where}：参数 {param.name!r} 声明了两次",
                    f"{where}: parameter {param.name!r} declared twice",
                )
            )
        params[param.name] = param
    return tuple(params.values())


def validate_parameters(
    template: str | os.PathLike[str] | nbformat.NotebookNode, given: Mapping[str, Any]
) -> dict[str, Any]:
    """Check values for a template's parameters and return every parameter's value.

    Parameters
    ----------
    template : str, path or NotebookNode
        As for :func:`read_parameters`.
    given : mapping of str to object
        Values to set. Text (as from the command line) is converted to the declared type:
        ``int`` from ``"3"``, ``float`` from ``"0.5"``, ``bool`` from 是/否/true/false/
        yes/no/1/0, ``list[str]`` from comma-separated text; ``str`` stays text as given.

    Returns
    -------
    dict
        Every declared parameter in declaration order: the given value, converted, or the
        default.

    Raises
    ------
    ReportParameterError
        An unknown name (listing the accepted ones), or a value that does not fit the
        declared type (e.g. a unit code given as a number, which would lose its leading
        zeros).

    Examples
    --------
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
    ...     'unit: str = "00"  # 单位编码 / unit code\\n'
    ...     'draws: int = 100  # 抽样次数 / draws', metadata={"tags": ["parameters"]})])
    >>> validate_parameters(nb, {"unit": "0101", "draws": "3"})
    {'unit': '0101', 'draws': 3}
    """
    nb, source = _load(template)
    declared = {p.name: p for p in _declarations(nb, source)}
    if not isinstance(given, Mapping):
        raise ReportParameterError(
            bilingual("参数应为 名称→取值 的映射", f"parameters must be a mapping; got {given!r}")
        )
    unknown = [name for name in given if name not in declared]
    if unknown:
        raise ReportParameterError(_unknown_message(source, unknown[0], list(declared)))
    values = {name: p.default for name, p in declared.items()}
    for name, value in given.items():
        values[name] = _convert(declared[name], value, source)
    return values


# --------------------------------------------------------------------------- helpers


def _load(
    template: str | os.PathLike[str] | nbformat.NotebookNode,
) -> tuple[nbformat.NotebookNode, str]:
    if isinstance(template, nbformat.NotebookNode):
        return template, "notebook"
    path = find_template(template)
    return _read_notebook(path, path.stat().st_mtime_ns), path.stem


_CACHE: dict[tuple[Path, int], nbformat.NotebookNode] = {}


def _read_notebook(path: Path, mtime_ns: int) -> nbformat.NotebookNode:
    # Templates are read several times per run (validation, provenance, execution).
    key = (path, mtime_ns)
    if key not in _CACHE:
        try:
            _CACHE[key] = nbformat.read(path, as_version=4)
        # A path that is no notebook: nbformat raises many kinds (not JSON, not text,
        # JSON of another shape is a jsonschema ValidationError).
        except Exception as exc:
            raise TemplateError(
                bilingual(
                    f"{path} 不是 Jupyter 笔记本（.ipynb）：{type(exc).__name__}",
                    f"{path} is not a Jupyter notebook (.ipynb): {type(exc).__name__}",
                )
            ) from None
    return _CACHE[key]


def _comments(text: str) -> dict[int, str]:
    """Line number → comment text (without ``#``) of a cell's source."""
    out: dict[int, str] = {}
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.COMMENT:
            out[tok.start[0]] = tok.string.lstrip("#").strip()
    return out


def _declaration(node: ast.stmt, comments: dict[int, str], where: str) -> Parameter:
    line = getattr(node, "lineno", "?")
    if not (
        isinstance(node, ast.AnnAssign)
        and isinstance(node.target, ast.Name)
        and node.value is not None
    ):
        raise TemplateError(
            bilingual(
                f"{where} 单元第 {line} 行：只能写带类型注解的赋值，如 "
                'quarter: str = "2026Q3"  # 考评季度 / quarter',
                f"{where} cell, line {line}: only annotated assignments are allowed, e.g. "
                'quarter: str = "2026Q3"  # 考评季度 / quarter',
            )
        )
    name = node.target.id
    kind = ast.unparse(node.annotation)
    if kind not in TYPES:
        raise TemplateError(
            bilingual(
                f"{where}：参数 {name!r} 的类型 {kind} 不受支持；可用 {', '.join(TYPES)}",
                f"{where}: parameter {name!r} has unsupported type {kind}; "
                f"supported: {', '.join(TYPES)}",
            )
        )
    try:
        default = ast.literal_eval(node.value)
    except ValueError as exc:
        raise TemplateError(
            bilingual(
                f"{where}：参数 {name!r} 的默认值须为字面量",
                f"{where}: the default of parameter {name!r} must be a literal",
            )
        ) from exc
    if not _fits(kind, default):
        raise TemplateError(
            bilingual(
                f"{where}：参数 {name!r} 的默认值 {default!r} 不是 {kind}",
                f"{where}: the default {default!r} of parameter {name!r} is not a {kind}",
            )
        )
    comment = comments.get(node.end_lineno or node.lineno, "")
    zh, *rest = _COMMENT_SEP.split(comment, maxsplit=1)
    en = rest[0] if rest else ""
    if not (zh.strip() and en.strip()):
        raise TemplateError(
            bilingual(
                f"{where}：参数 {name!r} 须带注释 “# 中文说明 / English meaning”",
                f"{where}: parameter {name!r} needs a comment '# 中文说明 / English meaning'",
            )
        )
    return Parameter(name, kind, default, zh.strip(), en.strip())


def _fits(kind: str, value: Any) -> bool:
    if kind == "str":
        return isinstance(value, str)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "float":
        return (
            isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        )
    if kind == "bool":
        return isinstance(value, bool)
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _convert(param: Parameter, value: Any, source: str) -> Any:
    kind = param.type
    if isinstance(value, str) and kind != "str":
        text = value.strip()
        if kind == "int" and _INT.fullmatch(text):
            return int(text)
        if kind == "float":
            try:
                number = float(text)
            except ValueError:
                number = math.nan
            if math.isfinite(number):
                return number
        if kind == "bool" and text.lower() in _TRUE + _FALSE:
            return text.lower() in _TRUE
        if kind == "list[str]":
            return [] if not text else _LIST_SEP.split(text)
    elif kind == "float" and _fits("int", value):
        return float(value)
    elif kind == "list[str]" and isinstance(value, tuple):
        value = list(value)
    if _fits(kind, value) and not (kind != "str" and isinstance(value, str)):
        return value
    hint_zh = hint_en = ""
    if kind == "str" and isinstance(value, int | float) and not isinstance(value, bool):
        hint_zh = '；编码请写成文本（如 "0101"），数字会丢掉前导零'
        hint_en = '; write codes as text (e.g. "0101"): a number loses leading zeros'
    accepted = {"bool": "是/否、true/false", "list[str]": "逗号分隔的文本 comma-separated text"}
    raise ReportParameterError(
        bilingual(
            f"报告模板 {source} 的参数 {param.name!r}（{param.zh}）应为{_TYPE_ZH[kind]}"
            f"{'（' + accepted[kind] + '）' if kind in accepted else ''}，"
            f"实际为 {value!r}{hint_zh}",
            f"template {source}: parameter {param.name!r} ({param.en}) must be {kind}; "
            f"got {value!r}{hint_en}",
        )
    )


def _unknown_message(source: str, name: str, accepted: list[str]) -> str:
    close = difflib.get_close_matches(name, accepted, n=1)
    zh_hint = f"；是否想写 {close[0]!r}？" if close else ""
    en_hint = f"; did you mean {close[0]!r}?" if close else ""
    listed = ", ".join(accepted)
    return bilingual(
        f"报告模板 {source} 没有参数 {name!r}；可用参数：{listed}{zh_hint}",
        f"template {source} has no parameter {name!r}; accepted: {listed}{en_hint}",
    )
