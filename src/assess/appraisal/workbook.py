"""The sheets of the appraisal workbook: members, branches, grades, watch list and 计算过程,
with Chinese headers, so an auditor can recompute any member's index by hand.

:meth:`assess.appraisal.scoring.Appraisal.to_excel` writes them with
:func:`assess.core.excel.write_workbook`; this module only builds the frames.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from assess.appraisal.ahp import AHPResult
from assess.appraisal.branch_metrics import METRICS
from assess.appraisal.grading import GradeResult
from assess.appraisal.stars import StarResult
from assess.appraisal.weights import WeightResult
from assess.core.glossary import TERMS
from assess.core.scheme import Scheme

__all__ = ["appraisal_sheets", "COLUMN_ZH"]

#: Glossary key of each column of the workbook whose key is not its name.
_COLUMN_TERMS: dict[str, str] = {
    "index": "pioneer_index",
    "index_yoy": "yoy",
    "index_qoq": "qoq",
    "points": "indicator_points",
    "rule_zh": "rule_name",
    "reason_zh": "reason",
    "reason_en": "reason_en",
    "text_zh": "note",
    "text_en": "note_en",
}

_COLUMNS = (
    *("person_id", "name", "unit_code", "branch_name", "county", "city", "weighted"),
    *("deductions", "index_before_veto", "vetoes", "rank_branch", "rank_county"),
    *("rank_city", "rank_overall", "grade", "borderline", "indicator", "location"),
    *("scale", "normalised", "weight", "contribution", "base", "kind", "rule", "n_items"),
    *("raw_points", "item_capped", "cap_applied", "evidence_ids", "quarter", "n_events"),
    *("max_severity", "events", "party_score", "business_score", "stars", "all_round"),
    *("vetoed", "missing", "target", "criterion", "current", "threshold", "gap", "group"),
    *("n", "max_share", "cap", "min_share", "min", "count", "share", "tied_at_cap", "ok"),
    *("member", "score", "upper_grade", "lower_grade", "cutoff", "distance"),
)

#: Chinese header of every column the workbook shows, from the glossary
#: (:data:`assess.core.glossary.TERMS`); the branch metrics by their own names.
COLUMN_ZH: dict[str, str] = {
    **{c: TERMS[_COLUMN_TERMS.get(c, c)].zh for c in (*_COLUMN_TERMS, *_COLUMNS)},
    **{k: v[0] for k, v in METRICS.items()},
}


def _zh(frame: pd.DataFrame, indicator_zh: dict[str, str]) -> pd.DataFrame:
    names = {**COLUMN_ZH, **indicator_zh}
    return frame.rename(columns=lambda c: names.get(c, c))


def _method_notes(
    scheme: Scheme,
    quarter: str,
    weights: WeightResult,
    ahp: AHPResult | None,
    notes: Sequence[str],
) -> list[str]:
    s = scheme
    lines = [
        f"方案 Scheme：{s.name}（{s.name_en}）；文件 {Path(s.source).name}；SHA-256 {s.sha256}",
        f"季度 Quarter：{quarter}",
        f"公式 Formula：先锋指数 = 基础分 {s.base:g} + ({s.ceiling:g} − {s.base:g})"
        " × Σ 权重 × 标准化值 − 扣分，"
        f"截断于 [0, {s.ceiling:g}]；标准化 {s.normalisation}"
        + (
            "：标准化值 = 计分 ÷ 季度上限"
            if s.normalisation == "goalpost"
            else "：标准化值 = (计分 − 起点) ÷ 跨度"
        ),
        f"权重 Weights：{weights.method}；{weights.convention_zh}",
    ]
    if ahp is not None:
        lines.append(
            f"层次分析法 AHP：λmax = {ahp.lambda_max:.6f}，CI = {ahp.ci:.6f}，RI = {ahp.ri:.2f}，"
            f"CR = {ahp.cr:.6f}（{'通过' if ahp.consistent else '未通过'}一致性检验 CR ≤ 0.10）"
        )
    lines += [f"说明 Note：{n}" for n in notes]
    lines.append("每名党员每项指标一行；贡献分 = (满分 − 基础分) × 权重 × 标准化值。")
    return lines


def appraisal_sheets(
    scheme: Scheme,
    quarter: str,
    *,
    members: pd.DataFrame,
    stars: StarResult,
    grades: GradeResult,
    watch: pd.DataFrame,
    ledger: pd.DataFrame,
    weights: WeightResult,
    ahp: AHPResult | None,
    calculation: pd.DataFrame,
    notes: Sequence[str] = (),
) -> tuple[dict[str, pd.DataFrame], dict[str, list[str]]]:
    """The sheets of the appraisal workbook with Chinese headers, and the notes above them,
    for :func:`assess.core.excel.write_workbook` (see the module docstring).

    The parts are those of an :class:`~assess.appraisal.scoring.Appraisal`, passed one by
    one so this module needs nothing of the scoring that uses it.

    Returns
    -------
    sheets : dict of str to DataFrame
        In order: 党员 members, 支部星级 branches, 差什么 gaps, 等次合规 quota compliance,
        临界名单 borderline, 谈心谈话 watch list, 积分台账 ledger, 权重 weights,
        计算过程 calculation steps.
    notes : dict of str to list of str
        The method (scheme, formula, weights, AHP consistency, ``notes``) above 计算过程.
    """
    indicator_zh = {i.code: i.zh for i in scheme.indicators}
    table = weights.weights.rename("weight").reset_index()
    table.columns = ["indicator", "weight"]
    table["zh"] = table["indicator"].map(indicator_zh)
    if ahp is not None:
        table["ahp_weight"] = table["indicator"].map(ahp.weights)
    table["quarter_cap"] = table["indicator"].map(
        {i.code: i.quarter_cap for i in scheme.indicators}
    )
    table = table.rename(
        columns={"zh": "指标名称", "ahp_weight": "AHP权重", "quarter_cap": "季度上限"}
    )
    sheets = {
        "党员": _zh(members, indicator_zh),
        "支部星级": _zh(stars.table.reset_index(), indicator_zh),
        "差什么": _zh(stars.gaps, indicator_zh),
        "等次合规": _zh(grades.compliance, indicator_zh),
        "临界名单": _zh(grades.borderline, indicator_zh),
        "谈心谈话": _zh(watch, indicator_zh),
        "积分台账": _zh(ledger, indicator_zh),
        "权重": _zh(table, indicator_zh),
        "计算过程": _zh(calculation, indicator_zh),
    }
    return sheets, {"计算过程": _method_notes(scheme, quarter, weights, ahp, notes)}
