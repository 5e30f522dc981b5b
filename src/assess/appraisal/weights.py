"""Indicator weights: the :class:`WeightResult` every weighting returns; entropy and CRITIC
(objective), combined and given weights.

AHP (subjective) weights are in :mod:`assess.appraisal.ahp`, whose :class:`AHPResult`
extends :class:`WeightResult`. A result holds the weights, the method, the convention
followed, in words, and the intermediate quantities per indicator, so an auditor can
recompute each weight.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy import stats

from assess.appraisal.normalise import (
    _direction_mask,
    _indicator_matrix,
    _normalise_array,
    _param_error,
    _weight_vector,
)
from assess.core.checks import check_choice
from assess.core.display import ResultDisplay
from assess.core.errors import bilingual
from assess.core.glossary import TERMS, check_language, term
from assess.core.plotting import new_axes

__all__ = [
    "COMBINATIONS",
    "WeightResult",
    "entropy_weights",
    "critic_weights",
    "combine_weights",
    "given_weights",
]

COMBINATIONS: tuple[str, ...] = ("additive", "multiplicative")
_WEIGHTING_TEXT: dict[str, tuple[str, str]] = {
    m: TERMS[f"weighting_{m}"] for m in ("ahp", "entropy", "critic", "combined", "given")
}
_SUMMARY_WEIGHTS = 8  # up to this many weights are listed in a summary


@dataclass(frozen=True, eq=False)
class WeightResult(ResultDisplay):
    """Indicator weights and how they were derived.

    Attributes
    ----------
    weights : Series
        One weight per indicator, named ``weight``, summing to 1.
    method : str
        ``ahp``, ``entropy``, ``critic``, ``combined`` or ``given``.
    convention_zh, convention_en : str
        The convention followed, in words (formulas, treatment of constants and zeros).
    details : DataFrame
        Intermediate quantities per indicator (entropy and divergence; standard deviation
        and conflict; subjective and objective weights; ...), documented by each function.
    """

    weights: pd.Series
    method: str
    convention_zh: str
    convention_en: str
    details: pd.DataFrame

    _title = "指标权重 / Indicator weights"

    @property
    def convention(self) -> str:
        """The convention on one line, Chinese then English."""
        return bilingual(self.convention_zh, self.convention_en)

    def to_frame(self) -> pd.DataFrame:
        """Weights and the intermediate quantities, one row per indicator."""
        return pd.concat([self.weights, self.details], axis=1)

    def _weights_text(self) -> tuple[str, str]:
        w = self.weights
        shown = w if len(w) <= _SUMMARY_WEIGHTS else w.sort_values(ascending=False).head(5)
        items = [f"{k} {v:.3f}" for k, v in shown.items()]
        if len(shown) < len(w):
            return (f"最大的 5 项为 {'、'.join(items)}", f"the five largest are {', '.join(items)}")
        return "、".join(items), ", ".join(items)

    def summary(self) -> str:
        """The weights and the convention, Chinese then English."""
        zh_m, en_m = _WEIGHTING_TEXT[self.method]
        zh_w, en_w = self._weights_text()
        zh = f"{zh_m}：{len(self.weights)} 项指标的权重 {zh_w}。{self.convention_zh}"
        en = f"{en_m} of {len(self.weights)} indicators: {en_w}. {self.convention_en}"
        return f"{zh}\n\n{en}"

    def plot(self, ax: Axes | None = None, *, language: str = "zh") -> Axes:
        """Horizontal bar chart of the weights, first indicator on top, labelled in
        ``language``."""
        check_language("WeightResult.plot", language)
        ax = new_axes(ax)
        w = self.weights.iloc[::-1]
        bars = ax.barh([str(k) for k in w.index], w.to_numpy())
        ax.bar_label(bars, fmt="%.3f", padding=2)
        ax.set_xlabel(term("weight", language))
        ax.set_title(term(f"weighting_{self.method}", language))
        ax.margins(x=0.15)
        return ax


def _minmax(func: str, data: pd.DataFrame, directions: Any) -> tuple[np.ndarray, np.ndarray]:
    """Direction-aware min–max matrix and the constant-column mask, for objective weights."""
    x = _indicator_matrix(func, data)
    if x.shape[0] < 2:
        raise _param_error(
            func, "data", "至少两行（对象）", "at least two rows", f"{x.shape[0]} row"
        )
    positive = _direction_mask(func, data.columns, directions)
    z, _, _, constant, _ = _normalise_array(x, positive, "minmax")
    return z, constant


def _warn_constant(func: str, columns: pd.Index, constant: np.ndarray) -> None:
    if constant.any():
        names = ", ".join(str(c) for c in columns[constant])
        warnings.warn(
            bilingual(
                f"{func}：指标 {names} 无差异（常数），权重设为 0",
                f"{func}: indicators {names} are constant; their weight is set to 0",
            ),
            UserWarning,
            stacklevel=3,
        )


def entropy_weights(data: pd.DataFrame, *, directions: str | Mapping[str, str]) -> WeightResult:
    """Objective weights by the entropy method (熵权法), textbook convention.

    Parameters
    ----------
    data : DataFrame
        Rows are members or branches (m ≥ 2), columns numeric indicators; zeros allowed.
    directions : "positive", "negative" or mapping indicator → direction
        Required; negative indicators are reversed by the min–max step.

    Returns
    -------
    WeightResult
        ``method="entropy"``; ``details`` has ``entropy`` (e_j), ``divergence``
        (d_j = 1 − e_j) and ``constant`` per indicator.

    Raises
    ------
    ParameterError
        Bad table or directions, fewer than two rows, or every indicator constant.

    Warns
    -----
    UserWarning
        Constant indicators, whose weight is set to 0.

    Notes
    -----
    The textbook convention: direction-aware min–max to [0, 1]; p_ij = x_ij / Σ_i x_ij;
    e_j = −(1/ln m) Σ_i p_ij ln p_ij with 0 · ln 0 = 0; d_j = 1 − e_j; w_j = d_j / Σ_k d_k.
    A constant indicator carries no information: d_j = 0 and weight 0 (set explicitly,
    not left to rounding). The entropy sum is ``scipy.stats.entropy``; the weights were
    checked against a table worked by hand.

    Examples
    --------
    >>> df = pd.DataFrame({"a": [0.0, 5.0, 10.0], "b": [2.0, 0.0, 2.0]})
    >>> entropy_weights(df, directions={"a": "positive", "b": "negative"}).weights.round(4)
    a    0.2961
    b    0.7039
    Name: weight, dtype: float64
    """
    func = "entropy_weights"
    z, constant = _minmax(func, data, directions)
    if constant.all():
        raise _param_error(
            func,
            "data",
            "至少一个有差异的指标",
            "at least one indicator that varies",
            "every indicator constant",
        )
    _warn_constant(func, data.columns, constant)
    entropy = stats.entropy(z, axis=0) / np.log(z.shape[0])
    divergence = np.where(constant, 0.0, 1.0 - entropy)
    w = divergence / divergence.sum()
    return WeightResult(
        weights=pd.Series(w, index=data.columns, name="weight"),
        method="entropy",
        convention_zh=(
            "熵权法（教科书约定）：按方向极差标准化到 [0, 1]，p_ij = x_ij/Σ_i x_ij，"
            "e_j = −(1/ln m) Σ_i p_ij ln p_ij（0·ln 0 = 0），d_j = 1 − e_j，"
            "w_j = d_j/Σ d；常数指标 d_j = 0、权重为 0。"
        ),
        convention_en=(
            "Entropy weights, textbook convention: direction-aware min–max to "
            "[0, 1], p_ij = x_ij/Σ_i x_ij, e_j = −(1/ln m) Σ_i p_ij ln p_ij with "
            "0·ln 0 = 0, d_j = 1 − e_j, w_j = d_j/Σ d; a constant indicator has "
            "d_j = 0 and weight 0."
        ),
        details=pd.DataFrame(
            {"entropy": entropy, "divergence": divergence, "constant": constant},
            index=data.columns,
        ),
    )


def critic_weights(data: pd.DataFrame, *, directions: str | Mapping[str, str]) -> WeightResult:
    """Objective weights by CRITIC: contrast (standard deviation) times conflict.

    Parameters
    ----------
    data : DataFrame
        Rows are members or branches (m ≥ 2), columns numeric indicators.
    directions : "positive", "negative" or mapping indicator → direction
        Required; correlations are taken after negative indicators are reversed.

    Returns
    -------
    WeightResult
        ``method="critic"``; ``details`` has ``std`` (σ_j), ``conflict`` (Σ_k (1 − r_jk)),
        ``information`` (C_j = σ_j × conflict) and ``constant`` per indicator.

    Raises
    ------
    ParameterError
        Bad table or directions, fewer than two rows, fewer than two indicators that vary,
        or no information at all (all varying indicators perfectly correlated).

    Warns
    -----
    UserWarning
        Constant indicators, whose weight is set to 0.

    Notes
    -----
    Diakoulaki, Mavrotas & Papayannakis (1995), Computers & Operations Research 22(7),
    763–770: direction-aware min–max; C_j = σ_j Σ_k (1 − r_jk) with Pearson correlations
    r; w_j = C_j / Σ C. σ uses ddof = 1 (the weights do not depend on it). A constant
    indicator has no contrast and no defined correlation: it gets weight 0 and is left
    out of the others' conflict sums. Checked against a direct NumPy computation.

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [2.0, 1.0, 4.0, 3.0],
    ...                    "c": [4.0, 3.0, 1.0, 2.0]})
    >>> critic_weights(df, directions="positive").weights.round(4).tolist()
    [0.275, 0.275, 0.45]
    """
    func = "critic_weights"
    z, constant = _minmax(func, data, directions)
    varying = ~constant
    if varying.sum() < 2:
        raise _param_error(
            func,
            "data",
            "至少两个有差异的指标",
            "at least two indicators that vary",
            f"{int(varying.sum())}",
        )
    _warn_constant(func, data.columns, constant)
    std = z.std(axis=0, ddof=1)
    conflict = np.zeros(z.shape[1])
    conflict[varying] = (1 - np.corrcoef(z[:, varying], rowvar=False)).sum(axis=0)
    information = std * conflict
    if information.sum() <= 0:
        raise _param_error(
            func,
            "data",
            "并非完全相关的指标",
            "indicators that are not all perfectly correlated",
            "no conflict between indicators",
        )
    return WeightResult(
        weights=pd.Series(information / information.sum(), index=data.columns, name="weight"),
        method="critic",
        convention_zh=(
            "CRITIC 法（Diakoulaki 等，1995）：按方向极差标准化，"
            "C_j = σ_j Σ_k (1 − r_jk)，w_j = C_j/Σ C；"
            "常数指标权重为 0，且不计入其他指标的冲突性。"
        ),
        convention_en=(
            "CRITIC (Diakoulaki et al. 1995): direction-aware min–max, C_j = σ_j "
            "Σ_k (1 − r_jk), w_j = C_j/Σ C; constant indicators get weight 0 and are "
            "left out of the conflict sums."
        ),
        details=pd.DataFrame(
            {"std": std, "conflict": conflict, "information": information, "constant": constant},
            index=data.columns,
        ),
    )


def combine_weights(
    subjective: WeightResult | pd.Series | Mapping[str, float],
    objective: WeightResult | pd.Series | Mapping[str, float],
    *,
    subjective_share: float | None = None,
    method: str = "additive",
) -> WeightResult:
    """Combine subjective (e.g. AHP) and objective (e.g. entropy) weights.

    Parameters
    ----------
    subjective, objective : WeightResult, Series or mapping
        Weights for the same indicators; each is divided by its sum first.
    subjective_share : float in [0, 1], optional
        Share α of the subjective weights; required by ``"additive"``, not used by
        ``"multiplicative"``.
    method : {"additive", "multiplicative"}, default "additive"
        ``additive``: w = α s + (1 − α) o. ``multiplicative``: w = s·o / Σ s·o.

    Returns
    -------
    WeightResult
        ``method="combined"``; ``details`` has ``subjective`` and ``objective``.

    Raises
    ------
    ParameterError
        Indicators differ between the two, weights are negative,
        ``subjective_share`` is missing,
        outside [0, 1] or given for the multiplicative rule, or the product is all zero.

    Notes
    -----
    The additive rule is the linear combination α·subjective + (1 − α)·objective; the
    multiplicative rule (乘法合成归一化) favours indicators both sources rate highly.
    Both results sum to 1 by construction.

    Examples
    --------
    >>> s = pd.Series({"a": 0.5, "b": 0.5})
    >>> combine_weights(s, {"a": 0.2, "b": 0.8}, subjective_share=0.5).weights.tolist()
    [0.35, 0.65]
    """
    func = "combine_weights"
    check_choice(func, "method", method, COMBINATIONS)
    s_in = subjective.weights if isinstance(subjective, WeightResult) else subjective
    if not isinstance(s_in, pd.Series | Mapping):
        raise _param_error(
            func,
            "subjective",
            "WeightResult、Series 或映射",
            "a WeightResult, Series or mapping",
            type(s_in).__name__,
        )
    index = pd.Index(list(s_in.keys()))
    s = _weight_vector(func, index, s_in, "subjective")
    o = _weight_vector(func, index, objective, "objective")
    if method == "additive":
        if (
            isinstance(subjective_share, bool)
            or not isinstance(subjective_share, int | float)
            or not 0 <= subjective_share <= 1
        ):
            raise _param_error(
                func,
                "subjective_share",
                "0 到 1 之间的数（加法组合必填）",
                "a number between 0 and 1 (required by the additive rule)",
                subjective_share,
            )
        w = subjective_share * s + (1 - subjective_share) * o
        zh = f"组合赋权（加法）：w = α·主观 + (1 − α)·客观，α = {subjective_share:g}。"
        en = (
            "Additive combination w = α·subjective + (1 − α)·objective with "
            f"α = {subjective_share:g}."
        )
    else:
        if subjective_share is not None:
            raise _param_error(
                func,
                "subjective_share",
                "None（乘法组合不用 α）",
                "None (the multiplicative rule has no α)",
                subjective_share,
            )
        product = s * o
        if product.sum() <= 0:
            raise _param_error(
                func,
                "objective",
                "与主观权重至少有一项同时为正的权重",
                "weights positive for at least one indicator the subjective weights also weight",
                dict(zip(map(str, index), o.tolist(), strict=True)),
            )
        w = product
        zh = "组合赋权（乘法）：w = 主观·客观 / Σ 主观·客观。"
        en = "Multiplicative combination w = subjective·objective / Σ subjective·objective."
    return WeightResult(
        weights=pd.Series(w / w.sum(), index=index, name="weight"),
        method="combined",
        convention_zh=zh,
        convention_en=en,
        details=pd.DataFrame({"subjective": s, "objective": o}, index=index),
    )


def given_weights(weights: pd.Series | Mapping[str, float]) -> WeightResult:
    """Weights fixed by the scheme, checked and divided by their sum.

    Parameters
    ----------
    weights : Series or mapping indicator → weight
        Non-negative, finite, with a positive sum.

    Returns
    -------
    WeightResult
        ``method="given"``; ``details`` has the ``given`` values.

    Raises
    ------
    ParameterError
        Not a Series or mapping, or a negative, missing or infinite weight.

    Examples
    --------
    >>> given_weights({"study": 3, "service": 1}).weights.tolist()
    [0.75, 0.25]
    """
    func = "given_weights"
    if not isinstance(weights, pd.Series | Mapping):
        raise _param_error(
            func,
            "weights",
            "指标→权重 的 Series 或映射",
            "a Series or mapping indicator → weight",
            type(weights).__name__,
        )
    index = pd.Index(list(weights.keys()))
    w = _weight_vector(func, index, weights)
    return WeightResult(
        weights=pd.Series(w, index=index, name="weight"),
        method="given",
        convention_zh="给定权重，按总和归一化。",
        convention_en="Weights as given, divided by their sum.",
        details=pd.DataFrame({"given": [weights[k] for k in index]}, index=index, dtype=float),
    )
