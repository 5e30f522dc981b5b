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
    exam: ExamResult,
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
