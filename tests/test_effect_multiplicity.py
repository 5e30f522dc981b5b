"""Benjamini–Hochberg and Holm adjustments against values computed by hand.

p = (a .01, b .04, c .03, d .005, e .2), m = 5, sorted d, a, c, b, e.
BH:   m p(i) / i = .025, .025, .05, .05, .2; running minimum from the top gives
      a .025, b .05, c .05, d .025, e .2   (R: p.adjust(p, "BH")).
Holm: (m − i + 1) p(i) = .025, .04, .09, .08, .2; running maximum gives
      a .04, b .09, c .09, d .025, e .2    (R: p.adjust(p, "holm")).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from assess.core.errors import ParameterError
from assess.effect.multiplicity import adjust_pvalues

P = pd.Series({"a": 0.01, "b": 0.04, "c": 0.03, "d": 0.005, "e": 0.2}, name="p")


def test_benjamini_hochberg_by_hand():
    res = adjust_pvalues(P)
    assert list(res.index) == list("abcde")
    np.testing.assert_allclose(res["p_adjusted"], [0.025, 0.05, 0.05, 0.025, 0.2])
    assert res["reject"].tolist() == [True, True, True, True, False]
    np.testing.assert_array_equal(res["p_value"], P.to_numpy())


def test_holm_by_hand():
    res = adjust_pvalues(P, method="holm")
    np.testing.assert_allclose(res["p_adjusted"], [0.04, 0.09, 0.09, 0.025, 0.2])
    assert res["reject"].tolist() == [True, False, False, True, False]
    assert adjust_pvalues(P, method="holm", significance=0.1)["reject"].tolist() == [
        True,
        True,
        True,
        True,
        False,
    ]


def test_missing_values_are_left_out_of_the_family():
    with_nan = pd.concat([P, pd.Series({"f": math.nan})])
    res = adjust_pvalues(with_nan)
    assert math.isnan(res.loc["f", "p_adjusted"]) and not res.loc["f", "reject"]
    np.testing.assert_allclose(res["p_adjusted"].iloc[:5], [0.025, 0.05, 0.05, 0.025, 0.2])


def test_multiindex_mapping_and_list_inputs():
    index = pd.MultiIndex.from_tuples(
        [("violations", "01"), ("complaints", "01")], names=["kpi", "unit_code"]
    )
    res = adjust_pvalues(pd.Series([0.02, 0.03], index=index))
    assert res.index.equals(index)
    np.testing.assert_allclose(res["p_adjusted"], [0.03, 0.03])
    assert list(adjust_pvalues({"x": 0.5, "y": 0.01}).index) == ["x", "y"]
    assert list(adjust_pvalues([0.5, 0.01]).index) == [0, 1]


@pytest.mark.parametrize(
    ("pvalues", "kwargs", "match"),
    [
        ([0.1, 1.2], {}, "pvalues.*between 0 and 1"),
        ([0.1, -0.01], {}, "pvalues"),
        (["x", 0.1], {}, "pvalues"),
        ([0.1, 0.2], {"method": "bonferroni"}, "method.*'fdr_bh', 'holm'"),
        ([0.1, 0.2], {"significance": 0}, "significance"),
    ],
)
def test_bad_input(pvalues, kwargs, match):
    with pytest.raises(ParameterError, match=match):
        adjust_pvalues(pvalues, **kwargs)
