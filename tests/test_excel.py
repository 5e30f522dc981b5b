"""Workbooks: tables longer than a sheet continue on further sheets, read back whole."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest

from assess.errors import InputError
from assess.excel import write_workbook


def read_back(path, names):
    """Rows of the named sheets after each header, with openpyxl (not our writer)."""
    book = openpyxl.load_workbook(path, read_only=True)
    rows, header = [], None
    for name in names:
        values = list(book[name].iter_rows(values_only=True))
        at = next(i for i, row in enumerate(values) if row and row[0] == "id")
        header = values[at]
        rows.extend(values[at + 1 :])
    return pd.DataFrame(rows, columns=header), book.sheetnames


def test_a_long_table_continues_on_numbered_sheets(tmp_path):
    frame = pd.DataFrame(
        {
            "id": [f"{i:04d}" for i in range(25)],
            "value": np.arange(25) * 0.5,
            "count": np.arange(25),
            "text": ["=1+1" if i == 17 else f"行{i}" for i in range(25)],
        }
    )
    frame.loc[3, "value"] = np.nan
    path = write_workbook(
        tmp_path / "book.xlsx",
        {"计算过程": frame, "权重": frame.head(2)},
        notes={"计算过程": ["规则一", "规则二"]},
        max_rows=10,
    )
    # 10 rows a sheet: 2 notes + header + 7 rows, then 1 line + header + 8 rows each.
    names = ["计算过程", "计算过程（续2）", "计算过程（续3）", "计算过程（续4）"]
    back, sheets = read_back(path, names)
    assert sheets == [*names, "权重"]
    assert len(back) == 25
    assert back["id"].tolist() == frame["id"].tolist()
    assert back["count"].tolist() == list(range(25))
    assert back["value"].isna().tolist() == frame["value"].isna().tolist()
    assert np.allclose(back["value"].dropna(), frame["value"].dropna())
    assert back.loc[17, "text"] == "=1+1"  # text, never a formula
    book = openpyxl.load_workbook(path)
    assert book["计算过程（续4）"]["A1"].value.startswith("续表：第 4/4 部分")
    assert book["计算过程（续3）"].max_row == 10
    assert book["计算过程（续4）"]["D1"].value is None
    assert book["计算过程（续3）"]["D5"].data_type == "s"  # row 17 of the table


def test_a_table_that_fits_stays_on_one_sheet_and_nothing_is_overwritten(tmp_path):
    frame = pd.DataFrame({"id": ["a", "b"], "value": [1.0, 2.0]})
    path = write_workbook(tmp_path / "one.xlsx", {"表": frame}, max_rows=3)
    assert openpyxl.load_workbook(path).sheetnames == ["表"]
    with pytest.raises(InputError, match="已存在.*already exists"):
        write_workbook(path, {"表": frame})
    with pytest.raises(InputError, match="说明行.*notes of sheet"):
        write_workbook(tmp_path / "x.xlsx", {"表": frame}, notes={"表": ["a"] * 3}, max_rows=3)
