"""Every rule of the data contract, each with a failing example, and the problem report."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from assess.core.errors import DataValidationError, InputError, ParameterError
from assess.core.schema import TABLES
from assess.io.readers import read_inputs
from assess.io.validation import (
    PROBLEM_COLUMNS,
    RULES,
    ValidationReport,
    check_inputs,
    load_inputs,
    validate,
)

# ---------------------------------------------------------------------------------------
# a minimal valid input: province → city → county → two branches, one quarter (2026Q3)


def valid_tables() -> dict[str, pd.DataFrame]:
    rows = {
        "units": [
            ("01", "省公司", "province", ""),
            ("0101", "甲市公司", "city", "01"),
            ("010101", "甲县公司", "county", "0101"),
            ("01010101", "第一党支部", "branch", "010101"),
            ("01010102", "第二党支部", "branch", "010101"),
        ],
        "staff": [
            ("P0001", "张三", "01010101", "是", "", "", ""),
            ("P0002", "李四", "01010101", "否", "班长", "2020/1/6", ""),
            ("P0003", "王五", "01010102", "党员", "", "", "2026年9月30日"),
        ],
        "points": [
            ("P0001", "2026Q3", "study", "5", "E1"),
            ("P0003", "2026-Q3", "study", "4.5", ""),
        ],
        "events": [
            ("EV1", "2026-07-15", "010101", "P0002", "violation", "1", "S1"),
            ("EV2", "2026/8/1", "01010102", "", "投诉", "一般", ""),
        ],
        "exposure": [
            (unit, month, "10", "6", "30", "1000")
            for unit in ("01010101", "01010102")
            for month in ("2026-07", "2026/8", "2026年9月")
        ],
        "kpis": [("0101", "2026-07", "sales_gwh", "10.5")],
        "exam_items": [("I1", "党史", "single", "B", "2")],
        "exam_responses": [("P0001", "2026年第3季度", "I1", "B", "2")],
        "projects": [
            ("PR1", "01010101", "书记项目一", "书记项目", "2026-07-01", "2026-09-30", "", "Y")
        ],
        "milestones": [("PR1", "M1", "方案", "2026-08-01", "")],
        "problems": [("Q1", "01010101", "1", "台账", "检查", "2026-07-02", "2026-08-01", "")],
        "duties": [("D1", "01010101", "dues", "2026-09-30", "", "30", "28")],
    }
    return {
        name: pd.DataFrame(data, columns=TABLES[name].column_names, dtype="str")
        for name, data in rows.items()
    }


def write_csv_folder(
    folder: Path,
    tables: dict[str, pd.DataFrame] | None = None,
    *,
    encoding: str = "utf-8",
    chinese: bool = False,
) -> Path:
    """One CSV per table; ``chinese`` names files and headers in Chinese."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in (valid_tables() if tables is None else tables).items():
        spec = TABLES[name]
        if chinese:
            frame = frame.rename(columns={c.name: c.zh for c in spec.columns})
        stem = spec.zh if chinese else name
        frame.to_csv(folder / f"{stem}.csv", index=False, encoding=encoding)
    return folder


def failing(tmp_path: Path, tables: dict[str, pd.DataFrame], match: str, **kw) -> pd.DataFrame:
    """The problems that make ``load_inputs`` fail with a message matching ``match``."""
    folder = write_csv_folder(tmp_path / "inputs", tables)
    with pytest.raises(DataValidationError, match=match) as info:
        load_inputs(folder, **kw)
    return info.value.report.problems


def where(problems: pd.DataFrame, rule: str) -> list[tuple]:
    """(file, row, column, value) of the problems of one rule."""
    hits = problems[problems["rule"] == rule]
    return [
        (f, None if pd.isna(r) else int(r), c, v)
        for f, r, c, v in hits[["file", "row", "column", "value"]].itertuples(index=False)
    ]


# ---------------------------------------------------------------------------------------
# clean input


def test_valid_input_gives_the_typed_dataset(tmp_path):
    folder = write_csv_folder(tmp_path / "inputs")
    result = check_inputs(folder)
    assert result.ok, str(result.report)
    data = result.dataset
    assert data.units["unit_code"].tolist() == ["01", "0101", "010101", "01010101", "01010102"]
    assert data.staff["is_party_member"].tolist() == [True, False, True]
    assert str(data.staff["is_party_member"].dtype) == "boolean"
    assert data.staff["joined"].tolist()[1] == pd.Timestamp("2020-01-06")
    assert data.staff["left"].tolist()[2] == pd.Timestamp("2026-09-30")
    assert data.staff["joined"].dtype == "datetime64[ns]"
    assert data.points["quarter"].tolist() == ["2026Q3", "2026Q3"]
    assert data.points["value"].tolist() == [5.0, 4.5]
    assert data.events["date"].tolist() == [pd.Timestamp("2026-07-15"), pd.Timestamp("2026-08-01")]
    # Chinese labels are stored as their codes.
    assert data.events["type"].tolist() == ["violation", "complaint"]
    assert data.events["severity"].tolist() == ["1", "2"]
    assert data.projects["project_type"].tolist() == ["secretary"]
    assert data.exposure["month"].tolist()[:3] == ["2026-07", "2026-08", "2026-09"]
    assert str(data.exposure["headcount"].dtype) == "Int64"
    assert data.exam_responses["quarter"].tolist() == ["2026Q3"]
    assert data.duties["attended"].tolist() == [28]
    # The optional campaign table is absent: empty, with the declared columns and dtypes.
    assert data.campaign.empty
    assert data.campaign["start_date"].dtype == "datetime64[ns]"
    assert list(data.campaign.columns) == TABLES["campaign"].column_names
    assert data.sources["events"] == str(folder / "events.csv")
    assert any("2026-07 至 2026-09" in note for note in result.notes)


def test_optional_columns_may_be_left_out(tmp_path):
    tables = valid_tables()
    tables["staff"] = tables["staff"].drop(columns=["post", "joined", "left"])
    data = load_inputs(write_csv_folder(tmp_path / "inputs", tables))
    assert list(data.staff.columns) == TABLES["staff"].column_names
    assert data.staff["left"].isna().all() and data.staff["left"].dtype == "datetime64[ns]"
    assert data.staff["post"].isna().all()


def test_chinese_files_headers_and_gbk(tmp_path):
    folder = write_csv_folder(tmp_path / "inputs", chinese=True, encoding="gbk")
    data = load_inputs(folder)
    assert data.units["unit_code"].tolist()[:2] == ["01", "0101"]
    assert data.events["type"].tolist() == ["violation", "complaint"]


def test_excel_workbook_with_chinese_sheets_and_headers(tmp_path):
    tables = valid_tables()
    # Excel holds numbers and dates as such; they must come back as the same values.
    tables["exposure"]["headcount"] = 10.0
    tables["events"]["date"] = [dt.datetime(2026, 7, 15), dt.datetime(2026, 8, 1)]
    path = tmp_path / "inputs.xlsx"
    with pd.ExcelWriter(path) as writer:
        for name, frame in tables.items():
            spec = TABLES[name]
            frame.rename(columns={c.name: c.zh for c in spec.columns}).to_excel(
                writer, sheet_name=spec.zh, index=False
            )
    result = check_inputs(path)
    assert result.ok, str(result.report)
    assert result.dataset.exposure["headcount"].tolist() == [10] * 6
    assert result.dataset.events["date"].tolist()[0] == pd.Timestamp("2026-07-15")
    assert result.dataset.units["unit_code"].tolist()[0] == "01"
    assert result.dataset.sources["units"] == f"{path}#组织机构"


def test_excel_number_cell_that_lost_its_leading_zeros(tmp_path):
    tables = valid_tables()
    path = tmp_path / "inputs.xlsx"
    with pd.ExcelWriter(path) as writer:
        for name, frame in tables.items():
            if name == "staff":
                # Typed into Excel as a number: the cell holds 1010101, not "01010101".
                frame = frame.astype(object)
                frame.loc[0, "unit_code"] = 1010101
            frame.to_excel(writer, sheet_name=name, index=False)
    problems = check_inputs(path).report.problems
    assert problems[["file", "sheet", "row", "column", "value"]].values.tolist() == [
        ["inputs.xlsx", "staff", 2, "unit_code", "1010101"]
    ]
    assert problems.loc[0, "hint_en"] == (
        "Excel may have dropped leading zeros: did you mean 01010101?"
    )


# ---------------------------------------------------------------------------------------
# one failing example per rule


def test_missing_table(tmp_path):
    tables = valid_tables()
    del tables["staff"]
    problems = failing(tmp_path, tables, "缺少必需的表：人员（staff）")
    assert where(problems, "missing_table") == [("", None, "", "")]
    assert problems.loc[0, "expected_en"] == "a file staff.csv or 人员.csv"


def test_missing_column(tmp_path):
    tables = valid_tables()
    tables["exposure"] = tables["exposure"].drop(columns="customers")
    problems = failing(tmp_path, tables, "required column customers is missing")
    assert where(problems, "missing_column") == [("exposure.csv", None, "customers", "")]
    assert problems.loc[0, "header"] == "服务客户数"


def test_header_below_a_title_row_gets_a_hint(tmp_path):
    folder = write_csv_folder(tmp_path / "inputs")
    text = (folder / "kpis.csv").read_text(encoding="utf-8")
    (folder / "kpis.csv").write_text("2026年第三季度业务指标,,,\n" + text, encoding="utf-8")
    problems = failing(tmp_path, {}, "required column unit_code is missing")
    kpis = problems[problems["table"] == "kpis"]
    assert kpis["rule"].tolist() == ["missing_column"] * 4
    assert kpis["hint_zh"].iloc[0] == "表头应在第 1 行，用中文列名或英文列名"


def test_required_value(tmp_path):
    tables = valid_tables()
    tables["staff"].loc[1, "name"] = "  "
    problems = failing(tmp_path, tables, "必填值为空")
    assert where(problems, "required") == [("staff.csv", 3, "name", "")]


@pytest.mark.parametrize(
    ("table", "column", "value", "message"),
    [
        ("exposure", "headcount", "12.5", "not a whole number"),
        ("exposure", "work_tickets", "1,200", "不是整数"),
        ("points", "value", "五", "not a number"),
        ("staff", "is_party_member", "maybe", "not a yes/no value"),
        ("events", "date", "2026/2/30", "不是有效日期"),
        ("exposure", "month", "2026-13", "not a valid month"),
        ("points", "quarter", "2026Q5", "不是有效季度"),
    ],
)
def test_wrong_kind_of_value(tmp_path, table, column, value, message):
    tables = valid_tables()
    tables[table].loc[1, column] = value
    problems = failing(tmp_path, tables, message)
    assert where(problems, "type") == [(f"{table}.csv", 3, column, value)]


def test_choice_accepts_code_or_label_and_rejects_others(tmp_path):
    tables = valid_tables()
    tables["events"].loc[0, "type"] = "theft"
    problems = failing(tmp_path, tables, "not an allowed value")
    assert where(problems, "choice") == [("events.csv", 2, "type", "theft")]
    assert problems.loc[0, "expected_zh"].startswith(
        "以下之一：violation（违章）、complaint（投诉）"
    )


def test_negative_count(tmp_path):
    tables = valid_tables()
    tables["exposure"].loc[4, "headcount"] = "-3"
    problems = failing(tmp_path, tables, "小于下限 0")
    assert where(problems, "range") == [("exposure.csv", 6, "headcount", "-3")]
    assert problems.loc[0, "expected_en"] == "≥ 0"


def test_duplicate_member_names_the_first_row(tmp_path):
    tables = valid_tables()
    tables["staff"].loc[3] = ["P0001", "张三", "01010102", "是", "", "", ""]
    tables["staff"].loc[4] = ["P0001", "张三", "01010102", "是", "", "", ""]
    problems = failing(tmp_path, tables, "与第 2 行重复")
    assert where(problems, "duplicate_key") == [
        ("staff.csv", 5, "person_id", "P0001"),
        ("staff.csv", 6, "person_id", "P0001"),
    ]
    assert problems["message_en"].tolist() == ["repeats row 2", "repeats row 2"]


def test_duplicate_key_after_normalising_quarters(tmp_path):
    tables = valid_tables()
    tables["points"].loc[2] = ["P0001", "2026年第3季度", "study", "1", "E1"]
    problems = failing(tmp_path, tables, "repeats row 2")
    assert where(problems, "duplicate_key") == [
        (
            "points.csv",
            4,
            "person_id, quarter, indicator, evidence_id",
            "P0001 | 2026年第3季度 | study | E1",
        )
    ]


def test_unknown_branch_code(tmp_path):
    tables = valid_tables()
    tables["staff"].loc[2, "unit_code"] = "01019999"
    problems = failing(tmp_path, tables, "not found in units.unit_code")
    assert where(problems, "reference") == [("staff.csv", 4, "unit_code", "01019999")]
    assert problems.loc[0, "hint_zh"] == "先在组织机构表中登记，或更正编号"


def test_code_that_lost_its_leading_zero(tmp_path):
    tables = valid_tables()
    tables["events"].loc[0, "unit_code"] = "10101"
    problems = failing(tmp_path, tables, "在组织机构表的单位编码中找不到")
    assert where(problems, "reference") == [("events.csv", 2, "unit_code", "10101")]
    assert problems.loc[0, "hint_zh"] == "可能是 Excel 去掉了前导零，应为 010101"
    assert problems.loc[0, "hint_en"].endswith("did you mean 010101?")


def test_event_person_must_exist_when_given(tmp_path):
    tables = valid_tables()
    tables["events"].loc[0, "person_id"] = "P9999"
    problems = failing(tmp_path, tables, "not found in staff.person_id")
    assert where(problems, "reference") == [("events.csv", 2, "person_id", "P9999")]


def test_staff_must_sit_in_a_branch(tmp_path):
    tables = valid_tables()
    tables["staff"].loc[0, "unit_code"] = "010101"
    problems = failing(tmp_path, tables, "该单位是县公司，应为党支部")
    assert where(problems, "unit_level") == [("staff.csv", 2, "unit_code", "010101")]
    assert problems.loc[0, "message_en"] == "the unit is a county, not a branch"


def test_unit_tree_levels(tmp_path):
    tables = valid_tables()
    units = tables["units"]
    units.loc[4, "parent_code"] = "01010101"  # a branch under another branch
    units.loc[0, "parent_code"] = "0101"  # a province with a parent
    units.loc[5] = ["0102", "乙市公司", "city", ""]  # a city without a parent
    problems = failing(tmp_path, tables, "党支部的上级不能是党支部")
    assert where(problems, "unit_tree") == [
        ("units.csv", 2, "parent_code", "0101"),
        ("units.csv", 6, "parent_code", "01010101"),
        ("units.csv", 7, "parent_code", ""),
    ]
    tree = problems[problems["rule"] == "unit_tree"]
    assert tree["message_zh"].tolist()[::2] == [
        "省公司不应有上级单位",
        "只有省公司可以没有上级单位",
    ]
    # A branch directly under a city company (its office branch) is fine.
    ok = valid_tables()
    ok["units"].loc[4, "parent_code"] = "0101"
    result = check_inputs(write_csv_folder(tmp_path / "ok", ok))
    assert "unit_tree" not in set(result.report.problems["rule"])
    # The province now hangs under its own city: both sit on a cycle.
    assert [r for _, r, _, _ in where(problems, "unit_cycle")] == [2, 3]


def test_unit_tree_needs_the_parent_column(tmp_path):
    tables = valid_tables()
    tables["units"] = tables["units"].drop(columns="parent_code")
    problems = failing(tmp_path, tables, "无法建立组织树")
    assert where(problems, "missing_column") == [("units.csv", None, "parent_code", "")]
    assert len(problems) == 1


def test_unit_tree_cycle(tmp_path):
    tables = valid_tables()
    units = tables["units"]
    units.loc[5] = ["0201", "丙县公司", "county", "0202"]
    units.loc[6] = ["0202", "丁县公司", "county", "0201"]
    problems = failing(tmp_path, tables, "上级单位链成环，到不了省公司")
    assert where(problems, "unit_cycle") == [
        ("units.csv", 7, "parent_code", "0202"),
        ("units.csv", 8, "parent_code", "0201"),
    ]


@pytest.mark.parametrize(
    ("table", "column", "value"),
    [
        ("events", "date", "2026-06-30"),
        ("points", "quarter", "2026Q2"),
        ("exam_responses", "quarter", "2026年第4季度"),
        ("kpis", "month", "2026-10"),
    ],
)
def test_facts_outside_the_months_of_exposure(tmp_path, table, column, value):
    tables = valid_tables()
    tables[table].loc[0, column] = value
    problems = failing(tmp_path, tables, "outside the periods being imported")
    assert where(problems, "outside_periods") == [(f"{table}.csv", 2, column, value)]
    expected = "2026Q3" if column == "quarter" else "2026-07 至 2026-09"
    assert problems.loc[0, "expected_zh"] == f"导入期间内：{expected}"


def test_periods_given_explicitly(tmp_path):
    tables = valid_tables()
    problems = failing(tmp_path, tables, "不在导入期间内", periods=["2026Q4"])
    assert set(problems["table"]) == {"points", "events", "exposure", "kpis", "exam_responses"}
    assert len(problems) == 2 + 2 + 6 + 1 + 1
    expected = problems.drop_duplicates("table").set_index("table")["expected_en"]
    assert expected["points"] == "inside the periods imported: 2026Q4"
    assert expected["events"] == "inside the periods imported: 2026-10 to 2026-12"


def test_periods_accepts_chinese_quarters_and_rejects_others(tmp_path):
    folder = write_csv_folder(tmp_path / "inputs")
    assert check_inputs(folder, periods="2026年第3季度").ok
    assert check_inputs(folder, periods=["2026Q3", "2026Q2"]).ok
    with pytest.raises(ParameterError, match="periods.*a quarter such as '2026Q3'"):
        check_inputs(folder, periods=["2026-09"])


def test_duplicate_column_is_reported(tmp_path):
    folder = write_csv_folder(tmp_path / "inputs")
    staff = pd.read_csv(folder / "staff.csv", dtype=str, keep_default_na=False)
    staff.insert(1, "人员编号", staff["person_id"])
    staff.to_csv(folder / "staff.csv", index=False)
    with pytest.raises(DataValidationError, match="都对应 person_id"):
        load_inputs(folder)


def test_unreadable_file_is_not_also_missing(tmp_path):
    folder = write_csv_folder(tmp_path / "inputs")
    (folder / "staff.csv").write_bytes(b"person_id\n\x80\xff\n")
    problems = check_inputs(folder).report.problems
    assert problems["rule"].tolist() == ["unreadable_file"]
    assert problems.loc[0, "message_en"] == "cannot read staff.csv: neither UTF-8 nor GBK/GB18030"


def test_every_rule_has_a_bilingual_name():
    assert all(zh and en for zh, en in RULES.values())


# ---------------------------------------------------------------------------------------
# the scenario of the "Done when"


def test_every_problem_is_listed_together(tmp_path):
    tables = valid_tables()
    tables["exposure"] = tables["exposure"].drop(columns="customers")  # missing column
    tables["exposure"].loc[2, "headcount"] = "-3"  # negative count
    tables["staff"].loc[3] = ["P0002", "赵六", "01010102", "否", "", "", ""]  # duplicate member
    tables["staff"].loc[1, "unit_code"] = "01019999"  # unknown branch
    tables["events"].loc[1, "date"] = "2026年13月1日"  # unparseable date
    folder = write_csv_folder(tmp_path / "inputs", tables)
    result = check_inputs(folder)
    assert result.dataset is None
    listed = result.report.problems[["file", "row", "column", "value", "rule"]]
    assert listed.astype(object).where(listed.notna(), None).values.tolist() == [
        ["staff.csv", 3, "unit_code", "01019999", "reference"],
        ["staff.csv", 5, "person_id", "P0002", "duplicate_key"],
        ["events.csv", 3, "date", "2026年13月1日", "type"],
        ["exposure.csv", None, "customers", "", "missing_column"],
        ["exposure.csv", 4, "headcount", "-3", "range"],
    ]
    text = str(result.report)
    assert (
        "校验未通过：共 5 个问题，涉及 3 个表 / validation failed: 5 problems in 3 tables" in text
    )
    with pytest.raises(DataValidationError) as info:
        load_inputs(folder)
    assert str(info.value) == text


# ---------------------------------------------------------------------------------------
# the report


def test_printed_table_puts_chinese_first_and_aligns_columns(tmp_path):
    tables = valid_tables()
    tables["exposure"].loc[4, "headcount"] = "-3"
    tables["events"].loc[1, "date"] = "2026年13月1日"
    folder = write_csv_folder(tmp_path / "inputs", tables, chinese=True)
    lines = str(check_inputs(folder).report).splitlines()
    start = lines.index(next(line for line in lines if line.startswith("文件")))
    header_zh, header_en, _, date_zh, date_en, count_zh, count_en = lines[start : start + 7]
    assert header_en.startswith("file")
    assert "不是有效日期；应为 日期" in date_zh and "not a valid date; expected" in date_en
    assert date_zh.startswith("事件.csv")
    assert "发生日期" in date_zh and "date" in date_en
    assert "小于下限 0" in count_zh and "below the minimum 0" in count_en
    # The problem column starts at the same screen column on every line (CJK = 2 cells).
    from assess.io.validation.report import _width

    starts = {
        _width(line[: line.index(m)])
        for line, m in [(header_zh, "问题"), (date_zh, "不是"), (count_en, "below")]
    }
    assert len(starts) == 1
    assert "修改建议 / how to fix:" in lines


def test_printed_table_is_capped(tmp_path):
    tables = valid_tables()
    extra = pd.DataFrame(
        {
            "person_id": "P0001",
            "quarter": "2026Q9",
            "indicator": [f"i{k}" for k in range(250)],
            "value": "1",
            "evidence_id": "",
        }
    )
    tables["points"] = pd.concat([tables["points"], extra], ignore_index=True)
    text = str(check_inputs(write_csv_folder(tmp_path / "inputs", tables)).report)
    assert "… 另有 50 个问题未显示；用 --problems 文件.xlsx 写出全部" in text
    assert "50 more not shown; --problems FILE.xlsx writes them all" in text
    assert text.count("not a valid quarter") == 200


def test_problems_frame_columns_are_identifiers(tmp_path):
    report = check_inputs(write_csv_folder(tmp_path / "inputs")).report
    assert report.ok and report.problems.empty
    assert tuple(report.problems.columns) == PROBLEM_COLUMNS
    assert all(c.isidentifier() for c in PROBLEM_COLUMNS)
    assert (
        str(report) == f"来源 / source: {tmp_path / 'inputs'}\n校验通过：未发现问题 / "
        "validation passed: no problems found"
    )


def _bad_report(tmp_path: Path) -> ValidationReport:
    tables = valid_tables()
    tables["staff"].loc[1, "name"] = "<b>"
    tables["staff"].loc[2, "unit_code"] = "<script>"
    return check_inputs(write_csv_folder(tmp_path / "inputs", tables)).report


def test_to_excel_writes_every_problem_with_chinese_headers(tmp_path):
    report = _bad_report(tmp_path)
    path = report.to_excel(tmp_path / "out" / "problems.xlsx")
    back = pd.read_excel(path, sheet_name=None, dtype=str)
    assert list(back) == ["问题清单", "汇总"]
    sheet = back["问题清单"]
    assert list(sheet.columns[:6]) == ["表名", "文件", "工作表", "行号", "英文列名", "列名"]
    assert sheet["表名"].tolist() == ["人员（staff）"]
    assert sheet["行号"].tolist() == ["4"]
    assert sheet["值"].tolist() == ["<script>"]
    assert back["汇总"]["问题数"].tolist() == ["1"]
    assert [p.name for p in path.parent.iterdir()] == ["problems.xlsx"]


def test_to_excel_keeps_formula_looking_values_as_text_readable_by_all(tmp_path):
    tables = valid_tables()
    tables["staff"].loc[2, "unit_code"] = '=HYPERLINK("http://x","y")'
    report = check_inputs(write_csv_folder(tmp_path / "inputs", tables)).report
    before = os.umask(0o022)
    try:
        path = report.to_excel(tmp_path / "problems.xlsx")
    finally:
        os.umask(before)
    assert path.stat().st_mode & 0o777 == 0o644  # as any new file, not owner-only
    sheet = openpyxl.load_workbook(path)["问题清单"]
    value = tables["staff"].loc[2, "unit_code"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == value]
    assert cells and all(c.data_type == "s" for c in cells)


def test_to_excel_never_overwrites_unless_asked(tmp_path):
    report = _bad_report(tmp_path)
    target = tmp_path / "problems.xlsx"
    target.write_text("keep me")
    with pytest.raises(InputError, match="文件已存在.*overwrite=True"):
        report.to_excel(target)
    assert target.read_text() == "keep me"
    report.to_excel(target, overwrite=True)
    assert len(pd.read_excel(target)) == 1
    with pytest.raises(ParameterError, match="ending in .xlsx"):
        report.to_excel(tmp_path / "problems.csv")


def test_html_repr_escapes_values(tmp_path):
    text = _bad_report(tmp_path)._repr_html_()
    assert "&lt;script&gt;" in text and "<script>" not in text
    assert "校验未通过" in text


def test_result_summary_lists_notes(tmp_path):
    result = check_inputs(write_csv_folder(tmp_path / "inputs", encoding="gb18030"))
    summary = result.summary()
    assert summary.index("校验通过") < summary.index("说明 / notes:")
    # Each file is detected on its own: ASCII-only files read as UTF-8.
    assert "按 UTF-8 编码读取：duties.csv" in summary
    assert "read as GB18030: events.csv" in summary
    assert "<li>" in result._repr_html_()


def test_input_errors_are_not_data_problems(tmp_path):
    with pytest.raises(InputError, match="path not found"):
        check_inputs(tmp_path / "nowhere")


def test_validate_works_on_raw_inputs(tmp_path):
    raw = read_inputs(write_csv_folder(tmp_path / "inputs"))
    raw.tables["points"].frame.loc[2, "value"] = "x"
    result = validate(raw)
    assert where(result.report.problems, "type") == [("points.csv", 2, "value", "x")]


# ---------------------------------------------------------------------------------------
# speed


@pytest.mark.slow
def test_province_sized_points_validate_in_seconds(tmp_path):
    import time

    rng = np.random.default_rng(7)
    n = 2_000_000
    tables = valid_tables()
    tables["points"] = pd.DataFrame(
        {
            "person_id": rng.choice(["P0001", "P0002", "P0003"], n),
            "quarter": "2026Q3",
            "indicator": "study",
            "value": rng.integers(0, 9, n).astype(str),
            "evidence_id": np.char.add("E", np.arange(n).astype(str)),
        }
    )
    folder = write_csv_folder(tmp_path / "inputs", tables)
    start = time.perf_counter()
    result = check_inputs(folder)
    assert result.ok
    assert time.perf_counter() - start < 60


# ---------------------------------------------------------------------------------------
# data that must not get in silently (issue 14)


def test_a_second_province_is_a_second_root(tmp_path):
    tables = valid_tables()
    tables["units"].loc[5] = ["02", "另一省公司", "province", ""]
    problems = failing(tmp_path, tables, "组织树有 2 个根：只能有一个省公司")
    assert where(problems, "unit_tree") == [("units.csv", 7, "unit_code", "02")]
    row = problems[problems["rule"] == "unit_tree"].iloc[0]
    assert row["message_en"] == "the tree has 2 roots: only one province is allowed"
    assert row["expected_en"] == "one province only (row 2: 01)"


def test_member_who_left_before_joining(tmp_path):
    tables = valid_tables()
    tables["staff"].loc[1, "left"] = "2019-12-31"  # joined 2020/1/6
    problems = failing(tmp_path, tables, "离职日期早于入职日期；应为 不早于入职日期")
    assert where(problems, "date_order") == [("staff.csv", 3, "left", "2019-12-31")]
    assert problems.loc[0, "message_en"] == "left is before joined"
    assert problems.loc[0, "expected_zh"] == "不早于入职日期（2020/1/6）"
    # Leaving on the day one joined is possible.
    tables["staff"].loc[1, "left"] = "2020-01-06"
    assert check_inputs(write_csv_folder(tmp_path / "same_day", tables)).ok


def test_problem_closed_before_it_was_found(tmp_path):
    tables = valid_tables()
    tables["problems"].loc[0, "closed_date"] = "2026-07-01"  # found 2026-07-02
    problems = failing(tmp_path, tables, "closed_date is before found_date")
    assert where(problems, "date_order") == [("problems.csv", 2, "closed_date", "2026-07-01")]


def test_dates_written_as_eight_digits_are_read_year_month_day_with_a_note(tmp_path):
    tables = valid_tables()
    tables["events"].loc[0, "date"] = "20260715"
    tables["problems"].loc[0, "due_date"] = "20261301"  # no 13th month: refused
    problems = failing(tmp_path, tables, "不是有效日期")
    assert where(problems, "type") == [("problems.csv", 2, "due_date", "20261301")]
    tables["problems"].loc[0, "due_date"] = "20260801"
    result = check_inputs(write_csv_folder(tmp_path / "ok", tables))
    assert result.ok, str(result.report)
    assert result.dataset.events["date"].iloc[0] == pd.Timestamp("2026-07-15")
    assert (
        "events.csv 列“date”：1 个日期写作 8 位数字（如 20260715），"
        "已按年月日读取（20260501 → 2026-05-01） / events.csv column date: 1 date written "
        "as 8 digits (e.g. 20260715) read as year, month, day (20260501 → 2026-05-01)"
    ) in result.notes


def test_full_width_digits_in_counts_and_codes_are_read_with_a_note(tmp_path):
    tables = valid_tables()
    tables["exposure"].loc[0, "headcount"] = "１２３"
    tables["events"].loc[1, "unit_code"] = "０１０１０１０２"
    result = check_inputs(write_csv_folder(tmp_path / "inputs", tables))
    assert result.ok, str(result.report)
    assert result.dataset.exposure["headcount"].iloc[0] == 123
    assert result.dataset.events["unit_code"].iloc[1] == "01010102"
    assert (
        "exposure.csv 列“headcount”：1 个值含全角字符，已转为半角（如 １２３ → 123） / "
        "exposure.csv column headcount: 1 full-width value read as ASCII (e.g. １２３ → 123)"
    ) in result.notes
    # Names keep their full-width punctuation: they are shown as written.
    tables["units"].loc[1, "unit_name"] = "甲市公司（试点）"
    result = check_inputs(write_csv_folder(tmp_path / "names", tables))
    assert result.dataset.units["unit_name"].iloc[1] == "甲市公司（试点）"


def test_utf8_read_as_latin1_and_saved_again_is_mojibake(tmp_path):
    tables = valid_tables()
    tables["units"]["unit_name"] = [
        v.encode().decode("latin-1") for v in tables["units"]["unit_name"]
    ]
    problems = failing(tmp_path, tables, "乱码：UTF-8 文本被当作 Latin-1 读取后又保存")
    garbled = problems[problems["rule"] == "garbled_text"]
    assert garbled["row"].tolist() == [2, 3, 4, 5, 6]
    assert garbled["message_en"].iloc[0] == "mojibake: UTF-8 text read as Latin-1 and saved again"
    assert garbled["hint_zh"].iloc[0].startswith("原文应为“省公司”；")


def test_replacement_characters_and_question_marks_are_garbled_text(tmp_path):
    tables = valid_tables()
    tables["staff"].loc[0, "name"] = "张\ufffd"
    tables["staff"].loc[1, "name"] = "??"
    problems = failing(tmp_path, tables, re.escape("含替换符 �、?? 或控制字符"))
    assert where(problems, "garbled_text") == [
        ("staff.csv", 2, "name", "张\ufffd"),
        ("staff.csv", 3, "name", "??"),
    ]


def test_header_only_file_of_a_required_table(tmp_path):
    tables = valid_tables()
    tables["events"] = tables["events"].iloc[:0]
    problems = failing(tmp_path, tables, "必需的表 事件（events）只有表头，没有数据行")
    assert where(problems, "empty_table") == [("events.csv", 2, "", "")]
    assert problems.loc[0, "message_en"] == (
        "required table events (事件) has a header but no data rows"
    )


def test_ignored_columns_and_sheets_are_in_the_notes(tmp_path):
    tables = valid_tables()
    tables["units"]["备注"] = "x"
    folder = write_csv_folder(tmp_path / "inputs", tables)
    (folder / "readme.txt").write_text("x", encoding="utf-8")
    result = check_inputs(folder)
    assert result.ok
    assert (
        "units.csv：已忽略规范外的列 备注 / units.csv: ignored columns outside the contract: 备注"
        in result.notes
    )
    assert "已忽略非 CSV 文件 readme.txt / ignored readme.txt: not a CSV file" in result.notes


def test_code_length_notes_warn_when_codes_lost_their_leading_zeros():
    from assess.io.validation import code_length_notes

    codes = pd.Series(["1", "101", "10101", "1010101"])
    (note,) = code_length_notes(codes, [2, 4, 6, 8])
    assert note == (
        "本次单位编码长度为 1、3、5、7 位，此前导入为 2、4、6、8 位：如非编码规则改变，"
        "可能是 Excel 去掉了前导零（如 1 应为 01） / unit codes have 1, 3, 5, 7 characters; "
        "earlier imports had 2, 4, 6, 8: unless the coding changed, Excel may have dropped "
        "leading zeros (e.g. 1 for 01)"
    )
    assert code_length_notes(codes, []) == ()  # a first import has nothing to compare
    assert code_length_notes(pd.Series(["01", "0101"]), [2, 4, 6, 8]) == ()


def test_import_warns_when_unit_codes_lost_their_leading_zeros(tmp_path):
    from assess.io.store import Store

    store = tmp_path / "store.duckdb"
    with Store.open(store) as opened:
        first = opened.import_dataset(load_inputs(write_csv_folder(tmp_path / "q3")))
        assert first.notes == ()
        # Every file lost the zeros alike: the tables agree, only the store can tell.
        tables = valid_tables()
        for frame in tables.values():
            for column in ("unit_code", "parent_code"):
                if column in frame:
                    frame[column] = frame[column].str.lstrip("0")
        bad = load_inputs(write_csv_folder(tmp_path / "bad", tables))
        second = opened.import_dataset(bad, replace=True)
    (note,) = second.notes
    assert note.startswith("本次单位编码长度为 1、3、5、7 位，此前导入为 2、4、6、8 位")
    assert "说明 / notes:\n  · 本次单位编码长度为" in second.summary()


def test_validate_and_import_print_what_was_ignored(tmp_path, capsys):
    from assess.cli import main

    tables = valid_tables()
    tables["units"]["备注"] = "x"
    folder = write_csv_folder(tmp_path / "inputs", tables)
    ignored = "units.csv: ignored columns outside the contract: 备注"
    assert main(["validate", str(folder)]) == 0
    assert ignored in capsys.readouterr().out
    assert main(["import", str(folder), "--store", str(tmp_path / "store.duckdb")]) == 0
    assert ignored in capsys.readouterr().out


def test_import_of_a_csv_with_nul_bytes_is_refused_before_the_store(tmp_path, capsys):
    from assess.cli import main

    folder = write_csv_folder(tmp_path / "inputs")
    staff = folder / "staff.csv"
    staff.write_bytes(staff.read_bytes().replace("张三".encode(), "张\x00三".encode()))
    store = tmp_path / "store.duckdb"
    assert main(["import", str(folder), "--store", str(store)]) == 1
    err = capsys.readouterr().err
    assert "无法读取 staff.csv：含 NUL 空字节（\\x00）：文件可能已损坏" in err
    assert "nothing was imported" in err and "Traceback" not in err
    assert not store.exists()
