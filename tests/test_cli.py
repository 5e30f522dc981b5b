"""The `assess` command end to end: demo → validate → import → read back, and the errors."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from scipy import stats

from assess.cli import main
from assess.io.store import Store, read_store
from assess.io.validation import load_inputs


def test_help_version_and_usage_errors(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for command in ("demo", "validate", "import", "score", "exam", "effect", "run"):
        assert command in out
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0 and "assess" in capsys.readouterr().out
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2


def _broken_copy(small_demo, tmp_path):
    folder = tmp_path / "broken"
    shutil.copytree(small_demo, folder)
    read = {
        name: pd.read_csv(
            folder / f"{name}.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig"
        )
        for name in ("staff", "exposure", "events", "kpis")
    }
    read["kpis"] = read["kpis"].drop(columns="value")  # a missing column
    read["exposure"].loc[3, "work_tickets"] = "-4"  # a negative count (CSV row 5)
    staff = read["staff"]
    read["staff"] = pd.concat([staff, staff.iloc[[10]]], ignore_index=True)  # duplicate member
    read["staff"].loc[0, "unit_code"] = "999999"  # an unknown branch (CSV row 2)
    read["events"].loc[7, "date"] = "2026年13月45日"  # an unparseable date (CSV row 9)
    for name, frame in read.items():
        frame.to_csv(folder / f"{name}.csv", index=False, encoding="utf-8-sig")
    return folder, len(staff) + 2, staff.loc[10, "person_id"]


def test_validate_lists_every_problem_with_file_row_and_column(small_demo, tmp_path, capsys):
    folder, dup_row, dup_id = _broken_copy(small_demo, tmp_path)
    problems_file = tmp_path / "problems.xlsx"
    assert main(["validate", str(folder), "--problems", str(problems_file)]) == 1
    out = capsys.readouterr().out
    assert "Traceback" not in out
    problems = pd.read_excel(problems_file, sheet_name=0, dtype=str)
    rows = {(r["文件"], r["行号"], r["英文列名"]) for _, r in problems.fillna("").iterrows()}
    assert ("kpis.csv", "", "value") in rows
    assert ("exposure.csv", "5", "work_tickets") in rows
    assert ("staff.csv", str(dup_row), "person_id") in rows
    assert ("staff.csv", "2", "unit_code") in rows
    assert ("events.csv", "9", "date") in rows
    assert dup_id in out and "2026年13月45日" in out and "999999" in out
    # Import refuses the same folder and writes nothing.
    store = tmp_path / "s.duckdb"
    assert main(["import", str(folder), "--store", str(store)]) == 1
    err = capsys.readouterr().err
    assert "nothing was imported" in err and "Traceback" not in err
    assert not store.exists()


def test_demo_validate_import_read_back_round_trip(small_demo, tmp_path, capsys):
    store = tmp_path / "s.duckdb"
    assert main(["validate", str(small_demo)]) == 0
    assert main(["import", str(small_demo), "--store", str(store)]) == 0
    original = load_inputs(small_demo)
    back = read_store(store)
    for name, frame in original.items():
        key = list(__import__("assess").TABLES[name].key)
        pd.testing.assert_frame_equal(
            back.table(name).sort_values(key).reset_index(drop=True),
            frame.sort_values(key).reset_index(drop=True),
            check_like=False,
        )
    # Idempotent: the same files again add nothing.
    capsys.readouterr()
    assert main(["import", str(small_demo), "--store", str(store)]) == 0
    assert "unchanged" in capsys.readouterr().out
    with Store.open(store, read_only=True) as s:
        assert len(s.imports()) == 1


def test_changed_quarter_needs_replace_and_keeps_the_old_revision(small_demo, tmp_path, capsys):
    store = tmp_path / "s.duckdb"
    assert main(["import", str(small_demo), "--store", str(store)]) == 0
    changed = tmp_path / "changed"
    shutil.copytree(small_demo, changed)
    exposure = pd.read_csv(changed / "exposure.csv", dtype=str, encoding="utf-8-sig")
    row = exposure.index[exposure["month"] == "2026-08"][0]
    exposure.loc[row, "customers"] = str(int(exposure.loc[row, "customers"]) + 1)
    exposure.to_csv(changed / "exposure.csv", index=False, encoding="utf-8-sig")
    capsys.readouterr()
    assert main(["import", str(changed), "--store", str(store)]) == 1
    err = capsys.readouterr().err
    assert "2026Q3" in err and "--replace" in err
    assert main(["import", str(changed), "--store", str(store), "--replace"]) == 0
    with Store.open(store, read_only=True) as s:
        first, second = s.imports()["import_id"].tolist()
        old = s.read("exposure", import_id=first).exposure
        new = s.read("exposure").exposure
    key = ["unit_code", "month"]
    diff = old.set_index(key)["customers"] - new.set_index(key)["customers"]
    assert diff.abs().sum() == 1


def test_excel_workbook_demo_validates(tmp_path, capsys):
    out = tmp_path / "xlsx"
    assert main(["demo", "--out", str(out), "--size", "small", "--format", "xlsx"]) == 0
    assert main(["validate", str(out / "inputs.xlsx")]) == 0
    assert main(["demo", "--out", str(out), "--size", "small"]) == 1
    assert "--overwrite" in capsys.readouterr().err


def test_effect_yoy_json_matches_the_exact_binomial_test(capsys):
    assert main(["effect", "yoy", "--before", "120", "--after", "108", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    exact = next(m for m in result["methods"] if m["method"] == "exact-cond")
    # Conditional on the total, the later count is binomial with p = 1/2 under no change.
    reference = stats.binomtest(108, 228, 0.5)
    assert exact["p_value"] == pytest.approx(reference.pvalue, rel=1e-9)
    low, high = reference.proportion_ci(0.95, method="exact")
    assert exact["ci_low"] == pytest.approx(low / (1 - low), rel=1e-9)
    assert exact["ci_high"] == pytest.approx(high / (1 - high), rel=1e-9)
    assert exact["estimate"] == pytest.approx(0.9)
    assert main(["effect", "yoy", "--before", "120", "--after", "108"]) == 0
    text = capsys.readouterr().out
    assert "无法区分" in text and "cannot be distinguished" in text


def test_exam_and_track_commands(small_dataset, tmp_path, capsys):
    store = tmp_path / "s.duckdb"
    with Store.open(store) as s:
        s.import_dataset(small_dataset)
    book = tmp_path / "exam.xlsx"
    assert main(["exam", "--quarter", "2026Q3", "--store", str(store), "--out", str(book)]) == 0
    out = capsys.readouterr().out
    assert "薄弱板块：党规" in out and "Weak sections: 党规" in out
    assert pd.ExcelFile(book).sheet_names[:2] == ["说明", "汇总"]
    track = tmp_path / "track.xlsx"
    assert main(["track", "--as-of", "2026-09-30", "--store", str(store), "--out", str(track)]) == 0
    out = capsys.readouterr().out
    assert "红色" in out and "Red" in out
    # Problems and duties by unit on sheets of their own (one name used to hide the other).
    names = pd.ExcelFile(track).sheet_names
    assert names[0] == "说明" and {"问题按单位", "任务按单位", "项目汇总"} <= set(names)
