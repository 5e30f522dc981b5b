"""`assess run`: the whole quarterly job on the small demo, and its refusals."""

from __future__ import annotations

import json

import openpyxl

from _report_support import make_template
from assess.cli import main


def test_run_writes_every_output_once(small_demo, tmp_path, capsys):
    store, out = tmp_path / "s.duckdb", tmp_path / "reports"
    args = [
        "run",
        str(small_demo),
        "--store",
        str(store),
        "--quarter",
        "2026Q3",
        "--reports",
        str(out),
        "--no-reports",
    ]
    assert main(args) == 0
    text = capsys.readouterr().out
    folder = out / "2026Q3"
    assert (folder / "季度考评_2026Q3.xlsx").exists()
    assert (
        "计算过程"
        in openpyxl.load_workbook(folder / "季度考评_2026Q3.xlsx", read_only=True).sheetnames
    )
    assert (folder / "每季一考_2026Q3.xlsx").exists()
    effect = json.loads((folder / "成效分析.json").read_text(encoding="utf-8"))
    assert set(effect) == {"complaint", "violation", "seed"}
    # The run's one seed (--seed, default 2026) is the campaign analysis's.
    assert effect["seed"] == 2026
    assert "全流程完成" in text and "appraisal workbook" in text
    # Outputs exist: a second run refuses before doing anything, then --overwrite replaces.
    before = (folder / "成效分析.json").stat().st_mtime_ns
    assert main(args) == 1
    assert "--overwrite" in capsys.readouterr().err
    assert (folder / "成效分析.json").stat().st_mtime_ns == before
    assert main([*args, "--overwrite"]) == 0


def test_run_renders_the_reports_with_one_index(small_demo, tmp_path, capsys):
    store, out = tmp_path / "s.duckdb", tmp_path / "reports"
    args = [
        "run",
        str(small_demo),
        "--store",
        str(store),
        "--quarter",
        "2026Q3",
        "--reports",
        str(out),
        "--workers",
        "1",
    ]
    assert main(args) == 0
    folder = out / "2026Q3" / "reports"
    index = (folder / "index.html").read_text(encoding="utf-8")
    htmls = sorted(p.name for p in folder.glob("*.html") if p.name != "index.html")
    assert any(n.startswith("quarterly_appraisal") for n in htmls)
    assert any(n.startswith("exam_analysis") for n in htmls)
    assert any(n.startswith("effect_analysis") for n in htmls)
    for name in htmls:
        assert name in index
    assert "report index" in capsys.readouterr().out


def test_a_failing_report_is_listed_and_the_others_are_written(
    small_demo, tmp_path, capsys, monkeypatch
):
    # A broken exam template, found before the shipped one.
    make_template(
        tmp_path / "templates" / "exam_analysis.ipynb",
        'quarter: str = "2026Q3"  # 季度 / quarter\nunit: str = "00"  # 单位 / unit\n'
        'store: str = ""  # 数据库 / store',
        'raise RuntimeError("考试模板坏了 / broken exam template")',
    )
    monkeypatch.setenv("ASSESS_TEMPLATES", str(tmp_path / "templates"))
    out = tmp_path / "reports"
    args = ["run", str(small_demo), "--store", str(tmp_path / "s.duckdb"), "--quarter", "2026Q3"]
    assert main([*args, "--reports", str(out), "--workers", "2"]) == 1
    printed = capsys.readouterr().out
    assert "有 1 份报告失败：exam_analysis_2026Q3_00" in printed
    folder = out / "2026Q3" / "reports"
    failures = json.loads((folder / "failures.json").read_text(encoding="utf-8"))
    assert [f["report"] for f in failures] == ["exam_analysis_2026Q3_00"]
    assert "考试模板坏了" in failures[0]["error"]
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert index.count('<tr class="failed">') == 1 and "考试模板坏了" in index
    assert list(folder.glob("quarterly_appraisal_2026Q3_*.html"))
    assert list(folder.glob("effect_analysis_*.html"))
