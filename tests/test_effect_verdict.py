"""Golden tests of the bilingual verdict: exact text for a fall, a null result and a rise."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assess.core.errors import ParameterError
from assess.core.formatting import p_value
from assess.effect.verdict import classify, format_ratio, write_verdict


def test_golden_fall_with_assumptions():
    v = write_verdict(
        0.2141,
        0.1708,
        0.2663,
        p_value=1.2e-57,
        naive_ratio=100 / 467,
        design="yoy",
        outcome="complaint",
        assumptions=[("两期暴露量口径一致", "exposure is defined the same way in both periods")],
        would_change=(
            "若活动前恰逢投诉高发期，部分降幅来自向均值回归。",
            "If complaints were unusually high before the campaign, part of the fall "
            "is regression to the mean.",
        ),
    )
    assert v.evidence == "decrease"
    assert v.zh == (
        "同比核查：投诉发生率下降有统计学证据。\n"
        "率比估计为 0.214（95% 置信区间 0.171 至 0.266），即降幅在 73.4% 至 82.9% 之间"
        "（点估计下降 78.6%，p < 0.001）。\n"
        "未经校正的同比数字为下降 78.59%。\n"
        "结论依赖的假设：1. 两期暴露量口径一致。\n"
        "可能改变结论的情况：若活动前恰逢投诉高发期，部分降幅来自向均值回归。"
    )
    assert v.en == (
        "Year-on-year audit: there is statistical evidence that the rate of complaints fell.\n"
        "The estimated rate ratio is 0.214 (95% confidence interval 0.171 to 0.266), a fall "
        "of between 73.4% and 82.9% (point estimate: a fall of 78.6%, p < 0.001).\n"
        "The naive year-on-year figure is a fall of 78.59%.\n"
        "Assumptions: 1. exposure is defined the same way in both periods.\n"
        "What would change the conclusion: If complaints were unusually high before the "
        "campaign, part of the fall is regression to the mean."
    )
    assert v.text == v.zh + "\n\n" + v.en == str(v)


def test_golden_interval_containing_one():
    v = write_verdict(
        0.9, 0.6875, 1.1771, p_value=0.4664, naive_ratio=0.9, design="did", outcome="violation"
    )
    assert v.evidence == "inconclusive"
    assert v.zh == (
        "双重差分：违章发生率的变化与随机波动无法区分。\n"
        "率比估计为 0.900（95% 置信区间 0.688 至 1.18），即变化在下降 31.3% 至上升 17.7% 之间"
        "（点估计下降 10.0%，p = 0.47）。\n"
        "未经校正的同比数字为下降 10.00%，不能据此认定发生了真实变化。\n"
        "可能改变结论的情况：更多数据（更长的观察期或更多单位）能缩窄置信区间；在区间不含 1 之前，"
        "不能认定发生了真实变化。"
    )
    assert v.en == (
        "Difference-in-differences: the change in the rate of violations cannot be "
        "distinguished from random variation.\n"
        "The estimated rate ratio is 0.900 (95% confidence interval 0.688 to 1.18), a change "
        "between a fall of 31.3% and a rise of 17.7% (point estimate: a fall of 10.0%, "
        "p = 0.47).\n"
        "The naive year-on-year figure is a fall of 10.00%; it does not show a real change.\n"
        "What would change the conclusion: More data (a longer period or more units) would "
        "narrow the interval; until it excludes 1, no real change can be claimed."
    )


def test_golden_one_sided_rise_with_custom_names():
    v = write_verdict(
        1.35,
        1.08,
        math.inf,
        p_value=0.012,
        confidence=0.9,
        design=("试点对比", "Pilot comparison"),
        outcome=("95598 投诉", "95598 complaints"),
    )
    assert v.evidence == "increase"
    assert v.zh.splitlines()[:2] == [
        "试点对比：95598 投诉发生率上升有统计学证据。",
        "率比估计为 1.35（90% 置信区间 1.08 至 ∞），即增幅至少为 8.0%"
        "（点估计上升 35.0%，p = 0.012）。",
    ]
    assert v.en.splitlines()[1] == (
        "The estimated rate ratio is 1.35 (90% confidence interval 1.08 to ∞), a rise of at "
        "least 8.0% (point estimate: a rise of 35.0%, p = 0.012)."
    )


@given(
    low=st.floats(0.0, 5.0),
    width=st.floats(0.0, 5.0),
    where=st.floats(0.0, 1.0),
    p=st.floats(0.0, 1.0),
)
def test_one_interval_drives_every_sentence(low, width, where, p):
    high = low + width
    estimate = low + where * width
    v = write_verdict(estimate, low, high, p_value=p, naive_ratio=estimate)
    contains_one = low <= 1.0 <= high
    assert (v.evidence == "inconclusive") == contains_one
    assert ("无法区分" in v.zh) == contains_one
    assert ("statistical evidence" in v.en) == (not contains_one)
    for text in (v.zh, v.en):
        assert "显著" not in text and "significant" not in text


def test_helpers():
    assert classify(0.5, 0.99) == "decrease"
    assert classify(0.5, 1.0) == "inconclusive"
    assert format_ratio(math.inf) == "∞"
    assert format_ratio(0.0) == "0.00"
    assert p_value(0.05, prefix=True) == "p = 0.050"


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((0.9, 1.0, 1.2), {}, "ci_low ≤ estimate ≤ ci_high"),
        ((math.nan, 0.5, 1.2), {}, "estimate"),
        ((0.9, -0.1, 1.2), {}, "ci_low"),
        ((0.9, 0.5, 1.2), {"confidence": 95}, "confidence"),
        ((0.9, 0.5, 1.2), {"p_value": 1.5}, "p_value"),
        ((0.9, 0.5, 1.2), {"design": "rct"}, "design.*'yoy'"),
        ((0.9, 0.5, 1.2), {"outcome": ("投诉",)}, "outcome"),
        ((0.9, 0.5, 1.2), {"naive_ratio": -1.0}, "naive_ratio"),
    ],
)
def test_bad_input(args, kwargs, match):
    with pytest.raises(ParameterError, match=match):
        write_verdict(*args, **kwargs)
