"""Quarterly exam analytics (每季一考): scores, pass rate, section mastery, item analysis.

Flow: :func:`score_responses` marks every answer against the item bank;
:func:`analyse_exam` builds the taker × item score matrix of one quarter and computes
participation, the score distribution, the pass rate with a Wilson interval, section
mastery with blind-spot tests, classical item analysis and reliability, plus trends over
earlier quarters. :func:`cronbach_alpha` is the reliability coefficient on its own.

:func:`exam_of_quarter` runs it on a Dataset with the scheme's exam rule. Marking rules:
:mod:`assess.exams.marking`.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from assess.core.checks import check_choice, check_confidence, check_probability, check_quarter
from assess.core.display import ResultDisplay
from assess.core.errors import ParameterError, bilingual
from assess.core.excel import PERCENT, workbook_sheet
from assess.core.formatting import interval, number, p_value, percent, points
from assess.core.glossary import check_language, term
from assess.core.periods import quarter_index
from assess.core.plotting import new_axes
from assess.exams.items import (
    _FLAG_TEXT,
    _distractors,
    _item_table,
    _plot_item_map,
)
from assess.exams.marking import MULTIPLE_RULES, _check_items, _mark, _paper, _totals, _warn_filled
from assess.exams.reliability import Reliability
from assess.exams.sections import (
    ALL,
    _distribution,
    _plot_mastery,
    _scope,
    _section_shares,
    _section_table,
    _unit_summary,
)

__all__ = [
    "PLOT_KINDS",
    "ExamResult",
    "analyse_exam",
    "exam_of_quarter",
]

PLOT_KINDS: tuple[str, ...] = ("histogram", "heatmap", "items")


def _q_text(q: float) -> str:
    """An adjusted p-value in the style of :func:`assess.core.formatting.p_value`."""
    return p_value(q, prefix=True).replace("p", "q", 1)


@dataclass(frozen=True, eq=False)
class ExamResult(ResultDisplay):
    """Quarterly exam analytics of one quarter and scope (see :func:`analyse_exam`).

    Attributes
    ----------
    quarter : str
        The quarter analysed, e.g. ``"2026Q3"``.
    unit_code : str or None
        The unit analysed (its reporting units are its direct subunits); None = everyone.
    scope : str
        Name of that unit.
    pass_mark, confidence : float
        The pass mark on the 100-point scale and the confidence level of every interval.
    overview : DataFrame
        One row per reporting unit, then the whole scope (``unit_code == "ALL"``):
        ``unit_code, unit_name, eligible, takers, participation, score_mean, score_sd,
        score_median, score_min, score_max, n_pass, pass_rate, pass_ci_low, pass_ci_high``
        (Wilson), ``n_missing`` (unanswered items), ``weak_sections`` (blind spots, 、-joined).
    takers : DataFrame
        One row per taker in scope: ``person_id, branch_code, unit_code, points, max_points,
        score, n_items, n_answered, n_missing, passed, eligible``.
    sections : DataFrame
        Section mastery, the whole scope first, then per unit: ``unit_code, unit_name,
        section, n, estimate`` (mean share of the section's points earned), ``ci_low,
        ci_high`` (t interval cut to [0, 1]), ``rest`` (share earned on the other sections),
        ``gap`` (mean of the per-taker difference), ``p_value`` (one-sided paired t test
        that the section is below the rest), ``q_value`` (Benjamini–Hochberg, the
        whole-scope rows and the unit rows as two families), ``significant``,
        ``below_threshold``, ``blind_spot``.
    items : DataFrame
        Item analysis: ``item_id, section, item_type, max_score, n, n_missing, difficulty``
        (mean share of the points), ``r_drop`` (corrected item–total r), ``r_pbis``
        (point-biserial item–total r), ``p_upper, p_lower, d_index`` (27 % groups),
        ``alpha_if_deleted, too_hard, too_easy, low_discrimination, weak, flags``.
    distractors : DataFrame
        Choice items, one row per option: ``item_id, section, item_type, option, is_key,
        share, share_upper, share_lower, nonfunctioning`` (distractor chosen by < 5 %),
        ``reversed`` (a distractor the upper group prefers, or a key the lower group does).
    distribution : DataFrame
        Takers per score band: ``band, lower, upper, n, share``.
    reliability : Reliability
        Cronbach's α (KR-20 on 0/1 items) of the total score with a Feldt interval.
    trend : DataFrame
        The ``overview`` columns (without ``weak_sections``) for this and every earlier
        quarter with takers in scope, with a leading ``quarter`` column.
    section_trend : DataFrame
        Whole-scope section mastery per quarter: ``quarter, section, n, estimate, ci_low,
        ci_high``.
    """

    quarter: str
    unit_code: str | None
    scope: str
    pass_mark: float
    confidence: float
    overview: pd.DataFrame
    takers: pd.DataFrame
    sections: pd.DataFrame
    items: pd.DataFrame
    distractors: pd.DataFrame
    distribution: pd.DataFrame
    reliability: Reliability
    trend: pd.DataFrame
    section_trend: pd.DataFrame

    _title = "每季一考 / Quarterly exam"

    def to_frame(self) -> pd.DataFrame:
        """The per-unit summary with the whole-scope row last (:attr:`overview`)."""
        return self.overview

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by its Chinese sheet name for an Excel workbook, headed by the
        glossary, rates as percentages, with what each sheet holds for the workbook's
        说明 sheet (:func:`assess.core.excel.workbook_sheet`)."""
        q, scope = self.quarter, self.scope
        mastery = dict.fromkeys(("estimate", "ci_low", "ci_high", "rest", "gap"), PERCENT)
        names = dict(zip(self.overview["unit_code"], self.overview["unit_name"], strict=False))
        takers = self.takers.copy()
        takers.insert(
            takers.columns.get_loc("unit_code") + 1, "unit_name", takers["unit_code"].map(names)
        )
        tables = {
            "汇总": (self.overview, f"{q} 每季一考（{scope}）各单位应考、参考、得分与合格率", {}),
            "板块": (
                self.sections,
                f"{q} 各单位各板块掌握程度（得分率）与其余板块的差距及检验",
                mastery,
            ),
            "题目": (self.items, f"{q} 试卷分析：每题难度、区分度、删题后信度与审核标记", {}),
            "选项": (
                self.distractors,
                f"{q} 每题各选项的选择比例（高分组、低分组）与干扰项分析",
                {},
            ),
            "分数段": (self.distribution, f"{q} 分数段分布", {}),
            "信度": (
                self.reliability.to_frame(),
                f"{q} 试卷信度及其置信区间",
                {"confidence": PERCENT},
            ),
            "趋势": (self.trend, "历次考试各单位参考率、平均分与合格率", {}),
            "板块趋势": (self.section_trend, "历次考试各板块掌握程度", mastery),
            "考生": (takers, f"{q} 每名考生的得分与是否合格", {}),
        }
        return {
            name: workbook_sheet(frame, {"n_items": "n_questions"}, description=text, formats=fmt)
            for name, (frame, text, fmt) in tables.items()
        }

    def summary(self) -> str:
        """The findings in Chinese, then in English."""
        total = self.overview[self.overview["unit_code"] == ALL].iloc[0]
        level = percent(self.confidence, 0)
        ci = interval(total["pass_ci_low"], total["pass_ci_high"], percent=True)
        mark = f"{self.pass_mark:g}"
        part_zh = part_en = ""
        if not pd.isna(total["eligible"]):
            eligible, share = number(total["eligible"]), percent(total["participation"])
            part_zh = f"，应考 {eligible} 人，参考率 {share}"
            part_en = f" of {eligible} eligible (participation {share})"
        rel = self.reliability
        rel_name = "KR-20" if rel.method == "KR-20" else "Cronbach α"
        if np.isfinite(rel.estimate):
            rel_ci, rel_value = interval(rel.ci_low, rel.ci_high), number(rel.estimate)
            rel_zh = f"信度 {rel_name} = {rel_value}（{level} 区间 {rel_ci}）。"
            rel_en = f"Reliability {rel_name} = {rel_value} ({level} CI {rel_ci})."
        else:
            rel_zh = "信度无法估计（考生或题目过少，或总分无差异）。"
            rel_en = (
                "Reliability cannot be estimated (too few takers or items, or no spread in totals)."
            )
        takers, n_pass = number(total["takers"]), number(total["n_pass"])
        mean, rate = number(total["score_mean"], 1), percent(total["pass_rate"])
        zh = [
            f"{self.quarter} 每季一考（{self.scope}）：参考 {takers} 人{part_zh}；"
            f"平均 {mean} 分；{mark} 分及以上 {n_pass} 人，"
            f"占 {rate}（{level} 区间 {ci}）。{rel_zh}"
        ]
        en = [
            f"{self.quarter} quarterly exam ({self.scope}): takers {takers}{part_en}; "
            f"mean score {mean}; scoring {mark} or more: "
            f"{n_pass}, {rate} ({level} CI {ci}). {rel_en}"
        ]
        weak = self.sections[(self.sections["unit_code"] == ALL) & self.sections["blind_spot"]]
        weak = weak.sort_values("estimate")
        if len(weak):
            zh_parts, en_parts = [], []
            for row in weak.to_dict("records"):
                q, gap = float(row["q_value"]), float(row["gap"])
                test = "" if np.isnan(q) else f"，{_q_text(q)}"
                zh_parts.append(
                    f"{row['section']}（掌握率 {percent(row['estimate'])}，比其余板块"
                    f"{'低' if gap < 0 else '高'} {points(abs(gap), language='zh')}"
                    f"{test}）"
                )
                test_en = "" if np.isnan(q) else f", {_q_text(q)}"
                en_parts.append(
                    f"{row['section']} (mastery {percent(row['estimate'])}, "
                    f"{points(abs(gap), language='en')} "
                    f"{'below' if gap < 0 else 'above'} the other sections"
                    f"{test_en})"
                )
            zh.append("薄弱板块：" + "；".join(zh_parts) + "。")
            en.append("Weak sections: " + "; ".join(en_parts) + ".")
        else:
            zh.append("未发现薄弱板块。")
            en.append("No weak section found.")
        unit_spots = self.sections[
            (self.sections["unit_code"] != ALL) & self.sections["blind_spot"]
        ]
        if len(unit_spots):
            m, c = unit_spots["unit_code"].nunique(), len(unit_spots)
            zh.append(f"下属单位中 {m} 个单位共 {c} 处板块薄弱（多重比较已控制错误发现率）。")
            en.append(
                f"Weak unit × section cells among the subunits (false discovery rate "
                f"controlled): {c}, in {m} units."
            )
        items = self.items
        weak_items = items[items["weak"]]
        if len(weak_items):
            ids = "、".join(weak_items["item_id"].head(8))
            more = " 等" if len(weak_items) > 8 else ""
            counts = [int(items[f].sum()) for f in _FLAG_TEXT]
            zh.append(
                f"{len(weak_items)} 道题需审核（过难 {counts[0]}、过易 {counts[1]}、"
                f"区分度低 {counts[2]}）：{ids}{more}。"
            )
            en.append(
                f"Items to review: {len(weak_items)} (too hard {counts[0]}, too easy "
                f"{counts[1]}, low discrimination {counts[2]}): "
                f"{', '.join(weak_items['item_id'].head(8))}{' …' if more else ''}."
            )
        return "".join(zh) + "\n\n" + " ".join(en)

    def plot(
        self,
        ax: Axes | None = None,
        *,
        kind: Literal["histogram", "heatmap", "items"] = "histogram",
        language: str = "zh",
    ) -> Axes:
        """Draw the score histogram, the units × sections mastery heat map or the item map.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; a new figure when omitted.
        kind : {"histogram", "heatmap", "items"}, default "histogram"
            ``"histogram"``: takers' scores with the pass mark; ``"heatmap"``: mastery per
            unit and section, blind spots starred; ``"items"``: difficulty against r.drop
            with the weak-item limits, weak items labelled.
        language : {"zh", "en", "zh-en"}, default "zh"
            Language of the titles and labels (:func:`assess.core.glossary.term`).

        Returns
        -------
        matplotlib Axes
        """
        check_choice("ExamResult.plot", "kind", kind, PLOT_KINDS)
        check_language("ExamResult.plot", language)
        if kind == "histogram":
            return self._plot_histogram(ax, language)
        if kind == "heatmap":
            return _plot_mastery(self.sections, self.quarter, ax, language)
        return _plot_item_map(self.items, self.quarter, ax, language)

    def _plot_histogram(self, ax: Axes | None, language: str) -> Axes:
        ax = new_axes(ax)
        ax.hist(
            self.takers["score"], bins=list(range(0, 105, 5)), color="#4C72B0", edgecolor="white"
        )
        ax.axvline(
            self.pass_mark,
            color="#C44E52",
            linestyle="--",
            label=f"{term('pass_mark', language)} {self.pass_mark:g}",
        )
        ax.set_xlabel(term("score", language))
        ax.set_ylabel(term("takers_axis", language))
        ax.set_title(f"{self.quarter} {term('score_distribution', language)}")
        ax.legend()
        return ax


def _check_pass_mark(func: str, value: float) -> float:
    if (
        not isinstance(value, float | int)
        or isinstance(value, bool)
        or not (0.0 <= float(value) <= 100.0)
    ):
        raise ParameterError(
            func,
            "pass_mark",
            "a number between 0 and 100",
            value,
            zh=f"{func}：参数 'pass_mark' 应为 0 到 100 之间的数，实际为 {value!r}",
        )
    return float(value)


def analyse_exam(
    items: pd.DataFrame,
    responses: pd.DataFrame,
    *,
    quarter: str,
    staff: pd.DataFrame | None = None,
    units: pd.DataFrame | None = None,
    unit: str | None = None,
    eligible: Iterable[str] | None = None,
    pass_mark: float = 80,
    confidence: float = 0.95,
    mastery_threshold: float = 0.6,
    min_gap: float = 0.05,
    multiple_rule: Literal["all_or_nothing", "half_for_subset"] = "all_or_nothing",
) -> ExamResult:
    """Analyse one quarter's exam: participation, pass rate, section blind spots, items.

    Parameters
    ----------
    items : DataFrame
        The item bank (``exam_items``): ``item_id, section, item_type, key, max_score``.
    responses : DataFrame
        The answers (``exam_responses``): ``person_id, quarter, item_id, response, score``;
        every quarter up to ``quarter`` feeds the trend.
    quarter : str
        The quarter to analyse, e.g. ``"2026Q3"`` or ``"2026年第3季度"``.
    staff : DataFrame, optional
        The ``staff`` table (``person_id, unit_code``; optional ``is_party_member, joined,
        left``). Gives each taker's unit and who was eligible. Without it there are no
        per-unit rows and no participation.
    units : DataFrame, optional
        The ``units`` tree (``unit_code, unit_name, parent_code``); needs ``staff``. Takers
        are reported by the direct subunits of ``unit`` (of the root when ``unit`` is None).
        Without it, by the branch of ``staff``.
    unit : str, optional
        Restrict to this unit and everything under it.
    eligible : iterable of str, optional
        Person ids expected to sit the exam (e.g. the staff in party-affairs posts); needs
        ``staff``. Default: the party members. Either way only those on the books in the
        quarter's last month, when the exam is sat, count as eligible.
    pass_mark : float, default 80
        Pass mark on the 100-point scale; a taker passes with ``score >= pass_mark``.
    confidence : float, default 0.95
        Confidence level of every interval; 1 − confidence is the FDR level.
    mastery_threshold : float, default 0.6
        A section whose mean share of points earned is below this is a blind spot.
    min_gap : float, default 0.05
        A section significantly below the other sections is a blind spot when the mean gap
        is at least this many (0–1) points, so that trivially small but significant gaps
        in large units are not flagged.
    multiple_rule : {"all_or_nothing", "half_for_subset"}, default "all_or_nothing"
        Credit for multiple-answer items (see :mod:`assess.exams.marking`).

    Returns
    -------
    ExamResult
        Tables ``overview, takers, sections, items, distractors, distribution, trend,
        section_trend`` and ``reliability``; ``summary()``, ``plot()``, ``tables()``.

    Raises
    ------
    ParameterError
        Bad options, malformed tables (see :func:`score_responses`), an unknown ``unit``,
        or no takers for ``quarter`` in scope.

    Warns
    -----
    UserWarning
        Absent taker × item rows scored 0; takers missing from ``staff`` (counted in the
        total only, or left out when ``unit`` is given).

    Notes
    -----
    *Scores.* Each taker's score is 100 × points / points possible on the quarter's form;
    unanswered items score 0.

    *Pass rate.* ``n_pass / takers`` with the Wilson score interval (Wilson 1927; statsmodels
    ``proportion_confint(method="wilson")``). Participation = eligible takers / eligible.

    *Blind spots.* For each taker, section share s = section points / section maximum, and
    r = the same share over all other sections. A section is tested with a one-sided paired
    t test of mean(s − r) < 0 (taker-level differences, so items answered by the same person
    are not treated as independent); p-values are adjusted by Benjamini–Hochberg, the
    whole-scope sections and the unit × section cells as two families. A blind spot is
    ``q < 1 − confidence`` with ``gap <= −min_gap``, or ``estimate < mastery_threshold``.

    *Items.* Difficulty p = mean share of the item's points. r.drop = Pearson r of the item
    with the total of the other items (R ``psych::alpha`` ``r.drop``); r_pbis = the
    point-biserial r with the total (Pearson r of the item with the total, all items at once;
    tested equal to ``scipy.stats.pointbiserialr``). D = p(upper) −
    p(lower) in the upper and lower 27 % by total score, each of round(0.27·n) takers.
    **Ties at the cut:** takers are ordered by total, then by an 8-byte BLAKE2b hash of
    ``person_id``; the hash is stable across runs and input order and unrelated to how ids
    are issued. α if item deleted is α of the covariance matrix without that item. Weak
    items: p < 0.30, p > 0.95 or r.drop < 0.20. Distractors: share of each option in all,
    upper and lower groups (Haladyna & Downing 1993 for the 5 % rule).

    Examples
    --------
    >>> items = pd.DataFrame({"item_id": ["q1", "q2", "q3"], "section": ["党史", "党章", "党规"],
    ...                       "item_type": ["single", "multiple", "judge"],
    ...                       "key": ["A", "BD", "对"], "max_score": [40.0, 40.0, 20.0]})
    >>> answers = {"p1": "A BD 对", "p2": "A B 对", "p3": "C BD 错", "p4": "A BD 错"}
    >>> responses = pd.DataFrame([
    ...     {"person_id": p, "quarter": "2026Q3", "item_id": i, "response": r}
    ...     for p, text in answers.items() for i, r in zip(["q1", "q2", "q3"], text.split())])
    >>> result = analyse_exam(items, responses, quarter="2026Q3")
    >>> result.takers["score"].tolist()
    [100.0, 60.0, 40.0, 80.0]
    >>> result.overview[["takers", "n_pass"]].to_numpy().tolist()
    [[4, 2]]
    """
    func = "analyse_exam"
    current = check_quarter(func, quarter)
    pass_mark = _check_pass_mark(func, pass_mark)
    check_confidence(func, confidence)
    mastery_threshold = check_probability(func, "mastery_threshold", mastery_threshold)
    min_gap = check_probability(func, "min_gap", min_gap)
    check_choice(func, "multiple_rule", multiple_rule, MULTIPLE_RULES)
    bank = _check_items(func, items)
    scope = _scope(func, staff, units, unit)
    expected = None
    if eligible is not None:
        if scope.staff is None:
            raise ParameterError(
                func,
                "staff",
                "the staff table when eligible is given",
                None,
                zh=f"{func}：给定 eligible 时必须同时给定人员表 staff",
            )
        expected = pd.Index(
            [eligible] if isinstance(eligible, str) else list(eligible), dtype=object
        ).astype(str)
    marks = _mark(func, bank, responses, multiple_rule)
    quarters = sorted(
        (q for q in marks.quarters if quarter_index(q) <= quarter_index(current)), key=quarter_index
    )
    if current not in quarters:
        raise ParameterError(
            func, "quarter", "a quarter with responses", current, zh=f"{func}：{current} 没有答卷"
        )

    trend, section_trend, filled, unknown = [], [], 0, set()
    for q in quarters:
        paper = _paper(marks, q, bank)
        filled += paper.filled
        persons = paper.points.index
        if scope.staff is not None:
            unknown |= set(persons[~persons.isin(scope.known)])
        paper = paper.subset(scope.in_scope(persons))
        if paper.points.empty:
            continue
        totals = _totals(paper)
        group = scope.group_of(totals.index)
        sitting = scope.eligible(q, expected)
        summary = _unit_summary(totals, group, sitting, scope, pass_mark, confidence)
        trend.append(summary.assign(quarter=q))
        share, rest = _section_shares(paper)
        overall = _section_table(
            share,
            rest,
            pd.Series(np.nan, index=totals.index, dtype=object),
            scope,
            confidence,
            mastery_threshold,
            min_gap,
        )
        section_trend.append(overall.assign(quarter=q))
        if q == current:
            now = (paper, totals, group, sitting, summary, share, rest)
    _warn_filled(filled)
    if unknown:
        action = (
            ("已仅计入合计", "counted in the total only")
            if scope.whole
            else ("未纳入分析", "left out")
        )
        warnings.warn(
            bilingual(
                f"{len(unknown)} 名考生不在人员表中，{action[0]}",
                f"{len(unknown)} takers are not in the staff table and were {action[1]}",
            ),
            UserWarning,
            stacklevel=2,
        )
    if not trend or trend[-1]["quarter"].iat[0] != current:
        raise ParameterError(
            func,
            "unit",
            f"a unit with takers in {current}",
            unit,
            zh=f"{func}：单位 {unit} 在 {current} 没有考生",
        )
    paper, totals, group, sitting, overview, share, rest = now
    sections = _section_table(share, rest, group, scope, confidence, mastery_threshold, min_gap)
    item_table, reliability = _item_table(paper, confidence)
    weak = (
        sections[sections["blind_spot"]]
        .groupby("unit_code", sort=False)["section"]
        .agg("、".join)
        .to_dict()
    )
    overview = overview.assign(weak_sections=[weak.get(c, "") for c in overview["unit_code"]])
    takers = (
        totals.assign(
            branch_code=(
                scope.staff["branch"].reindex(totals.index) if scope.staff is not None else np.nan
            ),
            unit_code=group,
            passed=totals["score"] >= pass_mark,
            eligible=(totals.index.isin(sitting.index) if sitting is not None else np.nan),
        )
        .rename_axis("person_id")
        .reset_index()
    )
    trend_cols = ["quarter", *[c for c in trend[0].columns if c != "quarter"]]
    st = pd.concat(section_trend, ignore_index=True)
    return ExamResult(
        quarter=current,
        unit_code=scope.code,
        scope=scope.name,
        pass_mark=pass_mark,
        confidence=float(confidence),
        overview=overview,
        takers=takers[
            [
                "person_id",
                "branch_code",
                "unit_code",
                "points",
                "max_points",
                "score",
                "n_items",
                "n_answered",
                "n_missing",
                "passed",
                "eligible",
            ]
        ],
        sections=sections,
        items=item_table,
        distractors=_distractors(paper),
        distribution=_distribution(totals["score"]),
        reliability=reliability,
        trend=pd.concat(trend, ignore_index=True)[trend_cols],
        section_trend=st[["quarter", "section", "n", "estimate", "ci_low", "ci_high"]],
    )


def exam_of_quarter(
    data: Any, *, quarter: str, unit: str | None = None, scheme: Any = None
) -> ExamResult:
    """:func:`analyse_exam` on a :class:`~assess.core.dataset.Dataset` with the scheme's exam rule.

    Those who must sit the exam are the staff in the scheme's ``[exam] eligible_posts``
    (every party member when the list is empty); the pass mark is the scheme's.
    """
    from assess.core.scheme import load_scheme

    rule = (scheme or load_scheme()).exam
    staff = data.staff
    eligible = None
    if rule.eligible_posts:
        eligible = staff.loc[staff["post"].isin(rule.eligible_posts), "person_id"]
    return analyse_exam(
        data.exam_items,
        data.exam_responses,
        quarter=quarter,
        staff=staff,
        units=data.units,
        unit=unit,
        eligible=eligible,
        pass_mark=rule.pass_mark,
    )
