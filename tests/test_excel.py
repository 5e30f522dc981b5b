"""Workbooks: a table longer than a sheet goes to a CSV beside the workbook, read back whole."""

from __future__ import annotations

import os

import numpy as np
import openpyxl
import pandas as pd
import pytest

from assess.core.errors import InputError
from assess.core.excel import write_workbook


@pytest.fixture
def frame():
    table = pd.DataFrame(
        {
            "id": [f"{i:04d}" for i in range(25)],
            "value": np.arange(25) * 0.5 - 3,
            "count": np.arange(25),
            "text": ["=1+1" if i == 17 else f"行{i}" for i in range(25)],
        }
    )
    table.loc[3, "value"] = np.nan
    return table


def test_a_table_longer_than_a_sheet_is_saved_as_csv_beside_the_workbook(frame, tmp_path):
    path = write_workbook(
        tmp_path / "book.xlsx",
        {"计算过程": frame, "权重": frame.head(2)},
        notes={"计算过程": ["规则一", "规则二"]},
        max_rows=10,
    )
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["计算过程", "权重"]
    lines = [row[0] for row in book["计算过程"].iter_rows(values_only=True)]
    assert lines[:2] == ["规则一", "规则二"]
    assert "本表共 25 行" in lines[2] and "book_计算过程.csv" in lines[2]
    assert book["权重"].max_row == 3  # header and two rows stay in the workbook
    csv = tmp_path / "book_计算过程.csv"
    assert csv.read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads it as UTF-8
    back = pd.read_csv(csv, encoding="utf-8-sig", dtype={"id": str})
    assert back["id"].tolist() == frame["id"].tolist()
    assert back["count"].tolist() == list(range(25))
    assert np.allclose(back["value"], frame["value"], equal_nan=True)
    # Text Excel would run as a formula is kept as text with an apostrophe (OWASP).
    assert back.loc[17, "text"] == "'=1+1" and back.loc[16, "text"] == "行16"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx", "book_计算过程.csv"]


def test_nothing_is_overwritten_unasked_not_even_the_csv(frame, tmp_path):
    (tmp_path / "book_计算过程.csv").write_text("old", encoding="utf-8")
    with pytest.raises(InputError, match="book_计算过程.csv 已存在.*already exists"):
        write_workbook(tmp_path / "book.xlsx", {"计算过程": frame}, max_rows=10)
    assert not (tmp_path / "book.xlsx").exists()
    assert (tmp_path / "book_计算过程.csv").read_text(encoding="utf-8") == "old"
    write_workbook(tmp_path / "book.xlsx", {"计算过程": frame}, max_rows=10, overwrite=True)
    assert len(pd.read_csv(tmp_path / "book_计算过程.csv", encoding="utf-8-sig")) == 25


def test_a_table_that_fits_stays_in_the_workbook(frame, tmp_path):
    before = os.umask(0o022)
    try:
        path = write_workbook(tmp_path / "one.xlsx", {"表": frame})
    finally:
        os.umask(before)
    assert path.stat().st_mode & 0o777 == 0o644  # as any new file, not owner-only
    book = openpyxl.load_workbook(path)
    rows = list(book["表"].iter_rows(values_only=True))
    assert rows[0] == ("id", "value", "count", "text") and len(rows) == 26
    assert rows[1] == ("0000", -3.0, 0, "行0") and rows[4][1] is None
    assert book["表"]["D19"].data_type == "s" and book["表"]["D19"].value == "=1+1"
    assert [p.name for p in tmp_path.iterdir()] == ["one.xlsx"]


def test_numbers_stay_numbers_and_show_by_their_meaning(tmp_path):
    from assess.core.excel import DECIMAL, P_VALUE, PERCENT, workbook_sheet

    raw = pd.DataFrame(
        {
            "unit_code": ["0101", "0102"],
            "unit_name": ["福源县供电公司", "泰桥县供电公司"],
            "takers": [12, 30],
            "pass_rate": [0.75, 0.9],
            "pass_ci_low": [0.47, 0.74],
            "score_mean": [3.810000000000002, 80.0],
            "p_value": [0.0004, 0.047],
            "stars": [3, 5],
            "significant": [True, False],
        }
    )
    sheet = workbook_sheet(raw, description="各单位合格率")
    path = write_workbook(tmp_path / "b.xlsx", {"汇总": sheet})
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["说明", "汇总"]
    ws = book["汇总"]
    header = [c.value for c in ws[1]]
    assert header == [
        "单位编码",
        "单位名称",
        "参考",
        "合格率",
        "合格率区间下限",
        "平均分",
        "p 值",
        "星级",
        "显著",
    ]
    by_key = dict(zip(raw.columns, ws[2], strict=True))
    assert by_key["pass_rate"].value == 0.75 and by_key["pass_rate"].number_format == PERCENT
    assert by_key["pass_ci_low"].number_format == PERCENT
    assert by_key["score_mean"].value == 3.810000000000002  # the value is kept exactly
    assert by_key["score_mean"].number_format == DECIMAL
    assert by_key["p_value"].number_format == P_VALUE
    assert by_key["takers"].value == 12 and by_key["takers"].number_format == "General"
    assert by_key["stars"].value == "三星" and by_key["significant"].value == "是"
    assert by_key["unit_code"].value == "0101"  # codes stay text
    about = list(book["说明"].iter_rows(values_only=True))
    assert about[0][0] == "工作簿说明" and about[1][0] == "生成时间"
    assert ("汇总", "各单位合格率", 2) in about


def test_the_readme_sheet_names_the_facts_and_each_sheet(frame, tmp_path):
    path = write_workbook(
        tmp_path / "b.xlsx",
        {"计算过程": frame, "权重": frame.head(2)},
        about={"季度": "2026Q3", "评分方案": "示例方案"},
        max_rows=10,
    )
    rows = list(openpyxl.load_workbook(path)["说明"].iter_rows(values_only=True))
    assert rows[1][:2] == ("季度", "2026Q3") and rows[2][:2] == ("评分方案", "示例方案")
    assert rows[3][0] == "生成时间" and "(UTC" in rows[3][1]
    spilled = next(r for r in rows if r[0] == "计算过程")
    assert spilled[1].endswith("（数据另存为 b_计算过程.csv）")
    assert spilled[2] == 25
    assert next(r for r in rows if r[0] == "权重")[2] == 2
    # Without facts or descriptions no readme is added.
    plain = write_workbook(tmp_path / "c.xlsx", {"表": frame})
    assert openpyxl.load_workbook(plain).sheetnames == ["表"]


def test_the_appraisal_workbook_reads_as_a_document(small_dataset, tmp_path):
    import warnings

    from assess.appraisal.scoring import score_quarter

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        appraisal = score_quarter(small_dataset, quarter="2026Q3")
    book = openpyxl.load_workbook(appraisal.to_excel(tmp_path / "a.xlsx"))
    about = {r[0]: r[1] for r in book["说明"].iter_rows(values_only=True) if r[0]}
    assert about["季度"] == "2026Q3" and appraisal.scheme.sha256 in about["评分方案"]
    assert about["党员"].startswith("每名党员") and about["计算过程"].endswith("可逐人复算先锋指数")
    stars = book["支部星级"]
    header = [c.value for c in stars[1]]
    assert header[:2] == ["单位编码", "所在支部"]
    first = dict(zip(header, stars[2], strict=True))
    table = appraisal.stars.table.reset_index()
    code = first["单位编码"].value
    expected = table.set_index("unit_code").loc[code]
    names = appraisal.members.drop_duplicates("unit_code").set_index("unit_code")["branch_name"]
    assert first["所在支部"].value == names[code]
    assert (
        first["星级"].value == ["未评星", "一星", "二星", "三星", "四星", "五星"][expected["stars"]]
    )
    assert first["每季一考参考率"].number_format == "0.0%"
    assert first["每季一考参考率"].value == pytest.approx(expected["exam_participation"])
    assert first["党员人数"].number_format == "General"
    weights = book["权重"]
    header = [c.value for c in weights[1]]
    assert dict(zip(header, weights[2], strict=True))["权重"].number_format == "0.0000"
