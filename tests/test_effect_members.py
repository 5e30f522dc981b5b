"""Members vs non-members against a statsmodels Poisson GLM with a log person-time offset,
and the Mantel–Haenszel person-time estimator against arithmetic by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from assess.core.errors import ParameterError
from assess.effect.members import mantel_haenszel_rate_ratio, member_rates
from assess.effect.rates import compare_rates

MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]


def _tables(
    rng,
    *,
    units=("0101", "0102", "0103"),
    heads=(40, 120, 25),
    members=(10, 50, 5),
    rate_member=0.02,
    rate_other=0.04,
):
    """Staff, monthly exposure and violation events of a few branches; members' true rate
    is ``rate_member`` per person-month, non-members' ``rate_other`` times a unit factor."""
    staff, exposure, events = [], [], []
    for u, (unit, n, m) in enumerate(zip(units, heads, members, strict=True)):
        factor = 1.0 + u  # units differ in baseline rate: stratification matters
        ids = [f"{unit}-{i:03d}" for i in range(n)]
        staff += [
            {"person_id": p, "unit_code": unit, "is_party_member": i < m} for i, p in enumerate(ids)
        ]
        for month in MONTHS:
            exposure.append(
                {"unit_code": unit, "month": month, "headcount": n, "member_headcount": m}
            )
            for i, p in enumerate(ids):
                rate = (rate_member if i < m else rate_other) * factor
                for _ in range(rng.poisson(rate)):
                    events.append(
                        {
                            "date": pd.Timestamp(f"{month}-15"),
                            "unit_code": unit,
                            "person_id": p,
                            "type": "violation",
                        }
                    )
    events_df = pd.DataFrame(events)
    events_df["event_id"] = [f"e{i}" for i in range(len(events_df))]
    return events_df, pd.DataFrame(exposure), pd.DataFrame(staff)


def test_crude_rate_ratio_matches_poisson_glm(rng):
    events, exposure, staff = _tables(rng)
    res = member_rates(events, exposure, staff)
    member_ids = set(staff.loc[staff["is_party_member"], "person_id"])
    a = int(events["person_id"].isin(member_ids).sum())
    b = len(events) - a
    t1 = float(exposure["member_headcount"].sum())
    t0 = float((exposure["headcount"] - exposure["member_headcount"]).sum())
    assert res.groups["events"].tolist() == [a, b]
    assert res.groups["person_months"].tolist() == [t1, t0]
    assert res.n == a + b and res.n_unattributed == 0 and res.method == "exact-cond"
    assert res.groups.loc["member", "rate_per_100py"] == pytest.approx(a / t1 * 1200)
    # GLM on the unit × group rows: log E[y] = log T + β0 + β1 member; exp(β1) is the
    # crude rate ratio (the totals are sufficient) with the log-Wald interval.
    table = member_rates(events, exposure, staff, by="unit_code").strata
    glm = sm.GLM(
        np.r_[table["member_events"], table["non_member_events"]],
        sm.add_constant(np.r_[np.ones(len(table)), np.zeros(len(table))]),
        family=sm.families.Poisson(),
        offset=np.log(np.r_[table["member_person_months"], table["non_member_person_months"]]),
    ).fit()
    assert res.estimate == pytest.approx(math.exp(glm.params[1]), rel=1e-8)
    low, high = np.exp(glm.conf_int()[1])
    wald = compare_rates(a, t1, b, t0, methods=("wald-log",)).iloc[0]
    assert (wald["ci_low"], wald["ci_high"]) == pytest.approx((low, high), rel=1e-6)
    expected = compare_rates(a, t1, b, t0).loc["exact-cond"]
    assert (res.ci_low, res.ci_high, res.p_value) == pytest.approx(
        (expected["ci_low"], expected["ci_high"], expected["p_value"])
    )
    # Exact Poisson interval of the members' rate: chi-square limits by hand.
    assert res.groups.loc["member", "ci_low"] == pytest.approx(
        stats.chi2.ppf(0.025, 2 * a) / 2 / t1 * 1200
    )


def test_stratified_mantel_haenszel_against_glm_with_stratum_effects(rng):
    events, exposure, staff = _tables(rng)
    res = member_rates(events, exposure, staff, by="unit_code")
    assert res.method == "mantel-haenszel" and res.by == "unit_code"
    s = res.strata
    assert list(s.index) == ["0101", "0102", "0103"]
    long = pd.DataFrame(
        {
            "y": np.r_[s["member_events"], s["non_member_events"]],
            "t": np.r_[s["member_person_months"], s["non_member_person_months"]],
            "member": np.r_[np.ones(3), np.zeros(3)],
            "stratum": list(s.index) * 2,
        }
    )
    exog = pd.get_dummies(long["stratum"], dtype=float)
    null = sm.GLM(long["y"], exog, family=sm.families.Poisson(), offset=np.log(long["t"])).fit()
    full = sm.GLM(
        long["y"],
        exog.assign(member=long["member"]),
        family=sm.families.Poisson(),
        offset=np.log(long["t"]),
    ).fit()
    # The ML and MH estimators differ, but agree closely under a common rate ratio.
    assert res.estimate == pytest.approx(math.exp(full.params["member"]), rel=0.03)
    # The MH test is the score test of the stratified Poisson model: identical chi-square.
    score = null.score_test(exog_extra=long[["member"]].to_numpy())
    assert res.p_value == pytest.approx(float(score.pvalue[0]), rel=1e-8)
    # The crude ratio is confounded by the unit baselines; the stratified one is not.
    true_ratio = 0.5
    assert abs(math.log(res.estimate / true_ratio)) < abs(
        math.log(res.crude.iloc[0]["estimate"] / true_ratio)
    )


def test_mantel_haenszel_by_hand():
    # Stratum 1: a 10, T1 1000, b 30, T0 1500 (T 2500); stratum 2: 20, 1000, 90, 3000 (4000).
    # RR = (10·1500/2500 + 20·3000/4000) / (30·1000/2500 + 90·1000/4000) = 21 / 34.5.
    # Var ln RR = (40·1000·1500/2500² + 110·1000·3000/4000²) / (21 · 34.5) = 30.225 / 724.5.
    est, low, high, p = mantel_haenszel_rate_ratio(
        np.array([10, 20]), np.array([1000, 1000]), np.array([30, 90]), np.array([1500, 3000])
    )
    assert est == pytest.approx(21 / 34.5)
    half = stats.norm.isf(0.025) * math.sqrt(30.225 / 724.5)
    assert (low, high) == pytest.approx((est * math.exp(-half), est * math.exp(half)))
    # Score test: observed 30 vs expected 40·0.4 + 110·0.25 = 43.5, variance 30.225.
    assert p == pytest.approx(2 * stats.norm.sf(13.5 / math.sqrt(30.225)))


def test_one_stratum_reduces_to_the_crude_log_wald_interval():
    est, low, high, _ = mantel_haenszel_rate_ratio(
        np.array([12]), np.array([800.0]), np.array([45]), np.array([1500.0])
    )
    wald = compare_rates(12, 800.0, 45, 1500.0, methods=("wald-log",)).iloc[0]
    assert (est, low, high) == pytest.approx((wald["estimate"], wald["ci_low"], wald["ci_high"]))


def test_unattributed_and_uncovered_events_are_counted(rng):
    events, exposure, staff = _tables(rng)
    extra = pd.DataFrame(
        [
            {
                "date": pd.Timestamp("2026-03-02"),
                "unit_code": "0101",
                "person_id": None,
                "type": "violation",
                "event_id": "x1",
            },
            {
                "date": pd.Timestamp("2026-03-02"),
                "unit_code": "0101",
                "person_id": "nobody",
                "type": "violation",
                "event_id": "x2",
            },
            {
                "date": pd.Timestamp("2027-01-05"),
                "unit_code": "0101",
                "person_id": "0101-000",
                "type": "violation",
                "event_id": "x3",
            },
            {
                "date": pd.Timestamp("2026-03-02"),
                "unit_code": "0101",
                "person_id": "0101-000",
                "type": "complaint",
                "event_id": "x4",
            },
        ]
    )
    base = member_rates(events, exposure, staff)
    with pytest.warns(UserWarning, match="1 events fall in a unit and month without exposure"):
        res = member_rates(pd.concat([events, extra], ignore_index=True), exposure, staff)
    assert res.n == base.n
    assert (res.n_unattributed, res.n_outside_exposure) == (2, 1)
    assert "2 起事件无法对应到人员名单" in res.summary()


def test_mapping_strata_and_outputs(rng):
    events, exposure, staff = _tables(rng)
    res = member_rates(
        events, exposure, staff, by={"0101": "A", "0102": "A", "0103": "B"}, outcome="violation"
    )
    assert list(res.strata.index) == ["A", "B"] and res.by == "mapping"
    frame = res.to_frame()
    assert {"estimate", "ci_low", "ci_high", "p_value", "n", "design"} <= set(frame.columns)
    text = res.summary()
    assert text.index("党员与非党员对比") < text.index("Members vs non-members")
    assert "观察性对比" in text
    assert res.plot().get_ylabel().startswith("违章率")
    assert "党员" in res._repr_html_()


def test_bad_input(rng):
    events, exposure, staff = _tables(rng)
    with pytest.raises(ParameterError, match="outcome"):
        member_rates(events, exposure, staff, outcome="violations")
    with pytest.raises(ParameterError, match="missing person_id"):
        member_rates(events.drop(columns="person_id"), exposure, staff)
    too_many = exposure.assign(member_headcount=exposure["headcount"] + 1)
    with pytest.raises(ParameterError, match="member_headcount ≤ headcount"):
        member_rates(events, too_many, staff)
    with pytest.raises(ParameterError, match="by"):
        member_rates(events, exposure, staff, by="branch")
    with pytest.raises(ParameterError, match="no stratum for 0103"):
        member_rates(events, exposure, staff, by={"0101": "A", "0102": "A"})
    with pytest.raises(ParameterError, match="is_party_member as True/False"):
        member_rates(events, exposure, staff.assign(is_party_member="是"))
    with pytest.raises(ParameterError, match="person-months of members"):
        member_rates(events, exposure.assign(member_headcount=0), staff)
