"""Reading CSV folders and Excel workbooks as text with the rows users see."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from assess.core.errors import InputError
from assess.io.readers import read_inputs

UNITS_EN = "unit_code,unit_name,level,parent_code\n01,省公司,province,\n0101,甲市公司,city,01\n"
UNITS_ZH = "单位编码,单位名称,层级,上级单位编码\n01,省公司,省公司,\n0101,甲市公司,市公司,01\n"


def write(folder, name, text, encoding="utf-8"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(text.encode(encoding))
    return folder


def test_codes_stay_text_and_rows_keep_excel_numbers(tmp_path):
    text = "unit_code,unit_name,level\n0101,甲, city \n\n  ,   ,\n00201,乙,county\n"
    raw = read_inputs(write(tmp_path, "units.csv", text))
    units = raw.tables["units"]
    # Row 3 is blank and row 4 holds only spaces: both are dropped, numbering is kept.
    assert units.frame.index.tolist() == [2, 5]
    assert units.frame.index.name == "row"
    assert units.frame["unit_code"].tolist() == ["0101", "00201"]
    assert units.frame["level"].tolist() == ["city", "county"]
    assert units.file_name == "units.csv"
    assert units.sheet == ""
    assert units.encoding == "UTF-8"


def test_empty_cells_are_missing_and_text_is_not_interpreted(tmp_path):
    text = "unit_code,unit_name,level,parent_code\n0101,NA,city,\n"
    frame = read_inputs(write(tmp_path, "units.csv", text)).tables["units"].frame
    assert frame.loc[2, "unit_name"] == "NA"
    assert pd.isna(frame.loc[2, "parent_code"])
    assert str(frame["unit_code"].dtype) == "str"


def test_utf8_bom_csv_with_chinese_headers(tmp_path):
    raw = read_inputs(write(tmp_path, "units.csv", UNITS_ZH, encoding="utf-8-sig"))
    units = raw.tables["units"]
    assert units.encoding == "UTF-8 (BOM)"
    # The byte-order mark must not stick to the first header.
    assert units.headers["unit_code"] == "单位编码"
    assert units.frame["unit_code"].tolist() == ["01", "0101"]
    assert any("UTF-8 (BOM)" in note and "units.csv" in note for note in raw.notes)


def test_gbk_csv_with_chinese_file_name(tmp_path):
    raw = read_inputs(write(tmp_path, "组织机构.csv", UNITS_ZH, encoding="gbk"))
    units = raw.tables["units"]
    assert units.encoding == "GB18030"
    assert units.frame["unit_name"].tolist() == ["省公司", "甲市公司"]
    assert units.frame["level"].tolist() == ["省公司", "市公司"]
    assert units.headers == {
        "unit_code": "单位编码",
        "unit_name": "单位名称",
        "level": "层级",
        "parent_code": "上级单位编码",
    }
    assert any(note.startswith("按 GB18030 编码读取：组织机构.csv") for note in raw.notes)


def test_header_spellings(tmp_path):
    text = "Unit_Code,单位 名称,层级(level),上级单位编码（parent_code）\n0101,甲,city,01\n"
    units = read_inputs(write(tmp_path, "UNITS.csv", text)).tables["units"]
    assert list(units.frame.columns) == ["unit_code", "unit_name", "level", "parent_code"]
    assert units.headers["level"] == "层级(level)"


def test_unknown_columns_files_and_sheets_are_noted(tmp_path):
    write(tmp_path, "units.csv", "unit_code,备注,unit_name\n01,x,省公司\n")
    write(tmp_path, "other.csv", "a\n1\n")
    write(tmp_path, "readme.txt", "hello")
    raw = read_inputs(tmp_path)
    assert list(raw.tables) == ["units"]
    assert list(raw.tables["units"].frame.columns) == ["unit_code", "unit_name"]
    notes = "\n".join(raw.notes)
    assert "units.csv：已忽略规范外的列 备注" in notes
    assert "ignored file other.csv: not a table of the data contract" in notes
    assert "ignored readme.txt: not a CSV file" in notes


def test_values_without_a_header_are_noted_by_column_letter(tmp_path):
    raw = read_inputs(write(tmp_path, "units.csv", "unit_code,,\n01,,stray\n"))
    assert any("已忽略规范外的列 C" in note for note in raw.notes)


def test_two_headers_for_one_column(tmp_path):
    raw = read_inputs(write(tmp_path, "units.csv", "unit_code,单位编码\n01,02\n"))
    (problem,) = raw.problems
    assert problem.rule == "duplicate_column"
    assert (problem.file.endswith("units.csv"), problem.row, problem.column) == (
        True,
        1,
        "unit_code",
    )
    assert problem.message_zh == "B 列“单位编码”与 A 列“unit_code”都对应 unit_code"
    assert raw.tables["units"].frame["unit_code"].tolist() == ["01"]


def test_two_files_for_one_table(tmp_path):
    write(tmp_path, "units.csv", UNITS_EN)
    write(tmp_path, "组织机构.csv", UNITS_ZH)
    raw = read_inputs(tmp_path)
    (problem,) = raw.problems
    assert problem.rule == "duplicate_table"
    assert "units.csv 与 组织机构.csv 都是表 组织机构（units）" == problem.message_zh


def test_ragged_row_is_reported_with_its_row(tmp_path):
    raw = read_inputs(write(tmp_path, "units.csv", "unit_code,unit_name\n01,a\n02,b,c\n"))
    assert "units" not in raw.tables
    (problem,) = raw.problems
    assert (problem.rule, problem.row) == ("unreadable_file", 3)
    assert problem.message_en == "cannot read units.csv: the row has 3 fields, more than the header"


def test_undecodable_csv_is_a_problem_not_a_crash(tmp_path):
    (tmp_path / "units.csv").write_bytes(b"unit_code\n\x80\xff\n")
    raw = read_inputs(tmp_path)
    (problem,) = raw.problems
    assert problem.message_zh == "无法读取 units.csv：既不是 UTF-8 也不是 GBK/GB18030 编码"


def test_excel_workbook_with_chinese_sheets_and_typed_cells(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "人员"
    sheet.append(["人员编号", "姓名", "所在支部编码", "是否党员", "入职日期", "岗位"])
    sheet.append(["0001", "张三", "01010101", True, dt.datetime(2026, 5, 1), 3.0])
    sheet.append([])
    sheet.append([17, "李四", "01010101", "否", dt.datetime(2026, 5, 1, 8, 30), 2.5])
    book.create_sheet("说明").append(["这是说明"])
    path = tmp_path / "inputs.xlsx"
    book.save(path)

    raw = read_inputs(path)
    staff = raw.tables["staff"]
    assert (raw.kind, staff.sheet, staff.file_name) == ("xlsx", "人员", "inputs.xlsx")
    assert staff.source == f"{path}#人员"
    assert staff.frame.index.tolist() == [2, 4]
    assert staff.frame.loc[2].tolist() == ["0001", "张三", "01010101", "true", "2026-05-01", "3"]
    assert staff.frame.loc[4].tolist() == [
        "17",
        "李四",
        "01010101",
        "否",
        "2026-05-01 08:30:00",
        "2.5",
    ]
    assert any("ignored sheet 说明" in note for note in raw.notes)


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("missing", "找不到路径"),
        ("units.csv", "是单个 CSV 文件：请传入存放全部 CSV 文件的文件夹"),
        ("old.xls", "save it as .xlsx in Excel"),
        ("notes.txt", "neither a folder of CSV files nor an .xlsx workbook"),
    ],
)
def test_unusable_paths(tmp_path, name, match):
    if name != "missing":
        (tmp_path / name).write_text("x")
    with pytest.raises(InputError, match=match):
        read_inputs(tmp_path / name)


def test_folder_without_csv_files(tmp_path):
    with pytest.raises(InputError, match="holds no CSV file"):
        read_inputs(tmp_path)


def test_damaged_workbook(tmp_path):
    (tmp_path / "book.xlsx").write_bytes(b"not a zip file")
    with pytest.raises(InputError, match="无法打开工作簿"):
        read_inputs(tmp_path / "book.xlsx")


def test_nul_bytes_are_a_problem_naming_the_row(tmp_path):
    (tmp_path / "units.csv").write_bytes(UNITS_EN.replace("甲市", "甲\x00市").encode())
    raw = read_inputs(tmp_path)
    assert "units" not in raw.tables
    (problem,) = raw.problems
    assert (problem.rule, problem.row) == ("unreadable_file", 3)
    assert problem.message_zh == "无法读取 units.csv：含 NUL 空字节（\\x00）：文件可能已损坏"
    assert (
        problem.message_en
        == "cannot read units.csv: it holds NUL bytes (\\x00): the file may be damaged"
    )
    assert problem.hint_en == "save it from Excel as 'CSV UTF-8'"


def test_utf16_file_is_named_as_such(tmp_path):
    (tmp_path / "units.csv").write_bytes(UNITS_EN.encode("utf-16"))
    (problem,) = read_inputs(tmp_path).problems
    assert (
        problem.message_en
        == "cannot read units.csv: it holds NUL bytes (\\x00): it is a UTF-16 file"
    )


def test_latin1_file_read_as_gb18030_gives_rare_characters(tmp_path):
    text = "unit_code,unit_name\n01,Müller\n02,Brändle\n03,Gößl\n04,Zürich\n"
    (tmp_path / "units.csv").write_bytes(text.encode("latin-1"))
    (problem,) = read_inputs(tmp_path).problems
    assert problem.message_en == (
        "cannot read units.csv: decoded as GBK/GB18030 it gives mostly rare characters "
        "(e.g. 黮鋘黵): it is in another encoding, such as Latin-1"
    )
    # A GBK file of Chinese names, one with a rare character (喆), reads as it should.
    names = "unit_code,unit_name,level\n01,王喆公司,province\n02,第一党支部,branch\n"
    (tmp_path / "units.csv").write_bytes(names.encode("gb18030"))
    raw = read_inputs(tmp_path)
    assert raw.problems == ()
    assert raw.tables["units"].frame["unit_name"].tolist() == ["王喆公司", "第一党支部"]
