"""Tests of assess.appraisal.ahp (AHP, group AHP) and assess.appraisal.weights (entropy,
CRITIC, combined and given weights).

References: Saaty's (1980) illumination example and the tourism example of 姜启源《数学模型》
(published λmax, CI, CR); power iteration for the principal eigenvector; the sum (和积法)
and root (方根法) methods worked by hand in exact fractions; the Alonso–Lamata (2006)
random-index table re-simulated; an entropy table worked by hand; CRITIC recomputed
with a plain loop.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from matplotlib.axes import Axes

from assess.appraisal.ahp import (
    AHP_METHODS,
    RI_TABLES,
    AHPResult,
    InconsistentJudgmentsError,
    ahp_group,
    ahp_weights,
    random_index,
)
from assess.appraisal.weights import (
    WeightResult,
    combine_weights,
    critic_weights,
    entropy_weights,
    given_weights,
)
from assess.core.errors import AssessError, ParameterError

# Saaty, T. L. (1980). The Analytic Hierarchy Process, §2-3 "Illumination intensity and
# the inverse square law" (also Saaty 1977, J. Math. Psych. 15:234–281): relative
# brightness of four chairs judged by an observer. Published: λmax = 4.39.
SAATY_CHAIRS = [
    [1, 5, 6, 7],
    [1 / 5, 1, 4, 6],
    [1 / 6, 1 / 4, 1, 4],
    [1 / 7, 1 / 6, 1 / 4, 1],
]
# 姜启源、谢金星、叶俊《数学模型》(高等教育出版社), 层次分析模型, 旅游地选择: criteria
# 景色, 费用, 居住, 饮食, 旅途. Published with the sum method: λ = 5.073, CI = 0.018,
# CR = 0.016 (RI = 1.12).
TOURISM = [
    [1, 1 / 2, 4, 3, 3],
    [2, 1, 7, 5, 5],
    [1 / 4, 1 / 7, 1, 1 / 2, 1 / 3],
    [1 / 3, 1 / 5, 2, 1, 1],
    [1 / 3, 1 / 5, 3, 1, 1],
]
SAATY_SCALE = [1 / 9, 1 / 8, 1 / 7, 1 / 6, 1 / 5, 1 / 4, 1 / 3, 1 / 2, 1, 2, 3, 4, 5, 6, 7, 8, 9]


def power_iteration(a: np.ndarray, steps: int = 2000) -> tuple[np.ndarray, float]:
    """Principal eigenvector and eigenvalue by repeated multiplication (Saaty's own method)."""
    w = np.full(len(a), 1 / len(a))
    for _ in range(steps):
        w = a @ w
        w = w / w.sum()
    return w, float((a @ w).sum())  # Σ_i (Aw)_i = λ Σ_i w_i = λ


def consistent_matrix(w: np.ndarray) -> np.ndarray:
    return np.outer(w, 1 / w)


def from_upper(u: np.ndarray) -> np.ndarray:
    """Reciprocal matrices (batched on leading axes) from strictly upper-triangular ``u``."""
    lower = np.where(u > 0, 1 / np.where(u > 0, u, 1), 0.0)
    return u + np.swapaxes(lower, -1, -2) + np.eye(u.shape[-1])


# --------------------------------------------------------------------------- AHP


def test_saaty_illumination_example_lambda_and_ci():
    r = ahp_weights(SAATY_CHAIRS, allow_inconsistent=True)
    assert round(r.lambda_max, 2) == 4.39
    assert round(r.ci, 2) == 0.13
    assert r.ri == 0.90
    assert r.cr == pytest.approx(r.ci / 0.90)
    w, lam = power_iteration(np.array(SAATY_CHAIRS))
    np.testing.assert_allclose(r.weights.to_numpy(), w, atol=1e-12)
    assert r.lambda_max == pytest.approx(lam, abs=1e-10)


def test_saaty_illumination_example_is_inconsistent_and_names_the_pairs():
    # CR = 0.130 / 0.90 = 0.145 > 0.10; C1 vs C4 (7 given, 13.7 implied) contributes most.
    with pytest.raises(InconsistentJudgmentsError, match=r"CR = 0\.145 > 0\.10.*C1 对 C4") as info:
        ahp_weights(SAATY_CHAIRS)
    assert isinstance(info.value, AssessError)
    assert "C1 vs C4 (given 7, weight ratio 13.7)" in str(info.value)
    result = info.value.result
    assert isinstance(result, AHPResult)
    assert not result.consistent
    assert tuple(result.comparisons.loc[0, ["row", "column"]]) == ("C1", "C4")


def test_tourism_textbook_example():
    r = ahp_weights(TOURISM, method="sum")
    assert r.lambda_max == pytest.approx(5.073, abs=5e-4)
    assert r.ci == pytest.approx(0.018, abs=5e-4)
    assert r.cr == pytest.approx(0.016, abs=5e-4)
    assert r.consistent
    e = ahp_weights(TOURISM)
    w, lam = power_iteration(np.array(TOURISM))
    np.testing.assert_allclose(e.weights.to_numpy(), w, atol=1e-12)
    assert e.lambda_max == pytest.approx(lam, abs=1e-10)
    assert e.cr == pytest.approx(0.016, abs=5e-4)


def test_sum_method_by_hand():
    # A = [[1, 3, 5], [1/3, 1, 2], [1/5, 1/2, 1]]. Column sums 23/15, 9/2, 8.
    # Row means of the column-normalised matrix:
    #   w1 = (15/23 + 2/3 + 5/8)/3 = 1073/1656, w2 = (5/23 + 2/9 + 1/4)/3 = 571/2484,
    #   w3 = (3/23 + 1/9 + 1/8)/3 = 607/4968.
    f = Fraction
    a = [[f(1), f(3), f(5)], [f(1, 3), f(1), f(2)], [f(1, 5), f(1, 2), f(1)]]
    expected = [f(1073, 1656), f(571, 2484), f(607, 4968)]
    assert sum(expected) == 1
    aw = [sum(a[i][j] * expected[j] for j in range(3)) for i in range(3)]
    lam = sum(aw[i] / expected[i] for i in range(3)) / 3  # = 3.0036967
    r = ahp_weights([["1", "3", "5"], ["1/3", "1", "2"], ["1/5", "1/2", "1"]], method="sum")
    np.testing.assert_allclose(r.weights.to_numpy(), [float(x) for x in expected], rtol=1e-14)
    assert r.lambda_max == pytest.approx(float(lam), rel=1e-14)
    assert r.ci == pytest.approx((float(lam) - 3) / 2, rel=1e-12)
    assert r.cr == pytest.approx((float(lam) - 3) / 2 / 0.58, rel=1e-12)


def test_root_method_by_hand():
    # Row geometric means: 15^(1/3) = 2.466212, (2/3)^(1/3) = 0.873580, (1/10)^(1/3) =
    # 0.464159; sum 3.803951; weights 0.648329, 0.229651, 0.122020.
    g = [15 ** (1 / 3), (2 / 3) ** (1 / 3), (1 / 10) ** (1 / 3)]
    expected = [v / sum(g) for v in g]
    r = ahp_weights([[1, 3, 5], [None, 1, 2], [None, None, 1]], method="root")
    np.testing.assert_allclose(r.weights.to_numpy(), expected, rtol=1e-14)
    np.testing.assert_allclose(r.weights.to_numpy(), [0.648329, 0.229651, 0.122020], atol=1e-6)


@pytest.mark.parametrize("method", AHP_METHODS)
def test_consistent_matrix_has_cr_zero_and_recovers_the_weights(method):
    w = np.array([0.4, 0.3, 0.2, 0.1])
    r = ahp_weights(consistent_matrix(w), method=method)
    assert r.cr == pytest.approx(0.0, abs=1e-12)
    assert r.ci == pytest.approx(0.0, abs=1e-12)
    assert r.lambda_max == pytest.approx(4.0, abs=1e-12)
    np.testing.assert_allclose(r.weights.to_numpy(), w, atol=1e-12)


def test_contributions_sum_to_ci():
    r = ahp_weights(TOURISM)
    assert r.comparisons["ci_contribution"].sum() == pytest.approx(r.ci, rel=1e-10)
    assert r.comparisons["ci_share"].sum() == pytest.approx(1.0)
    assert len(r.comparisons) == 10
    assert r.comparisons["ci_contribution"].is_monotonic_decreasing


def test_thirty_criteria():
    rng = np.random.default_rng(3)
    w = rng.dirichlet(np.ones(30))
    r = ahp_weights(consistent_matrix(w), ri_table="alonso-lamata-formula")
    assert r.n == 30 and r.cr == pytest.approx(0, abs=1e-10)
    np.testing.assert_allclose(r.weights.to_numpy(), w, atol=1e-12)
    # Random judgments are, on average, as inconsistent as the random index says: CR ≈ 1.
    a = from_upper(np.triu(rng.choice(SAATY_SCALE, size=(30, 30)), 1))
    random = ahp_weights(a, ri_table="alonso-lamata-formula", allow_inconsistent=True)
    assert 0.8 < random.cr < 1.2


def test_frame_labels_and_text_fractions():
    labels = ["学习", "服务", "纪律"]
    frame = pd.DataFrame(
        [[1, "3", "5"], ["1/3", 1, 2], [0.2, 0.5, 1]], index=labels, columns=labels
    )
    r = ahp_weights(frame)
    assert list(r.weights.index) == labels
    assert r.matrix.loc["纪律", "学习"] == 1 / 5
    # 0.33 for 1/3 is within the reciprocal tolerance; the lower cell becomes exactly 1/3.
    rounded = ahp_weights([[1, 3], [0.33, 1]])
    assert rounded.matrix.iloc[1, 0] == 1 / 3


# --------------------------------------------------------------------------- RI tables


def test_random_index_tables():
    assert [random_index(n) for n in (1, 2, 3, 9, 12, 15)] == [0, 0, 0.58, 1.45, 1.48, 1.59]
    assert random_index(3, table="alonso-lamata") == 0.5245
    assert random_index(15, table="alonso-lamata") == 1.5838
    assert random_index(6, table="cn-1000") == 1.26
    assert random_index(10, table="alonso-lamata-formula") == pytest.approx(
        (1.7699 * 10 - 4.3513) / 9
    )
    assert set(RI_TABLES) == {"saaty", "cn-1000", "alonso-lamata", "alonso-lamata-formula"}


def test_alonso_lamata_formula_is_their_lambda_criterion():
    # CR ≤ 0.1 ⇔ λmax ≤ n + 0.1 (1.7699 n − 4.3513), Alonso & Lamata (2006).
    for n in (3, 7, 20, 30):
        ri = random_index(n, table="alonso-lamata-formula")
        lam_limit = n + 0.1 * (1.7699 * n - 4.3513)
        assert (lam_limit - n) / (n - 1) / ri == pytest.approx(0.1)
    # The linear fit tracks the tabulated values within 0.05 for n ≥ 4.
    for n in range(4, 16):
        assert random_index(n, table="alonso-lamata-formula") == pytest.approx(
            random_index(n, table="alonso-lamata"), abs=0.05
        )


@pytest.mark.parametrize("n", [4, 8])
def test_alonso_lamata_table_by_simulation(n):
    # Mean CI of 20,000 random reciprocal matrices on Saaty's scale; SE ≈ 0.003.
    rng = np.random.default_rng(n)
    a = from_upper(np.triu(rng.choice(SAATY_SCALE, size=(20_000, n, n)), 1))
    lam = np.linalg.eigvals(a).real.max(axis=1)
    mean_ci = ((lam - n) / (n - 1)).mean()
    assert mean_ci == pytest.approx(random_index(n, table="alonso-lamata"), abs=0.015)


def test_random_index_beyond_table():
    with pytest.raises(ParameterError, match="alonso-lamata-formula"):
        random_index(16)
    with pytest.raises(ParameterError, match="alonso-lamata-formula"):
        ahp_weights(consistent_matrix(np.ones(20)))
    with pytest.raises(ParameterError, match="'n' must be a whole number ≥ 1"):
        random_index(0)
    with pytest.raises(ParameterError, match="'table'"):
        random_index(3, table="nope")


# --------------------------------------------------------------------------- bad matrices


@pytest.mark.parametrize(
    ("matrix", "pattern"),
    [
        ([[1, 2, 3], [0.5, 1, 2]], r"non-empty square matrix.*shape \(2, 3\)"),
        ([[1, -2], [-0.5, 1]], r"\[C1, C2\] = -2 is not positive"),
        ([[1, 3], [3, 1]], r"\[C1, C2\] = 3 and \[C2, C1\] = 3 are not reciprocal"),
        ([[2, 3], [1 / 3, 1]], r"diagonal \[C1, C1\] = 2 must be 1"),
        (
            [[1, None, 2], [None, 1, 2], [0.5, 0.5, 1]],
            r"\[C1, C2\] and \[C2, C1\] are both "
            "missing",
        ),
        ([[1, "a/b"], ["1/2", 1]], r"\[C1, C2\] a positive number or fraction"),
        ([[1, True], [1, 1]], r"\[C1, C2\] a positive number"),
    ],
)
def test_bad_matrices_name_the_cell(matrix, pattern):
    with pytest.raises(ParameterError, match=pattern):
        ahp_weights(matrix)


def test_bad_matrix_reports_every_problem_in_chinese_too():
    pattern = r"对角线 \[C3, C3\] = 5 应为 1；\[C1, C2\] = 3 与 \[C2, C1\] = 3 不互为倒数"
    with pytest.raises(ParameterError, match=pattern) as info:
        ahp_weights([[1, 3, 1], [3, 1, 1], [1, 1, 5]])
    assert "must be 1" in str(info.value)


def test_frame_with_mismatched_labels():
    frame = pd.DataFrame([[1, 2], [0.5, 1]], index=["a", "b"], columns=["a", "c"])
    with pytest.raises(ParameterError, match="row labels equal its column labels"):
        ahp_weights(frame)


def test_bad_method_and_table():
    with pytest.raises(ParameterError, match="'method'.*'eigenvector', 'sum', 'root'"):
        ahp_weights([[1]], method="mean")
    with pytest.raises(ParameterError, match="'ri_table'"):
        ahp_weights([[1]], ri_table="oak-ridge")


def test_one_and_two_criteria():
    one = ahp_weights([[1]])
    assert one.weights.tolist() == [1.0] and one.cr == 0 and one.ci == 0
    two = ahp_weights([[1, 3], ["1/3", 1]])
    np.testing.assert_allclose(two.weights.to_numpy(), [0.75, 0.25])
    assert two.cr == 0


@settings(max_examples=40, deadline=None)
@given(data=st.data(), n=st.integers(3, 8), method=st.sampled_from(AHP_METHODS))
def test_ahp_permutation_property(data, n, method):
    upper = data.draw(st.lists(st.sampled_from(SAATY_SCALE), min_size=n * n, max_size=n * n))
    a = from_upper(np.triu(np.array(upper).reshape(n, n), 1))
    perm = np.array(data.draw(st.permutations(range(n))))
    r = ahp_weights(a, method=method, ri_table="alonso-lamata", allow_inconsistent=True)
    p = ahp_weights(
        a[np.ix_(perm, perm)], method=method, ri_table="alonso-lamata", allow_inconsistent=True
    )
    assert r.weights.sum() == pytest.approx(1.0)
    assert (r.weights > 0).all()
    np.testing.assert_allclose(p.weights.to_numpy(), r.weights.to_numpy()[perm], atol=1e-10)
    assert p.cr == pytest.approx(r.cr, abs=1e-10)
    assert r.lambda_max >= n - 1e-9


# --------------------------------------------------------------------------- group AHP


def test_group_is_weighted_geometric_mean():
    a = [[1, 2, 4], ["1/2", 1, 3], ["1/4", "1/3", 1]]
    b = [[1, 8, 1], ["1/8", 1, "1/3"], [1, 3, 1]]
    g = ahp_group([a, b], weights=[3, 1])
    # g_12 = 2^0.75 · 8^0.25 = 2^(0.75 + 0.75) = 2^1.5
    assert g.iloc[0, 1] == pytest.approx(2**1.5)
    assert g.iloc[0, 2] == pytest.approx(4**0.75)
    assert g.iloc[2, 1] == pytest.approx((1 / 3) ** 0.75 * 3**0.25)  # = 3^(−1/2)
    np.testing.assert_allclose(g.to_numpy() * g.to_numpy().T, np.ones((3, 3)))
    equal = ahp_group([a, b])
    assert equal.iloc[0, 1] == pytest.approx(math.sqrt(2 * 8))


def test_group_errors():
    labels = ["x", "y"]
    frame = pd.DataFrame([[1, 2], [0.5, 1]], index=labels, columns=labels)
    with pytest.raises(ParameterError, match=r"'matrices\[1\]'.*criteria of the first"):
        ahp_group([frame, [[1, 2], [0.5, 1]]])
    with pytest.raises(ParameterError, match="non-empty list"):
        ahp_group([])
    with pytest.raises(ParameterError, match="2 non-negative numbers"):
        ahp_group([frame, frame], weights=[1, -1])
    with pytest.raises(ParameterError, match=r"'matrices\[0\]'.*not reciprocal"):
        ahp_group([[[1, 2], [2, 1]]])


# --------------------------------------------------------------------------- entropy


ENTROPY_TABLE = pd.DataFrame(
    {"a": [0.0, 5.0, 10.0], "b": [2.0, 0.0, 2.0], "c": [1.0, 2.0, 4.0], "d": [3.0, 3.0, 3.0]},
    index=["m1", "m2", "m3"],
)
ENTROPY_DIRECTIONS = {"a": "positive", "b": "negative", "c": "positive", "d": "positive"}


def test_entropy_weights_by_hand():
    # m = 3, ln 3 = 1.0986122887.
    # a (positive) → min–max (0, 0.5, 1), p = (0, 1/3, 2/3):
    #   e_a = −(1/ln 3)[(1/3) ln(1/3) + (2/3) ln(2/3)] = 1/3 + (2/3) ln 1.5 / ln 3
    #       = 1/3 + (2/3)(0.4054651081 / 1.0986122887) = 0.5793801643; d_a = 0.4206198357
    # b (negative) → (2 − x)/2 = (0, 1, 0), p = (0, 1, 0): e_b = 0 (0·ln 0 = 0); d_b = 1
    # c (positive) → (0, 1/3, 1), p = (0, 1/4, 3/4):
    #   e_c = [(1/4) ln 4 + (3/4) ln(4/3)] / ln 3 = (0.3465735903 + 0.2157615543) / 1.0986122887
    #       = 0.5118595071; d_c = 0.4881404929
    # d constant → d_d = 0. Σd = 1.9087603286.
    # w = (0.4206198357, 1, 0.4881404929, 0) / 1.9087603286 = (0.2203628341, 0.5239002430,
    #     0.2557369228, 0)
    with pytest.warns(UserWarning, match="indicators d are constant"):
        r = entropy_weights(ENTROPY_TABLE, directions=ENTROPY_DIRECTIONS)
    np.testing.assert_allclose(
        r.weights.to_numpy(), [0.2203628341, 0.5239002430, 0.2557369228, 0.0], atol=1e-10
    )
    np.testing.assert_allclose(
        r.details["entropy"].to_numpy()[:3], [0.5793801643, 0.0, 0.5118595071], atol=1e-10
    )
    assert r.details["divergence"]["d"] == 0.0
    assert r.details["constant"].tolist() == [False, False, False, True]
    assert r.method == "entropy"
    assert "0·ln 0 = 0" in r.convention_en and "0·ln 0 = 0" in r.convention_zh


def test_entropy_all_constant_and_bad_input():
    with pytest.raises(ParameterError, match="at least one indicator that varies"):
        entropy_weights(ENTROPY_TABLE[["d"]], directions="positive")
    with pytest.raises(ParameterError, match="at least two rows"):
        entropy_weights(ENTROPY_TABLE.iloc[:1], directions="positive")
    with pytest.raises(ParameterError, match=r"missing \['d'\], unknown \['e'\]"):
        entropy_weights(
            ENTROPY_TABLE,
            directions={"a": "positive", "b": "negative", "c": "positive", "e": "positive"},
        )
    with pytest.raises(ParameterError, match=r"directions\['a'\]"):
        entropy_weights(ENTROPY_TABLE, directions={**ENTROPY_DIRECTIONS, "a": "up"})
    bad = ENTROPY_TABLE.astype(float)
    bad.loc["m2", "c"] = np.nan
    with pytest.raises(ParameterError, match=r"missing or infinite at \(m2, c\)"):
        entropy_weights(bad, directions="positive")


frames = st.integers(2, 5).flatmap(
    lambda n: st.lists(st.lists(st.integers(0, 9), min_size=n, max_size=n), min_size=3, max_size=8)
)


@settings(max_examples=60, deadline=None)
@given(rows=frames, data=st.data())
def test_entropy_and_critic_properties(rows, data):
    frame = pd.DataFrame(rows, columns=[f"x{j}" for j in range(len(rows[0]))], dtype=float)
    varying = frame.nunique() > 1
    assume(varying.sum() >= 2)
    assume(varying.all())  # constant columns warn; tested above
    directions = {c: data.draw(st.sampled_from(["positive", "negative"])) for c in frame}
    perm = data.draw(st.permutations(list(frame.columns)))
    for weigh in (entropy_weights, critic_weights):
        try:
            r = weigh(frame, directions=directions)
        except ParameterError:
            # CRITIC is undefined when all indicators are perfectly (anti)correlated.
            assert weigh is critic_weights
            continue
        assert r.weights.sum() == pytest.approx(1.0)
        assert (r.weights >= 0).all()
        p = weigh(frame[perm], directions=directions)
        np.testing.assert_allclose(p.weights.to_numpy(), r.weights[perm].to_numpy(), atol=1e-12)


# --------------------------------------------------------------------------- CRITIC


def test_critic_against_a_plain_loop(rng):
    frame = pd.DataFrame(rng.gamma(2, 2, size=(40, 5)), columns=list("abcde"))
    frame["e"] = frame["a"] * 0.5 + rng.normal(0, 0.5, 40)
    directions = {
        "a": "positive",
        "b": "negative",
        "c": "positive",
        "d": "negative",
        "e": "positive",
    }
    r = critic_weights(frame, directions=directions)
    cols = {}
    for c in frame:
        x = frame[c].to_numpy()
        span = x.max() - x.min()
        cols[c] = (x - x.min()) / span if directions[c] == "positive" else (x.max() - x) / span
    info = {}
    for j in frame:
        sd = np.std(cols[j], ddof=1)
        conflict = sum(1 - np.corrcoef(cols[j], cols[k])[0, 1] for k in frame)
        info[j] = sd * conflict
    total = sum(info.values())
    np.testing.assert_allclose(r.weights.to_numpy(), [info[c] / total for c in frame], rtol=1e-12)


def test_critic_constant_column_and_errors():
    frame = pd.DataFrame(
        {"a": [1.0, 2.0, 3.0, 4.0], "b": [2.0, 1.0, 4.0, 3.0], "k": [5.0, 5.0, 5.0, 5.0]}
    )
    with pytest.warns(UserWarning, match="indicators k are constant"):
        r = critic_weights(frame, directions="positive")
    assert r.weights["k"] == 0
    # With k left out, a and b have equal contrast and conflict: 1/2 each.
    assert r.weights["a"] == pytest.approx(0.5)
    with pytest.raises(ParameterError, match="at least two indicators that vary"):
        critic_weights(frame[["a", "k"]], directions="positive")
    with pytest.raises(ParameterError, match="not all perfectly correlated"):
        critic_weights(
            pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [2.0, 4.0, 6.0]}), directions="positive"
        )


# --------------------------------------------------------------------------- combining


def test_combine_additive_and_multiplicative():
    ahp = ahp_weights(consistent_matrix(np.array([0.5, 0.3, 0.2])))
    obj = pd.Series({"C1": 0.2, "C2": 0.2, "C3": 0.6})
    add = combine_weights(ahp, obj, subjective_share=0.7)
    np.testing.assert_allclose(add.weights.to_numpy(), [0.41, 0.27, 0.32])
    mult = combine_weights(ahp, obj, method="multiplicative")
    # s·o = (0.10, 0.06, 0.12), sum 0.28
    np.testing.assert_allclose(mult.weights.to_numpy(), [0.10 / 0.28, 0.06 / 0.28, 0.12 / 0.28])
    assert "α = 0.7" in add.convention_zh
    assert list(add.details.columns) == ["subjective", "objective"]


def test_combine_errors():
    s = {"a": 1.0, "b": 1.0}
    with pytest.raises(ParameterError, match="'subjective_share'.*required by the additive rule"):
        combine_weights(s, s)
    with pytest.raises(ParameterError, match="'subjective_share'.*between 0 and 1"):
        combine_weights(s, s, subjective_share=1.5)
    with pytest.raises(ParameterError, match="'subjective_share'.*multiplicative rule has no α"):
        combine_weights(s, s, subjective_share=0.5, method="multiplicative")
    with pytest.raises(ParameterError, match=r"'objective'.*missing \['b'\], unknown \['c'\]"):
        combine_weights(s, {"a": 1.0, "c": 1.0}, subjective_share=0.5)
    with pytest.raises(ParameterError, match="'objective'.*positive for at least one"):
        combine_weights({"a": 1.0, "b": 0.0}, {"a": 0.0, "b": 1.0}, method="multiplicative")
    with pytest.raises(ParameterError, match="'subjective'"):
        combine_weights([0.5, 0.5], s, subjective_share=0.5)


def test_given_weights():
    r = given_weights(pd.Series({"x": 2.0, "y": 6.0}))
    assert r.weights.tolist() == [0.25, 0.75]
    assert r.details["given"].tolist() == [2.0, 6.0]
    with pytest.raises(ParameterError, match="non-negative"):
        given_weights({"x": -1.0, "y": 2.0})
    with pytest.raises(ParameterError, match="Series or mapping"):
        given_weights([1, 2])


# --------------------------------------------------------------------------- display


def test_weight_result_display():
    with pytest.warns(UserWarning):
        r = entropy_weights(ENTROPY_TABLE, directions=ENTROPY_DIRECTIONS)
    assert isinstance(r, WeightResult)
    frame = r.to_frame()
    assert list(frame.columns) == ["weight", "entropy", "divergence", "constant"]
    text = r.summary()
    zh, en = text.split("\n\n")
    assert zh.startswith("熵权法：4 项指标的权重 a 0.220、b 0.524、c 0.256、d 0.000。")
    assert en.startswith("entropy weights of 4 indicators: a 0.220, b 0.524, c 0.256, d 0.000.")
    assert "熵权法" in r._repr_html_()
    ax = r.plot()
    assert isinstance(ax, Axes)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["d", "c", "b", "a"]


def test_ahp_result_display():
    r = ahp_weights(SAATY_CHAIRS, allow_inconsistent=True)
    zh, en = r.summary().split("\n\n")
    assert "CR = 0.1447 > 0.10，未通过一致性检验" in zh
    assert "C1 对 C4（给定 7，权重比 13.7）" in zh
    assert "CR = 0.1447 > 0.10: fails the consistency check" in en
    consistent = ahp_weights(TOURISM).summary()
    assert "通过一致性检验" in consistent and "passes the consistency check" in consistent
    assert list(r.to_frame().columns) == ["weight", "aw", "aw_over_w"]
    np.testing.assert_allclose(r.to_frame()["aw_over_w"], r.lambda_max)
    assert "CR = 0.145" in r.plot().get_title()
    assert "层次分析法权重" in r._repr_html_()
