"""The plain-language verdict every effect design ends with: Simplified Chinese, then English.

One interval drives every sentence. If the confidence interval of the rate ratio lies
wholly below (above) 1, the text says there is statistical evidence of a fall (rise) and
gives the range of the change in per cent; if it contains 1, the text says the change
cannot be distinguished from random variation and the words "significant"/"显著" appear
nowhere. The naive year-on-year figure is always quoted beside the design-based estimate,
followed by the assumptions the design rests on and what would change the conclusion.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from assess.core.checks import check_confidence
from assess.core.errors import ParameterError
from assess.core.formatting import p_value as format_p_value
from assess.core.formatting import percent

__all__ = [
    "DESIGNS",
    "OUTCOMES",
    "Verdict",
    "classify",
    "write_verdict",
    "format_ratio",
]

#: Design keys → (Chinese, English) names used in verdicts and tables.
DESIGNS: dict[str, tuple[str, str]] = {
    "yoy": ("同比核查", "Year-on-year audit"),
    "its": ("中断时间序列", "Interrupted time series"),
    "did": ("双重差分", "Difference-in-differences"),
    "staggered": ("分批推行的双重差分", "Staggered-rollout difference-in-differences"),
    "synthetic": ("合成控制", "Synthetic control"),
    "twfe": ("双向固定效应（仅供对照）", "Two-way fixed effects (for comparison only)"),
    "randomisation": ("随机化推断", "Randomisation inference"),
    "members": ("党员与非党员对比", "Members vs non-members"),
}

#: Event types (``events.type``) → (Chinese, English) names used in verdicts.
OUTCOMES: dict[str, tuple[str, str]] = {
    "violation": ("违章", "violations"),
    "complaint": ("投诉", "complaints"),
    "discipline": ("违纪", "discipline breaches"),
    "fault": ("故障", "faults"),
    "event": ("事件", "events"),
}

Evidence = Literal["decrease", "increase", "inconclusive"]
Pair = tuple[str, str]


@dataclass(frozen=True)
class Verdict:
    """A bilingual verdict on one estimated rate ratio.

    Attributes
    ----------
    evidence : {"decrease", "increase", "inconclusive"}
        What the confidence interval shows: wholly below 1, wholly above 1, or containing 1.
    zh, en : str
        The verdict in Simplified Chinese and in English (lines separated by ``\\n``).
    """

    evidence: Evidence
    zh: str
    en: str

    @property
    def text(self) -> str:
        """Chinese paragraph, a blank line, then the English paragraph."""
        return f"{self.zh}\n\n{self.en}"

    def __str__(self) -> str:
        return self.text


def classify(ci_low: float, ci_high: float) -> Evidence:
    """What an interval of a rate ratio shows: wholly below 1, wholly above 1, or neither.

    Examples
    --------
    >>> classify(0.17, 0.27), classify(0.69, 1.17), classify(1.2, float("inf"))
    ('decrease', 'inconclusive', 'increase')
    """
    if ci_high < 1.0:
        return "decrease"
    if ci_low > 1.0:
        return "increase"
    return "inconclusive"


def format_ratio(value: float) -> str:
    """A rate ratio with three significant digits, trailing zeros kept.

    Examples
    --------
    >>> format_ratio(0.9), format_ratio(0.21413), format_ratio(1.1669), format_ratio(250.0)
    ('0.900', '0.214', '1.17', '250')
    """
    if math.isinf(value):
        return "∞"
    return f"{value:#.3g}".rstrip(".")


def _pct(ratio: float) -> str:
    return percent(abs(ratio - 1.0))


def _change(ratio: float, *, digits: int = 1) -> Pair:
    """'下降 10.0%' / 'a fall of 10.0%' for a ratio (``digits`` decimals in the per cent)."""
    pct = percent(abs(ratio - 1.0), digits)
    if ratio < 1.0:
        return f"下降 {pct}", f"a fall of {pct}"
    if ratio > 1.0:
        return f"上升 {pct}", f"a rise of {pct}"
    return "无变化", "no change"


def _range(evidence: Evidence, low: float, high: float) -> Pair:
    """The interval as a range of per-cent change, in words."""
    if evidence == "decrease":
        return (
            f"即降幅在 {_pct(high)} 至 {_pct(low)} 之间",
            f"a fall of between {_pct(high)} and {_pct(low)}",
        )
    if evidence == "increase":
        if math.isinf(high):
            return f"即增幅至少为 {_pct(low)}", f"a rise of at least {_pct(low)}"
        return (
            f"即增幅在 {_pct(low)} 至 {_pct(high)} 之间",
            f"a rise of between {_pct(low)} and {_pct(high)}",
        )
    if math.isinf(high):
        return (
            f"即变化在下降 {_pct(low)} 至上升任意幅度之间",
            f"a change anywhere between a fall of {_pct(low)} and an unbounded rise",
        )
    return (
        f"即变化在下降 {_pct(low)} 至上升 {_pct(high)} 之间",
        f"a change between a fall of {_pct(low)} and a rise of {_pct(high)}",
    )


def _name(value: str | Pair, table: dict[str, Pair], func: str, param: str) -> Pair:
    if isinstance(value, str):
        if value not in table:
            accepted = "one of " + ", ".join(repr(k) for k in table) + " or a (zh, en) pair"
            raise ParameterError(func, param, accepted, value)
        return table[value]
    if (
        not isinstance(value, tuple)
        or len(value) != 2
        or not all(isinstance(v, str) and v for v in value)
    ):
        raise ParameterError(func, param, "a key or a (zh, en) pair of non-empty strings", value)
    return value


def _as_ratio(value: float, func: str, param: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if math.isnan(number) or number < 0:
        raise ParameterError(func, param, "a rate ratio ≥ 0", value)
    return number


def _is_nan(value: object) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _default_would_change(evidence: Evidence) -> Pair:
    if evidence == "inconclusive":
        return (
            "更多数据（更长的观察期或更多单位）能缩窄置信区间；在区间不含 1 之前，"
            "不能认定发生了真实变化。",
            "More data (a longer period or more units) would narrow the interval; until it "
            "excludes 1, no real change can be claimed.",
        )
    return (
        "若同期还有其他措施、统计口径发生变化，或活动前恰逢异常高发期（向均值回归），"
        "这一变化可能并非活动所致。",
        "If other measures ran at the same time, the way events are recorded changed, or the "
        "period before the campaign was unusually bad (regression to the mean), the change "
        "may not be due to the campaign.",
    )


def write_verdict(
    estimate: float,
    ci_low: float,
    ci_high: float,
    *,
    p_value: float | None = None,
    confidence: float = 0.95,
    naive_ratio: float | None = None,
    design: str | Pair = "yoy",
    outcome: str | Pair = "event",
    assumptions: Sequence[Pair] = (),
    would_change: Pair | None = None,
    n_treated: int | None = None,
    n_assignments: int | None = None,
) -> Verdict:
    """Write the bilingual verdict for an estimated rate ratio and its confidence interval.

    Parameters
    ----------
    estimate : float
        Design-based rate ratio (after / before, or treated / counterfactual), ≥ 0.
    ci_low, ci_high : float
        Confidence limits of the rate ratio, ``0 ≤ ci_low ≤ estimate ≤ ci_high``;
        ``ci_high`` may be ``inf`` (one-sided interval). Both ``nan`` for a test without an
        interval (the synthetic control's placebo test): the evidence is then read from
        ``p_value ≤ 1 − confidence`` and the direction of the estimate.
    p_value : float, optional
        p-value of the test of rate ratio 1; quoted when given.
    confidence : float, default 0.95
        Confidence level of the interval, quoted as "95%".
    naive_ratio : float, optional
        Ratio of the bare counts (the source report's year-on-year figure is
        ``naive_ratio − 1``); quoted with two decimals in per cent.
    design : str or (str, str), default "yoy"
        A key of :data:`DESIGNS` or a ``(zh, en)`` name.
    outcome : str or (str, str), default "event"
        A key of :data:`OUTCOMES` (the event types) or a ``(zh, en)`` name such as
        ``("95598 投诉", "95598 complaints")``.
    assumptions : sequence of (str, str)
        The assumptions the estimate rests on, each as a ``(zh, en)`` sentence.
    would_change : (str, str), optional
        What would change the conclusion; a generic sentence for the case when omitted.
    n_treated : int, optional
        Treated units; with one or two the verdict says plainly how weak evidence from so
        few units can be.
    n_assignments : int, optional
        Assignments a randomisation or placebo test compared; the verdict then quotes the
        p-value as a rank ("1/20") and says that ``1/n`` is the smallest possible.

    Returns
    -------
    Verdict
        ``evidence`` ("decrease" if ``ci_high < 1``, "increase" if ``ci_low > 1``, else
        "inconclusive"), ``zh`` and ``en``.

    Raises
    ------
    ParameterError
        If the interval is not ordered, a value is negative or NaN, ``confidence`` is not in
        (0, 1), or a design/outcome key is unknown.

    Notes
    -----
    Per-cent changes are ``(ratio − 1) × 100`` with one decimal; ratios have three
    significant digits (:func:`format_ratio`); p-values as
    :func:`assess.core.formatting.p_value`. The text is deterministic and pinned by golden
    tests.

    Examples
    --------
    >>> v = write_verdict(0.9, 0.6943, 1.1669, p_value=0.466, naive_ratio=0.9)
    >>> v.evidence
    'inconclusive'
    >>> print(v.zh.splitlines()[0])
    同比核查：事件发生率的变化与随机波动无法区分。
    """
    func = "write_verdict"
    confidence = check_confidence(func, confidence)
    no_interval = _is_nan(ci_low) and _is_nan(ci_high)
    if no_interval:
        if p_value is None:
            raise ParameterError(func, "p_value", "a p-value when there is no interval", None)
        ci_low = ci_high = _as_ratio(estimate, func, "estimate")
    estimate, ci_low, ci_high = (
        _as_ratio(v, func, k)
        for k, v in (("estimate", estimate), ("ci_low", ci_low), ("ci_high", ci_high))
    )
    if not ci_low <= estimate <= ci_high or math.isinf(estimate):
        raise ParameterError(
            func,
            "ci_low, ci_high",
            "finite estimate with ci_low ≤ estimate ≤ ci_high",
            (estimate, ci_low, ci_high),
        )
    if p_value is not None and not 0.0 <= p_value <= 1.0:
        raise ParameterError(func, "p_value", "a probability in [0, 1]", p_value)
    if naive_ratio is not None and (math.isnan(naive_ratio) or naive_ratio < 0):
        raise ParameterError(func, "naive_ratio", "a ratio ≥ 0", naive_ratio)
    design_zh, design_en = _name(design, DESIGNS, func, "design")
    outcome_zh, outcome_en = _name(outcome, OUTCOMES, func, "outcome")

    if no_interval and p_value is not None:
        evidence: Evidence = (
            "inconclusive"
            if p_value > 1 - confidence + 1e-12 or estimate == 1.0
            else ("decrease" if estimate < 1.0 else "increase")
        )
    else:
        evidence = classify(ci_low, ci_high)

    conf = f"{confidence * 100:g}%"
    range_zh, range_en = _range(evidence, ci_low, ci_high)
    point_zh, point_en = _change(estimate)
    p_zh = p_en = ""
    if p_value is not None:
        p_zh, p_en = (
            f"，{format_p_value(p_value, prefix=True)}",
            f", {format_p_value(p_value, prefix=True)}",
        )
        if n_assignments:
            rank = f"{round(p_value * n_assignments)}/{n_assignments}"
            p_zh += f"，即在 {n_assignments} 种分配中排第 {rank.split('/')[0]}"
            p_en += f", rank {rank} among {n_assignments} assignments"
    lo, hi, est = format_ratio(ci_low), format_ratio(ci_high), format_ratio(estimate)

    if evidence == "inconclusive":
        head_zh = f"{design_zh}：{outcome_zh}发生率的变化与随机波动无法区分。"
        head_en = (
            f"{design_en}: the change in the rate of {outcome_en} cannot be "
            "distinguished from random variation."
        )
    else:
        word_zh, word_en = ("下降", "fell") if evidence == "decrease" else ("上升", "rose")
        head_zh = f"{design_zh}：{outcome_zh}发生率{word_zh}有统计学证据。"
        head_en = (
            f"{design_en}: there is statistical evidence that the rate of {outcome_en} {word_en}."
        )
    if no_interval:
        level = percent(1 - confidence, 0)
        zh = [
            head_zh,
            f"率比估计为 {est}（{point_zh}{p_zh}）；置换检验只给出 p 值，不给置信区间，"
            f"检验水平为 {level}。",
        ]
        en = [
            head_en,
            f"The estimated rate ratio is {est} ({point_en}{p_en}); the placebo test gives a "
            f"p-value, not a confidence interval, tested at the {level} level.",
        ]
    else:
        zh = [
            head_zh,
            f"率比估计为 {est}（{conf} 置信区间 {lo} 至 {hi}），{range_zh}"
            f"（点估计{point_zh}{p_zh}）。",
        ]
        en = [
            head_en,
            f"The estimated rate ratio is {est} ({conf} confidence interval {lo} to {hi}), "
            f"{range_en} (point estimate: {point_en}{p_en}).",
        ]
    if n_assignments:
        zh.append(f"1/{n_assignments} 是可能的最小 p 值：再强的效应也不能得到更小的 p 值。")
        en.append(
            f"1/{n_assignments} is the smallest possible p-value: no effect, however large, "
            "can give a smaller one."
        )
    if n_treated is not None and n_treated <= 2:
        units_zh = "一个" if n_treated == 1 else "两个"
        units_en = "one unit" if n_treated == 1 else "two units"
        zh.append(
            f"证据只来自{units_zh}试点单位，至多是弱证据：一个单位本身的波动、同期的其他变化"
            "都可能造成或掩盖这样的差异；应在更多单位推广并继续观察后再下结论。"
        )
        en.append(
            f"The evidence comes from {units_en} only and is weak at best: that unit's own "
            "ups and downs, or anything else that changed there at the same time, can make or "
            "hide a difference like this; extend the campaign to more units and keep watching "
            "before drawing a conclusion."
        )

    if naive_ratio is not None:
        naive_zh, naive_en = _change(naive_ratio, digits=2)
        if evidence == "inconclusive":
            zh.append(f"未经校正的同比数字为{naive_zh}，不能据此认定发生了真实变化。")
            en.append(
                f"The naive year-on-year figure is {naive_en}; it does not show a real change."
            )
        else:
            zh.append(f"未经校正的同比数字为{naive_zh}。")
            en.append(f"The naive year-on-year figure is {naive_en}.")

    if assumptions:
        zh.append(
            "结论依赖的假设："
            + "；".join(f"{i}. {a[0].rstrip('。')}" for i, a in enumerate(assumptions, 1))
            + "。"
        )
        en.append(
            "Assumptions: "
            + "; ".join(f"{i}. {a[1].rstrip('.')}" for i, a in enumerate(assumptions, 1))
            + "."
        )
    change_zh, change_en = would_change or _default_would_change(evidence)
    zh.append(f"可能改变结论的情况：{change_zh}")
    en.append(f"What would change the conclusion: {change_en}")
    return Verdict(evidence=evidence, zh="\n".join(zh), en="\n".join(en))
