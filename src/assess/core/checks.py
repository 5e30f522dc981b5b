"""Checks of common arguments (confidence levels, required table columns), one message shape.

Every model checks these the same way and raises :class:`~assess.core.errors.ParameterError`
with the same bilingual wording, so the checks live here, below all of them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from assess.core.errors import ParameterError

__all__ = ["check_confidence", "require_columns"]


def check_confidence(func: str, confidence: Any) -> float:
    """A confidence level strictly between 0 and 1, or ParameterError.

    Examples
    --------
    >>> check_confidence("f", 0.9)
    0.9
    """
    if (
        isinstance(confidence, bool)
        or not isinstance(confidence, float | int)
        or not (0.0 < float(confidence) < 1.0)
    ):
        raise ParameterError(func, "confidence", "a number strictly between 0 and 1", confidence)
    return float(confidence)


def require_columns(func: str, name: str, frame: Any, columns: tuple[str, ...]) -> None:
    """ParameterError naming the missing columns of ``frame`` (or that it is no DataFrame)."""
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError(func, name, "a DataFrame", type(frame).__name__)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ParameterError(
            func,
            name,
            f"a table with columns {', '.join(columns)}",
            f"missing {missing}",
            zh=f"{func}：表 {name!r} 缺少列 {'、'.join(missing)}",
        )
