"""The sheets of the appraisal workbook: members, branches, grades, watch list and 计算过程,
with Chinese headers, branch names beside their codes, stars as 三星, shares as
percentages and weights to four decimals (the values stay numbers), so an auditor can
recompute any member's index by hand; the workbook opens with a sheet 说明.

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
from assess.core.excel import PERCENT, number_format, workbook_sheet
from assess.core.glossary import TERMS, term
from assess.core.scheme import Scheme

__all__ = ["appraisal_sheets", "appraisal_about", "COLUMN_ZH"]

#: Metrics of a branch that are shares (shown as percentages).
_SHARES = ("exam_participation", "duty_completion", "project_completion", "problem_closure")
_FOUR = "0.0000"
#: What each sheet holds, for the 说明 sheet.
_DESCRIPTIONS = {
    "党员": "每名党员的各项指标计分、先锋指数、扣分、一票否决、名次、等次和同比环比",
    "支部星级": "每个党支部的党建与业务评价得分、星级、全能型五星、一票否决和各项指标",
    "差什么": "每个党支部离下一星级还差哪些标准、差多少",
    "等次合规": "各支部各等次人数与比例限额的对照",
    "临界名单": "离相邻等次分数线最近的党员",
    "谈心谈话": "按违章严重程度和次数列入谈心谈话名单的党员",
    "积分台账": "每名党员每条积分规则的原始计分、单项封顶和季度封顶",
    "权重": "各项指标的权重（层次分析法权重）和季度上限",
    "计算过程": "每名党员每项指标的标准化值、权重和贡献分，可逐人复算先锋指数",
}

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


def _sheet(
    name: str,
    frame: pd.DataFrame,
    indicator_zh: dict[str, str],
    branch_names: dict[str, str],
) -> pd.DataFrame:
    """One sheet: branch names beside unit codes, the metrics and indicators by their
    Chinese names, the rest headed by the glossary (:func:`assess.core.excel.workbook_sheet`)."""
    out = frame.copy()
    if "unit_code" in out.columns and "branch_name" not in out.columns:
        at = out.columns.get_loc("unit_code") + 1
        out.insert(at, "branch_name", out["unit_code"].map(branch_names))
    own = {**{k: v[0] for k, v in METRICS.items()}, **indicator_zh}
    formats = {
        own.get(str(c), str(c)): fmt
        for c in out.columns
        if (fmt := PERCENT if c in _SHARES else number_format(str(c), out[c].dtype))
    }
    formats.update(dict.fromkeys(("weight", "ahp_weight", "normalised", "AHP权重"), _FOUR))
    out = out.rename(columns=lambda c: own.get(c, c))
    return workbook_sheet(out, _COLUMN_TERMS, description=_DESCRIPTIONS[name], formats=formats)


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
    branches = members[["unit_code", "branch_name"]].drop_duplicates("unit_code")
    names = dict(zip(branches["unit_code"], branches["branch_name"], strict=True))
    parts = {
        "党员": members,
        "支部星级": stars.table.reset_index(),
        "差什么": stars.gaps,
        "等次合规": grades.compliance,
        "临界名单": grades.borderline,
        "谈心谈话": watch,
        "积分台账": ledger,
        "权重": table,
        "计算过程": calculation,
    }
    sheets = {name: _sheet(name, frame, indicator_zh, names) for name, frame in parts.items()}
    return sheets, {"计算过程": _method_notes(scheme, quarter, weights, ahp, notes)}


def appraisal_about(scheme: Scheme, quarter: str, unit: str | None) -> dict[str, str]:
    """The facts at the top of the workbook's 说明 sheet: quarter, unit, scheme."""
    about = {term("quarter"): quarter}
    if unit is not None:
        about[term("unit_code")] = unit
    about[term("scheme")] = f"{scheme.name}（{Path(scheme.source).name}，SHA-256 {scheme.sha256}）"
    return about
