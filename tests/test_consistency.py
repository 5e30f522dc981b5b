"""One truth in every output: the demo batch of ``assess run`` agrees with itself.

The small demo is run as ``assess run`` runs it (import, one scoring published, the
workbooks, the campaign JSON, the city reports, the exam and effect reports and the
index). Every member and unit that appears in more than one output — report HTML, report
JSON, the appraisal workbook's sheets, the index — must carry the same numbers as
printed (the same rounding), and one run must give one answer to each random check.
The expected values are read from the workbook and the JSON files with openpyxl, json
and lxml, not from the library's objects.
"""

from __future__ import annotations

import json
from collections import Counter

import openpyxl
import pytest
from lxml import html as lxml_html

from assess.core.formatting import number, percent
from assess.pipeline import run_quarter
from assess.report.appraisal_sections import LABELS
from assess.report.privacy import mask_id

QUARTER, SEED = "2026Q3", 314


@pytest.fixture(scope="module")
def run(small_demo, tmp_path_factory):
    root = tmp_path_factory.mktemp("consistency")
    summary = run_quarter(
        small_demo,
        store=root / "s.duckdb",
        quarter=QUARTER,
        out_dir=root / "out",
        level="city",
        workers=2,
        seed=SEED,
    )
    assert summary.failed_reports == ()
    return summary.out_dir


def _sheet(path, name):
    """A workbook sheet as a list of dicts keyed by its (Chinese) header row."""
    sheet = openpyxl.load_workbook(path, read_only=True)[name]
    rows = sheet.iter_rows(values_only=True)
    head = next(rows)
    return [dict(zip(head, r, strict=True)) for r in rows]


def _tables(page):
    """Every table of a page as (header texts, rows of cell texts)."""
    out = []
    for table in lxml_html.fromstring(page).iter("table"):
        head = [" ".join(th.text_content().split()) for th in table.iter("th")]
        rows = [[td.text_content().strip() for td in tr.iter("td")] for tr in table.iter("tr")]
        out.append((head, [r for r in rows if r]))
    return out


def _reports(folder, prefix):
    return sorted(folder.glob(f"{prefix}*.json"))


def _under(units, code):
    inside = {code}
    while True:
        more = {u for u, p in units if p in inside} - inside
        if not more:
            return inside
        inside |= more


def test_members_and_units_print_the_same_everywhere(run):
    folder = run / "reports"
    members = _sheet(run / f"季度考评_{QUARTER}.xlsx", "党员")
    by_mask = Counter((mask_id(m["人员编号"]), m["所在支部"]) for m in members)
    known = {
        (mask_id(m["人员编号"]), m["所在支部"]): m
        for m in members
        if by_mask[(mask_id(m["人员编号"]), m["所在支部"])] == 1
    }
    index_page = (folder / "index.html").read_text(encoding="utf-8")
    index_rows = {}
    for head, rows in _tables(index_page):
        for row in rows:
            index_rows[row[0]] = dict(zip(head, row, strict=False))
    reports = _reports(folder, "quarterly_appraisal")
    assert len(reports) >= 2
    checked_members = 0
    for path in reports:
        saved = json.loads(path.read_text(encoding="utf-8"))
        results = saved["results"]
        unit = saved["provenance"]["parameters"]["unit"]
        # One seed for the whole run, recorded in every report.
        assert saved["provenance"]["parameters"]["seed"] == SEED
        page = path.with_suffix(".html").read_text(encoding="utf-8")
        # The unit's members in the workbook: branches whose code starts under the unit.
        mine = [m for m in members if m["单位编码"].startswith(unit) or unit == "00"]
        assert results["members"] == len(mine)
        grades = Counter(m["等次"] for m in mine)
        assert results["grades"] == dict(grades)
        mean = sum(m["先锋指数"] for m in mine) / len(mine)
        tables = _tables(page)
        key = next(rows for head, rows in tables if head and head[0].startswith("指标"))
        figures = {r[0]: r[1] for r in key}
        assert figures["参评党员（人）"] == number(len(mine))
        assert figures["先锋指数均值"] == number(mean, 1)
        # Section 四: members per grade, as in the workbook.
        quota = next(rows for head, rows in tables if head and head[0] == LABELS["grade"])
        shown = {r[0]: r[1] for r in quota}
        assert shown == {g: number(grades.get(g, 0)) for g in shown}
        # The top and bottom members: index, grade and rank as the workbook prints them.
        for head, rows in tables:
            if LABELS["index"] not in head or LABELS["person_id"] not in head:
                continue
            col = {h: i for i, h in enumerate(head)}
            for row in rows:
                member = known.get((row[col[LABELS["person_id"]]], row[col[LABELS["branch_name"]]]))
                if member is None:
                    continue
                assert row[col[LABELS["index"]]] == number(member["先锋指数"])
                assert row[col[LABELS["grade"]]] == member["等次"]
                assert row[col[LABELS["rank_overall"]]] == number(member["全省名次"])
                checked_members += 1
        # The index row of the report prints the same figures as the report.
        title = saved["title"] if "title" in saved else None
        row = next(
            r
            for name, r in index_rows.items()
            if (title and name.startswith(title)) or f"unit={unit}" in name
        )
        values = list(row.values())
        assert number(len(mine)) in values and number(mean, 1) in values
    assert checked_members >= 20


def test_one_seed_one_answer_for_the_campaign(run):
    folder = run / "reports"
    campaign = json.loads((run / "成效分析.json").read_text(encoding="utf-8"))
    assert campaign["seed"] == SEED
    (path,) = _reports(folder, "effect_analysis")
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["provenance"]["parameters"]["seed"] == SEED
    results = saved["results"]
    page = path.with_suffix(".html").read_text(encoding="utf-8")
    index = (folder / "index.html").read_text(encoding="utf-8")
    for outcome in ("complaint", "violation"):
        # The campaign JSON and the effect report: the same estimate, interval, p-value,
        # placebo and randomisation checks (one seed, one answer).
        assert results[outcome] == campaign[outcome], outcome
        estimate = results[f"{outcome}_estimate"]
        # The index shows the design-based estimate with its interval and verdict.
        assert estimate in index and ("区间" in estimate and "至" in estimate)
        low = percent(results[outcome]["ci_low"] - 1, 1, signed=True)
        high = percent(results[outcome]["ci_high"] - 1, 1, signed=True)
        assert f"{low} 至 {high}" in estimate and f"{low} 至 {high}" in page
    # Never the naive figure alone: every naive change on the index sits in a row that
    # also carries the estimates.
    assert index.count("区间") >= 2
