"""The quarterly appraisal report: every section the issue asks for, with the library's numbers.

One rendering of the city report (unit ``01``) on the small demo store; the numbers on the
page and in the JSON are checked against the same quantities counted here with pandas
from the store's tables.
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from lxml import html as lxml_html
from scipy import stats

from _report_support import demo_store
from assess.appraisal.change import format_change
from assess.appraisal.scoring import score_quarter
from assess.core.errors import ParameterError
from assess.core.formatting import number
from assess.effect.events import event_counts, review_events
from assess.effect.members import member_rates
from assess.effect.rates import rate_ratio_test
from assess.exams import analyse_exam
from assess.io.store import Store, read_store
from assess.report import ReportError, ReportParameterError, render_report
from assess.report import appraisal_sections as sec
from assess.report import event_sections as ev
from assess.report import method_sections as meth
from assess.report import robustness_sections as rob
from assess.report import stars_sections as star
from assess.report import tracking_sections as trk
from assess.report.privacy import mask_id
from assess.report.published import published_appraisal

QUARTER, UNIT = "2026Q3", "01"
MONTHS = {
    "2025Q3": ["2025-07", "2025-08", "2025-09"],
    "2026Q3": ["2026-07", "2026-08", "2026-09"],
}
WINDOW = ["2025-10", "2025-11", "2025-12", *[f"2026-{m:02d}" for m in range(1, 10)]]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return demo_store(tmp_path_factory.getbasetemp() / "report-demo")


@pytest.fixture(scope="module")
def data(store):
    return read_store(store)


@pytest.fixture(scope="module")
def appraisal(store, data):
    # The quarter's one published appraisal, taken for the unit, as the report reads it.
    return published_appraisal(store, quarter=QUARTER, units=data.units, unit=UNIT)


@pytest.fixture(scope="module")
def report(store, tmp_path_factory):
    result = render_report(
        "quarterly",
        {"quarter": QUARTER, "unit": UNIT, "store": str(store)},
        out_dir=tmp_path_factory.mktemp("quarterly"),
    )
    assert result.status == "ok"
    page = result.files["html"].read_text(encoding="utf-8")
    saved = json.loads(result.files["json"].read_text(encoding="utf-8"))
    return page, saved["results"]


def _under(units: pd.DataFrame, code: str) -> set[str]:
    """``code`` and every unit below it, walking parent codes (independent of assess.core.units)."""
    inside = {code}
    while True:
        more = set(units.loc[units["parent_code"].isin(inside), "unit_code"]) - inside
        if not more:
            return inside
        inside |= more


def _table(page: str, caption: str) -> pd.DataFrame:
    """The table under the ``<h4>`` caption starting with ``caption``, as text cells."""
    root = lxml_html.fromstring(page)
    heading = next(h for h in root.iter("h4") if h.text_content().startswith(caption))
    table = heading.getnext()
    head = [" ".join(th.text_content().split()) for th in table.iter("th")]
    rows = [[td.text_content().strip() for td in tr.iter("td")] for tr in table.iter("tr")]
    return pd.DataFrame([r for r in rows if r], columns=head)


def _table_after(page: str, heading: str) -> pd.DataFrame:
    """The first table after the heading starting with ``heading``, in document order."""
    after, table = False, None
    for node in lxml_html.fromstring(page).iter():
        after = after or (node.tag in ("h2", "h3") and node.text_content().startswith(heading))
        if after and node.tag == "table":
            table = node
            break
    head = [" ".join(th.text_content().split()) for th in table.iter("th")]
    rows = [[td.text_content().strip() for td in tr.iter("td")] for tr in table.iter("tr")]
    return pd.DataFrame([r for r in rows if r], columns=head)


# ---------------------------------------------------------------- the rendered page


def test_every_section_is_on_the_page(report, data, appraisal):
    page, _ = report
    for text in (
        "关键指标",
        "先锋指数最高",
        "先锋指数最低",
        "等次与名额",
        "排名稳健性",
        "各单位星级分布",
        "差什么",
        "违章与投诉",
        "同比核查",
        "党员与非党员",
        "谈心谈话名单",
        "每季一考",
        "项目、问题与党务任务",
        "红色事项",
        "考评方法",
        appraisal.scheme.sha256,
    ):
        assert text in page, text
    for bad in ("Traceback", "Warning", "warn(", "Glyph"):
        assert bad not in page, bad
    # Branches by name, not only by code.
    names = data.units.set_index("unit_code")["unit_name"]
    for code in appraisal.stars.table.index:
        assert names[code] in page
    # A city report masks members everywhere, the new tables included.
    assert not any(n in page for n in appraisal.members["name"] if len(n) > 1)
    assert not any(p in page for p in appraisal.members["person_id"])


def test_bottom_ten_are_the_ten_lowest(report, appraisal):
    page, _ = report
    shown = _table(page, "先锋指数最低")
    lowest = appraisal.members.sort_values(["index", "person_id"]).head(10)
    assert shown["人员编号 ID"].tolist() == [mask_id(p) for p in lowest["person_id"]]
    assert shown["先锋指数 Pioneer Index"].tolist() == [number(v) for v in lowest["index"]]
    frame = sec.bottom_members(appraisal)
    assert set(frame["person_id"]) == set(appraisal.members.nsmallest(10, "index")["person_id"])
    assert (frame["rank_overall"] == lowest["rank_overall"].to_numpy()).all()


def test_grade_counts_against_quotas(report, appraisal):
    page, _ = report
    counts = appraisal.members["grade"].value_counts()
    frame = sec.grade_quotas(appraisal).set_index("grade")
    assert frame["count"].to_dict() == {g: counts.get(g, 0) for g in frame.index}
    assert frame["share"].sum() == pytest.approx(1.0)
    # Caps: per branch, the scheme's share of the branch's members rounded half up.
    sizes = appraisal.members.groupby("unit_code").size()
    assert frame.at["优秀", "cap"] == sum(math.floor(0.2 * n + 0.5) for n in sizes)
    assert "min" not in frame  # the default scheme sets no minimum share
    shown = _table_after(page, "四、等次与名额").set_index("等次 Grade")
    assert shown["人数 Members"].to_dict() == {g: f"{counts.get(g, 0):,}" for g in frame.index}


def test_yoy_audit_equals_rate_ratio_test_on_counts_from_the_tables(report, data):
    _, results = report
    inside = _under(data.units, UNIT)
    exposure = data.exposure.loc[data.exposure["unit_code"].isin(inside)]
    for outcome, column, key in (
        ("violation", "work_tickets", "violation_review"),
        ("complaint", "customers", "complaint_review"),
    ):
        events = data.events.loc[
            (data.events["type"] == outcome) & data.events["unit_code"].isin(inside)
        ]
        events = events.assign(month=events["date"].dt.strftime("%Y-%m")).merge(
            exposure[["unit_code", "month"]], on=["unit_code", "month"]
        )
        count = {q: int(events["month"].isin(m).sum()) for q, m in MONTHS.items()}
        expo = {
            q: float(exposure.loc[exposure["month"].isin(m), column].sum())
            for q, m in MONTHS.items()
        }
        expected = rate_ratio_test(
            count["2025Q3"],
            expo["2025Q3"],
            count["2026Q3"],
            expo["2026Q3"],
        )
        saved = results[key]
        assert (saved["count"], saved["count_last_year"]) == (count["2026Q3"], count["2025Q3"])
        assert results[outcome + "s"] == count["2026Q3"]
        assert saved["estimate"] == expected.estimate
        assert saved["estimate"] == pytest.approx(
            (count["2026Q3"] / expo["2026Q3"]) / (count["2025Q3"] / expo["2025Q3"])
        )
        assert (saved["ci_low"], saved["ci_high"], saved["p_value"]) == (
            expected.ci_low,
            expected.ci_high,
            expected.p_value,
        )


def test_members_comparison_is_mantel_haenszel_over_units(report, data):
    _, results = report
    inside = _under(data.units, UNIT)
    for outcome in ("violation", "complaint"):
        events = data.events.loc[
            (data.events["type"] == outcome)
            & data.events["unit_code"].isin(inside)
            & data.events["date"].dt.strftime("%Y-%m").isin(WINDOW)
        ]
        exposure = data.exposure.loc[
            data.exposure["unit_code"].isin(inside) & data.exposure["month"].isin(WINDOW)
        ]
        library = member_rates(events, exposure, data.staff, outcome=outcome, by="unit_code")
        saved = results[f"{outcome}_review"]
        assert saved["members_window"] == ["2025Q4", "2026Q3"]
        assert saved["members_estimate"] == library.estimate
        # The Mantel–Haenszel ratio by hand: Σ a·T0/T ÷ Σ b·T1/T over the units.
        member = (
            events["person_id"]
            .map(data.staff.set_index("person_id")["is_party_member"])
            .dropna()
            .astype(bool)
        )
        a = events.loc[member.index[member]].groupby("unit_code").size()
        b = events.loc[member.index[~member]].groupby("unit_code").size()
        t1 = exposure.groupby("unit_code")["member_headcount"].sum().astype(float)
        t0 = (
            (exposure["headcount"] - exposure["member_headcount"])
            .groupby(exposure["unit_code"])
            .sum()
            .astype(float)
        )
        a, b = a.reindex(t1.index, fill_value=0), b.reindex(t1.index, fill_value=0)
        total = t1 + t0
        by_hand = (a * t0 / total).sum() / (b * t1 / total).sum()
        assert saved["members_estimate"] == pytest.approx(by_hand, rel=1e-12)


def test_key_figures_on_the_page(report, data, appraisal):
    page, results = report
    shown = _table(page, "关键指标").set_index("指标 Figure")
    violations = results["violation_review"]
    row = shown.loc["违章（起）"]
    assert row["本季度 This quarter"] == str(violations["count"])
    assert row["上年同期 Same quarter last year"] == str(violations["count_last_year"])
    pct = (violations["count"] - violations["count_last_year"]) / violations["count_last_year"]
    assert row["同比 YoY"] == format_change(
        {
            "status": "down" if pct < 0 else "up",
            "is_rate": False,
            "pct_change": pct,
            "change_pp": math.nan,
        }
    )
    # Members on the books in the same quarter last year, counted from the staff table.
    staff = data.staff.loc[
        data.staff["unit_code"].isin(_under(data.units, UNIT))
        & data.staff["is_party_member"].astype(bool)
    ]
    first, last = pd.Timestamp("2025-07-01"), pd.Timestamp("2025-09-30")
    present = (staff["joined"].isna() | (staff["joined"] <= last)) & (
        staff["left"].isna() | (staff["left"] >= first)
    )
    assert shown.loc["参评党员（人）", "上年同期 Same quarter last year"] == f"{present.sum():,}"
    assert shown.loc["参评党员（人）", "本季度 This quarter"] == f"{len(appraisal.members):,}"
    assert shown.loc["先锋指数均值", "本季度 This quarter"] == (
        f"{appraisal.members['index'].mean():.1f}"
    )
    # The pass rate is a rate: its change is in percentage points.
    assert shown.loc["每季一考合格率", "同比 YoY"].endswith("个百分点")
    assert shown.loc["每季一考合格率", "本季度 This quarter"] == (
        f"{results['exam_pass_rate']:.1%}"
    )


def test_existing_key_results_are_kept(report, appraisal):
    _, results = report
    assert results["members"] == len(appraisal.members)
    assert results["index_mean"] == appraisal.members["index"].mean()
    assert results["watch_list"] == len(appraisal.watch)
    assert results["grades"] == appraisal.members["grade"].value_counts().to_dict()
    assert {"violations", "complaints", "violation_review", "complaint_review", "red_items"} <= set(
        results
    )


def test_red_yellow_green_counts_from_the_tables(report, data):
    page, results = report
    inside = _under(data.units, UNIT)
    as_of = pd.Timestamp("2026-09-30")
    projects = data.projects.loc[data.projects["unit_code"].isin(inside)]
    open_ = projects["closed_date"].isna() | (projects["closed_date"] > as_of)
    problems = data.problems.loc[
        data.problems["unit_code"].isin(inside) & (data.problems["found_date"] <= as_of)
    ]
    duties = data.duties.loc[data.duties["unit_code"].isin(inside)]
    red = {
        "projects": int((open_ & (projects["due_date"] < as_of)).sum()),
        "problems": int(
            (
                (problems["closed_date"].isna() | (problems["closed_date"] > as_of))
                & (problems["due_date"] < as_of)
            ).sum()
        ),
        "duties": int(
            (
                (duties["done_date"].isna() | (duties["done_date"] > as_of))
                & (duties["due_date"] < as_of)
            ).sum()
        ),
    }
    assert results["red_items"] == red
    shown = _table_after(page, "十、项目、问题与党务任务").set_index("类别 Kind")
    assert shown["红色 Red"].tolist() == [str(v) for v in red.values()]
    assert shown.loc["项目", "合计 Total"] == str(len(projects))


def test_robustness_and_method_annex_on_the_page(report, appraisal):
    page, _ = report
    assert "共抽样 1,000 次" in page  # 137 members: the full 1,000 draws
    assert f"CR = {appraisal.ahp.cr:.3f}" in page
    for indicator in appraisal.scheme.indicators:
        assert indicator.zh in page


# ---------------------------------------------------------------- the building blocks


def test_event_counts_match_a_crosstab_of_the_events(data):
    inside = sorted(_under(data.units, UNIT))
    for outcome, column in (("violation", "work_tickets"), ("complaint", "customers")):
        ours = event_counts(data, outcome=outcome, units=inside).set_index(["unit_code", "month"])
        events = data.events.loc[(data.events["type"] == outcome)]
        crosstab = pd.crosstab(events["unit_code"], events["date"].dt.to_period("M").astype(str))
        expected = crosstab.stack().rename("count")
        exposure = data.exposure.loc[data.exposure["unit_code"].isin(inside)]
        keys = pd.MultiIndex.from_frame(exposure[["unit_code", "month"]])
        assert ours.index.equals(keys)
        assert ours["count"].tolist() == expected.reindex(keys, fill_value=0).tolist()
        assert ours["exposure"].tolist() == exposure[column].astype(float).tolist()
        assert ours["count"].sum() > 0
    with pytest.raises(ParameterError, match="outcome"):
        event_counts(data, outcome="accident")


def test_quarterly_trend_has_exact_poisson_intervals(data):
    review = review_events(data, unit=UNIT, quarter=QUARTER, outcome="violation")
    row = review.trend.set_index("quarter").loc[QUARTER]
    k, e = int(row["count"]), float(row["exposure"])
    # Garwood's exact interval from the chi-square distribution.
    low = stats.chi2.ppf(0.025, 2 * k) / 2 / e * 1000
    high = stats.chi2.ppf(0.975, 2 * k + 2) / 2 / e * 1000
    assert row["rate"] == pytest.approx(k / e * 1000)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high), rel=1e-9)
    assert review.trend["quarter"].max() == QUARTER
    assert "不能排除季节" in review.summary()
    with pytest.raises(ParameterError, match="window"):
        review_events(data, unit=UNIT, quarter=QUARTER, outcome="violation", window=0)
    with pytest.raises(ParameterError, match="outcome"):
        review_events(data, unit=UNIT, quarter=QUARTER, outcome="fault")


def test_a_branch_without_events_or_projects(store, data):
    unit = "010101"
    branch = published_appraisal(store, quarter=QUARTER, units=data.units, unit=unit)
    review = review_events(data, unit=unit, quarter=QUARTER, outcome="violation")
    assert review.count == 0 and review.yoy is None and review.members is None
    assert ev.yoy_table([review])["evidence"].tolist() == ["上年同期无事件，无法计算"]
    assert ev.member_table([review])["evidence"].tolist() == ["没有事件"]
    tracking = trk.track_unit(data, unit=unit, quarter=QUARTER)
    assert tracking.projects.projects.empty
    counts = trk.tracking_counts(tracking).set_index("kind")
    assert counts.loc["项目", ["total", "red", "yellow", "green"]].tolist() == [0, 0, 0, 0]
    # 12 members: the highest and the lowest six, each member once.
    top, bottom = sec.top_members(branch), sec.bottom_members(branch)
    assert len(top) == len(bottom) == len(branch.members) // 2
    assert not set(top["person_id"]) & set(bottom["person_id"])


def test_grade_stability_adds_up(appraisal):
    result = rob.check_robustness(appraisal)
    assert len(result.draw_weights) == rob.robustness_draws(len(appraisal.members)) == 1000
    table = rob.grade_stability(result)
    assert table["members"].sum() == len(appraisal.members)
    assert (table["stable"] + table["unstable"] == table["members"]).all()
    stable = (result.table["p_base_grade"] >= 0.9).sum()
    assert table["stable"].sum() == stable
    text = rob.robustness_text(result)
    assert f"{stable:,} 人" in text
    assert not any(p in text for p in appraisal.members["person_id"])


def test_star_gaps_name_what_is_missing(data, appraisal):
    gaps = star.star_gaps(appraisal, data.units)
    names = data.units.set_index("unit_code")["unit_name"]
    expected = appraisal.stars.gaps["unit_code"].unique()
    assert sorted(gaps["unit_name"]) == sorted(names[expected])
    party = appraisal.stars.gaps.query("criterion == 'party_score'").iloc[0]
    row = gaps.set_index("unit_name").loc[names[party["unit_code"]]]
    assert f"差 {party['threshold'] - party['current']:.1f} 分" in row["lacks"]
    english = star.star_gaps(appraisal, data.units, language="en")
    assert english["target"].str.contains("stars|all-round").all()
    counts = star.star_counts(appraisal, data.units, unit=UNIT)
    assert counts["branches"].sum() == len(appraisal.stars.table)
    star_columns = [c for c in counts if c.startswith("stars_")]
    assert (counts[star_columns].sum(axis=1) == counts["branches"]).all()


def test_key_figures_follow_official_conventions(data, appraisal):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exam = analyse_exam(
            data.exam_items,
            data.exam_responses,
            quarter=QUARTER,
            staff=data.staff,
            units=data.units,
            unit=UNIT,
        )
    reviews = [
        review_events(data, unit=UNIT, quarter=QUARTER, outcome=o)
        for o in ("violation", "complaint")
    ]
    figures = sec.key_figures(data, appraisal, exam, reviews, unit=UNIT)
    assert list(dict.fromkeys(figures["figure"])) == list(sec.FIGURES)
    rate = figures.loc[figures["figure"] == "exam_pass_rate"].set_index("kind")
    assert rate["is_rate"].all()
    assert rate.at["yoy", "change_pp"] == pytest.approx(
        (rate.at["yoy", "current"] - rate.at["yoy", "base"]) * 100
    )
    english = sec.key_figure_table(figures, language="en")
    assert english["figure"].tolist()[0] == "members appraised"
    with pytest.raises(ParameterError, match="language"):
        sec.key_figure_table(figures, language="fr")


def test_weights_table_in_chinese(appraisal):
    table = meth.weights_table(appraisal)
    assert table["indicator"].tolist() == [i.zh for i in appraisal.scheme.indicators]
    assert table["weight"].sum() == pytest.approx(1.0)
    weights = appraisal.weights.details
    assert np.allclose(
        table["weight"],
        appraisal.scheme.subjective_share * weights["subjective"]
        + (1 - appraisal.scheme.subjective_share) * weights["objective"],
    )


def test_red_items_list_each_kind_longest_overdue_first(data):
    tracking = trk.track_unit(data, unit=UNIT, quarter=QUARTER)
    every = trk.red_items(tracking, per_kind=None)
    red = trk.tracking_counts(tracking).set_index("kind")["red"]
    assert every["kind"].value_counts().to_dict() == {k: n for k, n in red.items() if n}
    shown = trk.red_items(tracking, per_kind=3)
    assert shown.groupby("kind", sort=False).size().max() <= 3
    assert list(dict.fromkeys(shown["kind"])) == list(dict.fromkeys(every["kind"]))
    duties = every.loc[every["kind"] == "党务任务", "days_overdue"]
    assert duties.is_monotonic_decreasing
    assert shown.loc[shown["kind"] == "党务任务", "days_overdue"].tolist() == (
        duties.head(3).tolist()
    )
    with pytest.raises(ParameterError, match="per_kind"):
        trk.red_items(tracking, per_kind=0)


def test_no_gaps_and_jupyter_views(data, appraisal):
    done = replace(appraisal, stars=replace(appraisal.stars, gaps=appraisal.stars.gaps.iloc[:0]))
    assert star.star_gaps(done, data.units).empty
    assert "差什么" not in sec.section_table(star.star_gaps(done, data.units))._repr_html_()
    review = review_events(data, unit=UNIT, quarter=QUARTER, outcome="complaint")
    tracking = trk.track_unit(data, unit=UNIT, quarter=QUARTER)
    assert "违章与投诉" in review._repr_html_() and "2026Q3 投诉" in review._repr_html_()
    assert "截至 2026-09-30" in tracking._repr_html_()
    assert review.plot().get_title().startswith("投诉率")
    assert [t.get_text() for t in tracking.plot().get_yticklabels()][0] == "项目"
    both = tracking.plot(language="zh-en")
    assert [t.get_text() for t in both.get_yticklabels()] == [
        "项目 projects",
        "问题整改 problems",
        "党务任务 duties",
    ]
    assert both.get_title() == "截至 2026-09-30 红黄绿状态 Red, yellow, green"


# ---------------------------------------------------------------- one published appraisal


def test_the_report_reads_the_published_appraisal_not_a_rescoring(report, data, appraisal):
    page, results = report
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        whole = score_quarter(data, quarter=QUARTER)
    mine = whole.members.set_index("person_id").loc[appraisal.members["person_id"]]
    # Every index, rank and grade of the city is the whole organisation's.
    for column in ("index", "grade", "rank_overall", "rank_city", "rank_branch"):
        assert mine[column].tolist() == appraisal.members[column].tolist(), column
    assert results["grades"] == mine["grade"].value_counts().to_dict()
    assert "统一考评、统一发布" in page
    # The city re-scored alone would give other weights: the published ones are shown.
    assert appraisal.weights.weights.equals(whole.weights.weights)


def test_a_quarter_not_published_fails_first_with_the_command_to_run(store, tmp_path):
    bare = tmp_path / "bare.duckdb"
    bare.write_bytes(store.read_bytes())
    with Store.open(bare) as db:
        pubs = db.publications()
    assert (pubs["kind"] == "appraisal").any()
    with pytest.raises(ReportParameterError, match="先运行 assess score"):
        published_appraisal(bare, quarter="2026Q2", units=pd.DataFrame())
    with pytest.raises(ReportError, match=r"先运行 assess score .*--quarter 2026Q2"):
        render_report(
            "quarterly",
            {"quarter": "2026Q2", "unit": UNIT, "store": str(bare)},
            out_dir=tmp_path / "out",
        )


def test_grade_quota_text_states_each_rule_once_and_explains_rounding(data, appraisal):
    text = sec.grade_quota_text(appraisal, data.units)
    zh = text.split("\n\n")[0]
    assert zh.count("方案比例 × 本支部参评人数") == 1 and "下限" not in zh
    table = sec.grade_quotas(appraisal).set_index("grade")
    share = table.at["优秀", "share"]
    assert (f"合计后优秀占 {share:.1%}" in zh) == (share > 0.2)
    # Each branch keeps its own cap: counted here from the members.
    sizes = appraisal.members.groupby("unit_code").size()
    top = appraisal.members.loc[appraisal.members["grade"] == "优秀"].groupby("unit_code").size()
    assert all(top.get(b, 0) <= math.floor(0.2 * n + 0.5) for b, n in sizes.items())
    assert f"全部 {len(sizes):,} 个支部的等次人数均在本支部的名额之内" in zh


def test_robustness_says_why_its_baseline_differs_from_the_published_grade(appraisal):
    result = rob.check_robustness(appraisal, seed=5)
    text = rob.robustness_text(result, appraisal)
    published = appraisal.members.set_index("person_id")["grade"]
    differ = int((result.table["base_grade"] != published.reindex(result.table.index)).sum())
    if differ:
        assert f"有 {differ:,} 人不同" in text and "不计扣分与一票否决" in text
    else:
        assert "完全一致" in text
    assert "随机种子 5" in text


def test_a_branch_without_exam_takers_renders(store, data, tmp_path):
    # Only some posts sit the exam: most branches have no takers this quarter.
    sat = data.exam_responses.loc[data.exam_responses["quarter"] == QUARTER, "person_id"]
    branches = data.units.loc[data.units["level"] == "branch", "unit_code"]
    taken = set(data.staff.loc[data.staff["person_id"].isin(sat), "unit_code"])
    unit = next(b for b in branches if b not in taken)
    result = render_report(
        "quarterly", {"quarter": QUARTER, "unit": unit, "store": str(store)}, out_dir=tmp_path
    )
    assert result.status == "ok"
    page = result.files["html"].read_text(encoding="utf-8")
    assert "本支部本季度无人参加每季一考" in page
    saved = json.loads(result.files["json"].read_text(encoding="utf-8"))["results"]
    assert saved["exam_pass_rate"] is None
    assert sec.unit_exam(data, quarter=QUARTER, unit=unit) is None


@pytest.mark.slow
def test_every_unit_at_every_level_renders(store, data, tmp_path):
    failed = {}
    for unit in data.units["unit_code"]:
        result = render_report(
            "quarterly", {"quarter": QUARTER, "unit": unit, "store": str(store)}, out_dir=tmp_path
        )
        if result.status != "ok":
            failed[unit] = result.error
    assert failed == {}
