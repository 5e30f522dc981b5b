"""The analytic hierarchy process (AHP): weights from pairwise comparison matrices.

Eigenvector, 和积法 (sum) and 方根法 (root) methods; the consistency check against
several random-index tables, naming the comparisons to revise; group AHP by the weighted
geometric mean. Results are :class:`AHPResult`, a
:class:`~assess.appraisal.weights.WeightResult` with the consistency quantities.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from assess.appraisal.normalise import _param_error
from assess.appraisal.weights import WeightResult
from assess.core.checks import check_bool, check_choice, check_int
from assess.core.errors import AssessError, ParameterError, bilingual
from assess.core.formatting import number
from assess.core.glossary import term

__all__ = [
    "AHP_METHODS",
    "RI_TABLES",
    "CR_THRESHOLD",
    "AHPResult",
    "InconsistentJudgmentsError",
    "random_index",
    "ahp_weights",
    "ahp_group",
]

#: ``eigenvector`` (principal eigenvector), ``sum`` (和积法) and ``root`` (方根法).
AHP_METHODS: tuple[str, ...] = ("eigenvector", "sum", "root")
#: Judgments are acceptable up to this consistency ratio (Saaty 1980).
CR_THRESHOLD = 0.10

# Random indices RI(n) for n = 1, 2, ...: the mean consistency index of random
# reciprocal matrices with entries from Saaty's 1/9 … 9 scale.
_RI_VALUES: dict[str, tuple[float, ...]] = {
    # Saaty, T. L. (1980). The Analytic Hierarchy Process. McGraw-Hill. The table printed
    # in most Chinese AHP textbooks; n = 12 (1.48) is below n = 11 as in the original.
    "saaty": (0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59),
    # 1,000 random matrices per order, as tabulated in Chinese AHP course material
    # (e.g. the 0.52, 0.89, 1.12, 1.26, … table of 数学建模 textbooks); the original
    # publication is not verified here. Kept so published Chinese results can be redone.
    "cn-1000": (0, 0, 0.52, 0.89, 1.12, 1.26, 1.36, 1.41, 1.46, 1.49, 1.52, 1.54, 1.56, 1.58, 1.59),
    # Alonso, J. A. & Lamata, M. T. (2006). Consistency in the analytic hierarchy process:
    # a new approach. Int. J. Uncertainty, Fuzziness and Knowledge-Based Systems 14(4),
    # 445–459, table of 100,000 random matrices per order.
    "alonso-lamata": (
        0,
        0,
        0.5245,
        0.8815,
        1.1086,
        1.2479,
        1.3417,
        1.4056,
        1.4499,
        1.4854,
        1.5141,
        1.5365,
        1.5551,
        1.5713,
        1.5838,
    ),
}
#: Selectable RI tables; ``alonso-lamata-formula`` is Alonso & Lamata's (2006) linear fit
#: of the mean random λmax, 2.7699 n − 4.3513, i.e. RI(n) = (1.7699 n − 4.3513)/(n − 1),
#: for any n ≥ 3 (CR ≤ 0.1 ⇔ λmax ≤ n + 0.1 (1.7699 n − 4.3513)).
RI_TABLES: tuple[str, ...] = (*_RI_VALUES, "alonso-lamata-formula")
_RI_TEXT: dict[str, tuple[str, str]] = {
    "saaty": ("Saaty（1980）表", "Saaty (1980) table"),
    "cn-1000": ("国内教材 1000 次模拟表", "Chinese textbook 1,000-matrix table"),
    "alonso-lamata": ("Alonso–Lamata（2006）表", "Alonso–Lamata (2006) table"),
    "alonso-lamata-formula": (
        "Alonso–Lamata（2006）线性公式",
        "Alonso–Lamata (2006) linear formula",
    ),
}
_AHP_METHOD_TEXT: dict[str, tuple[str, str]] = {
    "eigenvector": ("特征向量法", "principal eigenvector"),
    "sum": ("和积法", "column-normalised row means (sum method)"),
    "root": ("方根法", "row geometric means (root method)"),
}
# Judgments typed as 0.33 for 1/3 or 0.13 for 1/8 are reciprocal within 4 %; a real
# mistake (3 against 1/3, or 5 against 1/3) is far outside this tolerance.
_RECIPROCAL_TOLERANCE = 0.05
_DIAGONAL_TOLERANCE = 1e-9  # w_i/w_i computed in floating point
_TOP_PAIRS = 3  # most inconsistent comparisons named in messages and summaries
_NEGLIGIBLE = 1e-12  # CI contributions below this are rounding noise of consistent judgments


class InconsistentJudgmentsError(AssessError):
    """A pairwise comparison matrix has CR > 0.10 and inconsistency was not allowed.

    ``result`` holds the full :class:`AHPResult`, so the caller can show which
    comparisons to revise (``result.comparisons``).
    """

    def __init__(self, result: AHPResult) -> None:
        self.result = result
        zh_pairs, en_pairs = result._pair_text()
        zh = (
            f"判断矩阵一致性比率 CR = {result.cr:.3f} > {CR_THRESHOLD:.2f}"
            f"（n = {result.n}，{_RI_TEXT[result.ri_table][0]} RI = {result.ri:.4g}）。"
            f"最不一致的比较：{zh_pairs}。请修改这些判断；确有理由时可设 allow_inconsistent=True"
        )
        en = (
            f"pairwise comparisons have consistency ratio CR = {result.cr:.3f} > "
            f"{CR_THRESHOLD:.2f} (n = {result.n}, {_RI_TEXT[result.ri_table][1]} RI = "
            f"{result.ri:.4g}). Most inconsistent comparisons: {en_pairs}. Revise them, or "
            "pass allow_inconsistent=True when there is a reason to keep them"
        )
        super().__init__(bilingual(zh, en))


@dataclass(frozen=True, eq=False)
class AHPResult(WeightResult):
    """AHP weights with the consistency check.

    Attributes
    ----------
    matrix : DataFrame
        The judgment matrix used: the upper triangle as given, the lower triangle the
        exact reciprocals.
    ahp_method : str
        One of :data:`AHP_METHODS`.
    n : int
        Number of criteria.
    lambda_max : float
        Largest eigenvalue (eigenvector method) or (1/n) Σ (Aw)_i / w_i (sum and root
        methods).
    ci : float
        Consistency index (λmax − n)/(n − 1); 0 for n ≤ 2.
    ri : float
        Random index of the chosen table.
    cr : float
        Consistency ratio CI/RI; 0 when RI = 0 (n ≤ 2, always consistent).
    ri_table : str
        One of :data:`RI_TABLES`.
    comparisons : DataFrame
        Every comparison i < j, most inconsistent first: ``row``, ``column``, ``given``
        (a_ij), ``implied`` (w_i/w_j), ``epsilon`` (a_ij w_j / w_i), ``ci_contribution``
        ((ε + 1/ε − 2)/(n(n − 1)); they sum to CI) and ``ci_share``.
    """

    matrix: pd.DataFrame
    ahp_method: str
    n: int
    lambda_max: float
    ci: float
    ri: float
    cr: float
    ri_table: str
    comparisons: pd.DataFrame

    _title = "层次分析法权重 / AHP weights"

    @property
    def consistent(self) -> bool:
        """True when CR ≤ :data:`CR_THRESHOLD`."""
        return self.cr <= CR_THRESHOLD

    def _pair_text(self) -> tuple[str, str]:
        top = self.comparisons.head(_TOP_PAIRS)
        top = top[top["ci_contribution"] > _NEGLIGIBLE]
        zh = "、".join(
            f"{r.row} 对 {r.column}（给定 {r.given:.3g}，权重比 {r.implied:.3g}）"
            for r in top.itertuples()
        )
        en = "; ".join(
            f"{r.row} vs {r.column} (given {r.given:.3g}, weight ratio {r.implied:.3g})"
            for r in top.itertuples()
        )
        return zh or "无", en or "none"

    def summary(self) -> str:
        """Consistency check, most inconsistent comparisons and weights, Chinese then English."""
        zh_m, en_m = _AHP_METHOD_TEXT[self.ahp_method]
        zh_t, en_t = _RI_TEXT[self.ri_table]
        zh_w, en_w = self._weights_text()
        zh_p, en_p = self._pair_text()
        sign = "≤" if self.consistent else ">"
        verdict_zh = (
            "通过一致性检验"
            if self.consistent
            else ("未通过一致性检验（按 allow_inconsistent=True 保留）")
        )
        verdict_en = (
            "passes the consistency check"
            if self.consistent
            else ("fails the consistency check (kept because allow_inconsistent=True)")
        )
        zh = (
            f"层次分析法（{zh_m}）：n = {self.n}，λmax = {self.lambda_max:.4f}，"
            f"CI = {self.ci:.4f}，RI = {self.ri:.4g}（{zh_t}），CR = {self.cr:.4f} {sign} "
            f"{CR_THRESHOLD:.2f}，{verdict_zh}。最不一致的比较：{zh_p}。权重：{zh_w}。"
        )
        en = (
            f"AHP ({en_m}): n = {self.n}, λmax = {self.lambda_max:.4f}, CI = {self.ci:.4f}, "
            f"RI = {self.ri:.4g} ({en_t}), CR = {self.cr:.4f} {sign} {CR_THRESHOLD:.2f}: "
            f"{verdict_en}. Most inconsistent comparisons: {en_p}. Weights: {en_w}."
        )
        return f"{zh}\n\n{en}"

    def plot(self, ax: Axes | None = None, *, language: str = "zh") -> Axes:
        """Bar chart of the weights, with CR in the title, labelled in ``language``."""
        ax = super().plot(ax, language=language)
        ax.set_title(f"{term('ahp_weights', language)} (CR = {number(self.cr, 3)})")
        return ax


def random_index(n: int, *, table: str = "saaty") -> float:
    """The random consistency index RI for an n × n judgment matrix.

    Parameters
    ----------
    n : int
        Order of the matrix, ≥ 1.
    table : str, default "saaty"
        One of :data:`RI_TABLES`. The tables cover n ≤ 15; use
        ``"alonso-lamata-formula"`` for larger matrices.

    Returns
    -------
    float

    Raises
    ------
    ParameterError
        Unknown table, n < 1, or n beyond the table.

    Notes
    -----
    Sources are named in the module: Saaty (1980); Alonso & Lamata (2006) table and
    linear formula RI(n) = (1.7699 n − 4.3513)/(n − 1); a 1,000-matrix table common in
    Chinese course material. RI is 0 for n ≤ 2 in every table.

    Examples
    --------
    >>> random_index(4), random_index(4, table="alonso-lamata")
    (0.9, 0.8815)
    >>> round(random_index(30, table="alonso-lamata-formula"), 4)
    1.6809
    """
    func = "random_index"
    check_choice(func, "table", table, RI_TABLES)
    check_int(func, "n", n, minimum=1)
    if n <= 2:
        return 0.0
    if table == "alonso-lamata-formula":
        return (1.7699 * n - 4.3513) / (n - 1)
    values = _RI_VALUES[table]
    if n > len(values):
        raise _param_error(
            func,
            "n",
            f"不超过 {len(values)} 的阶数（{table} 表的范围；更大的矩阵请用 "
            "table='alonso-lamata-formula'）",
            f"at most {len(values)} for table {table!r} (use table='alonso-lamata-formula' "
            "for larger matrices)",
            n,
        )
    return float(values[n - 1])


def _judgment(func: str, value: Any, cell: str) -> float:
    """One cell of a judgment matrix as a float: a number, "1/3" or "3"; NaN when empty."""
    if (
        value is None
        or value is pd.NA
        or (isinstance(value, float | np.floating) and np.isnan(value))
    ):
        return np.nan
    if isinstance(value, str):
        if not value.strip():
            return np.nan
        try:
            return float(Fraction(value.strip()))
        except (ValueError, ZeroDivisionError):
            raise _param_error(
                func,
                "matrix",
                f'{cell} 为正数或分数（如 3 或 "1/3"）',
                f'{cell} a positive number or fraction such as 3 or "1/3"',
                value,
            ) from None
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise _param_error(func, "matrix", f"{cell} 为正数", f"{cell} a positive number", value)
    return float(value)


def _judgment_matrix(func: str, matrix: Any, name: str = "matrix") -> tuple[np.ndarray, list[str]]:
    """A complete reciprocal matrix and its labels, after checking every cell.

    The upper triangle holds the judgments; a lower cell must be its reciprocal (within
    5 %) or empty, and is replaced by the exact reciprocal. Every problem is collected and
    reported in one error.
    """
    if isinstance(matrix, pd.DataFrame):
        labels = [str(c) for c in matrix.columns]
        if [str(i) for i in matrix.index] != labels:
            raise _param_error(
                func,
                name,
                "行标签与列标签相同（且顺序一致）的方阵",
                "a square table whose row labels equal its column labels",
                f"rows {list(map(str, matrix.index))}, columns {labels}",
            )
        cells = matrix.to_numpy(dtype=object)
    else:
        cells = np.array(matrix, dtype=object)
        labels = [f"C{i + 1}" for i in range(cells.shape[0])] if cells.ndim == 2 else []
    if cells.ndim != 2 or cells.shape[0] != cells.shape[1] or cells.shape[0] == 0:
        raise _param_error(
            func, name, "非空方阵", "a non-empty square matrix", f"shape {cells.shape}"
        )
    n = cells.shape[0]
    a = np.array(
        [
            [_judgment(func, cells[i, j], f"[{labels[i]}, {labels[j]}]") for j in range(n)]
            for i in range(n)
        ]
    )
    problems_zh: list[str] = []
    problems_en: list[str] = []

    def cell(i: int, j: int) -> str:
        return f"[{labels[i]}, {labels[j]}] = {a[i, j]:g}"

    bad = np.isfinite(a) & (a <= 0) | np.isinf(a)
    for i, j in zip(*np.nonzero(bad), strict=True):
        problems_zh.append(f"{cell(i, j)} 不是正数")
        problems_en.append(f"{cell(i, j)} is not positive")
    for i in range(n):
        if np.isnan(a[i, i]) or abs(a[i, i] - 1) <= _DIAGONAL_TOLERANCE:
            a[i, i] = 1.0
        else:
            problems_zh.append(f"对角线 {cell(i, i)} 应为 1")
            problems_en.append(f"diagonal {cell(i, i)} must be 1")
    for i in range(n):
        for j in range(i + 1, n):
            upper, lower = a[i, j], a[j, i]
            if np.isnan(upper) and np.isnan(lower):
                problems_zh.append(
                    f"[{labels[i]}, {labels[j]}] 与 [{labels[j]}, {labels[i]}] 都缺失"
                )
                problems_en.append(
                    f"[{labels[i]}, {labels[j]}] and [{labels[j]}, {labels[i]}] are both missing"
                )
            elif np.isnan(upper):
                a[i, j] = 1.0 / lower
            elif not np.isnan(lower) and abs(upper * lower - 1) > _RECIPROCAL_TOLERANCE:
                problems_zh.append(f"{cell(i, j)} 与 {cell(j, i)} 不互为倒数")
                problems_en.append(f"{cell(i, j)} and {cell(j, i)} are not reciprocal")
    if problems_en:
        raise ParameterError(
            func,
            name,
            "a positive reciprocal matrix (a_ii = 1, a_ji = 1/a_ij): " + "; ".join(problems_en),
            f"{n}×{n} matrix",
            zh=f"{func}：参数 {name!r} 应为正互反判断矩阵（a_ii = 1，a_ji = 1/a_ij）："
            + "；".join(problems_zh),
        )
    iu, ju = np.triu_indices(n, 1)
    a[ju, iu] = 1.0 / a[iu, ju]
    return a, labels


def ahp_weights(
    matrix: pd.DataFrame | Sequence[Sequence[Any]] | np.ndarray,
    *,
    method: str = "eigenvector",
    ri_table: str = "saaty",
    allow_inconsistent: bool = False,
) -> AHPResult:
    """Weights from a pairwise comparison (judgment) matrix by the analytic hierarchy process.

    Parameters
    ----------
    matrix : DataFrame or n × n array-like
        a_ij says how many times criterion i is more important than j (Saaty's 1–9
        scale). Cells may be numbers or text fractions such as ``"1/3"``; the lower
        triangle may be left empty (NaN/None). A DataFrame's labels name the criteria
        (row and column labels must match); otherwise they are ``C1 … Cn``.
    method : {"eigenvector", "sum", "root"}, default "eigenvector"
        ``eigenvector``: the principal eigenvector (``numpy.linalg.eig``). ``sum`` (和积法):
        normalise each column to sum 1, then average each row. ``root`` (方根法): the
        geometric mean of each row, normalised.
    ri_table : str, default "saaty"
        Random-index table, one of :data:`RI_TABLES` (see :func:`random_index`).
    allow_inconsistent : bool, default False
        Return the result even when CR > 0.10 instead of raising.

    Returns
    -------
    AHPResult
        ``weights``, ``lambda_max``, ``ci``, ``ri``, ``cr``, ``n``, ``comparisons`` (most
        inconsistent first), ``matrix``, ``ahp_method``, ``ri_table`` and the convention.

    Raises
    ------
    ParameterError
        The matrix is not square, positive and reciprocal (a_ji = 1/a_ij within 5 %)
        with ones on the diagonal; the message names every offending cell. Unknown
        ``method`` or ``ri_table``, or n beyond the table.
    InconsistentJudgmentsError
        CR > 0.10 and ``allow_inconsistent`` is False; names the most inconsistent
        comparisons.

    Notes
    -----
    CI = (λmax − n)/(n − 1) and CR = CI/RI (Saaty 1980). For the sum and root methods
    λmax = (1/n) Σ_i (Aw)_i / w_i, as in Chinese textbooks. Writing ε_ij = a_ij w_j / w_i,
    (1/n) Σ_i (Aw)_i / w_i = (1/n) Σ_ij ε_ij, and reciprocity gives
    CI = Σ_{i<j} (ε_ij + 1/ε_ij − 2) / (n(n − 1)) (Saaty 1977, 1980): each comparison's
    term is its contribution to the inconsistency, used to name the comparisons to revise.
    The upper triangle is taken as the judgments; the lower triangle is replaced by the
    exact reciprocals. Weights were checked against power iteration, the hand-worked
    sum and root methods, Saaty's (1980) illumination example (λmax = 4.39) and the
    tourism example of 姜启源《数学模型》(CR = 0.016).

    Examples
    --------
    >>> a = [[1, 2, 4], ["1/2", 1, 2], ["1/4", "1/2", 1]]
    >>> r = ahp_weights(a)
    >>> r.weights.round(4).tolist(), round(r.cr, 6)
    ([0.5714, 0.2857, 0.1429], 0.0)
    """
    func = "ahp_weights"
    check_choice(func, "method", method, AHP_METHODS)
    check_choice(func, "ri_table", ri_table, RI_TABLES)
    check_bool(func, "allow_inconsistent", allow_inconsistent)
    a, labels = _judgment_matrix(func, matrix)
    n = len(labels)
    ri = random_index(n, table=ri_table)
    if method == "eigenvector":
        values, vectors = np.linalg.eig(a)
        k = int(np.argmax(values.real))
        # The Perron vector has entries of one sign; eig returns it with an arbitrary sign.
        w = np.abs(vectors[:, k].real)
        w /= w.sum()
        lambda_max = float(values[k].real)
    else:
        w = (a / a.sum(axis=0)).mean(axis=1) if method == "sum" else np.exp(np.log(a).mean(axis=1))
        w /= w.sum()
        lambda_max = float(np.mean(a @ w / w))
    # λmax ≥ n for every positive reciprocal matrix (Saaty 1977); rounding can put a
    # consistent matrix a hair below n.
    ci = max((lambda_max - n) / (n - 1), 0.0) if n > 1 else 0.0
    cr = ci / ri if ri > 0 else 0.0
    iu, ju = np.triu_indices(n, 1)
    eps = a[iu, ju] * w[ju] / w[iu]
    contribution = (eps + 1 / eps - 2) / (n * (n - 1)) if n > 1 else eps
    total = contribution.sum()
    comparisons = (
        pd.DataFrame(
            {
                "row": [labels[i] for i in iu],
                "column": [labels[j] for j in ju],
                "given": a[iu, ju],
                "implied": w[iu] / w[ju],
                "epsilon": eps,
                "ci_contribution": contribution,
                "ci_share": contribution / total if total > 0 else np.zeros_like(contribution),
            }
        )
        .sort_values("ci_contribution", ascending=False, kind="stable")
        .reset_index(drop=True)
    )
    aw = a @ w
    zh_m, en_m = _AHP_METHOD_TEXT[method]
    zh_t, en_t = _RI_TEXT[ri_table]
    result = AHPResult(
        weights=pd.Series(w, index=labels, name="weight"),
        method="ahp",
        convention_zh=(
            f"层次分析法，{zh_m}；CI = (λmax − n)/(n − 1)，CR = CI/RI，RI 取{zh_t}；"
            f"CR ≤ {CR_THRESHOLD:.2f} 为通过。"
        ),
        convention_en=(
            f"AHP by {en_m}; CI = (λmax − n)/(n − 1), CR = CI/RI with RI from the "
            f"{en_t}; CR ≤ {CR_THRESHOLD:.2f} passes."
        ),
        details=pd.DataFrame({"aw": aw, "aw_over_w": aw / w}, index=labels),
        matrix=pd.DataFrame(a, index=labels, columns=labels),
        ahp_method=method,
        n=n,
        lambda_max=lambda_max,
        ci=ci,
        ri=ri,
        cr=cr,
        ri_table=ri_table,
        comparisons=comparisons,
    )
    if not result.consistent and not allow_inconsistent:
        raise InconsistentJudgmentsError(result)
    return result


def ahp_group(
    matrices: Sequence[pd.DataFrame | Sequence[Sequence[Any]] | np.ndarray],
    *,
    weights: Sequence[float] | None = None,
) -> pd.DataFrame:
    """Combine several experts' judgment matrices into one by the weighted geometric mean.

    Parameters
    ----------
    matrices : sequence of judgment matrices
        Same criteria in the same order; each is checked as in :func:`ahp_weights`.
    weights : sequence of float, optional
        Non-negative weight of each expert (divided by their sum); equal by default.

    Returns
    -------
    DataFrame
        The group matrix g_ij = Π_k (a_ij^(k))^λ_k, itself reciprocal; pass it to
        :func:`ahp_weights`.

    Raises
    ------
    ParameterError
        No matrices, matrices of different criteria, a bad matrix, or bad weights.

    Notes
    -----
    Aggregation of individual judgments (AIJ) by the weighted geometric mean, which
    keeps reciprocity (Aczél & Saaty 1983; Forman & Peniwati 1998, EJOR 108:165–169).

    Examples
    --------
    >>> ahp_group([[[1, 4], ["1/4", 1]], [[1, 1], [1, 1]]])
         C1   C2
    C1  1.0  2.0
    C2  0.5  1.0
    """
    func = "ahp_group"
    if isinstance(matrices, str | bytes) or not isinstance(matrices, Sequence) or not matrices:
        raise _param_error(
            func,
            "matrices",
            "非空的判断矩阵列表",
            "a non-empty list of judgment matrices",
            type(matrices).__name__,
        )
    parsed = [_judgment_matrix(func, m, f"matrices[{k}]") for k, m in enumerate(matrices)]
    labels = parsed[0][1]
    for k, (_, other) in enumerate(parsed):
        if other != labels:
            raise _param_error(
                func,
                f"matrices[{k}]",
                f"与第一个矩阵相同的准则 {labels}",
                f"the criteria of the first matrix {labels}",
                other,
            )
    if weights is None:
        lam = np.full(len(parsed), 1 / len(parsed))
    else:
        lam = np.asarray(weights, dtype=float)
        if (
            lam.shape != (len(parsed),)
            or not np.all(np.isfinite(lam))
            or np.any(lam < 0)
            or lam.sum() <= 0
        ):
            raise _param_error(
                func,
                "weights",
                f"{len(parsed)} 个非负数且总和为正",
                f"{len(parsed)} non-negative numbers with a positive sum",
                weights,
            )
        lam = lam / lam.sum()
    logs = np.stack([np.log(a) for a, _ in parsed])
    group = np.exp(np.tensordot(lam, logs, axes=1))
    return pd.DataFrame(group, index=labels, columns=labels)
