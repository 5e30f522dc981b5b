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
