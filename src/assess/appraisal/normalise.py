"""Indicators on one scale, then one score: direction-aware normalisation and aggregation.

Rows are members (or branches), columns are indicators. :func:`normalise` puts every
indicator on a common scale with "higher is better" for all of them; :func:`aggregate`
combines the normalised indicators with weights into one score per row. Both work on
the NumPy array under the DataFrame, column-wise and vectorised, so a province
(25,000 members × 20 indicators) takes milliseconds.

Every result records what an auditor needs to recompute a number by hand: the location
and scale used for each indicator, the weights, and any shift applied to zeros.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy import stats

from assess.core.checks import check_choice
from assess.core.display import ResultDisplay
from assess.core.errors import ParameterError
from assess.core.glossary import TERMS, check_language, term
from assess.core.plotting import new_axes

__all__ = [
    "DIRECTIONS",
    "NORMALISATIONS",
    "BOUNDED_NORMALISATIONS",
    "AGGREGATIONS",
    "ZERO_GUARDS",
    "CONSTANT_VALUE",
    "METHOD_TEXT",
    "normalise",
    "aggregate",
    "NormalisedResult",
    "AggregateResult",
]

#: ``positive``: a higher raw value is better; ``negative``: a lower one is (violations).
DIRECTIONS: tuple[str, ...] = ("positive", "negative")
NORMALISATIONS: tuple[str, ...] = ("minmax", "zscore", "rank", "goalpost")
#: Normalisations whose values lie in [0, 1] and may therefore enter a geometric mean.
BOUNDED_NORMALISATIONS: tuple[str, ...] = ("minmax", "rank", "goalpost")
AGGREGATIONS: tuple[str, ...] = ("arithmetic", "geometric")
#: How a geometric mean treats zeros, besides a positive shift ε given as a number.
ZERO_GUARDS: tuple[str, ...] = ("error", "zero")
#: The value every row gets on an indicator that does not vary (goalposts never need one).
CONSTANT_VALUE: dict[str, float] = {"minmax": 1.0, "zscore": 0.0, "rank": 1.0}

#: (Chinese, English) name of every normalisation and aggregation, for prose about them.
METHOD_TEXT: dict[str, tuple[str, str]] = {
    m: TERMS[f"method_{m}"]
    for m in ("minmax", "zscore", "rank", "goalpost", "arithmetic", "geometric")
}
_DIRECTION_TEXT = {"positive": "正向", "negative": "负向"}
_MAX_NAMED = 5  # cells or members named in one error message


def _param_error(func: str, name: str, zh: str, en: str, got: Any) -> ParameterError:
    """A :class:`ParameterError` whose Chinese text says what is accepted in Chinese."""
    return ParameterError(func, name, en, got, zh=f"{func}：参数 {name!r} 应为{zh}，实际为 {got!r}")


def _named_cells(cells: list[str]) -> str:
    shown = ", ".join(cells[:_MAX_NAMED])
    return shown + (f" … ({len(cells)} in all)" if len(cells) > _MAX_NAMED else "")


def _indicator_matrix(func: str, frame: Any, name: str = "data") -> np.ndarray:
    """The float matrix of an indicator table, after checking it is one."""
    if not isinstance(frame, pd.DataFrame):
        raise _param_error(
            func,
            name,
            "DataFrame（行为对象，列为指标）",
            "a DataFrame (rows are members, columns indicators)",
            type(frame).__name__,
        )
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise _param_error(
            func,
            name,
            "至少一行一列的表",
            "a table with at least one row and one column",
            f"shape {frame.shape}",
        )
    if not frame.columns.is_unique:
        dup = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
        raise _param_error(
            func,
            name,
            "列名互不相同的表",
            "a table with unique column names",
            f"duplicated columns {dup}",
        )
    bad = [str(c) for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if bad:
        raise _param_error(
            func,
            name,
            "全部为数值列的表",
            "a table of numeric columns",
            f"non-numeric columns {bad}",
        )
    x = frame.to_numpy(dtype=float)
    rows, cols = np.nonzero(~np.isfinite(x))
    if rows.size:
        cells = [
            f"({frame.index[r]!s}, {frame.columns[c]!s})"
            for r, c in zip(rows.tolist(), cols.tolist(), strict=True)
        ]
        raise _param_error(
            func,
            name,
            "每格都是有限数值（无缺失）",
            "finite numbers in every cell (no missing values)",
            f"missing or infinite at {_named_cells(cells)}",
        )
    return x


def _direction_mask(func: str, columns: pd.Index, directions: Any) -> np.ndarray:
    """True for positive indicators, False for negative ones, in column order."""
    if isinstance(directions, str):
        check_choice(func, "directions", directions, DIRECTIONS)
        return np.full(len(columns), directions == "positive")
    if not isinstance(directions, Mapping | pd.Series):
        raise _param_error(
            func,
            "directions",
            "'positive'、'negative'，或 指标→方向 的映射",
            "'positive', 'negative' or a mapping indicator → direction",
            directions,
        )
    given = dict(directions.items())
    missing = [str(c) for c in columns if c not in given]
    extra = [str(k) for k in given if k not in columns]
    if missing or extra:
        raise _param_error(
            func,
            "directions",
            "覆盖每个指标且只含这些指标的映射",
            "a mapping covering exactly the indicators",
            f"missing {missing}, unknown {extra}",
        )
    for key, value in given.items():
        check_choice(func, f"directions[{key!r}]", value, DIRECTIONS)
    return np.array([given[c] == "positive" for c in columns])


def _goalpost_bounds(func: str, columns: pd.Index, goalposts: Any) -> np.ndarray:
    """An (n, 2) array of (lower, upper) goalposts in column order."""
    if not isinstance(goalposts, Mapping):
        raise _param_error(
            func,
            "goalposts",
            "指标→(下限, 上限) 的映射（method='goalpost' 时必填）",
            "a mapping indicator → (lower, upper) (required by method='goalpost')",
            goalposts,
        )
    missing = [str(c) for c in columns if c not in goalposts]
    if missing:
        raise _param_error(
            func,
            "goalposts",
            "每个指标的 (下限, 上限)",
            "(lower, upper) for every indicator",
            f"missing {missing}",
        )
    bounds = np.empty((len(columns), 2))
    for k, col in enumerate(columns):
        pair = goalposts[col]
        try:
            lower, upper = (float(v) for v in pair)
        except (TypeError, ValueError):
            lower = upper = np.nan
        if not (np.isfinite(lower) and np.isfinite(upper) and lower < upper):
            raise _param_error(
                func,
                f"goalposts[{col!r}]",
                "满足 下限 < 上限 的两个有限数",
                "two finite numbers with lower < upper",
                pair,
            )
        bounds[k] = lower, upper
    return bounds


def _normalise_array(
    x: np.ndarray, positive: np.ndarray, method: str, bounds: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Normalise the columns of ``x``; returns values, location, scale, constant, clipped.

    Every method but ``rank`` is affine, ``z = (x − location) / scale``, with a negative
    scale for negative indicators; ``rank`` applies min–max to the mid-ranks.
    """
    lo, hi = x.min(axis=0), x.max(axis=0)
    constant = lo == hi
    values = stats.rankdata(x, method="average", axis=0) if method == "rank" else x
    if method in ("minmax", "rank"):
        vlo, vhi = values.min(axis=0), values.max(axis=0)
        location = np.where(positive, vlo, vhi)
        scale = np.where(positive, vhi - vlo, vlo - vhi)
    elif method == "zscore":
        sd = x.std(axis=0, ddof=1) if x.shape[0] > 1 else np.zeros(x.shape[1])
        location, scale = x.mean(axis=0), np.where(positive, sd, -sd)
    else:
        b = np.asarray(bounds, dtype=float)
        location = np.where(positive, b[:, 0], b[:, 1])
        scale = np.where(positive, b[:, 1] - b[:, 0], b[:, 0] - b[:, 1])
        constant = np.zeros(x.shape[1], dtype=bool)
    z = (values - location) / np.where(constant, 1.0, scale)
    clipped = np.zeros(x.shape[1], dtype=int)
    if method == "goalpost":
        clipped = ((z < 0) | (z > 1)).sum(axis=0)
        z = np.clip(z, 0.0, 1.0)
    else:
        z[:, constant] = CONSTANT_VALUE[method]
    # Adding 0.0 turns the −0.0 of (hi − hi)/(negative scale) into 0.0 for display.
    return z + 0.0, location, scale, constant, clipped


@dataclass(frozen=True, eq=False)
class NormalisedResult(ResultDisplay):
    """Normalised indicators and the parameters that produced them.

    Attributes
    ----------
    normalised : DataFrame
        Same index and columns as the input; every indicator now "higher is better".
    method : str
        One of :data:`NORMALISATIONS`.
    parameters : DataFrame
        One row per indicator: ``direction``, ``location`` and ``scale`` (the value is
        ``(x − location) / scale``, clipped to [0, 1] for goalposts; NaN for ``rank``,
        which is not affine), ``constant`` (the indicator did not vary and every row got
        :data:`CONSTANT_VALUE`) and ``clipped`` (values outside the goalposts).
    """

    normalised: pd.DataFrame
    method: str
    parameters: pd.DataFrame

    _title = "指标标准化 / Normalised indicators"

    def to_frame(self) -> pd.DataFrame:
        """The normalised indicators (a copy)."""
        return self.normalised.copy()

    def summary(self) -> str:
        """What was done, in Chinese then English."""
        zh_m, en_m = METHOD_TEXT[self.method]
        p = self.parameters
        n_neg = int((p["direction"] == "negative").sum())
        const = [str(c) for c in p.index[p["constant"]]]
        clipped = int(p["clipped"].sum())
        zh = (
            f"{zh_m}：{len(self.normalised):,} 个对象 × {len(p)} 项指标，"
            f"其中负向指标 {n_neg} 项已反向（数值越高越好）。"
        )
        en = (
            f"{en_m} normalisation of {len(self.normalised):,} rows × {len(p)} indicators; "
            f"{n_neg} negative indicators reversed so that higher is better."
        )
        if const:
            v = CONSTANT_VALUE[self.method]
            zh += f"无差异（常数）指标 {'、'.join(const)} 统一取 {v:g}。"
            en += f" Constant indicators {', '.join(const)} set to {v:g} for every row."
        if self.method == "goalpost":
            zh += f"超出固定阈值而截断到 [0, 1] 的数值共 {clipped} 个。"
            en += f" {clipped} values outside the goalposts clipped to [0, 1]."
        return f"{zh}\n\n{en}"

    def plot(self, ax: Axes | None = None, *, language: str = "zh") -> Axes:
        """Box plot of each normalised indicator, labelled in ``language``."""
        check_language("NormalisationResult.plot", language)
        ax = new_axes(ax)
        ax.boxplot(
            self.normalised.to_numpy(), tick_labels=[str(c) for c in self.normalised.columns]
        )
        ax.set_ylabel(term("normalised", language))
        ax.set_title(term(f"method_{self.method}", language))
        ax.tick_params(axis="x", labelrotation=45)
        return ax


def normalise(
    data: pd.DataFrame,
    *,
    method: str = "minmax",
    directions: str | Mapping[str, str],
    goalposts: Mapping[str, tuple[float, float]] | None = None,
) -> NormalisedResult:
    """Put every indicator on a common scale on which higher is better.

    Parameters
    ----------
    data : DataFrame
        Rows are members or branches, columns numeric indicators; no missing values.
    method : {"minmax", "zscore", "rank", "goalpost"}, default "minmax"
        ``minmax``: (x − min)/(max − min), in [0, 1]. ``zscore``: (x − mean)/sd with the
        sample standard deviation (ddof = 1). ``rank``: min–max of the mid-ranks (ties
        share the average rank), in [0, 1]. ``goalpost``: (x − lower)/(upper − lower) with
        fixed bounds per indicator, clipped to [0, 1].
    directions : "positive", "negative" or mapping indicator → direction
        Required: a negative indicator (violations, complaints) is reversed, e.g.
        (max − x)/(max − min). A single string applies to every indicator.
    goalposts : mapping indicator → (lower, upper), optional
        Required by ``method="goalpost"``; ignored otherwise.

    Returns
    -------
    NormalisedResult
        ``normalised`` (DataFrame like ``data``), ``method`` and ``parameters`` (location,
        scale, constant and clipped per indicator).

    Raises
    ------
    ParameterError
        ``data`` is not a numeric table without missing values; a direction or goalpost
        is missing, unknown or invalid; ``method`` is unknown.

    Notes
    -----
    A constant indicator cannot be scaled; it gets :data:`CONSTANT_VALUE` (1.0 for
    min–max and rank: nobody is behind the best; 0.0 for z-scores: everybody is at the
    mean) instead of NaN, and is flagged in ``parameters``. The goalpost method is the
    UNDP Human Development Index convention: dimension index = (actual − minimum) /
    (maximum − minimum) with fixed goalposts, values beyond a goalpost capped (UNDP,
    Human Development Report 2020, Technical notes, p. 2). The z-scores were checked
    against ``scipy.stats.zscore(ddof=1)``.

    Examples
    --------
    >>> df = pd.DataFrame({"study": [2.0, 4.0, 6.0], "violations": [0.0, 1.0, 4.0]},
    ...                   index=["m1", "m2", "m3"])
    >>> normalise(df, directions={"study": "positive", "violations": "negative"}).normalised
        study  violations
    m1    0.0        1.00
    m2    0.5        0.75
    m3    1.0        0.00
    """
    func = "normalise"
    check_choice(func, "method", method, NORMALISATIONS)
    x = _indicator_matrix(func, data)
    positive = _direction_mask(func, data.columns, directions)
    bounds = _goalpost_bounds(func, data.columns, goalposts) if method == "goalpost" else None
    z, location, scale, constant, clipped = _normalise_array(x, positive, method, bounds)
    if method == "rank":
        location = scale = np.full(x.shape[1], np.nan)
    parameters = pd.DataFrame(
        {
            "direction": np.where(positive, "positive", "negative"),
            "location": location,
            "scale": scale,
            "constant": constant,
            "clipped": clipped,
        },
        index=data.columns,
    )
    normalised = pd.DataFrame(z, index=data.index, columns=data.columns)
    return NormalisedResult(normalised=normalised, method=method, parameters=parameters)


def _weight_vector(func: str, columns: pd.Index, weights: Any, name: str = "weights") -> np.ndarray:
    """Weights in column order, non-negative, divided by their sum.

    Accepts a Series, a mapping, or any result with a ``weights`` Series
    (:class:`assess.appraisal.weights.WeightResult`).
    """
    if not isinstance(weights, pd.Series | Mapping) and isinstance(
        getattr(weights, "weights", None), pd.Series
    ):
        weights = weights.weights
    if not isinstance(weights, pd.Series | Mapping):
        raise _param_error(
            func,
            name,
            "指标→权重 的 Series 或映射",
            "a Series or mapping indicator → weight",
            type(weights).__name__,
        )
    given = dict(weights.items())
    missing = [str(c) for c in columns if c not in given]
    extra = [str(k) for k in given if k not in columns]
    if missing or extra:
        raise _param_error(
            func,
            name,
            "恰好覆盖每个指标的权重",
            "one weight for each indicator, no others",
            f"missing {missing}, unknown {extra}",
        )
    w = np.array([given[c] for c in columns], dtype=float)
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        given_text = dict(zip(map(str, columns), w.tolist(), strict=True))
        raise _param_error(
            func,
            name,
            "非负有限数且总和为正",
            "finite, non-negative and with a positive sum",
            given_text,
        )
    return w / w.sum()


def _geometric_logs(
    func: str,
    z: np.ndarray,
    used: np.ndarray,
    zero_guard: Any,
    rows: pd.Index,
    columns: pd.Index,
) -> tuple[np.ndarray, np.ndarray, float, int]:
    """log(z + shift) for a weighted geometric mean over the ``used`` columns.

    Returns the log matrix (0 where the weight is 0 or a zero is kept as zero), the rows
    whose score is 0 under ``zero_guard="zero"``, the shift and the number of zero cells.
    """
    if np.any(z[:, used] < 0):
        raise _param_error(
            func,
            "normalised",
            "非负值（几何平均须用 minmax、rank 或 goalpost 标准化）",
            "non-negative values (a geometric mean needs minmax, rank or goalpost normalisation)",
            f"minimum {z[:, used].min():.4g}",
        )
    is_zero = (z == 0) & used
    n_zero = int(is_zero.sum())
    shift = 0.0
    if isinstance(zero_guard, str):
        check_choice(func, "zero_guard", zero_guard, ZERO_GUARDS)
        if zero_guard == "error" and n_zero:
            cells = list(zip(*(k.tolist() for k in np.nonzero(is_zero)), strict=True))
            cells_zh = [f"{rows[i]!s} 的 {columns[j]!s}" for i, j in cells]
            cells_en = [f"({rows[i]!s}, {columns[j]!s})" for i, j in cells]
            raise ParameterError(
                func,
                "zero_guard",
                "'zero' (a zero indicator makes the score 0) or a shift ε > 0 (shifted "
                f"geometric mean) when the data hold zeros; zeros at {_named_cells(cells_en)}",
                zero_guard,
                zh=(
                    f"{func}：几何平均遇到 0 值：{_named_cells(cells_zh)}；请显式选择 "
                    "zero_guard='zero'（任一指标为 0 则得分为 0）"
                    "或 zero_guard=ε>0（平移几何平均）"
                ),
            )
    elif (
        isinstance(zero_guard, int | float)
        and not isinstance(zero_guard, bool)
        and (np.isfinite(zero_guard) and zero_guard > 0)
    ):
        shift = float(zero_guard)
    else:
        raise _param_error(
            func,
            "zero_guard",
            "'error'、'zero' 或正数 ε",
            "'error', 'zero' or a positive number ε",
            zero_guard,
        )
    # Logs only where they enter the score; elsewhere log(1) = 0 keeps NaN and −∞ out.
    taken = used & (~is_zero if shift == 0 else True)
    logs = np.log(np.where(taken, z + shift, 1.0))
    zero_rows = is_zero.any(axis=1) if shift == 0 else np.zeros(z.shape[0], dtype=bool)
    return logs, zero_rows, shift, n_zero


@dataclass(frozen=True, eq=False)
class AggregateResult(ResultDisplay):
    """One score per row from weighted normalised indicators.

    Attributes
    ----------
    scores : Series
        Named ``score``, indexed like the input rows.
    method : str
        ``arithmetic`` or ``geometric``.
    weights : Series
        The weights used (divided by their sum), one per indicator.
    zero_guard : str or float
        ``"error"``, ``"zero"`` or the shift ε of the shifted geometric mean.
    shift : float
        ε actually added before taking logs (0.0 unless ``zero_guard`` is a number).
    zero_cells : int
        Cells equal to 0 in indicators with positive weight (geometric mean only).
    """

    scores: pd.Series
    method: str
    weights: pd.Series
    zero_guard: str | float
    shift: float
    zero_cells: int

    _title = "综合得分 / Aggregate score"

    @property
    def formula(self) -> str:
        """The formula used, in symbols, so a reader can recompute any score."""
        if self.method == "arithmetic":
            return "S_i = Σ_j w_j z_ij"
        if self.shift > 0:
            return f"S_i = Π_j (z_ij + {self.shift:g})^w_j − {self.shift:g}"
        return "S_i = Π_j z_ij^w_j"

    def to_frame(self) -> pd.DataFrame:
        """The scores as a one-column DataFrame."""
        return self.scores.to_frame()

    def summary(self) -> str:
        """Method, formula, zero handling and the spread of scores, Chinese then English."""
        zh_m, en_m = METHOD_TEXT[self.method]
        s = self.scores
        zh = (
            f"{zh_m}（{self.formula}），{len(s):,} 个对象，{len(self.weights)} 项指标；"
            f"得分中位数 {s.median():.4g}，范围 {s.min():.4g}–{s.max():.4g}。"
        )
        en = (
            f"{en_m} ({self.formula}) of {len(self.weights)} indicators for {len(s):,} rows; "
            f"median score {s.median():.4g}, range {s.min():.4g}–{s.max():.4g}."
        )
        if self.method == "geometric" and self.zero_cells:
            if self.shift > 0:
                zh += f"{self.zero_cells} 个 0 值按平移几何平均处理（ε = {self.shift:g}）。"
                en += (
                    f" {self.zero_cells} zero values handled by the shifted geometric mean "
                    f"(ε = {self.shift:g})."
                )
            else:
                zh += f"{self.zero_cells} 个 0 值使所在对象得分为 0。"
                en += f" {self.zero_cells} zero values make their rows score 0."
        return f"{zh}\n\n{en}"

    def plot(self, ax: Axes | None = None, *, language: str = "zh") -> Axes:
        """Histogram of the scores, labelled in ``language``."""
        check_language("AggregateResult.plot", language)
        ax = new_axes(ax)
        ax.hist(self.scores.to_numpy(), bins="auto")
        ax.set_xlabel(term("composite_score", language))
        ax.set_ylabel(term("count_axis", language))
        ax.set_title(term(f"method_{self.method}", language))
        return ax


def aggregate(
    normalised: pd.DataFrame | NormalisedResult,
    weights: pd.Series | Mapping[str, float] | Any,
    *,
    method: str = "arithmetic",
    zero_guard: str | float = "error",
) -> AggregateResult:
    """Combine normalised indicators into one score per row with weights.

    Parameters
    ----------
    normalised : DataFrame or NormalisedResult
        Normalised indicators (rows × indicators), e.g. from :func:`normalise`.
    weights : Series, mapping or WeightResult
        One non-negative weight per indicator; divided by their sum.
    method : {"arithmetic", "geometric"}, default "arithmetic"
    zero_guard : "error", "zero" or float ε > 0, default "error"
        Geometric mean only, when an indicator with positive weight is 0: ``"error"``
        raises, naming the rows and indicators; ``"zero"`` keeps the strict geometric
        mean, whose score is then 0; a number ε uses the shifted geometric mean
        Π (z + ε)^w − ε. The choice is recorded in the result.

    Returns
    -------
    AggregateResult
        ``scores`` (Series named ``score``), ``method``, ``weights``, ``zero_guard``,
        ``shift`` and ``zero_cells``.

    Raises
    ------
    ParameterError
        Weights do not match the indicators or are negative; a geometric mean meets a
        negative value (use a [0, 1] normalisation) or a zero with ``zero_guard="error"``.

    Notes
    -----
    Arithmetic: S_i = Σ_j w_j z_ij. Geometric: S_i = exp(Σ_j w_j ln z_ij), over the
    indicators with w_j > 0. The shifted geometric mean is the one used for benchmark
    summaries (e.g. H. Mittelmann's optimisation benchmarks); subtracting ε keeps a row
    of ones at 1 and a row of zeros at 0. Geometric aggregation is how the UNDP Human
    Development Index combines its dimension indices (HDR 2020 Technical notes).

    Examples
    --------
    >>> z = pd.DataFrame({"a": [1.0, 0.5, 0.0], "b": [0.0, 1.0, 1.0]}, index=["m1", "m2", "m3"])
    >>> aggregate(z, {"a": 0.6, "b": 0.4}).scores
    m1    0.6
    m2    0.7
    m3    0.4
    Name: score, dtype: float64
    >>> aggregate(z, {"a": 0.5, "b": 0.5}, method="geometric", zero_guard="zero").scores.round(4)
    m1    0.0000
    m2    0.7071
    m3    0.0000
    Name: score, dtype: float64
    """
    func = "aggregate"
    check_choice(func, "method", method, AGGREGATIONS)
    frame = normalised.normalised if isinstance(normalised, NormalisedResult) else normalised
    z = _indicator_matrix(func, frame, "normalised")
    w = _weight_vector(func, frame.columns, weights)
    shift, n_zero = 0.0, 0
    if method == "arithmetic":
        scores = z @ w
    else:
        used = w > 0
        logs, zero_rows, shift, n_zero = _geometric_logs(
            func, z, used, zero_guard, frame.index, frame.columns
        )
        scores = np.exp(logs @ w) - shift
        scores[zero_rows] = 0.0
    return AggregateResult(
        scores=pd.Series(scores, index=frame.index, name="score"),
        method=method,
        weights=pd.Series(w, index=frame.columns, name="weight"),
        zero_guard=zero_guard,
        shift=shift,
        zero_cells=n_zero,
    )
