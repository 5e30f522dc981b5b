"""Sections of the quarterly appraisal report (季度考评报告), as a party secretary reads them.

The ``quarterly_appraisal`` template computes with the library and shows what these
functions return: frames shown by :func:`section_table` (bilingual headings from
:data:`LABELS`), short bilingual prose for ``ar.prose`` and charts. The numbers are the
library's — selected, labelled and formatted here, never recomputed another way:

* key figures with 同比/环比 (:func:`key_figures`, :func:`key_figure_table`), written
  as official statistics write them (:mod:`assess.appraisal.change`);
* the bottom members (:func:`bottom_members`), grades against their quotas
  (:func:`grade_quotas`), rank robustness (:func:`check_robustness`,
  :func:`grade_stability`);
* stars with branch names and what each branch lacks (:func:`star_table`,
  :func:`star_gaps`);
* the method annex (:func:`method_text`, :func:`weights_table`).

Violations and complaints are in :mod:`assess.report.event_sections`; projects,
problems and duties in :mod:`assess.report.tracking_sections`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from assess.appraisal.branch_metrics import METRICS
from assess.appraisal.change import compare_periods, format_changes
from assess.appraisal.ledger import members_in_quarter
from assess.appraisal.normalise import _METHOD_TEXT
from assess.appraisal.robustness import STABLE_PROBABILITY, RobustnessResult
from assess.appraisal.scoring import Appraisal
from assess.appraisal.watchlist import watch_list
from assess.core.dataset import Dataset
from assess.core.errors import ParameterError
from assess.core.periods import shift_quarter
from assess.core.plotting import label, new_axes
from assess.core.schema import EVENT_TYPES, SEVERITIES
from assess.core.units import unit_paths, units_under
from assess.exams import ExamResult
from assess.report.content import cell_float, check_language, pick, prose, table
from assess.report.event_sections import EventReview

__all__ = [
    "LABELS",
    "PERCENT",
    "FIGURES",
    "ROBUSTNESS_CELLS",
    "section_table",
    "key_figures",
    "key_figure_table",
    "top_members",
    "bottom_members",
    "watch_table",
    "grade_quotas",
    "grade_quota_text",
    "robustness_draws",
    "check_robustness",
    "grade_stability",
    "robustness_text",
    "plot_grade_stability",
    "star_counts",
    "star_table",
    "star_gaps",
    "method_text",
    "weights_table",
]

_STAR_ZH = {0: "未评星", 1: "一星", 2: "二星", 3: "三星", 4: "四星", 5: "五星"}

#: Headings of the columns of the frames of this module (Chinese, then English).
LABELS: dict[str, str] = {
    "figure": "指标 Figure",
    "current": "本季度 This quarter",
    "qoq_base": "上季度 Last quarter",
    "qoq": "环比 QoQ",
    "yoy_base": "上年同期 Same quarter last year",
    "yoy": "同比 YoY",
    "rank_overall": "排名 Rank",
    "person_id": "人员编号 ID",
    "name": "姓名 Name",
    "branch_name": "所在支部 Branch",
    "index": "先锋指数 Index",
    "deductions": "扣分 Deductions",
    "vetoes": "一票否决 Veto",
    "grade": "等次 Grade",
    "index_yoy": "同比 YoY",
    "index_qoq": "环比 QoQ",
    "n_events": "事件数 Events",
    "reason_zh": "列入原因 Reason",
    "events": "事件 Events",
    "count": "人数 Members",
    "share": "占比 Share",
    "max_share": "比例上限 Quota",
    "cap": "名额上限合计 Caps",
    "min": "名额下限合计 Minimums",
    "breaches": "未达要求 Not met",
    "tied_at_cap": "同分跨线 Tied at a cap",
    "base_grade": "基准等次（加分指标）Base grade",
    "members": "人数 Members",
    "stable": "等次稳定 Stable",
    "unstable": "随权重变化 Changes",
    "stable_share": "稳定比例 Stable share",
    "band_median": "名次区间中位宽度 Median band",
    "band_max": "最宽区间 Widest band",
    "unit_name": "支部 Branch",
    "branches": "支部数 Branches",
    **{f"stars_{k}": f"{_STAR_ZH[k]} {k}★" for k in range(6)},
    "stars": "星级 Stars",
    "all_round": "全能型 All-round",
    "vetoed": "一票否决 Vetoed",
    "party_score": "党建得分 Party score",
    "business_score": "业务得分 Business score",
    "member_index_mean": "平均先锋指数 Mean index",
    "target": "下一目标 Next level",
    "lacks": "差什么 What is missing",
    "outcome": "事件 Event",
    "count_now": "本季度 This quarter",
    "count_last_year": "上年同期 Last year",
    "naive_change": "简单同比 Naive YoY",
    "rate_now": "本季度率 Rate now",
    "rate_last_year": "上年同期率 Rate last year",
    "rate_ratio": "率比 Rate ratio",
    "interval": "95% 置信区间 95% interval",
    "p_value": "p 值 p-value",
    "evidence": "结论 Evidence",
    "member_events": "党员事件 Members' events",
    "member_rate": "党员每百人年 Members per 100 py",
    "non_member_events": "非党员事件 Non-members' events",
    "non_member_rate": "非党员每百人年 Non-members per 100 py",
    "kind": "类别 Kind",
    "total": "合计 Total",
    "red": "红色 Red",
    "yellow": "黄色 Yellow",
    "green": "绿色 Green",
    "done_rate": "完成（销号）率 Done",
    "green_means": "绿色含义 Green means",
    "unit": "单位 Unit",
    "item": "事项 Item",
    "due_date": "期限 Due",
    "days_overdue": "逾期天数 Days overdue",
    "indicator": "指标 Indicator",
    "indicator_en": "英文 English",
    "item_cap": "单项上限 Item cap",
    "quarter_cap": "季度上限 Quarter cap",
    "subjective": "主观权重（AHP）Subjective",
    "objective": "客观权重 Objective",
    "weight": "权重 Weight",
}

#: Columns holding shares (0–1), shown as percentages.
PERCENT: frozenset[str] = frozenset(
    {"share", "stable_share", "done_rate", "subjective", "objective", "weight"}
)

#: The key figures, in the order shown, with their (Chinese, English) names.
FIGURES: dict[str, tuple[str, str]] = {
    "members": ("参评党员（人）", "members appraised"),
    "index_mean": ("先锋指数均值", "mean Pioneer Index"),
    "watch_list": ("谈心谈话名单（人）", "watch list"),
    "exam_pass_rate": ("每季一考合格率", "exam pass rate"),
    "violations": ("违章（起）", "violations"),
    "complaints": ("投诉（件）", "complaints"),
}

#: Member × draw cells of the rank-robustness check in a report: the number of draws
#: is this divided by the members, between 100 and 1,000 (see :func:`robustness_draws`).
ROBUSTNESS_CELLS = 1_000_000

_STAR_GLYPHS = 5
_WEIGHTING_ZH = {
    "given": ("方案给定的权重", "the weights given in the scheme"),
    "ahp": ("层次分析法（AHP）", "the analytic hierarchy process (AHP)"),
    "entropy": ("熵权法", "the entropy method"),
    "critic": ("CRITIC 法", "the CRITIC method"),
}


def section_table(
    frame: pd.DataFrame,
    *,
    caption: tuple[str, str] | None = None,
    max_rows: int = 30,
    empty: tuple[str, str] = ("本季度无。", "None this quarter."),
) -> Any:
    """A frame of this module as a report table: headings from :data:`LABELS`, the
    :data:`PERCENT` columns as percentages (see :func:`assess.report.content.table`);
    the ``empty`` sentence (Chinese, English) instead of a table without rows.

    Examples
    --------
    >>> page = section_table(pd.DataFrame({"grade": ["优秀"], "share": [0.2]}))._repr_html_()
    >>> "等次 Grade" in page, "20.0%" in page
    (True, True)
    >>> section_table(pd.DataFrame({"grade": []}))._repr_html_()
    '<div class="prose-out"><p>本季度无。</p><p>None this quarter.</p></div>'
    """
    if frame.empty:
        return prose(f"{empty[0]}\n\n{empty[1]}")
    return table(
        frame,
        caption=caption,
        labels=LABELS,
        percent=[c for c in frame.columns if c in PERCENT],
        max_rows=max_rows,
    )


# ---------------------------------------------------------------- key figures


def _figure_rows(
    dataset: Dataset,
    appraisal: Appraisal,
    exam: ExamResult,
    events: Sequence[EventReview],
    unit: str,
) -> list[tuple[str, str, float]]:
    """(figure, quarter, value) for the quarter, the one before and a year before."""
    q = appraisal.quarter
    bases = [shift_quarter(q, -1), shift_quarter(q, -4)]
    members = appraisal.members
    rows: list[tuple[str, str, float]] = [
        ("members", q, float(len(members))),
        ("index_mean", q, float(members["index"].mean())),
        ("watch_list", q, float(len(appraisal.watch))),
    ]
    # The earlier quarters' members and mean index, from the branch means the appraisal
    # compared (members of the branches appraised now).
    index = appraisal.branch_changes.loc[appraisal.branch_changes["measure"] == "index"]
    for base, part in index.groupby("base_period"):
        n = int(part["n_base"].sum())
        if n:
            mean = float((part["base"] * part["n_base"]).sum() / n)
            rows += [("members", str(base), float(n)), ("index_mean", str(base), mean)]
    exam_all = exam.trend.loc[exam.trend["unit_code"] == "ALL"]
    rows += [
        ("exam_pass_rate", str(quarter), rate)
        for quarter, rate in zip(
            exam_all["quarter"], exam_all["pass_rate"].to_numpy(dtype=float), strict=True
        )
        if quarter in (q, *bases)
    ]
    covered: set[str] = set()
    for review in events:
        name = "violations" if review.outcome == "violation" else "complaints"
        trend = review.trend.loc[review.trend["quarter"].isin([q, *bases])]
        covered |= set(trend["quarter"])
        rows += [
            (name, str(quarter), count)
            for quarter, count in zip(
                trend["quarter"], trend["count"].to_numpy(dtype=float), strict=True
            )
        ]
    staff = dataset.staff.loc[dataset.staff["unit_code"].isin(units_under(dataset.units, unit))]
    for base in sorted(covered & set(bases)):
        listed = watch_list(
            dataset.events, members_in_quarter(staff, base), appraisal.scheme.watch, quarter=base
        )
        rows.append(("watch_list", base, float(len(listed))))
    return rows


def key_figures(
    dataset: Dataset,
    appraisal: Appraisal,
    exam: ExamResult,
    events: Sequence[EventReview],
    *,
    unit: str,
) -> pd.DataFrame:
    """同比 and 环比 of the report's headline figures (:data:`FIGURES`).

    Parameters
    ----------
    dataset : Dataset
        The inputs with history (for the watch lists of earlier quarters).
    appraisal : Appraisal
        :func:`assess.appraisal.scoring.score_quarter` for ``unit``.
    exam : ExamResult
        :func:`assess.exams.analysis.analyse_exam` for the same quarter and unit.
    events : sequence of EventReview
        :func:`review_events` of violations and/or complaints.
    unit : str
        The unit of the report.

    Returns
    -------
    DataFrame
        :func:`assess.appraisal.change.compare_periods` rows (``kind`` ``yoy``/``qoq``,
        ``current``, ``base``, ``pct_change``, ``change_pp``, ``status``, ...) with a
        leading ``figure`` column (a key of :data:`FIGURES`), in that order. The exam
        pass rate is a rate: its change is in percentage points (百分点).

    Notes
    -----
    Earlier quarters: members and the mean index over the members of the branches
    appraised this quarter (from ``appraisal.branch_changes``); the watch list by the
    scheme's rule over the members on the books then; the exam pass rate from
    ``exam.trend``; violations and complaints as counted by :func:`review_events`
    (events in unit-months with exposure). A quarter without data gives 基期无数据.
    """
    long = pd.DataFrame(
        _figure_rows(dataset, appraisal, exam, events, unit),
        columns=["figure", "quarter", "value"],
    )
    is_rate = long["figure"] == "exam_pass_rate"
    parts = [
        compare_periods(
            part, value="value", by="figure", kind="both", at=appraisal.quarter, is_rate=rate
        )
        for part, rate in ((long.loc[~is_rate], False), (long.loc[is_rate], True))
        if not part.empty
    ]
    out = pd.concat(parts, ignore_index=True)
    order = {f: i for i, f in enumerate(FIGURES)}
    return out.sort_values(
        ["figure", "kind"],
        key=lambda s: s.map(order) if s.name == "figure" else s,
        kind="stable",
    ).reset_index(drop=True)


def _figure_value(figure: str, value: float) -> str:
    if not math.isfinite(value):
        return "—"
    if figure == "exam_pass_rate":
        return f"{value:.1%}"
    if figure == "index_mean":
        return f"{value:.1f}"
    return f"{int(round(value)):,}"


def key_figure_table(figures: pd.DataFrame, *, language: str = "zh-en") -> pd.DataFrame:
    """The key figures as the report shows them: one row per figure, this quarter, the
    quarter before and 环比, the same quarter last year and 同比, with arrows
    (``↑3.5%``, ``↓1.2个百分点``, ``新增``; :func:`assess.appraisal.change.format_changes`).

    Parameters
    ----------
    figures : DataFrame
        :func:`key_figures`.
    language : {"zh-en", "zh", "en"}, default "zh-en"
        Figure names and change words in Chinese (``zh-en``, ``zh``) or English.

    Returns
    -------
    DataFrame
        ``figure, current, qoq_base, qoq, yoy_base, yoy`` as text.
    """
    check_language("key_figure_table", language)
    lang = "en" if language == "en" else "zh"
    shown = figures.assign(change=format_changes(figures, lang=lang))
    rows = []
    for figure, part in shown.groupby("figure", sort=False):
        by_kind = part.set_index("kind")
        row = {
            "figure": pick(FIGURES[str(figure)], language),
            "current": _figure_value(str(figure), float(part["current"].iloc[0])),
        }
        for kind in ("qoq", "yoy"):
            has = kind in by_kind.index
            base = cell_float(by_kind.at[kind, "base"]) if has else math.nan
            row[f"{kind}_base"] = _figure_value(str(figure), base)
            row[kind] = str(by_kind.at[kind, "change"]) if has else "—"
        rows.append(row)
    return pd.DataFrame(rows, columns=["figure", "current", "qoq_base", "qoq", "yoy_base", "yoy"])


# ---------------------------------------------------------------- members


def _veto_names(appraisal: Appraisal) -> pd.Series:
    names = {v.code: v.zh for v in appraisal.scheme.vetoes}
    return appraisal.members["vetoes"].map(
        lambda codes: "、".join(names.get(c, c) for c in codes.split(";")) if codes else ""
    )


def _shown(func: str, appraisal: Appraisal, n: int) -> int:
    """At most ``n`` members, and at most half of them: a small branch's highest and
    lowest members do not repeat each other."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ParameterError(func, "n", "a whole number ≥ 1", n)
    return min(n, max(len(appraisal.members) // 2, 1))


def top_members(appraisal: Appraisal, n: int = 10) -> pd.DataFrame:
    """The ``n`` members with the highest index (ties broken by id), best first; at most
    half of the members.

    Returns
    -------
    DataFrame
        ``rank_overall, person_id, name, branch_name, index, grade, index_yoy, index_qoq``.
    """
    members = appraisal.members.sort_values(
        ["index", "person_id"], ascending=[False, True], kind="stable"
    )
    return members.head(_shown("top_members", appraisal, n))[
        [
            "rank_overall",
            "person_id",
            "name",
            "branch_name",
            "index",
            "grade",
            "index_yoy",
            "index_qoq",
        ]
    ].reset_index(drop=True)


def bottom_members(appraisal: Appraisal, n: int = 10) -> pd.DataFrame:
    """The ``n`` members with the lowest index (ties broken by id), lowest first, with
    their deductions and vetoes — what put them there; at most half of the members.

    Returns
    -------
    DataFrame
        ``rank_overall, person_id, name, branch_name, index, deductions, vetoes`` (the
        scheme's Chinese names of the vetoes), ``grade, index_yoy, index_qoq``.
    """
    # + 0.0 turns the -0.0 of a member without deductions into 0.0.
    members = appraisal.members.assign(
        vetoes=_veto_names(appraisal), deductions=appraisal.members["deductions"] + 0.0
    )
    members = members.sort_values(["index", "person_id"], kind="stable")
    return members.head(_shown("bottom_members", appraisal, n))[
        [
            "rank_overall",
            "person_id",
            "name",
            "branch_name",
            "index",
            "deductions",
            "vetoes",
            "grade",
            "index_yoy",
            "index_qoq",
        ]
    ].reset_index(drop=True)


def watch_table(appraisal: Appraisal) -> pd.DataFrame:
    """The watch list with each member's branch name: ``branch_name, person_id, name,
    n_events, reason_zh, events``."""
    names = appraisal.members.drop_duplicates("unit_code").set_index("unit_code")["branch_name"]
    watch = appraisal.watch.assign(branch_name=appraisal.watch["unit_code"].map(names))
    return watch[["branch_name", "person_id", "name", "n_events", "reason_zh", "events"]]


# ---------------------------------------------------------------- grades


def _share_text(share: Decimal | None) -> str:
    return "不限" if share is None else f"{float(share):.0%}"


def grade_quotas(appraisal: Appraisal) -> pd.DataFrame:
    """Members per grade against the quotas, summed over the groups quotas are counted in.

    Returns
    -------
    DataFrame
        One row per grade, best first: ``grade``, ``count`` (members), ``share`` (of the
        members graded), ``max_share`` (the quota as text), ``cap`` and ``min`` (sums of
        the groups' caps and minimums; missing when the grade has no cap; ``min`` only
        when a grade has a minimum share), ``breaches``
        (groups — branches, or everybody pooled — missing a cap or minimum),
        ``tied_at_cap`` (tied members who straddled a cap). From
        ``appraisal.grades.compliance``.
    """
    grades = appraisal.grades
    comp = grades.compliance
    per = comp.groupby("grade", sort=False)
    out = pd.DataFrame(
        {
            "count": per["count"].sum(),
            "cap": per["cap"].sum(min_count=1),
            "min": per["min"].sum(),
            "breaches": per["ok"].agg(lambda ok: int((~ok).sum())),
            "tied_at_cap": per["tied_at_cap"].sum(),
        }
    ).reindex([q.name for q in grades.quotas])
    total = out["count"].sum()
    out.insert(1, "share", out["count"] / total if total else np.nan)
    out.insert(2, "max_share", [_share_text(q.max_share) for q in grades.quotas])
    if all(q.min_share == 0 for q in grades.quotas):
        out = out.drop(columns="min")
    return out.rename_axis("grade").reset_index()


def grade_quota_text(appraisal: Appraisal, units: pd.DataFrame) -> str:
    """Whether every group meets its quotas, naming the branches that do not; the counting
    rules (Chinese, then English)."""
    grades = appraisal.grades
    comp = grades.compliance
    bad = comp.loc[~comp["ok"]]
    names = units.set_index("unit_code")["unit_name"]
    groups = grades.groups
    n = 1 if groups is None else len(comp.drop_duplicates(list(groups.columns)))
    if bad.empty and n == 1:
        zh, en = "等次人数符合比例要求。", "The grade counts meet the quotas."
    elif bad.empty:
        zh = f"各支部（{n:,} 个）的等次人数均符合比例要求。"
        en = f"Every branch ({n:,}) meets its grade quotas."
    else:
        where = bad["unit_code"].map(names) if "unit_code" in bad else bad["group"]
        items = list(zip(where, bad["grade"], bad["count"], bad["cap"], bad["min"], strict=True))
        zh = (
            f"{len(bad):,} 项未达要求："
            + "；".join(
                f"{w} {g} {c} 人（上限 {'不限' if pd.isna(cap) else int(cap)}，下限 {m}）"
                for w, g, c, cap, m in items[:5]
            )
            + "。"
        )
        en = (
            f"{len(bad):,} quotas not met: "
            + "; ".join(
                f"{w} {g} {c} (cap {'none' if pd.isna(cap) else int(cap)}, minimum {m})"
                for w, g, c, cap, m in items[:5]
            )
            + "."
        )
    return f"{zh}{grades.rule_zh}\n\n{en} {grades.rule_en}"


# ---------------------------------------------------------------- robustness


def robustness_draws(members: int) -> int:
    """Draws of the rank-robustness check for ``members`` members: about
    :data:`ROBUSTNESS_CELLS` member-draws, at least 100 and at most 1,000.

    Examples
    --------
    >>> robustness_draws(137), robustness_draws(2_000), robustness_draws(25_000)
    (1000, 500, 100)
    """
    return int(min(1_000, max(100, ROBUSTNESS_CELLS // max(int(members), 1))))


def check_robustness(appraisal: Appraisal, *, seed: int = 0) -> RobustnessResult:
    """:meth:`Appraisal.robustness` with :func:`robustness_draws` draws, ranks and grades
    within the groups the scheme counts quotas in (branches, or everybody pooled)."""
    groups = "unit_code" if appraisal.scheme.quota_scope == "branch" else None
    return appraisal.robustness(
        draws=robustness_draws(len(appraisal.members)), seed=seed, groups=groups
    )


def grade_stability(result: RobustnessResult) -> pd.DataFrame:
    """Per grade (as the base weights give it): members whose grade holds in at least
    :data:`~assess.appraisal.robustness.STABLE_PROBABILITY` of the draws, the others, and the
    width of their rank bands.

    Returns
    -------
    DataFrame
        ``base_grade, members, stable, unstable, stable_share, band_median`` (text),
        ``band_max``.
    """
    t = result.table
    grades = [g for g, _ in result.grade_shares]
    stable = t["p_base_grade"] >= STABLE_PROBABILITY
    per = t.assign(stable=stable).groupby("base_grade", sort=False)
    out = (
        pd.DataFrame(
            {
                "members": per.size(),
                "stable": per["stable"].sum(),
                "band_median": per["band_width"].median(),
                "band_max": per["band_width"].max(),
            }
        )
        .reindex(grades)
        .dropna(subset=["members"])
    )
    out = out.astype({"members": int, "stable": int, "band_max": int})
    out.insert(2, "unstable", out["members"] - out["stable"])
    out.insert(3, "stable_share", out["stable"] / out["members"])
    # A median of ranks may end in .5: shown as 2.5, and 3 rather than 3.00.
    out["band_median"] = out["band_median"].map(lambda v: f"{v:g}")
    return out.rename_axis("base_grade").reset_index()


def robustness_text(result: RobustnessResult) -> str:
    """The robustness check in a few sentences (Chinese, then English), naming nobody.

    :meth:`RobustnessResult.summary` names the members with the widest bands by id; a
    report read above branch level must not.
    """
    t = result.table
    n, draws = len(t), len(result.draw_weights)
    stable = int((t["p_base_grade"] >= STABLE_PROBABILITY).sum())
    band = float(t["band_width"].median())
    within = "group" in t
    zh = (
        f"让各项加分指标的权重在方案权重附近随机变化（平均幅度约 {result.spread:.0%}），"
        f"并轮换 {len(result.combinations)} 种标准化与合成方法，共抽样 {draws:,} 次"
        f"（随机种子 {result.seed}，结果可重现）"
        + ("，名次与等次按支部内计算" if within else "")
        + f"。{n:,} 名党员中，{stable:,} 人（{stable / n:.1%}）在 {STABLE_PROBABILITY:.0%} "
        f"以上的抽样中等次不变；其余 {n - stable:,} 人的等次会随权重变化。"
        f"名次 5%–95% 区间的宽度中位数为 {band:g} 名。扣分与一票否决不随权重变化，不在此列。"
        "把等次与绩效挂钩前，宜复核等次不稳定的人员。"
    )
    en = (
        f"The weights of the add items were varied at random around the scheme's weights "
        f"(by about {result.spread:.0%}), rotating {len(result.combinations)} normalisation "
        f"and aggregation methods, in {draws:,} draws (seed {result.seed}, reproducible)"
        + (", ranks and grades within branches" if within else "")
        + f". Of {n:,} members, {stable:,} ({stable / n:.1%}) keep their grade in at least "
        f"{STABLE_PROBABILITY:.0%} of the draws; the grade of the other {n - stable:,} "
        f"changes with the weights. The median width of the 5–95% rank band is {band:g}. "
        "Deductions and vetoes do not depend on the weights and are left out. Review the "
        "unstable grades before tying pay to them."
    )
    return f"{zh}\n\n{en}"


def plot_grade_stability(result: RobustnessResult, ax: Axes | None = None) -> Axes:
    """Horizontal bars per grade: members whose grade holds under varied weights, and the
    others."""
    frame = grade_stability(result).set_index("base_grade")
    ax = new_axes(ax, figsize=(7.0, 1.6 + 0.45 * len(frame)))
    y = np.arange(len(frame))
    ax.barh(y, frame["stable"], color="#55A868", label=label("等次稳定", "grade holds"))
    ax.barh(
        y,
        frame["unstable"],
        left=frame["stable"],
        color="#E8B53A",
        label=label("随权重变化", "grade changes"),
    )
    ax.set_yticks(y, [str(g) for g in frame.index])
    ax.invert_yaxis()
    ax.set_xlabel(label("人数", "members"))
    ax.set_title(label("权重变化时等次是否稳定", "do grades hold when the weights change?"))
    ax.legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=2, fontsize="small", frameon=False
    )
    return ax


# ---------------------------------------------------------------- stars


def _glyphs(stars: int) -> str:
    """``★★★☆☆`` for three stars.

    Examples
    --------
    >>> _glyphs(3), _glyphs(0)
    ('★★★☆☆', '☆☆☆☆☆')
    """
    return "★" * stars + "☆" * (_STAR_GLYPHS - stars)


def _branch_names(appraisal: Appraisal, units: pd.DataFrame) -> pd.Series:
    return units.set_index("unit_code")["unit_name"].reindex(appraisal.stars.table.index)


def star_table(appraisal: Appraisal, units: pd.DataFrame) -> pd.DataFrame:
    """Every branch by name with its stars (``★★★★☆``), most stars first.

    Returns
    -------
    DataFrame
        ``unit_name, stars, all_round, vetoed, party_score, business_score, members,
        member_index_mean``, sorted by stars, then by the two sub-scores.
    """
    t = appraisal.stars.table.assign(unit_name=_branch_names(appraisal, units))
    t = t.assign(_total=t["party_score"] + t["business_score"]).sort_values(
        ["stars", "_total"], ascending=False, kind="stable"
    )
    t = t.assign(stars=t["stars"].map(_glyphs))
    return t[
        [
            "unit_name",
            "stars",
            "all_round",
            "vetoed",
            "party_score",
            "business_score",
            "members",
            "member_index_mean",
        ]
    ].reset_index(drop=True)


def star_counts(appraisal: Appraisal, units: pd.DataFrame, *, unit: str) -> pd.DataFrame:
    """Branches by star level per unit directly below ``unit`` (the cities of a
    province, the counties of a city); one row for a county or a branch.

    Branches directly under ``unit`` (no unit at the level below) form a row of their own
    named after ``unit`` with ``（直属）``.

    Returns
    -------
    DataFrame
        ``unit, branches``, ``stars_5`` … ``stars_1`` (and ``stars_0`` when a
        branch has none), ``all_round, vetoed``, in the order of the unit codes.
    """
    paths = unit_paths(units)
    level = str(paths.at[unit, "level"])
    t = appraisal.stars.table
    below = {"province": "city", "city": "county"}.get(level)
    name = str(paths.at[unit, "unit_name"])
    if below is None:
        group = pd.Series(unit, index=t.index)
        names = {unit: name}
    else:
        group = paths[below].reindex(t.index).fillna(unit)
        names = {str(k): str(v) for k, v in paths["unit_name"].items()}
        names[unit] = f"{name}（直属）"
    levels = range(5, -1, -1) if (t["stars"] == 0).any() else range(5, 0, -1)
    counts = pd.crosstab(group, t["stars"]).reindex(columns=list(levels), fill_value=0)
    counts.columns = [f"stars_{k}" for k in counts.columns]
    out = counts.assign(
        all_round=t["all_round"].groupby(group).sum(), vetoed=t["vetoed"].groupby(group).sum()
    )
    out.insert(0, "branches", counts.sum(axis=1))
    out.insert(0, "unit", [names.get(c, c) for c in out.index])
    return out.sort_index().reset_index(drop=True)


def _lack(row: Any, language: str) -> str:
    metric = str(row.criterion)
    if metric == "veto":
        return pick(("存在一票否决事项", "a veto item"), language)
    if metric in ("party_score", "business_score"):
        name = (
            ("党建评价得分", "party sub-score")
            if metric == "party_score"
            else ("业务评价得分", "business sub-score")
        )
        return pick(
            (
                f"{name[0]} {row.current:.1f}，距 {row.threshold:g} 差 {row.gap:.1f} 分",
                f"{name[1]} {row.current:.1f}, {row.gap:.1f} short of {row.threshold:g}",
            ),
            language,
        )
    zh, en = METRICS.get(metric, (metric, metric))
    if not math.isfinite(row.current):
        return pick((f"{zh}无数据，无法认定达标", f"{en}: no data, cannot be met"), language)
    return pick(
        (
            f"{zh} {row.current:.3g}，标杆 {row.threshold:g}",
            f"{en} {row.current:.3g}, benchmark {row.threshold:g}",
        ),
        language,
    )


def star_gaps(
    appraisal: Appraisal, units: pd.DataFrame, *, language: str = "zh-en"
) -> pd.DataFrame:
    """What each branch lacks for the next level (差什么), one row per branch.

    Parameters
    ----------
    appraisal : Appraisal
    units : DataFrame
        The ``units`` table, for branch names.
    language : {"zh-en", "zh", "en"}, default "zh-en"
        Words in Chinese (``zh-en``, ``zh``) or English.

    Returns
    -------
    DataFrame
        ``unit_name, stars, target, lacks`` for every branch in ``appraisal.stars.gaps``
        (below five stars, or five stars but not all-round), most stars first; ``lacks``
        joins the unmet criteria with ``；``.
    """
    check_language("star_gaps", language)
    gaps = appraisal.stars.gaps
    stars = appraisal.stars.table["stars"]
    sep = "; " if language == "en" else "；"
    per = (
        gaps.assign(lacks=[_lack(r, language) for r in gaps.itertuples()])
        .groupby("unit_code", sort=False)
        .agg(target=("target", "first"), lacks=("lacks", sep.join))
    )
    now = stars.reindex(per.index).astype(int)
    if language == "en":
        per["target"] = np.where(
            per["target"] == "全能型五星", "all-round", (now + 1).astype(str) + " stars"
        )
    frame = per.assign(
        unit_name=_branch_names(appraisal, units).reindex(per.index),
        stars=now.map(_glyphs),
        _stars=now,
    ).reset_index()
    frame = frame.sort_values(["_stars", "unit_code"], ascending=[False, True], kind="stable")
    return frame[["unit_name", "stars", "target", "lacks"]].reset_index(drop=True)


# ---------------------------------------------------------------- violations, complaints


def _weighting_words(appraisal: Appraisal) -> tuple[str, str]:
    scheme, ahp = appraisal.scheme, appraisal.ahp
    if scheme.weighting == "combined":
        objective = _WEIGHTING_ZH["entropy"]
        zh = (
            f"组合赋权：{scheme.alpha:.0%} 取层次分析法（AHP）主观权重，{1 - scheme.alpha:.0%} "
            f"取{objective[0]}客观权重；客观权重按本单位本季度的数据计算，不同单位、季度略有不同"
        )
        en = (
            f"combined: {scheme.alpha:.0%} subjective AHP weights and {1 - scheme.alpha:.0%} "
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
    zh, en = _METHOD_TEXT[method]
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
    agg_zh, agg_en = _METHOD_TEXT[s.aggregation]
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
