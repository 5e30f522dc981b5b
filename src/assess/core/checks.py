"""Checks of common arguments, one message shape for all of them.

Every public function checks its confidence level, quarter, seed, counts, shares, flags,
choices and required table columns here, and raises
:class:`~assess.core.errors.ParameterError` with the same bilingual wording: the function,
the parameter, what is accepted (in Chinese and in English) and what was given.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from assess.core.errors import ParameterError
from assess.core.periods import QUARTER_ACCEPTS, parse_quarter

__all__ = [
    "check_bool",
    "check_choice",
    "check_confidence",
    "check_int",
    "check_path",
    "check_probability",
    "check_quarter",
    "check_unit",
    "check_seed",
    "require_columns",
]


def _reject(func: str, name: str, zh: str, en: str, got: Any) -> ParameterError:
    """The one error shape: ``zh`` and ``en`` say what ``name`` accepts."""
    return ParameterError(func, name, en, got, zh=f"{func}：参数 {name!r} 应为{zh}，实际为 {got!r}")


def check_choice(func: str, name: str, value: Any, choices: tuple[Any, ...]) -> Any:
    """Return ``value`` if it is one of ``choices``, else raise :class:`ParameterError`.

    Examples
    --------
    >>> check_choice("f", "alternative", "less", ("two-sided", "less", "greater"))
    'less'
    """
    if not any(_same(value, choice) for choice in choices):
        shown = ", ".join(repr(c) for c in choices)
        raise _reject(func, name, f"以下之一：{shown}", f"one of {shown}", value)
    return value


def check_confidence(func: str, confidence: Any, *, name: str = "confidence") -> float:
    """A confidence level strictly between 0 and 1, or ParameterError.

    Examples
    --------
    >>> check_confidence("f", 0.9)
    0.9
    """
    if not _is_number(confidence) or not 0.0 < float(confidence) < 1.0:
        raise _reject(
            func,
            name,
            "严格介于 0 与 1 之间的数（如 0.95）",
            "a number strictly between 0 and 1, e.g. 0.95",
            confidence,
        )
    return float(confidence)


def check_probability(func: str, name: str, value: Any) -> float:
    """A share or probability from 0 to 1 (both included), or ParameterError.

    Examples
    --------
    >>> check_probability("f", "share", 0.25)
    0.25
    """
    if not _is_number(value) or not 0.0 <= float(value) <= 1.0:
        raise _reject(
            func, name, "0 到 1 之间的数（含两端）", "a number between 0 and 1 (inclusive)", value
        )
    return float(value)


def check_quarter(func: str, quarter: Any, *, name: str = "quarter") -> str:
    """A quarter as ``"YYYYQn"``, parsed from any spelling :func:`parse_quarter` reads.

    Examples
    --------
    >>> check_quarter("f", "2026年第3季度")
    '2026Q3'
    """
    parsed = parse_quarter(quarter)
    if parsed is None:
        raise _reject(func, name, *QUARTER_ACCEPTS, quarter)
    return parsed


def check_unit(func: str, unit: Any, units: pd.DataFrame, *, name: str = "unit") -> str:
    """A unit code (always a code, never a name) found in the ``units`` table.

    Examples
    --------
    >>> check_unit("f", "01", pd.DataFrame({"unit_code": ["00", "01"]}))
    '01'
    """
    if not isinstance(unit, str) or not units["unit_code"].eq(unit).any():
        raise _reject(func, name, "组织机构表中的单位编码", "a unit_code of the units table", unit)
    return unit


def check_int(func: str, name: str, value: Any, *, minimum: int | None = None) -> int:
    """A whole number (not a bool, not a float), at least ``minimum`` if given.

    For counts of draws, permutations or days; :func:`check_seed` for seeds.

    Examples
    --------
    >>> check_int("f", "draws", 1000, minimum=1)
    1000
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, int | np.integer)
        or (minimum is not None and value < minimum)
    ):
        if minimum is None:
            raise _reject(func, name, "整数", "a whole number", value)
        raise _reject(func, name, f"不小于 {minimum} 的整数", f"a whole number ≥ {minimum}", value)
    return int(value)


def check_seed(func: str, seed: Any, *, name: str = "seed") -> int:
    """A random seed: a whole number ≥ 0, what every NumPy generator takes.

    Examples
    --------
    >>> check_seed("f", 2026)
    2026
    """
    return check_int(func, name, seed, minimum=0)


def check_path(func: str, name: str, value: Any) -> Path:
    """A file or folder path given as text or :class:`os.PathLike`.

    Examples
    --------
    >>> check_path("f", "path", "data/assess.duckdb").name
    'assess.duckdb'
    """
    if not isinstance(value, str | os.PathLike):
        raise _reject(func, name, "路径（文本或 Path）", "a path (str or os.PathLike)", value)
    return Path(value)


def check_bool(func: str, name: str, value: Any) -> bool:
    """A flag: ``True`` or ``False`` (NumPy booleans too), never a truthy string or number.

    Examples
    --------
    >>> check_bool("f", "overwrite", True)
    True
    """
    if not isinstance(value, bool | np.bool_):
        raise _reject(func, name, "True 或 False", "True or False", value)
    return bool(value)


def _same(value: Any, choice: Any) -> bool:
    """``value == choice`` that never raises (arrays, odd types) and keeps True apart from 1."""
    if isinstance(value, bool) != isinstance(choice, bool):
        return False
    try:
        return bool(value == choice)
    except (TypeError, ValueError):
        return False


def _is_number(value: Any) -> bool:
    """A finite real number; bools are flags, not numbers."""
    return (
        not isinstance(value, bool | np.bool_)
        and isinstance(value, int | float | np.integer | np.floating)
        and math.isfinite(float(value))
    )


def require_columns(func: str, name: str, frame: Any, columns: tuple[str, ...]) -> None:
    """ParameterError naming the missing columns of ``frame`` (or that it is no DataFrame)."""
    if not isinstance(frame, pd.DataFrame):
        raise _reject(func, name, "数据表（DataFrame）", "a DataFrame", type(frame).__name__)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ParameterError(
            func,
            name,
            f"a table with columns {', '.join(columns)}",
            f"missing {missing}",
            zh=f"{func}：表 {name!r} 缺少列 {'、'.join(missing)}",
        )
