"""The effect-analysis engine: design choice, inference, falsification, errors, determinism."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from assess.core.errors import ParameterError
from assess.effect.engine import analyse_effect
from assess.effect.falsification import falsify
from assess.effect.panel import make_panel

MONTHS = list(pd.period_range("2024-01", periods=24, freq="M").strftime("%Y-%m"))


def _table(rng, n=24, treated=6, effect=0.7, start=12, pre_shift=1.0):
    rows = []
    for u in range(n):
        size = rng.uniform(50, 150)
        for i, month in enumerate(MONTHS):
            rate = 0.2 * size * (effect if u < treated and i >= start else 1.0)
            rate *= pre_shift if u < treated and i < start // 2 else 1.0
            rows.append((f"b{u:02d}", month, rng.poisson(rate), rng.poisson(0.1 * size), size))
    return pd.DataFrame(rows, columns=["branch", "month", "complaints", "faults", "staff"])


ARGS = {
    "unit_col": "branch",
    "period_col": "month",
    "count_col": "complaints",
    "exposure_col": "staff",
}
PILOTS = [f"b{u:02d}" for u in range(6)]


def test_did_with_randomisation_and_falsification(rng):
    res = analyse_effect(
        _table(rng),
        **ARGS,
        treated_units=PILOTS,
        start="2025-01",
        negative_control="faults",
        n_permutations=199,
    )
    assert (res.design, res.inference) == ("did", "randomisation")
    assert res.ci_low < 0.7 < res.ci_high and res.p_value <= 0.01
    assert res.randomisation is not None and res.randomisation.n == 200
    table = res.falsification.to_frame()
    assert table.loc["negative_control", "status"] == "pass"
    assert table.loc["placebo_date", "status"] == "pass"
    assert "随机化检验" in table.loc["pretrend", "detail_zh"]
    text = res.summary()
    assert text.startswith("双重差分：事件发生率下降有统计学证据。")
    assert "证伪检验" in text and "Falsification checks" in text
    assert "未经校正的同比数字为下降" in text
    row = res.to_frame().iloc[0]
    assert row["naive_ratio"] == pytest.approx(res.naive_after / res.naive_before)
    assert res.to_dict()["evidence"] == "decrease"


def test_same_inputs_and_seed_give_identical_numbers(rng):
    table = _table(rng)
    kw = {
        **ARGS,
        "treated_units": PILOTS,
        "start": "2025-01",
        "n_permutations": 99,
        "falsification": False,
    }
    one, two = analyse_effect(table, **kw, seed=4), analyse_effect(table, **kw, seed=4)
    assert (one.estimate, one.ci_low, one.ci_high, one.p_value) == (
        two.estimate,
        two.ci_low,
        two.ci_high,
        two.p_value,
    )


def test_inference_options_and_auto_cluster(rng):
    table = _table(rng, n=100, treated=30)
    pilots = [f"b{u:02d}" for u in range(30)]
    kw = {**ARGS, "treated_units": pilots, "start": "2025-01", "falsification": False}
    auto = analyse_effect(table, **kw)
    assert auto.inference == "cluster" and "G/(G−1)" in auto.se_convention
    assert auto.ci_low < 0.7 < auto.ci_high
    # pyfixest's factor (N−1)/(N−k) on top: k = 1 slope + 24 periods, N = 100 · 24 cells.
    pyfixest = analyse_effect(table, **kw, small_sample="pyfixest")
    none = analyse_effect(table, **kw, small_sample="none")
    se = {r: math.log(r.ci_high / r.estimate) for r in (auto, pyfixest, none)}
    assert se[pyfixest] / se[auto] == pytest.approx(math.sqrt(2399 / 2375), rel=1e-9)
    assert se[none] / se[auto] == pytest.approx(math.sqrt(99 / 100), rel=1e-9)
    assert "pyfixest" in pyfixest.se_convention and "plain sandwich" in none.se_convention
    with pytest.raises(ParameterError, match="wild cluster bootstrap was removed"):
        analyse_effect(table, **kw, inference="wild")
    with pytest.raises(ParameterError, match="'small_sample'"):
        analyse_effect(table, **kw, small_sample="hc3")


def test_one_or_two_treated_units_choose_honest_designs(rng):
    table = _table(rng, n=24, treated=1, effect=0.5)
    kw = {**ARGS, "start": "2025-01", "falsification": False}
    one = analyse_effect(table, **kw, treated_units=["b00"])
    assert (one.design, one.inference) == ("synthetic", "placebo")
    assert one.detail.n_assignments == 24 and math.isnan(one.ci_low)
    assert "1/24 是可能的最小 p 值" in one.summary()
    assert "证据只来自一个试点单位，至多是弱证据" in one.summary()
    with pytest.raises(ParameterError, match="one or two treated units"):
        analyse_effect(table, **kw, treated_units=["b00"], design="did", inference="cluster")
    two = analyse_effect(table.query("branch < 'b12'"), **kw, treated_units=["b00", "b01"])
    assert (two.design, two.inference) == ("did", "randomisation")
    assert two.randomisation.exhaustive and two.randomisation.n == 66
    assert "1/66 是可能的最小 p 值" in two.summary() and "两个试点单位" in two.summary()


def test_staggered_its_and_yoy_designs(rng):
    table = _table(rng)
    starts = {f"b{u:02d}": ("2025-01" if u < 3 else "2025-04") for u in range(6)}
    stag = analyse_effect(table, **ARGS, starts=starts, inference="cluster", falsification=False)
    assert stag.design == "staggered" and "imputation" in stag.se_convention
    one = table[table["branch"] == "b00"]
    its = analyse_effect(one, **ARGS, treated_units=["b00"], start="2025-01")
    assert its.design == "its" and its.inference == "model"
    assert its.falsification.to_frame().loc["placebo_date", "status"] == "skipped"
    two = table[table["month"].isin(["2024-03", "2025-03"]) & table["branch"].isin(PILOTS)]
    yoy = analyse_effect(two, **ARGS, treated_units=PILOTS, start="2025-03")
    assert yoy.design == "yoy" and yoy.inference == "exact"
    assert yoy.estimate == pytest.approx(yoy.detail.estimate)


def test_plots(rng):
    res = analyse_effect(
        _table(rng), **ARGS, treated_units=PILOTS, start="2025-01", n_permutations=99
    )
    assert "反事实" in res.plot().get_title()
    assert res.plot(kind="event_study").get_yscale() == "log"
    assert "随机化分布" in res.plot(kind="randomisation").get_title()
    assert "证伪检验" in res.plot(kind="falsification").get_title()
    with pytest.raises(ParameterError, match="'kind'"):
        res.plot(kind="funnel")
    assert "<table" in res._repr_html_()


def test_falsification_warns_on_a_pre_period_effect(rng):
    table = _table(rng, n=40, treated=12, effect=1.0, pre_shift=0.6)
    pilots = [f"b{u:02d}" for u in range(12)]
    panel = make_panel(table, **ARGS, treated_units=pilots, start="2025-01")
    from assess.effect.did import fit_did

    def test(p):
        r = fit_did(p)
        return r.estimate, r.ci_low, r.ci_high, r.p_value

    res = falsify(panel, test=test, point=lambda p: fit_did(p).estimate, estimate=1.0)
    assert res.to_frame().loc["placebo_date", "status"] == "warn"
    assert not res.passed and "警示" in res.summary()


@pytest.mark.parametrize(
    ("change", "kwargs", "match"),
    [
        ("negative", {}, "事件数应为非负整数"),
        ("zero_exposure", {}, "暴露量应大于 0"),
        ("none", {"start": "2023-05"}, "不在数据范围内"),
        ("none", {"start": "2026-05"}, "不在数据范围内"),
        ("none", {"start": "2024-01"}, "没有前期"),
        ("all_treated", {}, "没有对照组"),
        ("none", {"design": "did", "inference": "bootstrap"}, "'inference'"),
        ("none", {"count_col": "missing"}, "'count_col'"),
    ],
)
def test_bad_input_is_a_clear_bilingual_error(rng, change, kwargs, match):
    table = _table(rng, n=8, treated=2)
    pilots = PILOTS[:2]
    if change == "negative":
        table.loc[5, "complaints"] = -1
    elif change == "zero_exposure":
        table.loc[7, "staff"] = 0
    elif change == "all_treated":
        pilots = sorted(table["branch"].unique())
    args = {**ARGS, "treated_units": pilots, "start": "2025-01", **kwargs}
    with pytest.raises(ParameterError, match=match) as info:
        analyse_effect(table, **args)
    assert " / " in str(info.value)


def test_inference_not_available_for_its(rng):
    one = _table(rng)
    one = one[one["branch"] == "b00"]
    with pytest.raises(ParameterError, match="'auto' for design 'its'"):
        analyse_effect(
            one, **ARGS, treated_units=["b00"], start="2025-01", inference="randomisation"
        )
    assert math.isfinite(
        analyse_effect(
            one, **ARGS, treated_units=["b00"], start="2025-01", falsification=False
        ).estimate
    )
