"""Tests of assess.appraisal.normalise: direction-aware normalisation and weighted aggregation.

References: values worked by hand; z-scores against ``scipy.stats.zscore(ddof=1)``;
goalposts of the UNDP Human Development Index (HDR 2020 Technical notes: life
expectancy 20–85 years, expected years of schooling 0–18).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.axes import Axes
from scipy import stats

from assess.appraisal.normalise import (
    BOUNDED_NORMALISATIONS,
    CONSTANT_VALUE,
    NORMALISATIONS,
    AggregateResult,
    NormalisedResult,
    aggregate,
    normalise,
)
from assess.core.errors import ParameterError

RAW = pd.DataFrame(
    {"study": [2.0, 4.0, 6.0, 4.0], "violations": [0.0, 1.0, 4.0, 0.0], "flat": [3.0] * 4},
    index=["m1", "m2", "m3", "m4"],
)
DIRS = {"study": "positive", "violations": "negative", "flat": "positive"}


def test_minmax_by_hand():
    r = normalise(RAW, directions=DIRS)
    # study: (x − 2)/4; violations: (4 − x)/4; flat is constant → 1.0
    expected = pd.DataFrame(
        {"study": [0.0, 0.5, 1.0, 0.5], "violations": [1.0, 0.75, 0.0, 1.0], "flat": [1.0] * 4},
        index=RAW.index,
    )
    pd.testing.assert_frame_equal(r.normalised, expected)
    p = r.parameters
    assert p.loc["violations", "location"] == 4.0 and p.loc["violations", "scale"] == -4.0
    assert p["constant"].tolist() == [False, False, True]
    # An auditor recomputes any cell as (x − location)/scale.
    assert (RAW.loc["m2", "violations"] - 4.0) / -4.0 == r.normalised.loc["m2", "violations"]
    assert not np.signbit(r.normalised.to_numpy()).any()  # no −0.0 shown to users


def test_zscore_matches_scipy():
    r = normalise(RAW, method="zscore", directions=DIRS)
    np.testing.assert_allclose(r.normalised["study"], stats.zscore(RAW["study"], ddof=1))
    np.testing.assert_allclose(r.normalised["violations"], -stats.zscore(RAW["violations"], ddof=1))
    assert (r.normalised["flat"] == CONSTANT_VALUE["zscore"]).all()


def test_rank_uses_mid_ranks():
    r = normalise(RAW, method="rank", directions=DIRS)
    # study ranks 1, 2.5, 4, 2.5 → (r − 1)/3; violations ranks 1.5, 3, 4, 1.5 reversed:
    # (4 − r)/2.5
    np.testing.assert_allclose(r.normalised["study"], [0, 0.5, 1, 0.5])
    np.testing.assert_allclose(r.normalised["violations"], [1, 0.4, 0, 1])
    assert (r.normalised["flat"] == 1.0).all()
    assert r.parameters["location"].isna().all()


def test_goalposts_follow_the_hdi_convention():
    hdi = pd.DataFrame(
        {"life_expectancy": [72.0, 87.0, 15.0], "expected_schooling": [13.5, 19.2, 9.0]},
        index=["A", "B", "C"],
    )
    r = normalise(
        hdi,
        method="goalpost",
        directions="positive",
        goalposts={"life_expectancy": (20, 85), "expected_schooling": (0, 18)},
    )
    # (72 − 20)/65 = 0.8; 87 and 19.2 beyond the maximum goalpost are capped at 1.
    np.testing.assert_allclose(r.normalised["life_expectancy"], [0.8, 1.0, 0.0])
    np.testing.assert_allclose(r.normalised["expected_schooling"], [0.75, 1.0, 0.5])
    assert r.parameters["clipped"].tolist() == [2, 1]
    neg = normalise(
        hdi[["life_expectancy"]],
        method="goalpost",
        directions="negative",
        goalposts={"life_expectancy": (20, 85)},
    )
    np.testing.assert_allclose(neg.normalised["life_expectancy"], [0.2, 0.0, 1.0])


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"method": "log"}, "'method'.*'minmax', 'zscore', 'rank', 'goalpost'"),
        ({"method": "goalpost"}, "'goalposts'.*required by method='goalpost'"),
        (
            {"method": "goalpost", "goalposts": {"study": (0, 10)}},
            r"'goalposts'.*missing \['violations', 'flat'\]",
        ),
        (
            {
                "method": "goalpost",
                "goalposts": {"study": (5, 1), "violations": (0, 9), "flat": (0, 9)},
            },
            r"goalposts\['study'\].*lower < upper",
        ),
        ({"directions": "up"}, "'directions'.*'positive', 'negative'"),
        ({"directions": ["positive"]}, "'directions'.*mapping"),
        ({"directions": {"study": "positive"}}, r"missing \['violations', 'flat'\]"),
    ],
)
def test_bad_normalise_arguments(kwargs, pattern):
    args = {"directions": DIRS, **kwargs}
    with pytest.raises(ParameterError, match=pattern):
        normalise(RAW, **args)


def test_bad_frames():
    with pytest.raises(ParameterError, match="'data'.*DataFrame.*got 'ndarray'"):
        normalise(RAW.to_numpy(), directions="positive")
    with pytest.raises(ParameterError, match=r"non-numeric columns \['name'\]"):
        normalise(RAW.assign(name=list("abcd")), directions="positive")
    with pytest.raises(ParameterError, match=r"missing or infinite at \(m3, study\)"):
        normalise(RAW.replace(6.0, np.inf), directions="positive")
    with pytest.raises(ParameterError, match="at least one row"):
        normalise(RAW.iloc[:0], directions="positive")
    dup = pd.DataFrame([[1.0, 2.0]], columns=["a", "a"])
    with pytest.raises(ParameterError, match=r"duplicated columns \['a'\]"):
        normalise(dup, directions="positive")


# --------------------------------------------------------------------------- aggregate

Z = pd.DataFrame({"a": [1.0, 0.5, 0.0], "b": [0.0, 1.0, 0.25]}, index=["m1", "m2", "m3"])


def test_arithmetic_by_hand():
    r = aggregate(Z, {"a": 3, "b": 1})
    # weights 0.75, 0.25: m1 0.75, m2 0.375 + 0.25 = 0.625, m3 0.0625
    np.testing.assert_allclose(r.scores, [0.75, 0.625, 0.0625])
    assert r.weights.tolist() == [0.75, 0.25]
    assert r.formula == "S_i = Σ_j w_j z_ij"


def test_geometric_zero_guard_is_explicit():
    with pytest.raises(ParameterError, match=r"'zero_guard'.*zeros at \(m1, b\), \(m3, a\)") as e:
        aggregate(Z, {"a": 0.5, "b": 0.5}, method="geometric")
    assert "m1 的 b" in str(e.value)
    strict = aggregate(Z, {"a": 0.5, "b": 0.5}, method="geometric", zero_guard="zero")
    np.testing.assert_allclose(strict.scores, [0.0, np.sqrt(0.5), 0.0])
    assert strict.zero_cells == 2 and strict.shift == 0.0
    shifted = aggregate(Z, {"a": 0.5, "b": 0.5}, method="geometric", zero_guard=0.01)
    # m1: (1.01 · 0.01)^0.5 − 0.01 = 0.1005 − 0.01 = 0.090499; m2: (0.51 · 1.01)^0.5 − 0.01
    np.testing.assert_allclose(
        shifted.scores,
        [np.sqrt(1.01 * 0.01) - 0.01, np.sqrt(0.51 * 1.01) - 0.01, np.sqrt(0.01 * 0.26) - 0.01],
    )
    assert shifted.shift == 0.01
    assert shifted.formula == "S_i = Π_j (z_ij + 0.01)^w_j − 0.01"
    assert "ε = 0.01" in shifted.summary()


def test_geometric_ignores_zeros_of_unweighted_indicators():
    r = aggregate(Z, {"a": 0.0, "b": 1.0}, method="geometric", zero_guard="zero")
    np.testing.assert_allclose(r.scores, [0.0, 1.0, 0.25])
    assert r.zero_cells == 1
    ok = aggregate(Z.iloc[1:], {"a": 0.0, "b": 1.0}, method="geometric")
    np.testing.assert_allclose(ok.scores, [1.0, 0.25])


def test_geometric_of_ones_and_zeros_stays_in_range():
    z = pd.DataFrame({"a": [1.0, 0.0], "b": [1.0, 0.0]})
    r = aggregate(z, {"a": 1, "b": 2}, method="geometric", zero_guard=0.5)
    np.testing.assert_allclose(r.scores, [1.0, 0.0], atol=1e-15)


@pytest.mark.parametrize(
    ("args", "kwargs", "pattern"),
    [
        ((Z, {"a": 1}), {}, r"'weights'.*missing \['b'\]"),
        ((Z, {"a": 1, "b": 1, "c": 1}), {}, r"unknown \['c'\]"),
        ((Z, {"a": -1, "b": 2}), {}, "'weights'.*non-negative"),
        ((Z, [0.5, 0.5]), {}, "'weights'.*Series or mapping"),
        ((Z, {"a": 1, "b": 1}), {"method": "harmonic"}, "'method'"),
        ((Z, {"a": 1, "b": 1}), {"method": "geometric", "zero_guard": -0.1}, "'zero_guard'"),
        ((Z, {"a": 1, "b": 1}), {"method": "geometric", "zero_guard": "ignore"}, "'zero_guard'"),
        (
            (Z - 0.5, {"a": 1, "b": 1}),
            {"method": "geometric", "zero_guard": 0.1},
            "'normalised'.*non-negative.*minmax, rank or goalpost",
        ),
    ],
)
def test_bad_aggregate_arguments(args, kwargs, pattern):
    with pytest.raises(ParameterError, match=pattern):
        aggregate(*args, **kwargs)


def test_aggregate_takes_a_normalised_result_and_a_weight_result():
    from assess.appraisal.weights import given_weights

    n = normalise(RAW, directions=DIRS)
    r = aggregate(n, given_weights({"study": 2, "violations": 1, "flat": 1}))
    expected = n.normalised @ pd.Series({"study": 0.5, "violations": 0.25, "flat": 0.25})
    np.testing.assert_allclose(r.scores, expected)


# --------------------------------------------------------------------------- properties

tables = st.integers(2, 4).flatmap(
    lambda n: st.lists(
        st.lists(st.integers(0, 20), min_size=n, max_size=n), min_size=3, max_size=10
    )
)
PIPELINES = [(nm, "arithmetic") for nm in ("minmax", "zscore", "rank")] + [
    (nm, "geometric") for nm in ("minmax", "rank")
]


@settings(max_examples=80, deadline=None)
@given(rows=tables, data=st.data())
def test_raising_a_positive_indicator_never_lowers_the_score(rows, data):
    frame = pd.DataFrame(rows, columns=[f"x{j}" for j in range(len(rows[0]))], dtype=float)
    i = data.draw(st.integers(0, len(frame) - 1))
    col = data.draw(st.sampled_from(list(frame.columns)))
    direction = data.draw(st.sampled_from(["positive", "negative"]))
    step = data.draw(st.integers(1, 30))
    directions = {c: "positive" for c in frame} | {col: direction}
    better = frame.copy()
    # Better means higher for a positive indicator and lower for a negative one.
    better.loc[i, col] += step if direction == "positive" else -step
    weights = {c: data.draw(st.floats(0.05, 1.0)) for c in frame}
    for method, agg in PIPELINES:
        before = aggregate(
            normalise(frame, method=method, directions=directions),
            weights,
            method=agg,
            zero_guard=0.01,
        ).scores[i]
        after = aggregate(
            normalise(better, method=method, directions=directions),
            weights,
            method=agg,
            zero_guard=0.01,
        ).scores[i]
        assert after >= before - 1e-12, (method, agg)


@settings(max_examples=40, deadline=None)
@given(rows=tables, data=st.data(), method=st.sampled_from(NORMALISATIONS))
def test_normalise_does_not_depend_on_row_order(rows, data, method):
    frame = pd.DataFrame(rows, columns=[f"x{j}" for j in range(len(rows[0]))], dtype=float)
    order = data.draw(st.permutations(list(frame.index)))
    kwargs = {"method": method, "directions": "negative", "goalposts": {c: (0, 15) for c in frame}}
    r = normalise(frame, **kwargs).normalised
    shuffled = normalise(frame.loc[order], **kwargs).normalised
    pd.testing.assert_frame_equal(shuffled.loc[r.index], r)
    if method in BOUNDED_NORMALISATIONS:
        assert ((r >= 0) & (r <= 1)).all().all()


def test_province_size_runs_in_milliseconds(rng):
    frame = pd.DataFrame(
        rng.gamma(2, 2, size=(25_000, 20)), columns=[f"x{j:02d}" for j in range(20)]
    )
    weights = dict.fromkeys(frame.columns, 1.0)
    start = time.perf_counter()
    for method in ("minmax", "zscore", "rank"):
        z = normalise(frame, method=method, directions="positive")
        aggregate(z, weights)
    aggregate(normalise(frame, directions="negative"), weights, method="geometric", zero_guard=0.01)
    # Typically ~0.1 s for all four pipelines; generous bound for a shared machine.
    assert time.perf_counter() - start < 2.0


# --------------------------------------------------------------------------- display


def test_display():
    n = normalise(RAW, directions=DIRS)
    assert isinstance(n, NormalisedResult)
    zh, en = n.summary().split("\n\n")
    assert zh == (
        "极差标准化：4 个对象 × 3 项指标，其中负向指标 1 项已反向（数值越高越好）。"
        "无差异（常数）指标 flat 统一取 1。"
    )
    assert en == (
        "min–max normalisation of 4 rows × 3 indicators; 1 negative indicators "
        "reversed so that higher is better. Constant indicators flat set to 1 for "
        "every row."
    )
    assert isinstance(n.plot(), Axes)
    pd.testing.assert_frame_equal(n.to_frame(), n.normalised)
    a = aggregate(n, {"study": 1, "violations": 1, "flat": 0})
    assert isinstance(a, AggregateResult)
    assert a.to_frame().columns.tolist() == ["score"]
    assert "加权算术平均（S_i = Σ_j w_j z_ij），4 个对象，3 项指标" in a.summary()
    assert isinstance(a.plot(), Axes)
    assert "综合得分" in a._repr_html_()
    assert "指标标准化" in n._repr_html_()
