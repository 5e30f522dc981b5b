"""One glossary for every label a reader sees: table and workbook headers, chart titles,
axis labels and legends, captions and the status words of tables.

Each concept has a stable English key and a :class:`Term` with its Chinese and English
words; :func:`term` picks one language, or both (``"zh-en"``: the Chinese, a space, the
English), so one switch turns a report, a workbook or a chart Chinese-only, English-only
or bilingual. Text from data (unit names, indicator names from the scheme) is not a label
and stays as the data has it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

import pandas as pd

from assess.core.checks import check_choice
from assess.core.errors import ParameterError

__all__ = ["Term", "TERMS", "LANGUAGES", "check_language", "term", "phrase", "headed"]

#: Values of every ``language`` parameter: Chinese only, English only, or both (Chinese
#: first).
LANGUAGES: tuple[str, ...] = ("zh", "en", "zh-en")


class Term(NamedTuple):
    """The Chinese and the English words of one concept.

    A ``Term`` is a ``(zh, en)`` pair, so it unpacks as one. ``en`` is written as a label
    shows it (capitalised) for headers and chart labels, and in lower case for words that
    run inside a sentence or a cell (status words).
    """

    zh: str
    en: str


_T = Term

_TERMS: dict[str, Term] = {
    # --- people, units and the appraisal (report tables, appraisal workbook) -----------
    "person_id": _T("人员编号", "ID"),
    "member": _T("人员编号", "Member"),
    "name": _T("姓名", "Name"),
    "unit_code": _T("单位编码", "Unit code"),
    "unit_name": _T("单位名称", "Unit name"),
    "branch_name": _T("所在支部", "Branch"),
    "county": _T("县公司编码", "County company"),
    "city": _T("市公司编码", "City company"),
    "quarter": _T("季度", "Quarter"),
    "pioneer_index": _T("先锋指数", "Pioneer Index"),
    "index_before_veto": _T("否决前指数", "Index before vetoes"),
    "weighted": _T("加权标准化得分", "Weighted normalised score"),
    "deductions": _T("扣分", "Deductions"),
    "vetoes": _T("一票否决项", "Vetoes"),
    "vetoed": _T("一票否决", "Vetoed"),
    "grade": _T("等次", "Grade"),
    "borderline": _T("临界", "Borderline"),
    "rank_overall": _T("全省名次", "Overall rank"),
    "rank_branch": _T("支部内名次", "Rank in branch"),
    "rank_county": _T("县公司内名次", "Rank in county"),
    "rank_city": _T("市公司内名次", "Rank in city"),
    "yoy": _T("同比", "YoY"),
    "qoq": _T("环比", "QoQ"),
    "indicator": _T("指标编码", "Indicator"),
    "indicator_points": _T("计分（封顶后）", "Points (capped)"),
    "location": _T("标准化起点", "Normalisation start"),
    "scale": _T("标准化跨度", "Normalisation span"),
    "normalised": _T("标准化值", "Normalised value"),
    "weight": _T("权重", "Weight"),
    "contribution": _T("贡献分", "Contribution"),
    "base": _T("基础分", "Base"),
    "kind": _T("类别", "Kind"),
    "rule": _T("规则", "Rule"),
    "rule_name": _T("规则名称", "Rule name"),
    "n_items": _T("条数", "Items"),
    "raw_points": _T("原始分", "Raw points"),
    "item_capped": _T("单条封顶后", "Capped per item"),
    "cap_applied": _T("封顶", "Capped"),
    "evidence_ids": _T("佐证/事件编号", "Evidence / event IDs"),
    "n_events": _T("事件数", "Events"),
    "max_severity": _T("最高严重程度", "Severity"),
    "reason": _T("列入原因", "Reason"),
    "reason_en": _T("列入原因（英文）", "Reason (English)"),
    "events": _T("事件", "Events"),
    "party_score": _T("党建评价得分", "Party-building score"),
    "business_score": _T("业务评价得分", "Business score"),
    "stars": _T("星级", "Stars"),
    "all_round": _T("全能型五星", "All-round five-star"),
    "missing": _T("缺数据指标", "Missing indicators"),
    "target": _T("目标", "Target"),
    "criterion": _T("差距项", "Criterion"),
    "current": _T("当前值", "Current"),
    "threshold": _T("门槛", "Threshold"),
    "gap": _T("差距", "Gap"),
    "note": _T("说明", "Note"),
    "note_en": _T("说明（英文）", "Note (English)"),
    "group": _T("分组", "Group"),
    "n": _T("人数", "Members"),
    "members": _T("党员人数", "Members"),
    "member_index_mean": _T("先锋指数均值", "Mean Pioneer Index"),
    "max_share": _T("比例上限", "Quota"),
    "cap": _T("上限人数", "Maximum"),
    "min_share": _T("下限比例", "Minimum share"),
    "min": _T("下限人数", "Minimum"),
    "count": _T("实际人数", "Count"),
    "share": _T("占比", "Share"),
    "tied_at_cap": _T("同分跨线人数", "Tied at a cap"),
    "ok": _T("合规", "Met"),
    "score": _T("分数", "Score"),
    "upper_grade": _T("上一等次", "Grade above"),
    "lower_grade": _T("下一等次", "Grade below"),
    "cutoff": _T("分界分数", "Cut-off"),
    "distance": _T("距分界", "Distance to cut-off"),
    # --- report sections (report/*_sections.py) ---------------------------------------------
    "figure": _T("指标", "Figure"),
    "this_quarter": _T("本季度", "This quarter"),
    "last_quarter": _T("上季度", "Last quarter"),
    "same_quarter_last_year": _T("上年同期", "Same quarter last year"),
    "cap_total": _T("名额上限合计", "Caps"),
    "min_total": _T("名额下限合计", "Minimums"),
    "breaches": _T("未达要求", "Not met"),
    "base_grade": _T("基准等次（加分指标）", "Base grade"),
    "stable": _T("等次稳定", "Stable"),
    "unstable": _T("随权重变化", "Changes"),
    "stable_share": _T("稳定比例", "Stable share"),
    "band_median": _T("名次区间中位宽度", "Median band"),
    "band_max": _T("最宽区间", "Widest band"),
    "branch": _T("支部", "Branch"),
    "branches": _T("支部数", "Branches"),
    "next_level": _T("下一目标", "Next level"),
    "lacks": _T("差什么", "What is missing"),
    "rate_now": _T("本季度率", "Rate now"),
    "rate_last_year": _T("上年同期率", "Rate last year"),
    "member_events": _T("党员事件", "Members' events"),
    "member_rate": _T("党员每百人年", "Members per 100 py"),
    "non_member_events": _T("非党员事件", "Non-members' events"),
    "non_member_rate": _T("非党员每百人年", "Non-members per 100 py"),
    "total": _T("合计", "Total"),
    "red": _T("红色", "Red"),
    "yellow": _T("黄色", "Yellow"),
    "green": _T("绿色", "Green"),
    "done_rate": _T("完成（销号）率", "Done"),
    "green_means": _T("绿色含义", "Green means"),
    "unit": _T("单位", "Unit"),
    "item": _T("事项", "Item"),
    "due_date": _T("期限", "Due"),
    "days_overdue": _T("逾期天数", "Days overdue"),
    "indicator_name": _T("指标", "Indicator"),
    "indicator_en": _T("英文", "English"),
    "item_cap": _T("单项上限", "Item cap"),
    "quarter_cap": _T("季度上限", "Quarter cap"),
    "subjective": _T("主观权重（AHP）", "Subjective"),
    "objective": _T("客观权重", "Objective"),
    # --- key results of the reports (report index) and the exam overview --------------------
    "index_mean": _T("先锋指数均值", "Mean index"),
    "index_median": _T("先锋指数中位数", "Median index"),
    "watch_list": _T("谈心谈话", "Watch list"),
    "exam_pass_rate": _T("考试合格率", "Pass rate"),
    "violations": _T("违章", "Violations"),
    "complaints": _T("投诉", "Complaints"),
    "eligible": _T("应考", "Eligible"),
    "takers": _T("参考", "Takers"),
    "participation": _T("参考率", "Participation"),
    "score_mean": _T("平均分", "Mean score"),
    "pass_rate": _T("合格率", "Pass rate"),
    "pass_ci_low": _T("合格率区间下限", "Pass rate low"),
    "pass_ci_high": _T("合格率区间上限", "Pass rate high"),
    "weak_sections": _T("薄弱板块", "Weak sections"),
    # --- report titles, captions and empty-table sentences (notebook templates) ----------
    "report_quarterly_appraisal": _T("党建工作季度考评报告", "Quarterly appraisal report"),
    "report_exam": _T("每季一考分析报告", "Quarterly exam report"),
    "report_campaign_effect": _T("活动成效分析报告", "Campaign effect-analysis report"),
    "caption_key_figures": _T("关键指标", "Key figures"),
    "caption_top_members": _T("先锋指数最高（至多 10 人）", "Highest index (up to 10)"),
    "caption_bottom_members": _T(
        "先锋指数最低（至多 10 人，附扣分与一票否决）",
        "Lowest index (up to 10), with deductions and vetoes",
    ),
    "caption_stars_by_unit": _T("各单位星级分布", "Stars by unit"),
    "caption_stars_of_branches": _T(
        "各支部星级（星级高的在前）", "Stars of each branch, most first"
    ),
    "caption_last_four_quarters": _T("近四个季度", "Last four quarters"),
    "caption_weights": _T("指标与权重", "Indicators and weights"),
    "empty_none_this_quarter": _T("本季度无。", "None this quarter."),
    "empty_no_members": _T("没有参评党员。", "No members appraised."),
    "empty_all_five_star": _T(
        "各支部均已达到全能型五星。", "Every branch is an all-round five-star branch."
    ),
    "empty_watch_list": _T(
        "本季度无人列入谈心谈话名单。", "Nobody is on the watch list this quarter."
    ),
    "empty_nothing_overdue": _T("没有逾期未完成的事项。", "Nothing is overdue."),
    # --- exam workbook (ExamResult.tables) -------------------------------------------------
    "score_sd": _T("标准差", "SD"),
    "score_median": _T("中位数", "Median score"),
    "score_min": _T("最低分", "Lowest score"),
    "score_max": _T("最高分", "Highest score"),
    "n_pass": _T("合格人数", "Passed"),
    "n_missing": _T("缺答数", "Missing"),
    "estimate": _T("估计值", "Estimate"),
    "rest": _T("其余板块", "Other sections"),
    "q_value": _T("校正后 q 值", "q-value"),
    "significant": _T("显著", "Significant"),
    "below_threshold": _T("低于掌握标准", "Below threshold"),
    "blind_spot": _T("薄弱", "Weak"),
    "item_id": _T("题目编号", "Item"),
    "item_type": _T("题型", "Item type"),
    "max_score": _T("满分", "Maximum score"),
    "r_drop": _T("校正题总相关", "Corrected item–total r"),
    "r_pbis": _T("点二列相关", "Point-biserial r"),
    "p_upper": _T("高分组得分率", "Upper group"),
    "p_lower": _T("低分组得分率", "Lower group"),
    "d_index": _T("区分度 D", "Discrimination D"),
    "alpha_if_deleted": _T("删题后信度", "Alpha if deleted"),
    "too_hard": _T("过难", "Too hard"),
    "too_easy": _T("过易", "Too easy"),
    "low_discrimination": _T("区分度低", "Low discrimination"),
    "weak": _T("需审核", "To review"),
    "flags": _T("问题", "Flags"),
    "option": _T("选项", "Option"),
    "is_key": _T("正确答案", "Key"),
    "share_upper": _T("高分组占比", "Upper group share"),
    "share_lower": _T("低分组占比", "Lower group share"),
    "nonfunctioning": _T("无效干扰项", "Non-functioning"),
    "reversed": _T("反向", "Reversed"),
    "band": _T("分数段", "Band"),
    "lower": _T("下限", "Lower"),
    "upper": _T("上限", "Upper"),
    "method": _T("方法", "Method"),
    "confidence": _T("置信水平", "Confidence"),
    "n_questions": _T("题数", "Items"),
    "branch_code": _T("支部编码", "Branch code"),
    "points": _T("得分", "Points"),
    "max_points": _T("满分", "Maximum points"),
    "n_answered": _T("作答数", "Answered"),
    "passed": _T("合格", "Passed"),
    # --- tracking workbook (ProjectStatus, ProblemStatus, DutyStatus.tables) -------------
    "projects": _T("项目数", "Projects"),
    "due": _T("已到期", "Due"),
    "closed_due": _T("到期已完成", "Closed of due"),
    "completion_rate": _T("完成率", "Completion"),
    "completion_ci_low": _T("完成率区间下限", "Completion low"),
    "completion_ci_high": _T("完成率区间上限", "Completion high"),
    "on_time": _T("按期", "On time"),
    "on_time_rate": _T("按期率", "On-time rate"),
    "milestones_planned": _T("计划里程碑", "Milestones planned"),
    "milestones_on_time": _T("按期里程碑", "Milestones on time"),
    "milestone_on_time_rate": _T("里程碑按期率", "Milestones on-time rate"),
    "max_days_overdue": _T("最长逾期天数", "Most days overdue"),
    "project_id": _T("项目编号", "Project"),
    "title": _T("名称", "Title"),
    "project_type": _T("项目类型", "Project type"),
    "start_date": _T("开始日期", "Start"),
    "closed_date": _T("完成日期", "Closed on"),
    "closed": _T("已完成", "Closed"),
    "days_left": _T("剩余天数", "Days left"),
    "milestones": _T("里程碑", "Milestones"),
    "milestones_done": _T("已完成里程碑", "Milestones done"),
    "behind": _T("进度滞后", "Behind plan"),
    "status": _T("状态", "Status"),
    "status_reason": _T("原因", "Reason"),
    "level": _T("等级", "Level"),
    "level_name": _T("等级名称", "Level name"),
    "found": _T("发现问题", "Found"),
    "closure_rate": _T("销号率", "Closure"),
    "closure_ci_low": _T("销号率区间下限", "Closure low"),
    "closure_ci_high": _T("销号率区间上限", "Closure high"),
    "closed_on_time": _T("按期销号", "Closed on time"),
    "open": _T("未销号", "Open"),
    "overdue": _T("逾期", "Overdue"),
    "overdue_1_30": _T("逾期 1–30 天", "Overdue 1–30 days"),
    "overdue_31_90": _T("逾期 31–90 天", "Overdue 31–90 days"),
    "overdue_91_180": _T("逾期 91–180 天", "Overdue 91–180 days"),
    "overdue_181_plus": _T("逾期 180 天以上", "Overdue over 180 days"),
    "found_in_quarter": _T("本季度发现", "Found in the quarter"),
    "closed_in_quarter": _T("本季度销号", "Closed in the quarter"),
    "change": _T("变化", "Change"),
    "category": _T("问题类别", "Category"),
    "times": _T("次数", "Times"),
    "first_found": _T("首次发现", "First found"),
    "last_found": _T("最近发现", "Last found"),
    "problem_id": _T("问题编号", "Problem"),
    "source": _T("来源", "Source"),
    "found_date": _T("发现日期", "Found on"),
    "age_days": _T("已存续天数", "Age in days"),
    "bucket": _T("逾期分段", "Overdue band"),
    "duty_kind": _T("任务类型", "Duty kind"),
    "kind_name": _T("类型名称", "Kind name"),
    "duties": _T("任务数", "Duties"),
    "done": _T("已完成", "Done"),
    "done_on_time": _T("按期完成", "Done on time"),
    "required": _T("应参会", "Required"),
    "attended": _T("实参会", "Attended"),
    "duty_id": _T("任务编号", "Duty"),
    "done_date": _T("完成日期", "Done on"),
    "status_label": _T("状态说明", "Status"),
    # --- the campaign effect overview and falsification tables ---------------------------
    "outcome": _T("事件", "Event"),
    "naive_before": _T("上年同期", "Before"),
    "naive_after": _T("活动后", "After"),
    "naive_change": _T("简单同比", "Naive YoY"),
    "design_change": _T("设计估计", "Design-based"),
    "interval": _T("置信区间", "Interval"),
    "p_value": _T("p 值", "p\u2011value"),
    "p_adjusted": _T("校正后 p", "Adjusted p"),
    "evidence": _T("结论", "Evidence"),
    "checks": _T("证伪检验", "Checks"),
    "check": _T("检验", "Check"),
    "purpose": _T("检验的问题", "What it asks"),
    "result": _T("结果", "Result"),
    "detail": _T("具体情况", "Detail"),
    "rate_ratio": _T("率比", "Rate ratio"),
    "ci_low": _T("区间下限", "Lower limit"),
    "ci_high": _T("区间上限", "Upper limit"),
    "violation_rate": _T("违章率", "Violation rate"),
    # --- evidence words of a verdict (effect/verdict.py) -----------------------------------
    "evidence_decrease": _T("有下降的证据", "evidence of a fall"),
    "evidence_increase": _T("有上升的证据", "evidence of a rise"),
    "evidence_inconclusive": _T("与随机波动无法区分", "not distinguishable from chance"),
    # --- 同比 / 环比 statuses (appraisal/change.py) ----------------------------------------
    "change_up": _T("增长", "up"),
    "change_down": _T("下降", "down"),
    "change_flat": _T("持平", "unchanged"),
    "change_new": _T("新增", "new (zero base)"),
    "change_zero_base": _T("基数为零", "zero base, not computable"),
    "change_turnaround": _T("扭亏为盈", "from negative to positive"),
    "change_to_negative": _T("由盈转亏", "from positive to negative"),
    "change_loss_narrowed": _T("减亏", "negative, narrowed"),
    "change_loss_widened": _T("增亏", "negative, widened"),
    "change_no_base": _T("基期无数据", "no base-period data"),
    "change_no_current": _T("本期无数据", "no current-period data"),
    "percentage_points": _T("个百分点", "pp"),
    # --- red / yellow / green (tracking) ----------------------------------------------------
    "rag_red": _T("红色：逾期未完成", "Red: overdue"),
    "rag_yellow": _T("黄色：临近期限", "Yellow: deadline near"),
    "rag_green": _T("绿色：正常或提示", "Green: fine or notice"),
    "project_red": _T("红色：逾期未完成", "Red: overdue, not closed"),
    "project_yellow": _T("黄色：临期且进度滞后", "Yellow: due soon and behind plan"),
    "project_green": _T("绿色：正常", "Green: on track or closed"),
    "project_none": _T("无", "None"),
    "problem_red": _T("红色告警：逾期未销号", "Red alert: overdue, open"),
    "problem_yellow": _T("黄色提醒：临近整改期限", "Yellow reminder: deadline near"),
    "problem_green": _T("绿色：按期推进或已销号", "Green: in time or closed"),
    "problem_none": _T("无", "None"),
    "duty_red": _T("红色告警", "Red alert"),
    "duty_yellow": _T("黄色提醒", "Yellow reminder"),
    "duty_green": _T("绿色通知", "Green notice"),
    "duty_none": _T("无需提示", "No alert"),
    "tracking_projects": _T("项目", "projects"),
    "tracking_problems": _T("问题整改", "problems"),
    "tracking_duties": _T("党务任务", "duties"),
    # --- the scheme's summary (Scheme.summary, `assess scheme check`) ----------------------
    "scheme": _T("评分方案", "Scoring scheme"),
    "scheme_file": _T("文件", "File"),
    "ceiling": _T("满分", "Ceiling"),
    "normalisation": _T("标准化", "Normalisation"),
    "weighting": _T("赋权", "Weighting"),
    "subjective_share": _T("主观权重占比", "subjective share"),
    "weights_from_data": _T("权重按数据计算", "weights computed from the data"),
    "aggregation": _T("集成", "Aggregation"),
    "add_items": _T("加分项", "Add items"),
    "deduction_items": _T("扣分项", "Deductions"),
    "lower_is_better": _T("逆向指标", "lower is better"),
    "severity_1": _T("轻微", "minor"),
    "severity_2": _T("一般", "general"),
    "severity_3": _T("严重", "serious"),
    "severity_at_least": _T("严重程度不低于", "severity at least"),
    "event_violation": _T("违章", "violations"),
    "event_complaint": _T("投诉", "complaints"),
    "event_discipline": _T("违纪", "discipline breaches"),
    "event_fault": _T("故障", "faults"),
    "veto_zero": _T("先锋指数归零", "index set to 0"),
    "veto_exclude_top": _T("不得评为最高等次", "never the top grade"),
    "veto_cap": _T("等次不高于", "grade no better than"),
    "grade_quotas": _T("等次与比例", "Grades and quotas"),
    "takes_the_rest": _T("其余人员", "the rest"),
    "scope_branch": _T("按支部", "per branch"),
    "scope_pooled": _T("全体合并", "pooled"),
    "rounding_half-up": _T("名额四舍五入", "places rounded half up"),
    "rounding_floor": _T("名额向下取整", "places rounded down"),
    "rounding_ceil": _T("名额向上取整", "places rounded up"),
    "tie_strict": _T("同分跨线全部降入下一等次", "ties at a cap go down"),
    "tie_favour": _T("同分跨线全部保留较高等次", "ties at a cap stay up"),
    "borderline_margin": _T("临界分差", "borderline margin"),
    "star_rules": _T("五星党支部", "Five-star branches"),
    "goalposts": _T("计分区间", "goalposts"),
    "star_thresholds": _T("星级门槛", "Star thresholds"),
    "party_short": _T("党建", "party"),
    "business_short": _T("业务", "business"),
    "star_veto": _T("一票否决后最高", "after a veto at most"),
    "all_round_rule": _T("五星且", "five stars and"),
    "exam_rule": _T("每季一考", "Quarterly exam"),
    "eligible_posts": _T("应考岗位", "posts that sit it"),
    "every_member": _T("全体党员", "every member"),
    "watch_rule": _T("谈心谈话名单", "Watch list"),
    "events_at_least": _T("本季度事件不少于", "events this quarter at least"),
    "or_one_event": _T("或有一起事件", "or one event of"),
    # --- star names (appraisal/stars.py) ----------------------------------------------------
    "stars_0": _T("未评星", "No star"),
    "stars_1": _T("一星", "One star"),
    "stars_2": _T("二星", "Two stars"),
    "stars_3": _T("三星", "Three stars"),
    "stars_4": _T("四星", "Four stars"),
    "stars_5": _T("五星", "Five stars"),
    # --- method, design, outcome and check names (titles, tables, verdicts) -----------------
    "method_minmax": _T("极差标准化", "min–max"),
    "method_zscore": _T("Z 分数标准化", "z-score"),
    "method_rank": _T("秩次标准化", "rank"),
    "method_goalpost": _T("固定阈值标准化", "goalpost"),
    "method_arithmetic": _T("加权算术平均", "weighted arithmetic mean"),
    "method_geometric": _T("加权几何平均", "weighted geometric mean"),
    "weighting_ahp": _T("层次分析法（AHP）", "AHP"),
    "weighting_entropy": _T("熵权法", "entropy weights"),
    "weighting_critic": _T("CRITIC 法", "CRITIC weights"),
    "weighting_combined": _T("组合赋权", "combined weights"),
    "weighting_given": _T("给定权重", "given weights"),
    # --- chart titles, axis labels and legends ---------------------------------------------
    "members_axis": _T("人数", "Members"),
    "count_axis": _T("人数", "Count"),
    "takers_axis": _T("人数", "Takers"),
    "items_axis": _T("项数", "Items"),
    "events_axis": _T("事件数", "Events"),
    "assignments_axis": _T("分配数", "Assignments"),
    "exposure": _T("暴露量", "Exposure"),
    "rate_per_exposure": _T("率（事件数/暴露量）", "Rate (events per exposure)"),
    "rate_ratio_after_before": _T("率比（后期/前期）", "Rate ratio (after/before)"),
    "rate_ratio_fall": _T("率比（<1 表示下降）", "Rate ratio (< 1 is a fall)"),
    "index_distribution": _T("先锋指数分布", "Distribution of the index"),
    "grade_quota_title": _T("各等次人数与名额", "Members per grade against quotas"),
    "minimum": _T("下限", "Minimum"),
    "cap_axis": _T("上限", "Cap"),
    "composite_score": _T("综合得分", "Score"),
    "ahp_weights": _T("层次分析法权重", "AHP weights"),
    "five_star_title": _T("五星党支部：双达标", "Five-star branches: both standards"),
    "party_sub_score": _T("党建评价得分", "Party-building sub-score"),
    "business_sub_score": _T("业务评价得分", "Business sub-score"),
    "rank_band": _T("中位名次与 5–95% 区间", "Median rank, 5–95% band"),
    "base_rank": _T("基准名次", "Base rank"),
    "rank_axis": _T("名次（1 = 最好）", "Rank (1 = best)"),
    "rows_by_median_rank": _T("对象（按中位名次排序）", "Rows sorted by median rank"),
    "rank_robustness": _T("名次稳健性", "Rank robustness"),
    "grade_holds": _T("等次稳定", "Grade holds"),
    "grade_changes": _T("随权重变化", "Grade changes"),
    "grade_stability_title": _T(
        "权重变化时等次是否稳定", "Do grades hold when the weights change?"
    ),
    "rag_title": _T("红黄绿状态", "Red, yellow, green"),
    "project_status": _T("项目状态", "Project status"),
    "projects_axis": _T("项目数", "Projects"),
    "problem_status": _T("问题整改状态", "Problem status"),
    "problems_axis": _T("问题数", "Problems"),
    "duty_alerts": _T("任务提醒", "Duty alerts"),
    "duties_axis": _T("任务数", "Duties"),
    "section": _T("板块", "Section"),
    "mastery": _T("掌握率", "Mastery"),
    "section_mastery_title": _T("板块掌握率（* 薄弱）", "Section mastery (* weak)"),
    "pass_mark": _T("及格线", "Pass mark"),
    "score_distribution": _T("每季一考成绩分布", "Score distribution"),
    "difficulty": _T("难度（得分率）", "Difficulty (share of points)"),
    "item_total_r": _T("校正题总相关", "Corrected item–total r"),
    "item_map": _T("题目分析图", "Item map"),
    "reassigned_rate_ratio": _T("重新分配后的率比", "Rate ratio under re-assignment"),
    "actual_assignment": _T("实际分配", "Actual assignment"),
    "randomisation_distribution": _T("随机化分布", "Randomisation distribution"),
    "bootstrap_t": _T("自助 t 统计量", "Bootstrap t"),
    "t_statistic": _T("t 统计量", "t statistic"),
    "observed": _T("实际", "Observed"),
    "wild_bootstrap_distribution": _T("野聚类自助分布", "Wild bootstrap distribution"),
    "members_group": _T("党员", "Members"),
    "non_members_group": _T("非党员", "Non-members"),
    "members_vs_others": _T("党员与非党员对比", "Members vs non-members"),
    "per_100_person_years": _T("每百人年", "Per 100 person-years"),
    "level_interval": _T("置信区间", "interval"),
    "naive_yoy": _T("原始同比", "Naive year-on-year"),
    "detectable_change": _T("把握可检出的变化", "power to detect a change"),
    "fitted": _T("模型拟合", "Fitted"),
    "counterfactual": _T("反事实（无活动）", "Counterfactual (no campaign)"),
    "confidence_band": _T("置信带", "band"),
    "design_based": _T("设计估计", "Design-based"),
    "simple_yoy": _T("简单同比", "Naive year-on-year"),
    "campaign_effect_title": _T("活动效应：率比与置信区间", "Campaign effect: rate ratios"),
    "treated_observed": _T("处理单位实际", "Treated units, observed"),
    "event_study_title": _T("事件研究：领先与滞后效应", "Event study: leads and lags"),
    "periods_since_start": _T("相对开始的期数", "Periods since the start"),
    "treated_group": _T("处理组", "Treated group"),
    "control_group": _T("对照组", "Control group"),
    "before": _T("前期", "Before"),
    "after": _T("后期", "After"),
    "two_by_two_title": _T("两组两期对比", "Two groups, two periods"),
    "falsification_checks": _T("证伪检验", "Falsification checks"),
    "shrunken_rate": _T("收缩后的率及区间", "Shrunken rate and interval"),
    "raw_rate": _T("原始率", "Raw rate"),
    "overall_rate": _T("总体率", "Overall rate"),
    "shrinkage_title": _T("单位率的经验贝叶斯收缩", "Empirical-Bayes shrunken rates"),
    "control_limits": _T("控制限", "limits"),
    "target_rate": _T("目标率", "Target rate"),
    "funnel_title": _T("漏斗图：单位率与控制限", "Funnel plot: unit rates and control limits"),
    "shrunken_rate_ratio": _T("收缩后的率比及区间", "Shrunken rate ratio and interval"),
    "raw_rate_ratio": _T("原始率比", "Raw rate ratio"),
    "overall_rate_ratio": _T("总体率比", "Overall rate ratio"),
    "raw_rate_ratio_corrected": _T(
        "原始率比（零计数加 0.5）", "Raw rate ratio (0.5 added to zeros)"
    ),
    "events_both_periods": _T("两期事件合计", "Events in both periods"),
    "ratio_funnel_title": _T(
        "漏斗图：单位率比与控制限", "Funnel plot: unit rate ratios and limits"
    ),
    "power_curve": _T("检出把握（模拟）", "Power (simulated)"),
    "detectable_fall": _T("可可靠检出的最小降幅", "Smallest reliably detected fall"),
    "fall_in_rate_pct": _T("发生率降幅（%）", "Fall in the rate (%)"),
    "power": _T("检出把握", "Power"),
    "plan_title": _T("试点评估的检出把握", "Power of the pilot's evaluation"),
    "its_title": _T(
        "中断时间序列：实际与反事实", "Interrupted time series: observed vs counterfactual"
    ),
    "did_title": _T(
        "双重差分：处理单位实际与反事实", "Difference-in-differences: observed vs counterfactual"
    ),
    "staggered_title": _T(
        "分批推行：处理单位实际与反事实", "Staggered rollout: observed vs counterfactual"
    ),
    "synthetic_title": _T(
        "合成控制：试点单位实际与合成对照", "Synthetic control: observed vs synthetic"
    ),
    "yoy_audit": _T("同比核查", "Year-on-year audit"),
    "mean": _T("均值", "Mean"),
    "rate": _T("率", "Rate"),
    "unit_change_title": _T(
        "各单位改善幅度（经验贝叶斯收缩）", "Change by unit (empirical-Bayes shrinkage)"
    ),
}

#: Every term by its key (read-only).
TERMS: Mapping[str, Term] = MappingProxyType(_TERMS)


def headed(
    frame: pd.DataFrame, terms: Mapping[str, str] | None = None, language: str = "zh"
) -> pd.DataFrame:
    """``frame`` with each column that has a glossary key headed by its term, for a
    workbook a reader opens; other columns keep their names.

    Parameters
    ----------
    frame : DataFrame
    terms : mapping of str to str, optional
        Column → glossary key, for columns whose name is not their key.
    language : {"zh", "en", "zh-en"}, default "zh"

    Examples
    --------
    >>> list(headed(pd.DataFrame(columns=["unit_code", "pass_rate", "extra"])).columns)
    ['单位编码', '合格率', 'extra']
    """
    check_language("headed", language)
    keys = {c: (terms or {}).get(str(c), str(c)) for c in frame.columns}
    return frame.rename(columns={c: term(k, language) for c, k in keys.items() if k in _TERMS})


def check_language(func: str, language: str) -> str:
    """``language`` if it is one of :data:`LANGUAGES`, else a bilingual ParameterError.

    Examples
    --------
    >>> check_language("plot", "en")
    'en'
    """
    return str(check_choice(func, "language", language, LANGUAGES))


def phrase(zh: str, en: str, language: str = "zh") -> str:
    """A label put together at run time from terms and data (a quarter, a confidence level,
    an outcome's name), in ``language``: "zh-en" joins the two as :func:`term` does.

    Examples
    --------
    >>> phrase("2026Q3 先锋指数分布", "2026Q3 distribution of the index", "zh-en")
    '2026Q3 先锋指数分布 2026Q3 distribution of the index'
    """
    check_language("phrase", language)
    return {"zh": zh, "en": en, "zh-en": f"{zh} {en}"}[language]


def term(key: str, language: str = "zh") -> str:
    """The words of concept ``key`` in ``language``.

    Parameters
    ----------
    key : str
        A key of :data:`TERMS`, e.g. ``"pioneer_index"``.
    language : {"zh", "en", "zh-en"}, default "zh"
        Chinese, English, or both: the Chinese, a space, the English.

    Raises
    ------
    ParameterError
        ``key`` is not in the glossary, or ``language`` is not one of :data:`LANGUAGES`.

    Examples
    --------
    >>> term("pioneer_index"), term("pioneer_index", "en"), term("pioneer_index", "zh-en")
    ('先锋指数', 'Pioneer Index', '先锋指数 Pioneer Index')
    """
    check_language("term", language)
    found = _TERMS.get(key)
    if found is None:
        raise ParameterError(
            "term",
            "key",
            "a key of assess.core.glossary.TERMS",
            key,
            zh=f"term：术语表中没有 {key!r}（见 assess.core.glossary.TERMS）",
        )
    if language == "zh":
        return found.zh
    if language == "en":
        return found.en
    return f"{found.zh} {found.en}"
