"""The quarterly appraisal end to end: the index recomputes by hand from the workbook."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import openpyxl
import pandas as pd
import pytest
from scipy.stats import rankdata

from assess.appraisal.change import compare_periods
from assess.appraisal.scoring import Appraisal, index_panel, score_quarter
from assess.cli import main
from assess.core.errors import InputError, ParameterError
from assess.core.scheme import default_scheme_path, load_scheme
from assess.io.store import Store, read_for_scoring, read_store


@pytest.fixture(scope="module")
def appraisal(small_dataset):
    return score_quarter(small_dataset, quarter="2026Q3")


def _sheet(path, name):
    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book[name].iter_rows(values_only=True))
    book.close()
    return rows


def test_calculation_sheet_recomputes_every_index(appraisal, tmp_path):
    path = appraisal.to_excel(tmp_path / "a.xlsx")
    rows = _sheet(path, "计算过程")
    header_at = next(i for i, r in enumerate(rows) if r[0] == "人员编号")
    calc = pd.DataFrame(rows[header_at + 1 :], columns=rows[header_at])
    # By hand: points ÷ quarterly cap (goalpost), times weight, times (100 − 60), summed.
    recomputed = calc["计分（封顶后）"] / calc["标准化跨度"]
    assert np.allclose(recomputed.clip(0, 1), calc["标准化值"], atol=1e-12)
    per = calc.groupby("人员编号").agg(
        contribution=("贡献分", "sum"),
        weight=("权重", "sum"),
        deductions=("扣分", "first"),
        vetoes=("一票否决项", "first"),
        index=("先锋指数", "first"),
        base=("基础分", "first"),
    )
    assert np.allclose(per["weight"], 1.0, atol=1e-12)
    contributions = (calc["权重"] * calc["标准化值"] * 40).groupby(calc["人员编号"]).sum()
    by_hand = (per["base"] + contributions - per["deductions"]).clip(0, 100)
    members = appraisal.members.set_index("person_id")
    assert np.allclose(by_hand, per["index"], atol=1e-9)
    assert np.allclose(per["index"], members.loc[per.index, "index"], atol=1e-9)
    notes = " ".join(str(r[0]) for r in rows[:header_at])
    assert "CR = " in notes and "计分 ÷ 季度上限" in notes


def test_workbook_has_chinese_sheets_and_refuses_to_overwrite(appraisal, tmp_path):
    path = appraisal.to_excel(tmp_path / "a.xlsx")
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == [
        "说明",
        "党员",
        "支部星级",
        "差什么",
        "等次合规",
        "临界名单",
        "谈心谈话",
        "积分台账",
        "权重",
        "计算过程",
    ]
    book.close()
    assert "先锋指数" in _sheet(path, "党员")[0]
    with pytest.raises(InputError, match="already exists"):
        appraisal.to_excel(path)
    appraisal.to_excel(path, overwrite=True)


def test_text_from_data_that_looks_like_a_formula_stays_text(small_dataset, tmp_path):
    staff = small_dataset.staff.copy()
    first_member = staff.index[staff["is_party_member"].astype(bool)][0]
    staff.loc[first_member, "name"] = '=HYPERLINK("http://x","y")'
    data = type(small_dataset)(**{**dict(small_dataset.items()), "staff": staff})
    path = score_quarter(data, quarter="2026Q3").to_excel(tmp_path / "f.xlsx")
    book = openpyxl.load_workbook(path)
    cells = [
        c
        for row in book["党员"].iter_rows()
        for c in row
        if c.value == '=HYPERLINK("http://x","y")'
    ]
    assert len(cells) == 1 and cells[0].data_type == "s"


def test_ranks_grades_and_vetoes_follow_the_scheme(appraisal):
    m = appraisal.members.set_index("person_id")
    # Competition ranking of the index within each branch (1-2-2-4).
    expected = m.groupby("unit_code")["index"].rank(method="min", ascending=False)
    assert (m["rank_branch"] == expected.astype(int)).all()
    assert (m["rank_overall"] == m["index"].rank(method="min", ascending=False)).all()
    # Quotas hold in every branch: at most 20% 优秀, 40% 良好 (half-up).
    assert appraisal.grades.compliance["ok"].all()
    top = m.groupby("unit_code")["grade"].apply(lambda g: (g == "优秀").sum())
    size = m.groupby("unit_code").size()
    assert (top <= np.floor(size * 0.2 + 0.5)).all()
    # Vetoes: a discipline breach caps the grade at 基本合格; a serious violation bars 优秀.
    disciplined = m["vetoes"].str.contains("discipline")
    assert disciplined.any()
    assert (m.loc[disciplined, "grade"] == "基本合格").all()
    serious = m["vetoes"].str.contains("serious_violation")
    assert (m.loc[serious, "grade"] != "优秀").all()
    assert set(m["grade"]) <= {"优秀", "良好", "合格", "基本合格"}


def test_index_changes_follow_the_index_of_earlier_quarters(small_dataset, appraisal):
    earlier = score_quarter(small_dataset, quarter="2026Q2").members.set_index("person_id")
    changes = appraisal.changes
    qoq = changes.loc[changes["kind"] == "qoq"]
    row = qoq.dropna(subset=["pct_change"]).iloc[0]
    assert row["base"] == pytest.approx(earlier.loc[row["person_id"], "index"])
    assert row["pct_change"] == pytest.approx(row["current"] / row["base"] - 1)
    shown = set(appraisal.members["index_qoq"].str[0])
    assert shown <= {"↑", "↓", "持", "—", "新", "基"}, shown


def test_watch_list_and_stars_are_filled(appraisal):
    assert len(appraisal.watch) > 0
    assert (appraisal.watch["n_events"] >= 1).all()
    stars = appraisal.stars.table
    assert stars["stars"].between(0, 5).all()
    assert set(appraisal.stars.gaps["unit_code"]) <= set(stars.index)
    assert "党员" in appraisal.summary() and "members appraised" in appraisal.summary()


def test_unit_scope_and_bad_quarter(small_dataset):
    city = small_dataset.units.loc[small_dataset.units["level"] == "city", "unit_code"].iloc[0]
    part = score_quarter(small_dataset, quarter="2026年第3季度", unit=city)
    assert part.quarter == "2026Q3"
    assert part.members["city"].eq(city).all()
    with pytest.raises(ParameterError, match="2026Q3"):
        score_quarter(small_dataset, quarter="Q3-2026")
    with pytest.raises(ParameterError, match="2031Q1"):
        score_quarter(small_dataset, quarter="2031Q1")


def test_a_branch_without_events_is_scored_on_its_own(small_dataset):
    # Regression: with no event in scope the ledger was an untyped empty frame and the
    # deductions came out as objects, which grading refused.
    quiet = replace(small_dataset, events=small_dataset.events.iloc[:0])
    units = small_dataset.units
    branch = units.loc[units["level"] == "branch", "unit_code"].iloc[0]
    part = score_quarter(quiet, quarter="2026Q3", unit=branch)
    m = part.members
    assert len(m) > 5 and m["unit_code"].eq(branch).all()
    assert m["deductions"].dtype == np.float64 and m["deductions"].eq(0.0).all()
    assert m["index"].equals(m["index_before_veto"])
    # Competition ranking (1-2-2-4) of the index, as scipy ranks it.
    expected = rankdata(-m["index"].to_numpy(), method="min").astype(int)
    assert m["rank_overall"].tolist() == expected.tolist()
    assert m["rank_branch"].tolist() == expected.tolist()


def test_given_weights_scheme_computes_the_index_by_hand(small_dataset, tmp_path):
    text = default_scheme_path().read_text(encoding="utf-8")
    text = text.replace('weighting = "combined"', 'weighting = "given"')
    # The subjective share and the AHP matrix only serve combined weights: a given-weights
    # scheme leaves them out (load_scheme refuses keys the weighting ignores).
    text = text.replace("subjective_share = 0.7 ", "")
    text = text[: text.index("# 层次分析法判断矩阵")] + text[text.index("# 扣分项") :]
    codes = load_scheme().indicator_codes
    for code in codes:
        weight = 0.5 if code == "business" else 0.5 / (len(codes) - 1)
        text = text.replace(f'code = "{code}"\n', f'code = "{code}"\nweight = {weight}\n', 1)
    path = tmp_path / "given.toml"
    path.write_text(text, encoding="utf-8")
    scheme = load_scheme(path)
    result = score_quarter(small_dataset, quarter="2026Q3", scheme=scheme)
    m = result.members.set_index("person_id")
    caps = {i.code: i.quarter_cap for i in scheme.indicators}
    share = sum(
        (0.5 if c == "business" else 0.5 / (len(codes) - 1)) * m[c] / caps[c] for c in codes
    )
    by_hand = (60 + 40 * share - m["deductions"]).clip(0, 100)
    assert np.allclose(m["index_before_veto"], by_hand, atol=1e-9)


def test_score_command_writes_workbook_and_publishes_once(
    small_dataset, appraisal, tmp_path, capsys
):
    store_path = tmp_path / "s.duckdb"
    with Store.open(store_path) as store:
        store.import_dataset(small_dataset)
    out = tmp_path / "score.xlsx"
    args = ["score", "--quarter", "2026Q3", "--store", str(store_path), "--out", str(out)]
    assert main(args) == 0
    assert out.exists()
    assert "revision 1" in capsys.readouterr().out
    # The same result again is no new revision; the workbook is not overwritten unasked.
    assert main(args) == 1
    assert "already exists" in capsys.readouterr().err
    assert main([*args, "--overwrite"]) == 0
    with Store.open(store_path, read_only=True) as store:
        published = store.published("appraisal", "2026Q3")
        assert len(store.publications()) == 1
    pd.testing.assert_frame_equal(published["members"], appraisal.members)


def test_branch_changes_on_a_comparable_basis(small_dataset):
    plain = score_quarter(small_dataset, quarter="2026Q3").branch_changes
    comparable = score_quarter(small_dataset, quarter="2026Q3", comparable=True).branch_changes
    branch = plain["unit_code"].iloc[0]
    members = score_quarter(small_dataset, quarter="2026Q3").members
    now_mean = members.loc[members["unit_code"] == branch, "index"].mean()
    index = plain.loc[plain["measure"] == "index"]
    row = index.loc[(index["unit_code"] == branch) & (index["kind"] == "qoq")].iloc[0]
    assert row["current"] == pytest.approx(now_mean)
    study = plain.loc[(plain["measure"] == "study") & (plain["unit_code"] == branch)]
    assert study.loc[study["kind"] == "qoq", "current"].iloc[0] == pytest.approx(
        members.loc[members["unit_code"] == branch, "study"].mean()
    )
    comparable = comparable.loc[comparable["measure"] == "index"]
    both = comparable.loc[(comparable["unit_code"] == branch) & (comparable["kind"] == "qoq")]
    assert both["n_current"].iloc[0] == both["n_base"].iloc[0] <= row["n_current"]


def test_reading_for_scoring_gives_the_same_appraisal(small_dataset, appraisal, tmp_path):
    store_path = tmp_path / "r.duckdb"
    with Store.open(store_path) as store:
        store.import_dataset(small_dataset)
    data = read_for_scoring(store_path, quarter="2026Q3")
    # The points as read_store gives them, but categoricals and no evidence before 2026Q3.
    quarters = ["2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    expected = read_store(store_path, "points", quarters=quarters).points
    expected.loc[expected["quarter"] != "2026Q3", "evidence_id"] = np.nan
    assert expected["evidence_id"].notna().any()
    codes = ["person_id", "quarter", "indicator"]
    assert all(isinstance(data.points[c].dtype, pd.CategoricalDtype) for c in codes)
    pd.testing.assert_frame_equal(data.points.astype(dict.fromkeys(codes, "str")), expected)
    again = score_quarter(data, quarter="2026Q3")
    for name in ("members", "ledger", "calculation", "changes", "branch_changes", "watch"):
        pd.testing.assert_frame_equal(getattr(again, name), getattr(appraisal, name))
    pd.testing.assert_frame_equal(again.stars.table, appraisal.stars.table)
    pd.testing.assert_frame_equal(again.grades.compliance, appraisal.grades.compliance)


def test_branch_changes_equal_those_of_one_long_table(small_dataset, appraisal):
    # The reference: compare_periods once on every measure stacked in one long table.
    scheme = load_scheme()
    quarters = ["2025Q3", "2026Q2", "2026Q3"]
    scored, _, _ = index_panel(small_dataset, quarters=quarters, scheme=scheme)
    for comparable in (False, True):
        long = scored.melt(
            id_vars=["person_id", "unit_code", "quarter"],
            value_vars=["index", *scheme.indicator_codes],
            var_name="measure",
            value_name="value",
        )
        expected = compare_periods(
            long,
            value_col="value",
            by=["measure", "unit_code"],
            kind="both",
            at="2026Q3",
            agg="mean",
            entity_col="person_id",
            comparable=comparable,
        )
        got = score_quarter(small_dataset, quarter="2026Q3", comparable=comparable)
        pd.testing.assert_frame_equal(got.branch_changes, expected)


def test_calculation_rows_follow_the_member_table(appraisal):
    calc, members = appraisal.calculation, appraisal.members
    codes = load_scheme().indicator_codes
    assert len(calc) == len(members) * len(codes)
    assert calc["indicator"].tolist()[: len(codes)] == codes
    wide = calc.pivot(index="person_id", columns="indicator", values="points")
    by_person = members.set_index("person_id")
    pd.testing.assert_frame_equal(
        wide.loc[by_person.index, codes], by_person[codes], check_names=False
    )
    totals = calc.groupby("person_id", sort=False)[["deductions", "vetoes", "index"]].first()
    pd.testing.assert_frame_equal(totals, by_person[["deductions", "vetoes", "index"]])


def test_members_of_city_direct_branches_have_no_county_rank(appraisal):
    m = appraisal.members.set_index("person_id")
    direct = m["county"].isna()
    assert direct.sum() > 0  # the small demo has branches directly under a city
    # No fake county: the rank within a level the member does not have is empty.
    assert m.loc[direct, "rank_county"].isna().all()
    inside = m.loc[~direct]
    expected = inside.groupby("county")["index"].rank(method="min", ascending=False)
    assert (inside["rank_county"] == expected.astype(int)).all()
    # The others still rank within their branch and city.
    assert m.loc[direct, ["rank_branch", "rank_city"]].notna().all().all()


def test_published_tables_rebuild_the_appraisal_and_slice_it(small_dataset, appraisal):
    back = Appraisal.from_tables(appraisal.tables(), scheme=appraisal.scheme)
    pd.testing.assert_frame_equal(back.members, appraisal.members)
    assert back.quarter == appraisal.quarter and back.notes == appraisal.notes
    assert back.weights.weights.equals(appraisal.weights.weights)
    assert back.grades.compliance.equals(appraisal.grades.compliance)
    assert back.stars.table.equals(appraisal.stars.table)
    city = back.for_unit("01", small_dataset.units)
    inside = appraisal.members["unit_code"].str.startswith("01")
    assert city.members["person_id"].tolist() == appraisal.members.loc[inside, "person_id"].tolist()
    # Ranks and grades stay the published ones: a slice, not a re-scoring.
    shown = appraisal.members.loc[inside].reset_index(drop=True)
    for column in ("index", "grade", "rank_overall", "rank_branch"):
        assert city.members[column].equals(shown[column]), column
    assert set(city.grades.compliance["unit_code"]) == set(shown["unit_code"])
    assert set(city.stars.table.index) <= set(shown["unit_code"])
    assert "统一考评、统一发布" in city.summary() and "统一发布" not in appraisal.summary()
    with pytest.raises(ParameterError, match="tables"):
        Appraisal.from_tables({"members": appraisal.members}, scheme=appraisal.scheme)
    with pytest.raises(ParameterError, match="unit"):
        back.for_unit("99", small_dataset.units)
