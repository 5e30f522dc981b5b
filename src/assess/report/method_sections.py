"""The method annex of the quarterly appraisal report: how the index was computed, in
words (:func:`method_text`), and the indicators with their caps and weights
(:func:`weights_table`).

Tables are shown by :func:`assess.report.appraisal_sections.section_table`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from assess.appraisal.normalise import METHOD_TEXT
from assess.appraisal.scoring import Appraisal
from assess.core.schema import EVENT_TYPES, SEVERITIES

__all__ = ["method_text", "weights_table"]

_WEIGHTING_ZH = {
    "given": ("方案给定的权重", "the weights given in the scheme"),
    "ahp": ("层次分析法（AHP）", "the analytic hierarchy process (AHP)"),
    "entropy": ("熵权法", "the entropy method"),
    "critic": ("CRITIC 法", "the CRITIC method"),
}


def _weighting_words(appraisal: Appraisal) -> tuple[str, str]:
    scheme, ahp = appraisal.scheme, appraisal.ahp
    if scheme.weighting == "combined":
        objective = _WEIGHTING_ZH["entropy"]
        share = scheme.subjective_share
        zh = (
            f"组合赋权：{share:.0%} 取层次分析法（AHP）主观权重，{1 - share:.0%} "
            f"取{objective[0]}客观权重；客观权重按本单位本季度的数据计算，不同单位、季度略有不同"
        )
        en = (
            f"combined: {share:.0%} subjective AHP weights and {1 - share:.0%} "
            f"objective weights by {objective[1]}, computed on this unit's data of the "
            "quarter, so they differ a little between units and quarters"
        )
    else:
        zh, en = _WEIGHTING_ZH[scheme.weighting]
        if scheme.weighting in ("entropy", "critic"):
            zh += "，按本单位本季度的数据计算"
            en += ", computed on this unit's data of the quarter"
    if ahp is not None:
        passed = ("通过", "passes") if ahp.consistent else ("未通过", "fails")
        zh += f"。AHP 判断矩阵一致性比率 CR = {ahp.cr:.3f}（以 0.10 为限），{passed[0]}一致性检验"
        en += f". AHP consistency ratio CR = {ahp.cr:.3f} (limit 0.10): {passed[1]} the check"
    return zh, en


def _normalisation_words(method: str) -> tuple[str, str]:
    zh, en = METHOD_TEXT[method]
    if method == "goalpost":
        return f"{zh}（各项加分除以其季度上限，折算到 0–1）", f"{en} (points ÷ quarterly cap, 0–1)"
    return zh, en


def method_text(appraisal: Appraisal) -> str:
    """How the index was computed, in short sentences (Chinese, then English): the scheme
    and its SHA-256, the formula, normalisation, weights (with the AHP consistency ratio),
    aggregation, deductions, vetoes and the grade rules."""
    s = appraisal.scheme
    norm_zh, norm_en = _normalisation_words(s.normalisation)
    weight_zh, weight_en = _weighting_words(appraisal)
    agg_zh, agg_en = METHOD_TEXT[s.aggregation]
    severities = "/".join(SEVERITIES.values())
    ded_zh = "；".join(
        f"{d.zh}按{severities}每起扣 {'/'.join(f'{d.points.get(k, 0):g}' for k in (1, 2, 3))} 分，"
        f"每季度最多扣 {d.quarter_cap:g} 分"
        for d in s.deductions
    )
    ded_en = "; ".join(
        f"{d.en}: {'/'.join(f'{d.points.get(k, 0):g}' for k in (1, 2, 3))} points per event "
        f"(minor/general/serious), at most {d.quarter_cap:g} a quarter"
        for d in s.deductions
    )
    veto_zh = "；".join(f"{v.zh}（{_veto_effect(v, 'zh', s.grades)}）" for v in s.vetoes) or "无"
    veto_en = "; ".join(f"{v.en} ({_veto_effect(v, 'en', s.grades)})" for v in s.vetoes) or "none"
    scope = (
        ("按支部分别计算名额", "quotas per branch")
        if s.quota_scope == "branch"
        else ("全体合并计算名额", "quotas pooled")
    )
    zh = "\n".join(
        [
            f"考评方案：{s.name}（SHA-256：{s.sha256}）。",
            f"先锋指数 = 基础分 {s.base:g} + （满分 {s.ceiling:g} − 基础分 {s.base:g}）× "
            f"Σ（权重 × 标准化得分）− 扣分，结果限定在 0 至 {s.ceiling:g} 分。",
            f"标准化：{norm_zh}。合成：{agg_zh}。",
            f"权重：{weight_zh}。",
            f"扣分：{ded_zh}。",
            f"一票否决：{veto_zh}。",
            f"等次：{scope[0]}。{appraisal.grades.rule_zh}",
        ]
    )
    en = "\n".join(
        [
            f"Scheme: {s.name_en} (SHA-256: {s.sha256}).",
            f"Pioneer Index = base {s.base:g} + (ceiling {s.ceiling:g} − {s.base:g}) × "
            f"Σ(weight × normalised points) − deductions, kept within 0 to {s.ceiling:g}.",
            f"Normalisation: {norm_en}. Aggregation: {agg_en}.",
            f"Weights: {weight_en}.",
            f"Deductions: {ded_en}.",
            f"Vetoes: {veto_en}.",
            f"Grades: {scope[1]}. {appraisal.grades.rule_en}",
        ]
    )
    return f"{zh}\n\n{en}"


def _veto_effect(veto: Any, language: str, grades: Any) -> str:
    kind = EVENT_TYPES[veto.event_type]
    grade_en = {g.name: g.en for g in grades}.get(veto.cap_grade, veto.cap_grade)
    level = SEVERITIES[str(veto.min_severity)]
    if veto.effect == "zero":
        effect = ("先锋指数记为 0", "index set to 0")
    elif veto.effect == "cap":
        effect = (f"等次不高于{veto.cap_grade}", f"grade no better than {grade_en}")
    else:
        effect = ("不得评为最高等次", "never the top grade")
    return (
        f"{level}及以上{kind}，{effect[0]}"
        if language == "zh"
        else f"{veto.event_type} of severity {veto.min_severity}+: {effect[1]}"
    )


def weights_table(appraisal: Appraisal) -> pd.DataFrame:
    """The indicators with their caps and weights, in the scheme's order.

    Returns
    -------
    DataFrame
        ``indicator`` (Chinese name), ``indicator_en``, ``item_cap``, ``quarter_cap``,
        ``subjective`` and ``objective`` (combined weighting only), ``weight``.
    """
    s = appraisal.scheme
    codes = s.indicator_codes
    frame = pd.DataFrame(
        {
            "indicator": [i.zh for i in s.indicators],
            "indicator_en": [i.en for i in s.indicators],
            "item_cap": [i.item_cap for i in s.indicators],
            "quarter_cap": [i.quarter_cap for i in s.indicators],
        }
    )
    for column in ("item_cap", "quarter_cap"):
        if (frame[column] % 1 == 0).all():
            frame[column] = frame[column].astype("int64")
    details = appraisal.weights.details
    for column in ("subjective", "objective"):
        if column in details:
            frame[column] = details[column].reindex(codes).to_numpy(dtype=float)
    frame["weight"] = appraisal.weights.weights.reindex(codes).to_numpy(dtype=float)
    return frame
