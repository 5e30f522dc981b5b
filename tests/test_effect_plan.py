"""The campaign planner against the report's own analysis, its test size and a formula.

References: each simulated panel analysed by ``analyse_effect`` (same p-value and
estimate as the planner's evaluation); the share of rejections with no effect (the size
of the test, about 0.05); and for a DiD with many units the normal approximation
``Φ(|ln ρ| / se − z)`` with ``se² = Σ_groups,periods (1/(k T m) + α/(k T))`` (the delta-method
variance of a log ratio of negative-binomial totals).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import assess
from assess.core.errors import ParameterError
from assess.effect.engine import analyse_effect
from assess.effect.plan import (
    _baseline,
    _moment_dispersion,
    _Simulator,
    _tester,
    baseline_panel,
    plan_campaign,
)


def _uniform(units: int, mean: float) -> pd.DataFrame:
    return pd.DataFrame({"unit": range(units), "count": mean})


def _simulator(units, pilots, before, after, mean, alpha, sims, inference="cluster"):
    base = _baseline("t", _uniform(units, mean), "unit", "count", None, None, alpha)
    test = _tester(inference, 0.95, 99, 0)
    return _Simulator(base, pilots, before, after, sims, 0, test)


def _analytic_power(ratio, k, c, before, after, mean, alpha):
    var = sum(1 / (g * t * mean) + alpha / (g * t) for g in (k, c) for t in (before, after))
    shift = abs(math.log(ratio)) / math.sqrt(var)
    z = stats.norm.isf(0.025)
    return stats.norm.sf(z - shift) + stats.norm.cdf(-z - shift)


@pytest.mark.parametrize("inference", ["cluster", "randomisation"])
def test_each_simulation_is_the_reports_analysis(inference):
    sim = _simulator(12, 4, 6, 6, 3.0, 0.1, 2, inference)
    for s in (0, 1):
        estimate, p = sim.run(s, 0.7)
        panel = sim.template
        mean = sim.base.mean[sim.order[s]][:, None] * sim.frailty[s]
        mean[:4, 6:] *= 0.7
        counts = stats.poisson.ppf(sim.uniform[s], mean)
        table = pd.DataFrame(
            {
                "unit": np.repeat(panel.units, panel.n_periods),
                "period": np.tile(np.arange(panel.n_periods), panel.n_units),
                "count": counts.ravel(),
                "exposure": 1.0,
            }
        )
        res = analyse_effect(
            table,
            unit_col="unit",
            period_col="period",
            count_col="count",
            exposure_col="exposure",
            treated_units=panel.units[:4],
            start=6,
            design="did",
            inference=inference,
            falsification=False,
            n_permutations=99,
            seed=s,
        )
        assert estimate == pytest.approx(res.estimate, rel=1e-10)
        assert p == pytest.approx(res.p_value, rel=1e-10)


def test_power_at_no_effect_is_the_size_of_the_test():
    sims = 150
    sim = _simulator(30, 15, 4, 4, 3.0, 0.1, sims)
    rejected = np.mean([sim.run(s, 1.0)[1] <= 0.05 for s in range(sims)])
    # 3 Monte Carlo standard errors around 0.05.
    assert abs(rejected - 0.05) < 3 * math.sqrt(0.05 * 0.95 / sims)


def test_power_matches_the_normal_approximation_with_many_units():
    sims, ratio = 120, 0.8
    sim = _simulator(60, 30, 4, 4, 3.0, 0.1, sims)
    hits = np.mean([(lambda r: r[1] <= 0.05 and r[0] < 1)(sim.run(s, ratio)) for s in range(sims)])
    expected = _analytic_power(ratio, 30, 30, 4, 4, 3.0, 0.1)
    assert 0.3 < expected < 0.8
    assert abs(hits - expected) < 3 * math.sqrt(expected * (1 - expected) / sims)


def test_plan_result_curve_summary_and_plot():
    plan = plan_campaign(
        _uniform(12, 4.0),
        unit_col="unit",
        count_col="count",
        pilot_units=6,
        months_before=4,
        months_after=4,
        dispersion=0.05,
        inference="cluster",
        target=0.3,
        simulations=10,
        progress=False,
        outcome="complaint",
    )
    curve = plan.to_frame()
    assert (
        curve["power"].is_monotonic_decreasing or curve["power"].iloc[:-1].is_monotonic_decreasing
    )
    # The detectable ratio is where the curve crosses 80%.
    assert (curve.loc[curve["ratio"] <= plan.detectable_ratio, "power"] >= 0.8).all()
    assert curve["power"].iloc[-1] == plan.false_alarm
    fall = round((1 - plan.detectable_ratio) * 100)
    assert plan.summary().startswith(
        f"以 6 个单位试点 4 个月，只有投诉率下降 {fall}% 以上才能被可靠地检出"
    )
    # A fall to 0.3 is detectable as planned: fewer units or months would do.
    assert plan.target_power is not None and plan.target_power >= 0.8
    assert plan.units_needed is not None and 1 <= plan.units_needed <= 6
    assert plan.months_needed is not None and 1 <= plan.months_needed <= 4
    assert f"需 {plan.units_needed} 个试点单位" in plan.summary()
    assert plan.to_dict()["pilot_units"] == 6
    ax = plan.plot(language="en")
    assert ax.get_ylabel() == "Power" and ax.get_ylim() == (0.0, 1.0)


def test_dispersion_estimate_recovers_a_known_value(rng):
    units, months, alpha = 200, 24, 0.2
    season = 1 + 0.3 * np.sin(np.arange(months) / 2)
    mean = rng.uniform(2, 10, units)[:, None] * season[None, :]
    y = rng.poisson(mean * rng.gamma(1 / alpha, alpha, (units, months)))
    assert _moment_dispersion(y.astype(float), np.ones_like(mean)) == pytest.approx(alpha, abs=0.03)


def test_baseline_from_the_small_demo(small_dataset):
    table = baseline_panel(small_dataset, outcome="complaint", level="county", months=12)
    assert table["month"].nunique() == 12 and (table["exposure"] > 0).all()
    base = _baseline("t", table, "unit", "count", "month", "exposure", None)
    per_unit = table.groupby("unit")["count"].sum().sort_index() / 12
    # Units without a baseline event are left out, and counted.
    assert base.empty == int((per_unit == 0).sum())
    assert base.dispersion >= 0 and len(base.mean) == int((per_unit > 0).sum())
    # Rate × mean exposure = mean events per month.
    np.testing.assert_allclose(
        np.sort(base.mean), np.sort(per_unit[per_unit > 0].to_numpy()), rtol=1e-9
    )


def test_public_name():
    assert assess.plan_campaign is plan_campaign


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"pilot_units": 12}, "pilot_units.*at most 11"),
        ({"dispersion": None}, "dispersion.*no period_col"),
        ({"target": 1.2}, "target"),
        ({"count_col": "x"}, "count_col.*a column"),
    ],
)
def test_bad_input(kwargs, match):
    args = {"unit_col": "unit", "count_col": "count", "dispersion": 0.1, "progress": False}
    with pytest.raises(ParameterError, match=match):
        plan_campaign(_uniform(12, 2.0), **{**args, **kwargs})


def test_bad_counts():
    table = pd.DataFrame({"unit": range(4), "count": [1.0, -1.0, 2.0, 3.0]})
    with pytest.raises(ParameterError, match="count_col.*≥ 0"):
        plan_campaign(table, unit_col="unit", count_col="count", dispersion=0.1)


@pytest.mark.slow
@pytest.mark.parametrize(("inference", "pilots"), [("cluster", 15), ("randomisation", 5)])
def test_size_of_the_planned_test_slow(inference, pilots):
    sims = 1000
    sim = _simulator(30, pilots, 6, 6, 3.0, 0.1, sims, inference)
    rejected = np.mean([sim.run(s, 1.0)[1] <= 0.05 for s in range(sims)])
    print(
        f"size of the {inference} test: {rejected:.3f} (MC se {math.sqrt(0.05 * 0.95 / sims):.3f})"
    )
    if inference == "cluster":
        assert abs(rejected - 0.05) < 3 * math.sqrt(0.05 * 0.95 / sims)
    else:  # exact or conservative: never above the level
        assert rejected < 0.05 + 3 * math.sqrt(0.05 * 0.95 / sims)


@pytest.mark.slow
@pytest.mark.parametrize("ratio", [0.85, 0.9])
def test_power_against_the_normal_approximation_slow(ratio):
    sims = 600
    sim = _simulator(120, 60, 6, 6, 2.0, 0.1, sims)
    hits = np.mean([(lambda r: r[1] <= 0.05 and r[0] < 1)(sim.run(s, ratio)) for s in range(sims)])
    expected = _analytic_power(ratio, 60, 60, 6, 6, 2.0, 0.1)
    assert abs(hits - expected) < 3 * math.sqrt(expected * (1 - expected) / sims)
