"""Ranks: checked against scipy.stats.rankdata, and independent of row order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import rankdata

from assess.appraisal.ranking import METHODS, rank
from assess.core.errors import ParameterError

SCIPY_METHOD = {"competition": "min", "dense": "dense", "ordinal": "ordinal"}


@pytest.mark.parametrize("method", METHODS)
def test_matches_scipy_rankdata_on_descending_values(rng, method):
    # Integer scores on a small range give many ties. scipy's "ordinal" breaks ties by
    # position, which equals our tie-break by index label on a RangeIndex.
    x = rng.integers(60, 75, size=200).astype(float)
    got = rank(pd.Series(x), method=method)
    expected = rankdata(-x, method=SCIPY_METHOD[method])
    np.testing.assert_array_equal(got.to_numpy(dtype=int), expected)


def test_competition_is_one_two_two_four():
    s = pd.Series([88.5, 92.0, 88.5, 70.0], index=["b", "a", "c", "d"])
    assert rank(s).to_dict() == {"b": 2, "a": 1, "c": 2, "d": 4}
    assert rank(s, method="dense").to_dict() == {"b": 2, "a": 1, "c": 2, "d": 3}
    # Ordinal ties are broken by index label ("b" before "c"), not by row position.
    assert rank(s, method="ordinal").to_dict() == {"b": 2, "a": 1, "c": 3, "d": 4}


def test_ascending_ranks_lowest_first(rng):
    x = rng.poisson(2, size=100).astype(float)
    got = rank(pd.Series(x), ascending=True)
    np.testing.assert_array_equal(got.to_numpy(dtype=int), rankdata(x, method="min"))


def test_within_groups_matches_scipy_per_group(rng):
    x = rng.integers(0, 10, size=300).astype(float)
    g = rng.choice(["0101", "0102", "0201"], size=300)
    got = rank(pd.Series(x), groups=pd.Series(g, name="unit_code"))
    for code in np.unique(g):
        mask = g == code
        np.testing.assert_array_equal(
            got[mask].to_numpy(dtype=int), rankdata(-x[mask], method="min")
        )


def test_groups_from_several_columns():
    s = pd.Series([1.0, 2.0, 3.0, 4.0])
    keys = pd.DataFrame(
        {"quarter": ["2026Q1", "2026Q1", "2026Q2", "2026Q2"], "unit_code": ["01", "01", "01", "01"]}
    )
    assert rank(s, groups=keys).tolist() == [2, 1, 2, 1]


def test_missing_values_get_no_rank_and_do_not_count():
    s = pd.Series([10.0, np.nan, 8.0, 8.0])
    got = rank(s)
    assert got.isna().tolist() == [False, True, False, False]
    assert got.dropna().tolist() == [1, 2, 2]
    assert str(got.dtype) == "Int64"


def test_tie_break_keys_in_order_and_direction():
    s = pd.Series([90.0, 90.0, 90.0, 80.0], index=["a", "b", "c", "d"])
    exam = pd.Series([70.0, 85.0, 85.0, 99.0], index=["a", "b", "c", "d"])
    violations = pd.Series([0, 2, 1, 0], index=["a", "b", "c", "d"])
    assert rank(s, tie_break=[exam]).to_dict() == {"a": 3, "b": 1, "c": 1, "d": 4}
    got = rank(s, tie_break=[exam, violations], tie_break_ascending=[False, True])
    assert got.to_dict() == {"a": 3, "b": 2, "c": 1, "d": 4}


def test_tie_break_missing_counts_as_worst_and_text_keys_work():
    s = pd.Series([5.0, 5.0, 5.0], index=["x", "y", "z"])
    joined = pd.Series(["2019-03-01", None, "2015-07-01"], index=["x", "y", "z"])
    # Earlier joining date first (ascending); a missing date last.
    assert rank(s, tie_break=[joined], tie_break_ascending=True).tolist() == [2, 3, 1]


def test_groups_aligned_by_label_not_position():
    s = pd.Series([1.0, 2.0, 3.0, 4.0], index=["a", "b", "c", "d"])
    g = pd.Series(["x", "y", "x", "y"], index=["a", "b", "c", "d"])
    assert rank(s, groups=g.iloc[::-1]).equals(rank(s, groups=g))


@st.composite
def ranked_tables(draw):
    n = draw(st.integers(1, 40))
    scores = draw(
        st.lists(st.one_of(st.integers(0, 5).map(float), st.just(np.nan)), min_size=n, max_size=n)
    )
    groups = draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=n, max_size=n))
    extra = draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))
    perm = draw(st.permutations(range(n)))
    return pd.DataFrame(
        {"score": scores, "group": groups, "extra": extra}, index=[f"m{i:02d}" for i in range(n)]
    ), list(perm)


@settings(max_examples=100, deadline=None)
@given(ranked_tables(), st.sampled_from(METHODS))
def test_ranks_do_not_depend_on_row_order(table, method):
    frame, perm = table
    shuffled = frame.iloc[perm]
    kwargs = {"method": method}
    a = rank(frame["score"], groups=frame["group"], tie_break=[frame["extra"]], **kwargs)
    b = rank(shuffled["score"], groups=shuffled["group"], tie_break=[shuffled["extra"]], **kwargs)
    pd.testing.assert_series_equal(a, b.reindex(a.index))


@settings(max_examples=100, deadline=None)
@given(ranked_tables())
def test_competition_rank_is_one_plus_number_strictly_better(table):
    frame, _ = table
    got = rank(frame["score"], groups=frame["group"])
    s, g = frame["score"].to_numpy(), frame["group"].to_numpy()
    # NaN compares False, so members without a score are never counted as better.
    better = (g[:, None] == g[None, :]) & (s[None, :] > s[:, None])
    expected = pd.Series(1 + better.sum(axis=1), index=frame.index).where(~np.isnan(s))
    assert got.astype("Float64").equals(expected.astype("Float64"))


def test_bad_arguments_are_named():
    s = pd.Series([1.0, 2.0])
    with pytest.raises(ParameterError, match="'method'.*'competition', 'dense', 'ordinal'"):
        rank(s, method="average")
    with pytest.raises(ParameterError, match="unique index"):
        rank(pd.Series([1.0, 2.0], index=["a", "a"]))
    with pytest.raises(ParameterError, match="'groups'.*same index labels"):
        rank(s, groups=pd.Series(["x", "y"], index=[5, 6]))
    with pytest.raises(ParameterError, match="缺少分组"):
        rank(s, groups=pd.Series(["x", None]))
    with pytest.raises(ParameterError, match="'tie_break_ascending'.*one per tie-break key"):
        rank(s, tie_break=[s, s], tie_break_ascending=[True])
    with pytest.raises(ParameterError, match="'values'.*pandas Series"):
        rank([1.0, 2.0])
