"""The year-on-year audit against independent computations.

References: ``scipy.stats.binomtest`` on the conditional count ``after | total`` with
``p0 = E_a / (E_a + E_b)`` (exact p-values and Clopper–Pearson interval, mapped to the
rate-ratio scale by ``r = p / (1 − p) × E_b / E_a``); ``statsmodels`` score and log-Wald
intervals; Monte-Carlo rejection rates for the detectable change.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats import rates as sm_rates

from assess.core.errors import ParameterError
from assess.effect.rates import (
    METHODS,
    RateComparison,
    compare_rates,
    detectable_ratio,
    rate_ratio_test,
)

CASES = [  # (before, after, exposure_before, exposure_after)
    (120, 108, 1.0, 1.0),
    (467, 100, 1.0, 1.0),
    (14, 3, 1.0, 1.0),
    (40, 52, 25_398 * 12, 26_010 * 12),
    (9, 0, 300.0, 280.0),
]


def _binom_reference(before, after, e_before, e_after, confidence=0.95):
    p0 = e_after / (e_after + e_before)
    total = before + after
    less = stats.binomtest(after, total, p0, alternative="less").pvalue
    greater = stats.binomtest(after, total, p0, alternative="greater").pvalue
    ci = stats.binomtest(after, total, p0).proportion_ci(confidence, method="exact")

    def to_ratio(p):
        return math.inf if p >= 1 else p / (1 - p) * e_before / e_after

    return less, greater, to_ratio(ci.low), to_ratio(ci.high)


@pytest.mark.parametrize(("before", "after", "e_before", "e_after"), CASES)
def test_exact_conditional_matches_scipy_binomtest(before, after, e_before, e_after):
    less, greater, low, high = _binom_reference(before, after, e_before, e_after)
    two = compare_rates(after, e_after, before, e_before).loc["exact-cond"]
    assert two["p_value"] == pytest.approx(min(1.0, 2 * min(less, greater)), rel=1e-9)
    assert two["ci_low"] == pytest.approx(low, rel=1e-9, abs=1e-12)
    assert two["ci_high"] == pytest.approx(high, rel=1e-9)
    assert two["estimate"] == pytest.approx((after / e_after) / (before / e_before))
    one = compare_rates(after, e_after, before, e_before, alternative="less").loc["exact-cond"]
    assert one["p_value"] == pytest.approx(less, rel=1e-9)
    assert one["ci_low"] == 0.0
    _, _, _, high90 = _binom_reference(before, after, e_before, e_after, confidence=0.90)
    assert one["ci_high"] == pytest.approx(high90, rel=1e-9)
    greater_row = compare_rates(after, e_after, before, e_before, alternative="greater").loc[
        "exact-cond"
    ]
    assert greater_row["p_value"] == pytest.approx(greater, rel=1e-9)
    assert math.isinf(greater_row["ci_high"])


def test_ten_percent_fall_from_120_is_indistinguishable_from_noise():
    res = rate_ratio_test(120, 1.0, 108, 1.0)
    # scipy.stats.binomtest(108, 228, 0.5): p = 0.46639, Clopper–Pearson (0.40740, 0.54066).
    assert res.p_value == pytest.approx(0.4663894797, rel=1e-8)
    assert res.estimate == pytest.approx(0.9)
    assert res.ci_low == pytest.approx(0.4073968489 / (1 - 0.4073968489), rel=1e-8)
    assert res.ci_high == pytest.approx(0.5406646549 / (1 - 0.5406646549), rel=1e-8)
    assert res.ci_low < 1 < res.ci_high
    assert res.naive_percent_change == pytest.approx(-10.0)
    assert res.verdict.evidence == "inconclusive"
    assert "与随机波动无法区分" in res.verdict.zh
    assert "cannot be distinguished from random variation" in res.verdict.en
    for word in ("显著", "significant", "统计学证据", "statistical evidence"):
        assert word not in res.summary()
    assert "下降 31.3% 至上升 17.7%" in res.verdict.zh
    assert "只有下降至少 33.7%或上升至少 40.3%才有 80% 的把握被检出" in res.verdict.zh


def test_fall_from_467_to_100_is_real():
    res = rate_ratio_test(467, 1.0, 100, 1.0, methods=METHODS)
    assert res.verdict.evidence == "decrease"
    assert res.p_value < 1e-50
    assert res.ci_high < 0.27
    assert "降幅在 73.4% 至 82.9% 之间" in res.verdict.zh
    assert "未经校正的同比数字为下降 78.59%" in res.verdict.zh


def test_seed_000_claim_of_minus_78_59_percent_implies_a_real_fall():
    # Every pair of raw counts (before ≤ 1000) that rounds to −78.59% has at least 313
    # events before, and at every such pair the exact interval lies wholly below 1.
    pairs = [
        (b, a) for b in range(1, 1001) for a in range(b) if round((a / b - 1) * 100, 2) == -78.59
    ]
    assert pairs[0] == (313, 67)
    assert (467, 100) in pairs
    before, after = pairs[0]
    smallest = rate_ratio_test(before, 1.0, after, 1.0)
    assert smallest.verdict.evidence == "decrease"
    assert smallest.ci_high < 0.29
    # The same bare percentage from 14 → 3 is far weaker evidence.
    small = rate_ratio_test(14, 1.0, 3, 1.0)
    assert small.ci_low < 0.05 and small.ci_high > 0.75


@pytest.mark.parametrize(("before", "after", "e_before", "e_after"), CASES[:4])
def test_score_and_wald_log_match_statsmodels(before, after, e_before, e_after):
    table = compare_rates(after, e_after, before, e_before, methods=("score", "wald-log"))
    for method in ("score", "wald-log"):
        low, high = sm_rates.confint_poisson_2indep(after, e_after, before, e_before, method=method)
        assert table.loc[method, "ci_low"] == pytest.approx(low, rel=1e-6)
        assert table.loc[method, "ci_high"] == pytest.approx(high, rel=1e-6)
        p = sm_rates.test_poisson_2indep(after, e_after, before, e_before, method=method).pvalue
        assert table.loc[method, "p_value"] == pytest.approx(p, rel=1e-12)
    # log-Wald by hand: exp(ln RR ± 1.96 √(1/a + 1/b)).
    half = stats.norm.isf(0.025) * math.sqrt(1 / after + 1 / before)
    rr = (after / e_after) / (before / e_before)
    assert table.loc["wald-log", "ci_low"] == pytest.approx(rr * math.exp(-half))


@pytest.mark.parametrize("method", ["exact-cond", "score"])
def test_interval_limits_are_where_the_test_stops_rejecting(method):
    # Duality: at each limit the one-sided test of that ratio has p = alpha / 2.
    row = compare_rates(30, 2.0, 55, 3.0, methods=(method,)).iloc[0]
    for value, alternative in ((row["ci_low"], "larger"), (row["ci_high"], "smaller")):
        p = sm_rates.test_poisson_2indep(
            30, 2.0, 55, 3.0, value=value, method=method, alternative=alternative
        ).pvalue
        assert p == pytest.approx(0.025, rel=1e-6)


def test_zero_after_count():
    table = compare_rates(0, 280.0, 9, 300.0, methods=METHODS)
    assert (table["estimate"] == 0).all()
    assert table.loc["exact-cond", "ci_low"] == 0.0
    assert table.loc["score", "ci_low"] == 0.0
    # Score limit by hand: root of 9² x² − z² 9 x = 0 → x = z² / 9, ratio x × E_b / E_a.
    z = stats.norm.isf(0.025)
    assert table.loc["score", "ci_high"] == pytest.approx(z * z / 9 * 300 / 280)
    assert table.loc["wald-log"].isna()[["ci_low", "ci_high", "p_value"]].all()


def test_exposure_scale_does_not_matter():
    a = rate_ratio_test(40, 100.0, 52, 130.0)
    b = rate_ratio_test(40, 1000.0, 52, 1300.0)
    assert a.estimate == pytest.approx(1.0)
    columns = ["estimate", "ci_low", "ci_high", "p_value"]
    np.testing.assert_allclose(a.methods[columns], b.methods[columns], rtol=1e-9)
    assert a.detectable_fall == pytest.approx(b.detectable_fall, rel=1e-8)


def _simulated_rejection(ratio, before, e_before, e_after, alpha, rng, size=20_000):
    y_b = rng.poisson(before, size)
    y_a = rng.poisson(ratio * before * e_after / e_before, size)
    n = y_a + y_b
    p0 = e_after / (e_after + e_before)
    p = 2 * np.minimum(stats.binom.cdf(y_a, n, p0), stats.binom.sf(y_a - 1, n, p0))
    return np.mean(np.minimum(p, 1) <= alpha)


@pytest.mark.parametrize(
    ("before", "e_before", "e_after", "direction"),
    [(120, 1.0, 1.0, "fall"), (30, 1.0, 2.0, "rise"), (14, 3.0, 2.0, "fall")],
)
def test_detectable_ratio_has_the_stated_power_by_simulation(
    before, e_before, e_after, direction, rng
):
    ratio = detectable_ratio(
        before, exposure_before=e_before, exposure_after=e_after, direction=direction
    )
    rate = _simulated_rejection(ratio, before, e_before, e_after, 0.05, rng)
    assert rate == pytest.approx(0.8, abs=0.015)  # Monte-Carlo s.e. 0.003


def test_detectable_ratio_agrees_with_normal_approximation_for_large_counts():
    ratio = detectable_ratio(5000)
    approx = sm_rates.power_poisson_ratio_2indep(
        ratio, 1.0, 5000, exposure=1, value=1, alternative="two-sided", method_var="score"
    )
    assert float(approx.power) == pytest.approx(0.8, abs=0.01)


def test_detectable_ratio_undefined_for_tiny_counts():
    # Even when the after count is always 0, 3 expected events before give a rejection
    # only if at least 6 occur (0.5⁶ ≤ 0.025): P = 0.084 < 0.8.
    assert math.isnan(detectable_ratio(3))
    assert stats.poisson.sf(5, 3) < 0.8
    assert detectable_ratio(3, direction="rise") > 1


def test_result_shapes_and_json():
    res = rate_ratio_test(467, 1.0, 100, 1.0, methods=("exact-cond", "score", "wald-log"))
    assert isinstance(res, RateComparison)
    data = json.loads(json.dumps(res.to_dict(), allow_nan=False))
    assert [m["method"] for m in data["methods"]] == ["exact-cond", "score", "wald-log"]
    assert set(data["methods"][0]) == {"method", "estimate", "ci_low", "ci_high", "p_value"}
    assert data["naive_change_pct"] == pytest.approx(-78.5867237687)
    frame = res.to_frame()
    assert list(frame.columns) == [
        "estimate",
        "ci_low",
        "ci_high",
        "p_value",
        "n",
        "change_pct",
        "change_pct_low",
        "change_pct_high",
        "design",
    ]
    assert res.summary().index("同比核查") < res.summary().index("Year-on-year audit")
    assert "同比核查" in res._repr_html_()
    ax = res.plot()
    assert "率比" in ax.get_xlabel()
    one_sided = rate_ratio_test(467, 1.0, 100, 1.0, alternative="less").to_dict()
    assert one_sided["ci_low"] == 0.0 and one_sided["detectable_rise"] is None


# A valid call; each bad case changes one argument of it.
_VALID = {"count_before": 10, "exposure_before": 1.0, "count_after": 3, "exposure_after": 1.0}


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"count_before": -1}, "count_before.*whole number"),
        ({"count_after": 2.5}, "count_after.*whole number"),
        ({"count_before": 0}, "count_before"),
        ({"exposure_before": 0}, "exposure_before.*> 0"),
        ({"exposure_after": math.nan}, "exposure_after"),
        ({"confidence": 95}, "confidence"),
        ({"alternative": "smaller"}, "alternative"),
        ({"methods": ("exact",)}, "methods"),
        ({"methods": ()}, "methods"),
    ],
)
def test_bad_input(change, match):
    with pytest.raises(ParameterError, match=match):
        rate_ratio_test(**(_VALID | change))


def test_bad_power_and_direction():
    with pytest.raises(ParameterError, match="power"):
        detectable_ratio(100, power=1.2)
    with pytest.raises(ParameterError, match="direction"):
        detectable_ratio(100, direction="down")


# R 4.x: poisson.test(c(56, 31), c(12000, 11800))$p.value == 0.009894753674 (the issue's
# value; minimum-likelihood rule of binom.test on 56 | 87 with p = 12000 / 23800).
R_POISSON_TEST_P = 0.009894753674


def test_minlike_p_value_matches_r_poisson_test():
    res = rate_ratio_test(56, 12000, 31, 11800, p_method="minlike")
    assert res.p_value == pytest.approx(R_POISSON_TEST_P, abs=1e-10)
    assert res.p_method == "minlike" and res.to_dict()["p_method"] == "minlike"
    central = rate_ratio_test(56, 12000, 31, 11800)
    assert central.p_method == "central"
    assert central.p_value == pytest.approx(0.01210016708, abs=1e-10)
    # The interval is Clopper–Pearson under both conventions.
    assert (res.ci_low, res.ci_high) == (central.ci_low, central.ci_high)


@pytest.mark.parametrize(("before", "after", "e_before", "e_after"), [*CASES, (56, 31, 1.2, 1.18)])
def test_minlike_p_value_matches_scipy_binomtest(before, after, e_before, e_after):
    p0 = e_after / (e_after + e_before)
    ref = stats.binomtest(after, before + after, p0, alternative="two-sided").pvalue
    row = compare_rates(after, e_after, before, e_before, p_method="minlike").loc["exact-cond"]
    assert row["p_value"] == pytest.approx(ref, rel=1e-10, abs=1e-15)
    central = compare_rates(after, e_after, before, e_before).loc["exact-cond", "p_value"]
    assert row["p_value"] <= central + 1e-15
    # One-sided p-values do not depend on the two-sided convention.
    for alternative in ("less", "greater"):
        a = compare_rates(
            after, e_after, before, e_before, alternative=alternative, p_method="minlike"
        )
        b = compare_rates(after, e_after, before, e_before, alternative=alternative)
        assert a.loc["exact-cond", "p_value"] == b.loc["exact-cond", "p_value"]


def test_minlike_agrees_with_statsmodels_exact_cond_and_brute_force():
    # statsmodels' own two-sided exact-conditional p-value is the minimum-likelihood one.
    sm_p = sm_rates.test_poisson_2indep(31, 11800, 56, 12000, method="exact-cond").pvalue
    ours = compare_rates(31, 11800, 56, 12000, p_method="minlike").loc["exact-cond", "p_value"]
    assert ours == pytest.approx(sm_p, rel=1e-10)
    pmf = stats.binom.pmf(np.arange(88), 87, 11800 / 23800)
    assert ours == pytest.approx(pmf[pmf <= pmf[31] * (1 + 1e-7)].sum(), rel=1e-10)


def test_bad_p_method():
    with pytest.raises(ParameterError, match="'p_method'.*'central', 'minlike'"):
        rate_ratio_test(56, 12000, 31, 11800, p_method="R")
    with pytest.raises(ParameterError, match="compare_rates.*'p_method'"):
        compare_rates(31, 1.0, 56, 1.0, p_method=None)
