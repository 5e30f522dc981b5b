"""Tests of assess.appraisal.robustness.rank_robustness.

Reference: a plain loop over the recorded draws with the public ``normalise`` and
``aggregate`` and ``pandas`` ranking gives the same ranks, bands and grade
probabilities. Dirichlet moments against their formulas; quota cuts against exact
decimal arithmetic.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.axes import Axes

from assess.appraisal.normalise import aggregate, normalise
from assess.appraisal.robustness import RobustnessResult, rank_robustness
from assess.core.errors import ParameterError

GRADES = {"优秀": 0.25, "良好": 0.5, "合格": 0.25}


def make_table(rng: np.random.Generator, m: int = 24, n: int = 4) -> tuple[pd.DataFrame, dict]:
    frame = pd.DataFrame(
        rng.normal(10, 3, size=(m, n)),
        index=[f"m{i:02d}" for i in range(m)],
        columns=[f"x{j}" for j in range(n)],
    )
    directions = {c: "negative" if j == 1 else "positive" for j, c in enumerate(frame)}
    return frame, directions


def loop_reference(frame, directions, result, groups=None, shift=0.01):
    """Ranks (rows × draws) recomputed one draw at a time with the public functions."""
    ranks = {}
    for d in result.draw_weights.index:
        method = result.draw_methods.loc[d, "normalisation"]
        agg = result.draw_methods.loc[d, "aggregation"]
        z = normalise(frame, method=method, directions=directions)
        score = aggregate(z, result.draw_weights.loc[d], method=agg, zero_guard=shift).scores
        score = score.round(10)
        if groups is None:
            ranks[d] = score.rank(ascending=False, method="min")
        else:
            ranks[d] = score.groupby(groups).rank(ascending=False, method="min")
    return pd.DataFrame(ranks).astype(int)


def grade_of(rank: int, size: int, shares: dict[str, float]) -> str:
    cum = Decimal(0)
    for name, share in shares.items():
        cum += Decimal(str(share))
        if rank <= int(cum * size):  # floor, exact decimals
            return name
    return name


@pytest.mark.parametrize("scheme", ["dirichlet", "uniform"])
def test_matches_a_plain_loop_over_the_recorded_draws(rng, scheme):
    frame, directions = make_table(rng)
    weights = {"x0": 0.4, "x1": 0.3, "x2": 0.2, "x3": 0.1}
    r = rank_robustness(
        frame,
        weights=weights,
        directions=directions,
        draws=80,
        weight_scheme=scheme,
        grade_shares=GRADES,
        seed=5,
    )
    ref = loop_reference(frame, directions, r)
    q = np.quantile(ref.to_numpy(), [0.05, 0.5, 0.95], axis=1, method="inverted_cdf")
    t = r.table
    np.testing.assert_array_equal(t["rank_p05"], q[0])
    np.testing.assert_array_equal(t["median_rank"], q[1])
    np.testing.assert_array_equal(t["rank_p95"], q[2])
    grades = ref.map(lambda k: grade_of(k, len(frame), GRADES))
    for name in GRADES:
        np.testing.assert_allclose(t[f"p_{name}"], (grades == name).mean(axis=1))
    base = aggregate(normalise(frame, directions=directions), weights).scores
    np.testing.assert_array_equal(t["base_rank"], base.rank(ascending=False, method="min"))
    assert set(r.draw_methods.itertuples(index=False, name=None)) <= set(r.combinations)


def test_matches_a_plain_loop_within_groups(rng):
    frame, directions = make_table(rng, m=30)
    groups = pd.Series(np.repeat(["b1", "b2", "b3"], [12, 10, 8]), index=frame.index)
    r = rank_robustness(
        frame,
        weights=dict.fromkeys(frame, 1.0),
        directions=directions,
        draws=60,
        groups=groups.sample(frac=1, random_state=1),
        seed=2,
        grade_shares=GRADES,
    )
    ref = loop_reference(frame, directions, r, groups=groups)
    np.testing.assert_array_equal(
        r.table["median_rank"], np.quantile(ref.to_numpy(), 0.5, axis=1, method="inverted_cdf")
    )
    assert (r.table["group"] == groups).all()
    sizes = groups.map(groups.value_counts())
    assert (r.table["rank_p95"] <= sizes).all()
    grades = pd.DataFrame(
        {d: [grade_of(k, s, GRADES) for k, s in zip(ref[d], sizes, strict=True)] for d in ref},
        index=ref.index,
    )
    np.testing.assert_allclose(r.table["p_优秀"], (grades == "优秀").mean(axis=1))
    assert sorted(r.table.loc[groups == "b3", "base_rank"]) == list(range(1, 9))


def test_same_seed_same_result_other_seed_other_draws(rng):
    frame, directions = make_table(rng)
    kwargs = {
        "weights": dict.fromkeys(frame, 1.0),
        "directions": directions,
        "draws": 50,
        "grade_shares": GRADES,
    }
    a = rank_robustness(frame, seed=11, **kwargs)
    b = rank_robustness(frame, seed=11, **kwargs)
    c = rank_robustness(frame, seed=12, **kwargs)
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.draw_weights, b.draw_weights)
    pd.testing.assert_frame_equal(a.draw_methods, b.draw_methods)
    assert not np.allclose(a.draw_weights, c.draw_weights)


@settings(max_examples=15, deadline=None)
@given(order_seed=st.integers(0, 10_000))
def test_ranks_do_not_depend_on_row_order(order_seed):
    frame, directions = make_table(np.random.default_rng(7), m=15)
    kwargs = {
        "weights": {"x0": 0.1, "x1": 0.2, "x2": 0.3, "x3": 0.4},
        "directions": directions,
        "draws": 40,
        "grade_shares": GRADES,
        "seed": 3,
    }
    shuffled = frame.sample(frac=1, random_state=order_seed)
    a = rank_robustness(frame, **kwargs).table
    b = rank_robustness(shuffled, **kwargs).table
    pd.testing.assert_frame_equal(b.loc[a.index], a)


def test_dirichlet_draws_have_the_stated_moments():
    frame, directions = make_table(np.random.default_rng(1), n=5)
    r = rank_robustness(
        frame,
        weights=dict.fromkeys(frame, 1.0),
        directions=directions,
        draws=4000,
        spread=0.2,
        normalisations=("minmax",),
        aggregations=("arithmetic",),
    )
    # κ = (k − 1)/spread² − 1 = 4/0.04 − 1 = 99; Var w_j = w(1 − w)/(κ + 1) = 0.0016.
    assert r.concentration == pytest.approx(99)
    w = r.draw_weights
    np.testing.assert_allclose(w.mean(), 0.2, atol=0.003)
    np.testing.assert_allclose(w.std() / w.mean(), 0.2, atol=0.015)
    np.testing.assert_allclose(w.sum(axis=1), 1.0)
    given_kappa = rank_robustness(
        frame,
        weights=dict.fromkeys(frame, 1.0),
        directions=directions,
        draws=10,
        concentration=24.0,
    )
    assert given_kappa.spread == pytest.approx(np.sqrt(4 / 25))


def test_uniform_draws_stay_within_the_spread_and_zero_weights_stay_zero():
    frame, directions = make_table(np.random.default_rng(1))
    base = {"x0": 0.5, "x1": 0.3, "x2": 0.2, "x3": 0.0}
    r = rank_robustness(
        frame, weights=base, directions=directions, draws=500, weight_scheme="uniform", spread=0.1
    )
    w = r.draw_weights
    assert (w["x3"] == 0).all()
    # Before renormalising each weight is within ±10 %; the ratio of two is within 0.9/1.1.
    ratio = w["x0"] / w["x1"] / (0.5 / 0.3)
    assert ratio.between(0.9 / 1.1, 1.1 / 0.9).all()
    assert r.concentration is None


def test_quota_cut_uses_exact_decimals():
    # 0.29 × 100 is 28.999999999999996 in binary floating point; the cut must be 29.
    frame = pd.DataFrame(
        {"a": np.arange(100.0), "b": np.arange(100.0) % 7}, index=[f"m{i}" for i in range(100)]
    )
    r = rank_robustness(
        frame,
        weights={"a": 0.9, "b": 0.1},
        directions="positive",
        draws=5,
        weight_scheme="uniform",
        spread=0.0,
        normalisations=("minmax",),
        aggregations=("arithmetic",),
        grade_shares={"A": 0.29, "B": 0.71},
    )
    assert (r.table["base_grade"] == "A").sum() == 29
    assert ((r.table["p_A"] == 1) == (r.table["base_grade"] == "A")).all()
    assert (r.table["band_width"] == 0).all()


def test_a_dominant_member_is_always_first(rng):
    frame, directions = make_table(rng)
    frame.loc["m00"] = [100.0, -100.0, 100.0, 100.0]  # best on every indicator
    r = rank_robustness(
        frame,
        weights=dict.fromkeys(frame, 1.0),
        directions=directions,
        draws=100,
        grade_shares=GRADES,
    )
    row = r.table.loc["m00"]
    assert (row["base_rank"], row["median_rank"], row["rank_p05"], row["rank_p95"]) == (1, 1, 1, 1)
    assert row["p_优秀"] == 1 and row["p_base_grade"] == 1 and row["modal_grade"] == "优秀"


def test_geometric_only_with_bounded_normalisations(rng):
    frame, directions = make_table(rng)
    r = rank_robustness(frame, weights=dict.fromkeys(frame, 1.0), directions=directions, draws=20)
    assert ("zscore", "geometric") not in r.combinations
    assert r.combinations == (
        ("minmax", "arithmetic"),
        ("minmax", "geometric"),
        ("zscore", "arithmetic"),
        ("rank", "arithmetic"),
        ("rank", "geometric"),
    )
    assert r.base == ("minmax", "arithmetic")
    with pytest.raises(ParameterError, match="'aggregations'.*geometric mean needs"):
        rank_robustness(
            frame,
            weights=dict.fromkeys(frame, 1.0),
            directions=directions,
            normalisations=("zscore",),
            aggregations=("geometric",),
        )
    with pytest.raises(ParameterError, match="'zero_guard'.*zeros at"):
        rank_robustness(
            frame,
            weights=dict.fromkeys(frame, 1.0),
            directions=directions,
            aggregations=("geometric",),
            zero_guard="error",
        )
    strict = rank_robustness(
        frame,
        weights=dict.fromkeys(frame, 1.0),
        directions=directions,
        draws=20,
        aggregations=("geometric",),
        zero_guard="zero",
    )
    # Every row with a 0 on some indicator ties for last place.
    z = normalise(frame, directions=directions).normalised
    at_zero = (z == 0).any(axis=1)
    assert (strict.table.loc[at_zero, "base_rank"] == (~at_zero).sum() + 1).all()


def test_goalposts_in_the_mix(rng):
    frame, directions = make_table(rng)
    posts = dict.fromkeys(frame, (0.0, 20.0))
    r = rank_robustness(
        frame,
        weights=dict.fromkeys(frame, 1.0),
        directions=directions,
        draws=30,
        normalisations=("goalpost", "rank"),
        goalposts=posts,
    )
    assert r.base == ("goalpost", "arithmetic")
    base = aggregate(
        normalise(frame, method="goalpost", directions=directions, goalposts=posts),
        dict.fromkeys(frame, 1.0),
    ).scores
    np.testing.assert_array_equal(r.table["base_rank"], base.rank(ascending=False, method="min"))


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"draws": 0}, "'draws'.*whole number ≥ 1"),
        ({"seed": -1}, "'seed'.*whole number ≥ 0"),
        ({"weight_scheme": "normal"}, "'weight_scheme'.*'dirichlet', 'uniform'"),
        ({"spread": 1.5}, "'spread'"),
        ({"spread": 0.0}, r"'spread'.*0 < spread < 1 \(or give concentration\)"),
        ({"concentration": -2.0}, "'concentration'.*positive number"),
        ({"weight_scheme": "uniform", "concentration": 5.0}, "'concentration'.*'dirichlet' only"),
        ({"normalisations": "minmax"}, "'normalisations'.*non-empty sequence"),
        ({"normalisations": ("minmax", "minmax")}, "'normalisations'.*without repeats"),
        ({"aggregations": ("median",)}, "'aggregations'"),
        ({"normalisations": ("goalpost",)}, "'goalposts'.*required"),
        ({"grade_shares": {"A": 0.5, "B": 0.4}}, r"'grade_shares'.*summing to 1.*0\.9"),
        ({"grade_shares": {"A+": 0.5, "B": 0.5}}, "'grade_shares'.*column names"),
        ({"grade_shares": {"A": 1.5, "B": -0.5}}, r"grade_shares\['A'\].*between 0 and 1"),
        ({"groups": ["b1", "b2"]}, "'groups'.*4 group labels"),
        ({"groups": pd.Series(["b1"], index=["m0"])}, r"'groups'.*missing for \['m1'"),
        ({"weights": {"x0": 1.0, "x1": 0.0}}, "'weights'.*at least two positive"),
        ({"weights": {"x0": 1.0}}, r"'weights'.*missing \['x1'\]"),
    ],
)
def test_bad_arguments(kwargs, pattern):
    frame = pd.DataFrame(
        {"x0": [1.0, 2.0, 3.0, 4.0], "x1": [4.0, 1.0, 2.0, 3.0]}, index=["m0", "m1", "m2", "m3"]
    )
    args = {"weights": {"x0": 1.0, "x1": 1.0}, "directions": "positive", "draws": 5} | kwargs
    with pytest.raises(ParameterError, match=pattern):
        rank_robustness(frame, **args)


def test_duplicated_rows_are_refused():
    frame = pd.DataFrame({"x0": [1.0, 2.0], "x1": [2.0, 1.0]}, index=["m0", "m0"])
    with pytest.raises(ParameterError, match=r"duplicated rows \['m0'\]"):
        rank_robustness(frame, weights={"x0": 1, "x1": 1}, directions="positive")


def test_display(rng):
    frame, directions = make_table(rng)
    r = rank_robustness(
        frame,
        weights=dict.fromkeys(frame, 1.0),
        directions=directions,
        draws=100,
        grade_shares=GRADES,
        seed=4,
    )
    assert isinstance(r, RobustnessResult)
    assert list(r.to_frame().columns) == [
        "base_rank",
        "median_rank",
        "rank_p05",
        "rank_p95",
        "band_width",
        "base_grade",
        "p_base_grade",
        "modal_grade",
        "p_优秀",
        "p_良好",
        "p_合格",
    ]
    zh, en = r.summary().split("\n\n")
    stable = int((r.table["p_base_grade"] >= 0.9).sum())
    assert f"{stable:,} 个对象（{stable / 24:.1%}）在至少 90% 的抽样中保持基准等级" in zh
    assert f"{stable:,} rows ({stable / 24:.1%}) keep their base grade" in en
    widest = r.table["band_width"].idxmax()
    assert f"区间最宽的是 {widest}（" in zh
    assert "集中度 κ = 74" in zh and "ε = 0.01" in zh  # κ = 3/0.04 − 1
    ax = r.plot()
    assert isinstance(ax, Axes)
    assert len(ax.get_yticklabels()) == 24
    assert "排名稳健性" in r._repr_html_()
    grouped = rank_robustness(
        frame,
        weights=dict.fromkeys(frame, 1.0),
        directions=directions,
        draws=20,
        groups=["g1", "g2"] * 12,
    )
    assert "名次为组内名次（2 个组）" in grouped.summary()
    assert "p_base_grade" not in grouped.table
    assert isinstance(grouped.plot(), Axes)
