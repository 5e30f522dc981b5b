"""Forced-distribution grades: exact quota counts, ties at a cap, vetoes, compliance."""

from __future__ import annotations

import math
from decimal import Decimal
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.axes import Axes

from assess.appraisal.grading import (
    POOLED,
    Quota,
    assign_grades,
    parse_quotas,
    quota_count,
)
from assess.core.errors import ParameterError

THREE = {"优秀": "15%", "良好": "35%", "合格": None}


def members(scores, prefix="m"):
    return pd.Series(
        [float(s) for s in scores], index=[f"{prefix}{i:03d}" for i in range(len(scores))]
    )


# --- exact quota counts ---------------------------------------------------------------


def test_half_up_of_four_and_a_half_is_five():
    # 0.15 × 30 = 4.5: half-up gives 5 (Python's round(4.5) would give 4).
    assert quota_count("0.15", 30) == 5
    assert round(4.5) == 4
    assert quota_count("0.15", 30, rounding="floor") == 4
    assert quota_count("0.15", 30, rounding="ceil") == 5


def test_seven_percent_of_one_hundred_is_seven_not_eight():
    # In binary floating point 0.07 × 100 = 7.000000000000001, whose ceiling is 8.
    assert math.ceil(0.07 * 100) == 8
    assert quota_count("0.07", 100, rounding="ceil") == 7
    assert quota_count(0.07, 100, rounding="ceil") == 7
    assert quota_count("7%", 100, rounding="ceil") == 7
    assert quota_count(Decimal("0.07"), 100, rounding="half-up") == 7


def test_floor_rule_for_not_more_than():
    # "不超过 20%" of 23 members: 4.6 → at most 4, never 5.
    assert quota_count("20%", 23, rounding="floor") == 4
    assert quota_count("20%", 23, rounding="half-up") == 5


def test_grades_use_the_exact_counts():
    res = assign_grades(members(range(30)), quotas=THREE)
    comp = res.compliance.set_index("grade")
    assert comp.loc["优秀", "cap"] == 5 and comp.loc["优秀", "count"] == 5
    # 0.35 × 30 = 10.5 → 11.
    assert comp.loc["良好", "cap"] == 11 and comp.loc["良好", "count"] == 11
    assert comp.loc["合格", "count"] == 14
    assert res.grades[res.scores >= 25].eq("优秀").all()
    floor = assign_grades(members(range(30)), quotas=THREE, rounding="floor")
    assert floor.compliance.set_index("grade").loc["优秀", "count"] == 4

    seven = assign_grades(
        members(range(100)), quotas={"优秀": "0.07", "合格": None}, rounding="ceil"
    )
    assert (seven.grades == "优秀").sum() == 7


# --- ties at a boundary ---------------------------------------------------------------


def tied_at_cap():
    # 30 members, cap of 优秀 = 5 (0.15 × 30 half-up); places 5 and 6 share 80 points.
    return members([99, 95, 90, 85, 80, 80] + list(range(50, 74)))


def test_strict_sends_the_whole_tied_block_down():
    res = assign_grades(tied_at_cap(), quotas=THREE)
    assert (res.grades == "优秀").sum() == 4
    assert res.grades["m004"] == res.grades["m005"] == "良好"
    comp = res.compliance.set_index("grade")
    assert comp.loc["优秀", "tied_at_cap"] == 2
    assert res.ok
    assert "2 名同分人员跨越上限，整体降入下一等次" in res.summary()


def test_favour_keeps_the_tied_block_up_and_flags_the_cap():
    res = assign_grades(tied_at_cap(), quotas=THREE, tie_policy="favour")
    assert (res.grades == "优秀").sum() == 6
    comp = res.compliance.set_index("grade")
    assert not comp.loc["优秀", "ok"]
    assert not res.ok
    assert "1 项不符合：全部 优秀 6 人（上限 5，下限 0）" in res.summary()


def test_tie_break_key_decides_instead():
    exam = pd.Series(0.0, index=tied_at_cap().index)
    exam["m005"] = 90.0
    res = assign_grades(tied_at_cap(), quotas=THREE, tie_break=[exam])
    assert (res.grades == "优秀").sum() == 5
    assert res.grades["m005"] == "优秀" and res.grades["m004"] == "良好"


def test_all_tied_gives_everybody_the_bottom_grade():
    res = assign_grades(members([80] * 10), quotas=THREE)
    assert (res.grades == "合格").all()


# --- vetoes ---------------------------------------------------------------------------


def test_vetoed_top_scorer_yields_the_place_to_the_next():
    s = members(range(100, 80, -1))  # 20 members, 优秀 cap 3
    vetoed = pd.Series(False, index=s.index)
    vetoed["m000"] = True
    res = assign_grades(s, quotas=THREE, vetoed=vetoed)
    assert res.grades["m000"] == "良好"
    assert res.grades[["m001", "m002", "m003"]].eq("优秀").all()
    # The vetoed member still counts in the group size and takes a place in 良好.
    assert res.compliance["n"].iloc[0] == 20


@pytest.mark.parametrize(
    ("effect", "expected"), [("cap:合格", "合格"), ("exclude-top", "良好"), ("zero", "合格")]
)
def test_declared_veto_effects(effect, expected):
    s = members(range(100, 80, -1))
    vetoed = pd.Series(s.index == "m000", index=s.index)
    res = assign_grades(s, quotas=THREE, vetoed=vetoed, veto_effect=effect)
    assert res.grades["m000"] == expected
    if effect == "zero":
        assert res.scores["m000"] == 0.0


def test_per_member_veto_effects():
    s = members(range(100, 80, -1))
    vetoed = pd.Series(s.index.isin(["m000", "m001"]), index=s.index)
    effects = pd.Series(None, index=s.index, dtype=object)
    effects[["m000", "m001"]] = ["cap:合格", "exclude-top"]
    res = assign_grades(s, quotas=THREE, vetoed=vetoed, veto_effect=effects)
    assert res.grades[["m000", "m001"]].tolist() == ["合格", "良好"]
    assert res.veto_effect == "per member"


# --- minimums, groups -----------------------------------------------------------------


def test_minimum_share_of_the_bottom_grade_is_forced():
    quotas = {"优秀": "20%", "合格": None, "基本合格": {"min": "5%"}}
    res = assign_grades(members(range(40)), quotas=quotas)
    assert res.grades[["m000", "m001"]].eq("基本合格").all()
    assert (res.grades == "基本合格").sum() == 2
    assert res.ok


def test_unmeetable_minimum_is_reported_not_hidden():
    # Everybody tied: 基本合格 must have ≥ 1 but the tie cannot be split.
    quotas = {"优秀": "20%", "合格": None, "基本合格": {"min": "10%"}}
    res = assign_grades(members([70] * 10), quotas=quotas)
    assert (res.grades == "基本合格").sum() == 10
    assert res.ok  # all ten tied members went to the bottom grade: minimum met

    quotas = {"优秀": {"max": "50%", "min": "20%"}, "合格": None}
    res = assign_grades(members([70, 70, 70, 60]), quotas=quotas)
    comp = res.compliance.set_index("grade")
    assert comp.loc["优秀", "count"] == 0 and not comp.loc["优秀", "ok"]


def test_per_branch_and_pooled_caps_differ_by_rounding():
    s = members(range(90))
    branch = pd.Series(np.repeat(["0101", "0102", "0103"], 30), index=s.index, name="unit_code")
    per_branch = assign_grades(s, quotas=THREE, groups=branch)
    pooled = assign_grades(s, quotas=THREE)
    # 3 × half-up(0.15 × 30 = 4.5) = 15, but pooled half-up(0.15 × 90 = 13.5) = 14.
    assert (per_branch.grades == "优秀").sum() == 15
    assert (pooled.grades == "优秀").sum() == 14
    comp = per_branch.compliance
    assert list(comp.columns[:2]) == ["unit_code", "grade"]
    assert comp.loc[comp["grade"] == "优秀", "count"].tolist() == [5, 5, 5]
    assert pooled.compliance["group"].eq(POOLED).all()
    # Per branch, the best five of each branch: the third branch's top is 85..89.
    assert per_branch.grades[s.between(85, 89)].eq("优秀").all()
    assert per_branch.grades["m025"] == "优秀"


def test_missing_scores_are_not_graded_and_not_counted():
    s = members(list(range(20)) + [np.nan] * 5)
    res = assign_grades(s, quotas=THREE)
    assert res.grades.isna().sum() == 5
    assert res.compliance["n"].iloc[0] == 20


# --- outputs --------------------------------------------------------------------------


def test_borderline_lists_members_near_each_cutoff():
    s = members([95, 90, 89.7, 89, 80, 79.8, 70, 60, 50, 40])
    res = assign_grades(s, quotas={"优秀": "20%", "良好": "30%", "合格": None}, epsilon=0.5)
    b = res.borderline
    top = b[b["upper_grade"] == "优秀"]
    assert top["member"].tolist() == ["m001", "m002"]
    assert top["cutoff"].tolist() == [90.0, 90.0]
    np.testing.assert_allclose(top["distance"], [0.0, -0.3])
    assert top["grade"].tolist() == ["优秀", "良好"]
    mid = b[b["upper_grade"] == "良好"]
    assert mid["member"].tolist() == ["m004", "m005"]
    assert mid["lower_grade"].tolist() == ["合格", "合格"]


def test_summary_is_pinned():
    s = members([95, 90, 89.7, 89, 80, 79.8, 70, 60, 50, 40])
    res = assign_grades(s, quotas={"优秀": "20%", "良好": "30%", "合格": None}, epsilon=0.5)
    assert res.summary() == (
        "强制分布等次评定：10 人，全体合并计算名额。名额上限 = 比例 × 组内人数，四舍五入取整；"
        "名额下限 = 比例 × 组内人数，四舍五入取整；以十进制精确计算。同分处理：严格——同分者不拆分，"
        "若整体计入会超出上限，则整体降入下一等次。一票否决 0 人：不得评为最高等次。\n"
        "各等次人数：优秀 2 人（上限 2）；良好 3 人（上限 3）；合格 5 人。配额检查：全部符合。"
        "距等次分数线 ±0.5 分以内 4 人。\n\n"
        "Forced-distribution grades: 10 members, quotas pooled over everybody. Cap = share × "
        "group size, rounded half up; minimum = share × group size, rounded half up; computed "
        "in exact decimal arithmetic. Ties: strict — tied members are never split; if taking "
        "all of them would exceed the cap, all of them go to the next grade. Vetoed: 0 (never "
        "the top grade).\n"
        "Counts: 优秀 2 (cap 2); 良好 3 (cap 3); 合格 5. Compliance: all quotas met. "
        "Within ±0.5 points of a grade cut-off: 4 members."
    )


def test_frame_plot_and_html():
    s = members(range(30))
    branch = pd.Series(np.repeat(["01", "02"], 15), index=s.index, name="unit_code")
    vetoed = pd.Series(s.index == "m029", index=s.index)
    quotas = [
        Quota("优秀", "15%", en="excellent"),
        Quota("良好", "35%", en="good"),
        Quota("合格", en="pass"),
    ]
    res = assign_grades(s, quotas=quotas, groups=branch, vetoed=vetoed)
    frame = res.to_frame()
    assert list(frame.columns) == ["unit_code", "score", "vetoed", "grade"]
    assert frame.loc["m029", "grade"] == "良好"
    ax = res.plot()
    assert isinstance(ax, Axes)
    heights = [p.get_height() for p in ax.patches]
    # Per branch of 15: caps half-up(2.25) = 2 and half-up(5.25) = 5.
    assert heights == [4, 10, 16]
    html = res._repr_html_()
    assert "强制分布等次评定 / Forced-distribution grades" in html
    assert "excellent 4 (caps total 4)" in html


# --- quotas ---------------------------------------------------------------------------


def test_quota_specs_in_every_form():
    grade_level = SimpleNamespace(name="优秀", en="excellent", max_share="0.2", min_share=None)
    bottom = SimpleNamespace(name="合格", en="pass", max_share=None, min_share="0.05")
    qs = parse_quotas([grade_level, bottom])
    assert qs[0] == Quota("优秀", Decimal("0.2"), Decimal(0), "excellent")
    assert qs[1].min_share == Decimal("0.05")
    qs = parse_quotas({"A": {"max": "20%", "en": "top"}, "B": 1, "C": None})
    assert [q.max_share for q in qs] == [Decimal("0.2"), Decimal(1), None]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"A": "20%", "B": "50%"}, "最低等次 'B' 不能设上限"),
        ({"A": "120%", "B": None}, "between 0 and 1"),
        ({"A": "abc", "B": None}, "'max_share'"),
        ({"A": {"max": "10%", "min": "20%"}, "B": None}, "'min_share'.*at most max_share"),
        ({"A": {"min": "60%"}, "B": {"min": "50%"}}, "minimum shares adding up to at most 100%"),
        ({"A": {"maximum": "10%"}, "B": None}, "keys 'max', 'min', 'en'"),
        ({}, "at least one grade"),
        ("优秀", "sequence of Quota or a mapping"),
    ],
)
def test_bad_quotas_are_named(spec, message):
    with pytest.raises(ParameterError, match=message):
        parse_quotas(spec)


def test_bad_arguments_are_named():
    s = members(range(10))
    with pytest.raises(ParameterError, match="'rounding'.*'half-up', 'floor', 'ceil'"):
        assign_grades(s, quotas=THREE, rounding="bankers")
    with pytest.raises(ParameterError, match="'tie_policy'"):
        assign_grades(s, quotas=THREE, tie_policy="random")
    with pytest.raises(ParameterError, match="'veto_effect'.*below the top"):
        assign_grades(s, quotas=THREE, veto_effect="cap:优秀")
    with pytest.raises(ParameterError, match="'veto_effect'"):
        assign_grades(s, quotas=THREE, veto_effect="cap:良")
    with pytest.raises(ParameterError, match="'vetoed'.*no missing"):
        assign_grades(s, quotas=THREE, vetoed=pd.Series([None] * 10, index=s.index))
    with pytest.raises(ParameterError, match="'scores'.*numbers"):
        assign_grades(s.astype(str), quotas=THREE)
    with pytest.raises(ParameterError, match="'epsilon'"):
        assign_grades(s, quotas=THREE, epsilon=-1)
    with pytest.raises(ParameterError, match="'n'"):
        quota_count("0.1", -3)


# --- properties -----------------------------------------------------------------------


@st.composite
def graded_tables(draw):
    n = draw(st.integers(1, 60))
    scores = draw(st.lists(st.integers(0, 8), min_size=n, max_size=n))
    groups = draw(st.lists(st.sampled_from(["01", "02", "03"]), min_size=n, max_size=n))
    vetoed = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    k = draw(st.integers(2, 4))
    caps = [draw(st.one_of(st.none(), st.integers(0, 100))) for _ in range(k - 1)] + [None]
    mins, left = [], 100
    for cap in caps:
        m = draw(st.integers(0, min(left, 100 if cap is None else cap)))
        mins.append(m)
        left -= m
    quotas = [
        Quota(f"G{i}", None if c is None else f"{c}%", f"{m}%")
        for i, (c, m) in enumerate(zip(caps, mins, strict=True))
    ]
    frame = pd.DataFrame(
        {"score": np.asarray(scores, float), "group": groups, "vetoed": vetoed},
        index=[f"p{i:02d}" for i in range(n)],
    )
    return frame, quotas, draw(st.permutations(range(n)))


def grade_of(res):
    return res.grades.cat.codes


@settings(max_examples=100, deadline=None)
@given(graded_tables(), st.sampled_from(["half-up", "floor", "ceil"]), st.booleans())
def test_strict_never_exceeds_a_cap(table, rounding, pooled):
    frame, quotas, _ = table
    res = assign_grades(
        frame["score"],
        quotas=quotas,
        rounding=rounding,
        groups=None if pooled else frame["group"],
        vetoed=frame["vetoed"],
    )
    comp = res.compliance
    capped = comp["cap"].notna()
    assert (comp.loc[capped, "count"] <= comp.loc[capped, "cap"]).all()
    assert (grade_of(res) >= 0).all()
    assert (
        comp.groupby(list(comp.columns[:1]))["count"]
        .sum()
        .eq(comp.groupby(list(comp.columns[:1]))["n"].first())
        .all()
    )


@settings(max_examples=100, deadline=None)
@given(graded_tables(), st.sampled_from(["strict", "favour"]))
def test_ties_never_split_order_kept_and_veto_applies(table, tie_policy):
    frame, quotas, _ = table
    res = assign_grades(
        frame["score"],
        quotas=quotas,
        groups=frame["group"],
        vetoed=frame["vetoed"],
        tie_policy=tie_policy,
    )
    codes = grade_of(res)
    assert (codes[frame["vetoed"]] >= 1).all()
    free = frame[~frame["vetoed"]].assign(code=codes[~frame["vetoed"]])
    for _, grp in free.groupby("group"):
        # Equal scores, equal grades; a higher score never a worse grade.
        assert grp.groupby("score")["code"].nunique().le(1).all()
        ordered = grp.sort_values("score", ascending=False)["code"].to_numpy()
        assert (np.diff(ordered) >= 0).all()


@settings(max_examples=80, deadline=None)
@given(graded_tables())
def test_grades_do_not_depend_on_row_order(table):
    frame, quotas, perm = table
    shuffled = frame.iloc[perm]
    a = assign_grades(frame["score"], quotas=quotas, groups=frame["group"], vetoed=frame["vetoed"])
    b = assign_grades(
        shuffled["score"], quotas=quotas, groups=shuffled["group"], vetoed=shuffled["vetoed"]
    )
    pd.testing.assert_series_equal(a.grades, b.grades.reindex(a.grades.index))
    pd.testing.assert_frame_equal(a.compliance, b.compliance)


@settings(max_examples=80, deadline=None)
@given(graded_tables(), st.sampled_from(["half-up", "floor", "ceil"]))
def test_minimums_met_when_scores_are_distinct(table, rounding):
    frame, quotas, _ = table
    scores = pd.Series(np.arange(len(frame), dtype=float), index=frame.index)
    n = len(scores)
    if sum(quota_count(q.min_share, n, rounding=rounding) for q in quotas) > n:
        return  # rounded minimums that cannot all be met: reported, tested elsewhere
    res = assign_grades(scores, quotas=quotas, rounding=rounding)
    assert res.ok


@settings(max_examples=60, deadline=None)
@given(graded_tables())
def test_per_branch_is_pooled_within_each_branch(table):
    frame, quotas, _ = table
    together = assign_grades(
        frame["score"], quotas=quotas, groups=frame["group"], vetoed=frame["vetoed"]
    )
    for _, part in frame.groupby("group"):
        alone = assign_grades(part["score"], quotas=quotas, vetoed=part["vetoed"])
        pd.testing.assert_series_equal(together.grades[part.index], alone.grades)
