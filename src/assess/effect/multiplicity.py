"""Many KPIs × many units: adjust p-values so that chance findings are not reported as real.

Benjamini–Hochberg (false discovery rate) is the default; Holm (family-wise error rate)
is the stricter option. Both come from ``statsmodels.stats.multitest.multipletests``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from assess.core.checks import check_choice
from assess.core.errors import ParameterError

__all__ = ["ADJUST_METHODS", "adjust_pvalues"]

#: Accepted ``method`` names: statsmodels' names for Benjamini–Hochberg and Holm.
ADJUST_METHODS: tuple[str, ...] = ("fdr_bh", "holm")


def adjust_pvalues(
    pvalues: pd.Series | Sequence[float] | Mapping[str, float] | np.ndarray,
    *,
    method: str = "fdr_bh",
    significance: float = 0.05,
) -> pd.DataFrame:
    """Adjust a family of p-values for multiple testing.

    Parameters
    ----------
    pvalues : Series, mapping, sequence or array of float
        One p-value per test (e.g. per KPI × unit); the index (or mapping keys) is kept.
        Missing values (NaN) are left out of the family and stay missing.
    method : {"fdr_bh", "holm"}, default "fdr_bh"
        Benjamini–Hochberg step-up (controls the false discovery rate) or Holm step-down
        (controls the family-wise error rate).
    significance : float, default 0.05
        Significance level (false discovery rate or family-wise error rate) at which
        ``reject`` is decided.

    Returns
    -------
    pandas.DataFrame
        Same index as ``pvalues``; columns ``p_value`` (as given), ``p_adjusted`` and
        ``reject`` (``p_adjusted ≤ significance``; ``False`` where the p-value is missing).

    Raises
    ------
    ParameterError
        For p-values outside [0, 1], an unknown method or ``significance`` outside
        (0, 1).

    Notes
    -----
    With ``m`` p-values sorted ``p(1) ≤ … ≤ p(m)``: Benjamini–Hochberg
    ``p̃(i) = min_{j ≥ i} min(1, m p(j) / j)`` (Benjamini & Hochberg 1995); Holm
    ``p̃(i) = max_{j ≤ i} min(1, (m − j + 1) p(j))`` (Holm 1979). Checked in the tests
    against these formulas computed by hand (equal to R's ``p.adjust``).

    Examples
    --------
    >>> adjust_pvalues({"violations": 0.01, "complaints": 0.04, "faults": 0.03})
                p_value  p_adjusted  reject
    violations     0.01        0.03    True
    complaints     0.04        0.04    True
    faults         0.03        0.04    True
    """
    func = "adjust_pvalues"
    check_choice(func, "method", method, ADJUST_METHODS)
    if (
        isinstance(significance, bool)
        or not isinstance(significance, int | float)
        or not 0 < significance < 1
    ):
        raise ParameterError(func, "significance", "a number between 0 and 1", significance)
    if isinstance(pvalues, pd.Series):
        series = pvalues
    elif isinstance(pvalues, Mapping):
        series = pd.Series(dict(pvalues))
    else:
        series = pd.Series(np.asarray(pvalues))
    try:
        values = series.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        raise ParameterError(func, "pvalues", "numbers between 0 and 1", series.tolist()) from None
    bad = (values < 0) | (values > 1)
    if values.ndim != 1 or bad.any():
        raise ParameterError(func, "pvalues", "numbers between 0 and 1", values[bad][:5].tolist())
    present = ~np.isnan(values)
    adjusted = np.full(values.shape, np.nan)
    reject = np.zeros(values.shape, dtype=bool)
    if present.any():
        reject[present], adjusted[present], _, _ = multipletests(
            values[present], alpha=significance, method=method
        )
    return pd.DataFrame(
        {"p_value": values, "p_adjusted": adjusted, "reject": reject}, index=series.index
    )
