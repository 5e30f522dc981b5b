"""Reliability of an exam: Cronbach's α (KR-20 on 0/1 items) with the Feldt interval."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from assess.core.checks import check_choice, check_confidence
from assess.core.display import ResultDisplay
from assess.core.errors import ParameterError
from assess.core.formatting import percent

__all__ = [
    "NAN_POLICIES",
    "Reliability",
    "cronbach_alpha",
]

NAN_POLICIES: tuple[str, ...] = ("pairwise", "listwise")


@dataclass(frozen=True)
class Reliability(ResultDisplay):
    """Cronbach's α with its Feldt interval.

    Attributes
    ----------
    estimate, ci_low, ci_high : float
        α and its two-sided Feldt interval.
    n : int
        Examinees used (rows with any answer; complete rows under ``"listwise"``).
    n_items : int
        Items (columns).
    method : str
        ``"KR-20"`` when every item is scored 0/1 (α then equals KR-20), else ``"alpha"``.
    nan_policy : str
        How missing entries were handled.
    confidence : float
        Confidence level of the interval.
    """

    estimate: float
    ci_low: float
    ci_high: float
    n: int
    n_items: int
    method: str
    nan_policy: str
    confidence: float

    _title = "信度 / Reliability"

    def to_frame(self) -> pd.DataFrame:
        """One row: ``method, estimate, ci_low, ci_high, n, n_items, confidence``."""
        return pd.DataFrame(
            [
                {
                    "method": self.method,
                    "estimate": self.estimate,
                    "ci_low": self.ci_low,
                    "ci_high": self.ci_high,
                    "n": self.n,
                    "n_items": self.n_items,
                    "confidence": self.confidence,
                }
            ]
        )

    def summary(self) -> str:
        """One line in Chinese, one in English."""
        name = "KR-20" if self.method == "KR-20" else "Cronbach α"
        ci = f"{self.ci_low:.3f}–{self.ci_high:.3f}"
        level = percent(self.confidence, 0)
        return (
            f"{name} = {self.estimate:.3f}（{level} 区间 {ci}；{self.n} 人，{self.n_items} 题）\n\n"
            f"{name} = {self.estimate:.3f} ({level} CI {ci}; {self.n} examinees, "
            f"{self.n_items} items)"
        )


def _alpha_from_cov(cov: np.ndarray) -> float:
    k = cov.shape[0]
    total_var = cov.sum()
    if k < 2 or not np.isfinite(total_var) or total_var <= 0:
        return float("nan")
    return float(k / (k - 1) * (1.0 - np.trace(cov) / total_var))


def _feldt(alpha: float, n: int, k: int, confidence: float) -> tuple[float, float]:
    if not np.isfinite(alpha) or n < 2 or k < 2:
        return float("nan"), float("nan")
    tail = (1.0 - confidence) / 2.0
    df1, df2 = n - 1, (n - 1) * (k - 1)
    low = 1.0 - (1.0 - alpha) * stats.f.isf(tail, df1, df2)
    high = 1.0 - (1.0 - alpha) * stats.f.isf(1.0 - tail, df1, df2)
    return float(low), float(high)


def cronbach_alpha(
    scores_wide: pd.DataFrame,
    *,
    nan_policy: Literal["pairwise", "listwise"] = "pairwise",
    confidence: float = 0.95,
) -> Reliability:
    """Cronbach's α of a persons × items score table, with a Feldt interval.

    Parameters
    ----------
    scores_wide : DataFrame
        One row per examinee, one numeric column per item; missing entries allowed.
    nan_policy : {"pairwise", "listwise"}, default "pairwise"
        ``"pairwise"`` computes each covariance from the rows where both items are present
        (R ``psych::alpha(x, use="pairwise")``); ``"listwise"`` first drops every row with
        a missing entry (``use="complete.obs"``).
    confidence : float, default 0.95
        Confidence level of the interval.

    Returns
    -------
    Reliability
        ``estimate``, ``ci_low``, ``ci_high``, ``n``, ``n_items``, ``method``.

    Raises
    ------
    ParameterError
        Fewer than 2 items or 2 examinees, non-numeric columns, a bad option.

    Notes
    -----
    α = k/(k−1) · (1 − Σᵢ σᵢ² / σ²ₓ) with σ²ₓ the sum of the item covariance matrix
    (Cronbach 1951); on 0/1 items it is KR-20 (Kuder & Richardson 1937). The interval is
    Feldt's (Feldt, Woodruff & Salih 1987): 1 − (1 − α)·F with F the upper and lower
    quantiles of F(n − 1, (n − 1)(k − 1)). ``n`` counts rows with any answer, or the
    complete rows under ``"listwise"``. Checked against pingouin 0.7's datasets, whose
    values R ``psych::alpha`` reproduces (``tests/data/make_exam_reference.py``).

    Examples
    --------
    >>> x = pd.DataFrame({"q1": [1, 1, 0, 1, 0], "q2": [1, 0, 0, 1, 0], "q3": [1, 1, 0, 1, 1]})
    >>> r = cronbach_alpha(x)
    >>> round(r.estimate, 4), r.n, r.method
    (0.7941, 5, 'KR-20')
    """
    func = "cronbach_alpha"
    check_choice(func, "nan_policy", nan_policy, NAN_POLICIES)
    check_confidence(func, confidence)
    if not isinstance(scores_wide, pd.DataFrame):
        raise ParameterError(func, "scores_wide", "a DataFrame", type(scores_wide).__name__)
    bad = [c for c in scores_wide.columns if not pd.api.types.is_numeric_dtype(scores_wide[c])]
    if bad:
        raise ParameterError(func, "scores_wide", "numeric columns only", bad)
    data = scores_wide.astype(float).dropna(how="all")
    if nan_policy == "listwise":
        data = data.dropna()
    n, k = data.shape
    if k < 2 or n < 2:
        raise ParameterError(func, "scores_wide", "at least 2 examinees and 2 items", f"{n} × {k}")
    alpha = _alpha_from_cov(data.cov().to_numpy())
    low, high = _feldt(alpha, n, k, confidence)
    values = data.to_numpy()
    binary = bool(np.isin(values[~np.isnan(values)], (0.0, 1.0)).all())
    return Reliability(
        alpha,
        low,
        high,
        int(n),
        int(k),
        "KR-20" if binary else "alpha",
        nan_policy,
        float(confidence),
    )
