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
from assess.core.scheme import Scheme

__all__ = ["appraisal_sheets", "COLUMN_ZH"]

#: Chinese header of every column the workbook shows.
COLUMN_ZH: dict[str, str] = {
    "person_id": "人员编号",
    "name": "姓名",
    "unit_code": "支部编码",
    "branch_name": "支部名称",
    "county": "县公司编码",
    "city": "市公司编码",
    "weighted": "加权标准化得分",
    "deductions": "扣分",
    "index_before_veto": "否决前指数",
    "vetoes": "一票否决项",
    "index": "先锋指数",
    "rank_branch": "支部内名次",
    "rank_county": "县公司内名次",
    "rank_city": "市公司内名次",
    "rank_overall": "全省名次",
    "grade": "等次",
    "borderline": "临界",
    "index_yoy": "同比",
    "index_qoq": "环比",
    "indicator": "指标编码",
    "points": "计分（封顶后）",
    "location": "标准化起点",
    "scale": "标准化跨度",
    "normalised": "标准化值",
    "weight": "权重",
    "contribution": "贡献分",
    "base": "基础分",
    "kind": "类别",
    "rule": "规则",
    "rule_zh": "规则名称",
    "n_items": "条数",
    "raw_points": "原始分",
    "item_capped": "单条封顶后",
    "cap_applied": "封顶",
    "evidence_ids": "佐证/事件编号",
    "quarter": "季度",
    "n_events": "事件数",
    "max_severity": "最高严重程度",
    "reason_zh": "列入原因",
    "reason_en": "reason",
    "events": "事件",
    "party_score": "党建评价得分",
    "business_score": "业务评价得分",
    "stars": "星级",
    "all_round": "全能型五星",
    "vetoed": "一票否决",
    "missing": "缺数据指标",
    "target": "目标",
    "criterion": "差距项",
    "current": "当前值",
    "threshold": "门槛",
    "gap": "差距",
    "text_zh": "说明",
    "text_en": "note",
    "group": "分组",
    "n": "人数",
    "max_share": "上限比例",
    "cap": "上限人数",
    "min_share": "下限比例",
    "min": "下限人数",
    "count": "实际人数",
    "share": "实际比例",
    "tied_at_cap": "同分跨线人数",
    "ok": "合规",
    "member": "人员编号",
    "score": "分数",
    "upper_grade": "上一等次",
    "lower_grade": "下一等次",
    "cutoff": "分界分数",
    "distance": "距分界",
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
