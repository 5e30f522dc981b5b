"""Effect-specific argument checks (alternatives, event counts and exposures).

Common parameters (confidence, choices, seeds, ...) are checked by :mod:`assess.core.checks`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from assess.core.checks import check_choice
from assess.core.errors import ParameterError

ALTERNATIVES: tuple[str, ...] = ("two-sided", "less", "greater")
# statsmodels.stats.rates spells the one-sided alternatives differently.
SM_ALTERNATIVE = {"two-sided": "two-sided", "less": "smaller", "greater": "larger"}


def check_alternative(func: str, alternative: Any) -> str:
    return str(check_choice(func, "alternative", alternative, ALTERNATIVES))


def check_count(func: str, name: str, value: Any) -> int:
    """A single event count: a whole number ≥ 0."""
    number = _number(value)
    if not math.isfinite(number) or number < 0 or number != round(number):
        raise ParameterError(
            func,
            name,
            "a whole number ≥ 0 (an event count)",
            value,
            zh=f"{func}：参数 {name!r} 应为非负整数（事件数），实际为 {value!r}",
        )
    return int(number)


def check_exposure(func: str, name: str, value: Any) -> float:
    """A single exposure: a finite number > 0."""
    number = _number(value)
    if not math.isfinite(number) or number <= 0:
        raise ParameterError(
            func,
            name,
            "a finite number > 0 (person-months, tickets, ...)",
            value,
            zh=f"{func}：参数 {name!r} 应为大于 0 的有限数（暴露量），实际为 {value!r}",
        )
    return number


def _number(value: Any) -> float:
    """``value`` as a float, NaN if it is no number (text and bools are not numbers)."""
    if isinstance(value, bool | np.bool_ | str | bytes):
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _numbers(values: Any) -> np.ndarray:
    """``values`` as a float array; text becomes NaN, so it is reported as a bad value."""
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        return np.full(np.shape(values) or 1, np.nan)


def check_counts(func: str, name: str, values: Any) -> np.ndarray:
    """A 1-d array of event counts: whole numbers ≥ 0, at least one value."""
    array = _numbers(values)
    bad = ~np.isfinite(array) | (array < 0) | (array != np.round(array))
    if array.ndim != 1 or array.size == 0 or bad.any():
        shown = array[bad][:5].tolist() if array.ndim == 1 else values
        raise ParameterError(
            func,
            name,
            "a non-empty 1-d sequence of whole numbers ≥ 0",
            shown,
            zh=f"{func}：参数 {name!r} 应为非负整数序列（事件数），问题值 {shown!r}",
        )
    return array


def check_exposures(func: str, name: str, values: Any, size: int) -> np.ndarray:
    """A 1-d array of exposures > 0, as long as the counts."""
    array = _numbers(values)
    if array.ndim != 1 or array.size != size:
        raise ParameterError(
            func, name, f"a 1-d sequence of length {size} (one per count)", f"shape {array.shape}"
        )
    bad = ~np.isfinite(array) | (array <= 0)
    if bad.any():
        shown = array[bad][:5].tolist()
        raise ParameterError(
            func,
            name,
            "finite numbers > 0 (zero exposure has no rate)",
            shown,
            zh=f"{func}：参数 {name!r} 应全部大于 0（暴露量为 0 时无法计算率），问题值 {shown!r}",
        )
    return array
