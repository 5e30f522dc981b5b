"""Confidence intervals shared by the models: rates of successes out of trials.

Tracking (completion and closure rates) and exams (pass rates) report the same Wilson
interval, so it is defined once here, below both.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

__all__ = ["wilson_rate"]


def wilson_rate(successes: pd.Series, trials: pd.Series, confidence: float) -> pd.DataFrame:
    """``rate, ci_low, ci_high`` (Wilson score interval); NaN where there are no trials.

    Examples
    --------
    >>> out = wilson_rate(pd.Series([3, 0]), pd.Series([4, 0]), 0.95)
    >>> out["rate"].tolist()[0], out["ci_low"].round(4).tolist()[0]
    (0.75, 0.3006)
    >>> bool(out.iloc[1].isna().all())
    True
    """
    k = successes.to_numpy(dtype=float)
    n = trials.to_numpy(dtype=float)
    rate = np.divide(k, n, out=np.full(len(n), np.nan), where=n > 0)
    low, high = np.full(len(n), np.nan), np.full(len(n), np.nan)
    ok = n > 0
    if ok.any():
        low[ok], high[ok] = proportion_confint(k[ok], n[ok], alpha=1 - confidence, method="wilson")
    return pd.DataFrame({"rate": rate, "ci_low": low, "ci_high": high}, index=trials.index)
