"""One formatter for every number a reader sees: counts, decimals, percentages, percentage
points, p-values, intervals and changes.

Rounding is half up (四舍五入, as Chinese statistical releases round) on the decimal value
a number prints as: ``Decimal(repr(x))`` is the shortest decimal that reads back as the
float, so 0.125 gives "0.13" and 1.25% gives "1.3%", where float ``round`` and format
specs round half to even on the binary value (``f"{0.125:.2f}"`` is "0.12"). A missing
value (None, NaN, ``pd.NA``) is shown as an em dash.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from assess.core.glossary import check_language, term

__all__ = [
    "MISSING",
    "half_up",
    "number",
    "percent",
    "points",
    "p_value",
    "interval",
    "change",
]

#: What a missing number is shown as.
MISSING = "—"

#: Below this a p-value is shown as "< 0.001".
_P_FLOOR = 0.001


def _float(x: Any) -> float | None:
    """``x`` as a float, or None when it is missing (None, NaN, pd.NA, NaT)."""
    try:
        value = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


def half_up(x: float | Decimal, decimals: int) -> Decimal:
    """``x`` rounded half up to ``decimals`` places, on its shortest decimal text (a
    ``Decimal``, e.g. a change computed exactly, is rounded as it is).

    Examples
    --------
    >>> str(half_up(0.125, 2)), str(half_up(2.675, 2)), str(half_up(-0.125, 2))
    ('0.13', '2.68', '-0.13')
    >>> str(half_up(Decimal("1.25"), 1))
    '1.3'
    """
    exact = x if isinstance(x, Decimal) else Decimal(repr(float(x)))
    return _quantize(exact, decimals)


def _quantize(exact: Decimal, decimals: int) -> Decimal:
    rounded = exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    # A negative value that rounds to zero prints as "0.0", not "-0.0".
    return rounded.copy_abs() if rounded.is_zero() else rounded


def _percent_of(value: float, decimals: int) -> Decimal:
    """``value × 100`` rounded half up, computed exactly on the decimal text."""
    return _quantize(Decimal(repr(value)).scaleb(2), decimals)


def _infinite(value: float) -> str:
    return "∞" if value > 0 else "-∞"


def number(x: Any, decimals: int = 2) -> str:
    """A count or a decimal number, with thousands separators.

    Integers are shown whole (``decimals`` applies to floats).

    Examples
    --------
    >>> number(194123), number(1234.5), number(0.125), number(71.0, 1), number(None)
    ('194,123', '1,234.50', '0.13', '71.0', '—')
    """
    if isinstance(x, int) and not isinstance(x, bool):
        return f"{x:,}"
    if hasattr(x, "dtype") and getattr(x.dtype, "kind", "") in "iu":
        return f"{int(x):,}"
    value = _float(x)
    if value is None:
        return MISSING
    if math.isinf(value):
        return _infinite(value)
    return f"{half_up(value, decimals):,f}"


def percent(x: Any, decimals: int = 1, *, signed: bool = False) -> str:
    """A proportion as a percentage: 0.239 → "23.9%".

    Parameters
    ----------
    x : float
        A proportion (1 is 100%).
    decimals : int, default 1
    signed : bool, default False
        Put "+" before a positive value (a change: "+17.3%").

    Examples
    --------
    >>> percent(0.2394), percent(0.0125), percent(-0.2857, 2), percent(0.173, signed=True)
    ('23.9%', '1.3%', '-28.57%', '+17.3%')
    """
    value = _float(x)
    if value is None:
        return MISSING
    if math.isinf(value):
        return _infinite(value)
    shown = _percent_of(value, decimals)
    sign = "+" if signed and shown > 0 else ""
    return f"{sign}{shown:f}%"


def points(x: Any, decimals: int = 1, *, language: str = "zh") -> str:
    """A difference of two proportions in percentage points: 0.015 → "1.5个百分点".

    Parameters
    ----------
    x : float
        A difference of proportions (0.01 is one point).
    decimals : int, default 1
    language : {"zh", "en", "zh-en"}, default "zh"
        "个百分点" or " pp"; "zh-en" gives the Chinese, as a table cell does.

    Examples
    --------
    >>> points(0.015), points(-0.0125, language="en")
    ('1.5个百分点', '-1.3 pp')
    """
    check_language("points", language)
    value = _float(x)
    if value is None:
        return MISSING
    if math.isinf(value):
        return _infinite(value)
    shown = f"{_percent_of(value, decimals):f}"
    if language == "en":
        return f"{shown} {term('percentage_points', 'en')}"
    return f"{shown}{term('percentage_points', 'zh')}"


def p_value(p: Any, *, prefix: bool = False) -> str:
    """A p-value: two significant digits (half up, trailing zeros kept), or "< 0.001".

    Parameters
    ----------
    p : float
    prefix : bool, default False
        Start with "p = " (or "p " before "< 0.001"), for prose.

    Examples
    --------
    >>> p_value(0.04666), p_value(0.1), p_value(0.0499), p_value(0.001), p_value(0.00099)
    ('0.047', '0.10', '0.050', '0.0010', '< 0.001')
    >>> p_value(0.0127, prefix=True), p_value(1e-57, prefix=True)
    ('p = 0.013', 'p < 0.001')
    """
    value = _float(p)
    if value is None:
        return MISSING
    if value < _P_FLOOR:
        return "p < 0.001" if prefix else "< 0.001"
    exact = Decimal(repr(value))
    rounded = exact.quantize(Decimal(1).scaleb(exact.adjusted() - 1), rounding=ROUND_HALF_UP)
    if rounded.adjusted() > exact.adjusted():
        # 0.0999 rounds up to 0.100: keep two significant digits, "0.10".
        rounded = rounded.quantize(Decimal(1).scaleb(rounded.adjusted() - 1))
    return f"p = {rounded:f}" if prefix else f"{rounded:f}"


def interval(low: Any, high: Any, decimals: int | None = None, *, percent: bool = False) -> str:
    """An interval as "low–high" with an en dash: "0.53–0.72", "12.5%–30.1%".

    Parameters
    ----------
    low, high : float
    decimals : int, optional
        Default 2 for numbers and 1 for percentages.
    percent : bool, default False
        ``low`` and ``high`` are proportions, shown as percentages.

    Examples
    --------
    >>> interval(0.5271, 0.7249), interval(0.125, 0.301, percent=True)
    ('0.53–0.72', '12.5%–30.1%')
    >>> interval(1.2, float("inf"))
    '1.20–∞'
    """
    if percent:
        places = 1 if decimals is None else decimals
        return f"{_percent(low, places)}–{_percent(high, places)}"
    places = 2 if decimals is None else decimals
    return f"{number(float(low), places)}–{number(float(high), places)}"


# ``interval`` has a parameter named ``percent``; this is the function.
_percent = percent


def change(pct: Any, decimals: int = 1, *, language: str = "zh") -> str:
    """A relative change with an arrow: 0.123 → "↑12.3%"; "持平" when it rounds to zero.

    Parameters
    ----------
    pct : float
        The change as a proportion (0.1 is a rise of 10%).
    decimals : int, default 1
    language : {"zh", "en", "zh-en"}, default "zh"
        The word for no change: 持平, unchanged, or both.

    Examples
    --------
    >>> change(0.12345), change(-0.015), change(0.0004), change(-0.0004, language="en")
    ('↑12.3%', '↓1.5%', '持平', 'unchanged')
    """
    check_language("change", language)
    value = _float(pct)
    if value is None:
        return MISSING
    if math.isinf(value):
        return _infinite(value)
    shown = _percent_of(value, decimals)
    if shown.is_zero():
        return term("change_flat", language)
    arrow = "↑" if shown > 0 else "↓"
    return f"{arrow}{shown.copy_abs():f}%"
