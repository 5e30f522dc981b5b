"""Sections of the quarterly appraisal report (季度考评报告), as a party secretary reads
them: the table layout every section shares, key figures, members and grades.

The ``quarterly_appraisal`` template computes with the library and shows what the section
modules return: frames shown by :func:`section_table` (bilingual headings from
:data:`LABELS`), short bilingual prose for ``ar.prose`` and charts. The numbers are the
library's — selected, labelled and formatted here, never recomputed another way:

* key figures with 同比/环比 (:func:`key_figures`, :func:`key_figure_table`), written
  as official statistics write them (:mod:`assess.appraisal.change`);
* the highest and lowest members (:func:`top_members`, :func:`bottom_members`), the
  watch list (:func:`watch_table`) and grades against their quotas
  (:func:`grade_quotas`, :func:`grade_quota_text`).

Rank robustness is in :mod:`assess.report.robustness_sections`, stars and gaps in
:mod:`assess.report.stars_sections`, the method annex in
:mod:`assess.report.method_sections`; violations and complaints in
:mod:`assess.report.event_sections`; projects, problems and duties in
:mod:`assess.report.tracking_sections`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from assess.appraisal.change import compare_periods, format_changes
from assess.appraisal.ledger import members_in_quarter
from assess.appraisal.scoring import Appraisal
from assess.appraisal.watchlist import watch_list
from assess.core.dataset import Dataset
from assess.core.errors import ParameterError
from assess.core.formatting import MISSING, number, percent
from assess.core.glossary import term
from assess.core.periods import shift_quarter
from assess.core.units import units_under
from assess.effect.events import EventReview
from assess.exams import ExamResult
from assess.report.content import cell_float, check_language, pick, prose, table, words

__all__ = [
    "COLUMN_TERMS",
    "LABELS",
    "PERCENT",
    "FIGURES",
    "section_table",
    "key_figures",
    "key_figure_table",
    "top_members",
    "bottom_members",
    "watch_table",
    "grade_quotas",
    "grade_quota_text",
    "unit_exam",
    "exam_text",
    "exam_pass_rate",
]

#: Glossary key (:data:`assess.core.glossary.TERMS`) of each column of the frames of every
#: section module whose key is not its name; :func:`section_table` heads the others by
#: the term of their own name.
COLUMN_TERMS: dict[str, str] = {
    "current": "this_quarter",
    "qoq_base": "last_quarter",
    "yoy_base": "same_quarter_last_year",
    "index": "pioneer_index",
    "index_yoy": "yoy",
    "index_qoq": "qoq",
    "reason_zh": "reason",
    "count": "n",
    "cap": "cap_total",
    "min": "min_total",
    "unit_name": "branch",
    "target": "next_level",
    "count_now": "this_quarter",
    "count_last_year": "same_quarter_last_year",
    "indicator": "indicator_name",
}

#: Headings of the columns of the frames of every section module (Chinese, then English).
LABELS: dict[str, str] = {
    column: term(COLUMN_TERMS.get(column, column), "zh-en")
    for column in (
        *COLUMN_TERMS,
        *("figure", "qoq", "yoy", "rank_overall", "person_id", "name", "branch_name"),
        *("deductions", "vetoes", "grade", "n_events", "events", "share", "max_share"),
        *("breaches", "tied_at_cap", "base_grade", "members", "stable", "unstable"),
        *("stable_share", "band_median", "band_max", "branches", "stars", "all_round"),
        *("vetoed", "party_score", "business_score", "member_index_mean", "lacks"),
        *("outcome", "naive_change", "rate_now", "rate_last_year", "rate_ratio", "interval"),
        *("p_value", "evidence", "member_events", "member_rate", "non_member_events"),
        *("non_member_rate", "kind", "total", "red", "yellow", "green", "done_rate"),
        *("green_means", "unit", "item", "due_date", "days_overdue", "indicator_en"),
        *("item_cap", "quarter_cap", "subjective", "objective", "weight"),
        *(f"stars_{k}" for k in range(6)),
    )
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


def section_table(
    frame: pd.DataFrame,
    *,
    caption: str | tuple[str, str] | None = None,
    max_rows: int = 30,
    empty: str | tuple[str, str] = "empty_none_this_quarter",
) -> Any:
    """A frame of this module as a report table: headings from :data:`LABELS`, the
    :data:`PERCENT` columns as percentages (see :func:`assess.report.content.table`);
    the ``empty`` sentence instead of a table without rows. ``caption`` and ``empty``
    are glossary keys, or (Chinese, English) pairs.

    Examples
    --------
    >>> page = section_table(pd.DataFrame({"grade": ["优秀"], "share": [0.2]}))._repr_html_()
    >>> "等次 Grade" in page, "20.0%" in page
    (True, True)
    >>> section_table(pd.DataFrame({"grade": []}))._repr_html_()
    '<div class="prose-out"><p>本季度无。</p><p>None this quarter.</p></div>'
    """
    if frame.empty:
        zh, en = words(empty)
        return prose(f"{zh}\n\n{en}")
    return table(
        frame,
        caption=caption,
        terms=COLUMN_TERMS,
        percent=[c for c in frame.columns if c in PERCENT],
        max_rows=max_rows,
    )


# ---------------------------------------------------------------- key figures


def _figure_rows(
    data: Dataset,
    appraisal: Appraisal,
    exam: ExamResult | None,
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
    exam_all = (
        pd.DataFrame(columns=["quarter", "pass_rate"])
        if exam is None
        else exam.trend.loc[exam.trend["unit_code"] == "ALL"]
    )
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
    staff = data.staff.loc[data.staff["unit_code"].isin(units_under(data.units, unit))]
    for base in sorted(covered & set(bases)):
        listed = watch_list(
            data.events, members_in_quarter(staff, base), appraisal.scheme.watch, quarter=base
        )
        rows.append(("watch_list", base, float(len(listed))))
    return rows


def key_figures(
    data: Dataset,
    appraisal: Appraisal,
    exam: ExamResult | None,
    events: Sequence[EventReview],
    *,
    unit: str,
) -> pd.DataFrame:
    """同比 and 环比 of the report's headline figures (:data:`FIGURES`).

    Parameters
    ----------
    data : Dataset
        The inputs with history (for the watch lists of earlier quarters).
    appraisal : Appraisal
        The quarter's published appraisal taken for ``unit``
        (:func:`assess.report.published.published_appraisal`).
    exam : ExamResult or None
        :func:`assess.exams.analysis.analyse_exam` for the same quarter and unit;
        ``None`` (:func:`unit_exam`) when nobody sat it: no pass-rate rows.
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
        _figure_rows(data, appraisal, exam, events, unit),
        columns=["figure", "quarter", "value"],
    )
    is_rate = long["figure"] == "exam_pass_rate"
    parts = [
        compare_periods(
            part, value_col="value", by="figure", kind="both", at=appraisal.quarter, is_rate=rate
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
        return MISSING
    if figure == "exam_pass_rate":
        return percent(value)
    return number(value, 1 if figure == "index_mean" else 0)


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
    # A change reads the same in Chinese and in the bilingual table ("↑12.3%", "新增").
    shown = figures.assign(
        change=format_changes(figures, language="en" if language == "en" else "zh")
    )
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
    return "不限" if share is None else percent(float(share), 0)


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


def _group_words(appraisal: Appraisal) -> tuple[str, str]:
    return ("支部", "branch") if appraisal.grades.groups is not None else ("全体参评党员", "pool")


def grade_quota_text(appraisal: Appraisal, units: pd.DataFrame) -> str:
    """How the quotas are counted and whether every group meets them, naming the groups
    that do not (Chinese, then English).

    Quotas are counted per group (per branch under the default scheme): the cap of each
    branch is its share of the branch's members rounded to a whole person, so the shares
    summed over many branches may exceed the scheme's share while every branch keeps its
    cap; the text says so when it happens.
    """
    grades = appraisal.grades
    comp = grades.compliance
    bad = comp.loc[~comp["ok"]]
    names = units.set_index("unit_code")["unit_name"]
    per_branch = grades.groups is not None
    n = 1 if grades.groups is None else len(comp.drop_duplicates(list(grades.groups.columns)))
    rounding_zh, rounding_en = (term(f"rounding_{grades.rounding}", x) for x in ("zh", "en"))
    tie_zh, tie_en = (term(f"tie_{grades.tie_policy}", x) for x in ("zh", "en"))
    with_min = any(q.min_share > 0 for q in grades.quotas)
    if per_branch:
        zh = (
            "名额按支部分别计算：每个支部各等次的上限 = 方案比例 × 本支部参评人数"
            + ("，下限同样计算" if with_min else "")
            + f"（{rounding_zh}，以十进制精确计算；{tie_zh}）。"
        )
        en = (
            "Quotas are counted branch by branch: each branch's cap of a grade = the "
            "scheme's share × the branch's members"
            + (", and likewise its minimum" if with_min else "")
            + f" ({rounding_en}, in exact decimal arithmetic; {tie_en})."
        )
    else:
        zh = (
            "名额按全体参评党员统一计算：各等次上限 = 方案比例 × 参评人数"
            + ("，下限同样计算" if with_min else "")
            + f"（{rounding_zh}，以十进制精确计算；{tie_zh}）。"
        )
        en = (
            "Quotas are counted over all members appraised: cap = the scheme's share × "
            "members"
            + (", and likewise the minimum" if with_min else "")
            + f" ({rounding_en}, in exact decimal arithmetic; {tie_en})."
        )
    # Shares summed over the groups above the scheme's share, though each group keeps
    # its cap: rounding a share of a small branch up to a whole person.
    table = grade_quotas(appraisal).set_index("grade")
    over = [
        (str(q.name), float(table.at[q.name, "share"]), float(q.max_share))
        for q in grades.quotas
        if q.max_share is not None
        and q.name in table.index
        and np.isfinite(table.at[q.name, "share"])
        and table.at[q.name, "share"] > float(q.max_share)
    ]
    if per_branch and over:
        g, share, cap = over[0]
        # The smallest branch whose rounded cap is above the share, as the example.
        size = next((k for k in range(1, 101) if _rounded(cap * k, grades.rounding) > cap * k), 0)
        places = _rounded(cap * size, grades.rounding)
        example_zh = example_en = ""
        if size:
            example_zh = (
                f"（如 {size} 人的支部上限为 {percent(cap, 0)} × {size} = {cap * size:g}，"
                f"取整为 {places} 人，即 {percent(places / size)}）"
            )
            example_en = (
                f" (a branch of {size} gets {percent(cap, 0)} × {size} = {cap * size:g}, "
                f"rounded to {places}, i.e. {percent(places / size)})"
            )
        zh += (
            f"合计后{g}占 {percent(share)}，高于方案的 {percent(cap, 0)}：这是逐个支部"
            f"把名额取整到整人的结果{example_zh}，不是超额。"
        )
        en += (
            f" Summed over branches, {_grade_en(appraisal, g)} is {percent(share)}, above "
            f"the scheme's {percent(cap, 0)}: each branch's cap is rounded to whole "
            f"people{example_en}, not an excess."
        )
    where_zh, where_en = _group_words(appraisal)
    if bad.empty:
        if per_branch:
            zh += f"全部 {n:,} 个{where_zh}的等次人数均在本支部的名额之内。"
            en += f" Each of the {n:,} branches keeps within its own quotas."
        else:
            zh += "等次人数在名额之内。"
            en += " The grade counts keep within the quotas."
        return f"{zh}\n\n{en}"
    where = bad["unit_code"].map(names) if "unit_code" in bad else bad["group"]
    items = list(zip(where, bad["grade"], bad["count"], bad["cap"], bad["min"], strict=True))

    def cap_text(cap: Any, none: str) -> str:
        return none if pd.isna(cap) else str(int(cap))

    zh += (
        f"{len(bad):,} 项未达要求："
        + "；".join(
            f"{w} {g} {c} 人（上限 {cap_text(cap, '不限')}"
            + (f"，下限 {m}" if with_min else "")
            + "）"
            for w, g, c, cap, m in items[:5]
        )
        + "。"
    )
    en += (
        f" {len(bad):,} quotas not met: "
        + "; ".join(
            f"{w} {g} {c} (cap {cap_text(cap, 'none')}"
            + (f", minimum {m}" if with_min else "")
            + ")"
            for w, g, c, cap, m in items[:5]
        )
        + "."
    )
    return f"{zh}\n\n{en}"


def _rounded(value: float, rounding: str) -> int:
    exact = Decimal(repr(value))
    if rounding == "floor":
        return int(exact.to_integral_value(rounding="ROUND_FLOOR"))
    if rounding == "ceil":
        return int(exact.to_integral_value(rounding="ROUND_CEILING"))
    return int(exact.to_integral_value(rounding="ROUND_HALF_UP"))


def _grade_en(appraisal: Appraisal, name: str) -> str:
    return next((g.en for g in appraisal.scheme.grades if g.name == name), name) or name


# ---------------------------------------------------------------- the exam


def unit_exam(data: Dataset, *, quarter: str, unit: str, scheme: Any = None) -> ExamResult | None:
    """:func:`assess.exams.exam_of_quarter` of ``unit``, or ``None`` when nobody under the
    unit sat the exam in ``quarter`` (most branches: only some posts sit it), so that the
    report says so instead of failing."""
    from assess.exams import exam_of_quarter

    staff = data.staff.loc[data.staff["unit_code"].isin(units_under(data.units, unit))]
    responses = data.exam_responses
    sat = responses.loc[responses["quarter"] == quarter, "person_id"]
    if not sat.isin(staff["person_id"]).any():
        return None
    return exam_of_quarter(data, quarter=quarter, unit=unit, scheme=scheme)


def exam_text(exam: ExamResult | None, info: Any) -> str:
    """The exam's summary, or the sentence that nobody of the unit sat it (Chinese, then
    English); ``info`` is the report's :class:`assess.report.content.UnitInfo`."""
    if exam is not None:
        return exam.summary()
    level = "支部" if info.level == "branch" else info.level_zh
    return (
        f"本{level}本季度无人参加每季一考。\n\n"
        f"Nobody of this {info.level} sat the quarterly exam this quarter."
    )


def exam_pass_rate(exam: ExamResult | None) -> float:
    """The pass rate of everybody who sat (the last row of ``exam.overview``); NaN without
    takers."""
    if exam is None:
        return math.nan
    return float(exam.overview.iloc[-1]["pass_rate"])
