"""The effect report: campaign name in title and cover, naive YoY beside the estimate per
metric, the falsification table with its reading, and the JSON equal to the library."""

from __future__ import annotations

import json
import re

import lxml.html
import pandas as pd
import pytest

from _report_support import demo_store
from assess.effect.campaign import analyse_campaign
from assess.effect.falsification import CHECKS, PURPOSES, STATUSES, FalsificationResult
from assess.effect.verdict import OUTCOMES
from assess.io.store import read_store
from assess.report import ReportParameterError, render_report
from assess.report.content import (
    FALSIFICATION_LABELS,
    OVERVIEW_LABELS,
    campaign_info,
    effect_overview,
    falsification_table,
    note_box,
)

METRICS = ["complaint", "violation"]
TITLE = "三无三当（SWSD2025）活动成效分析报告"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return demo_store(tmp_path_factory.getbasetemp() / "report-demo")


@pytest.fixture(scope="module")
def report(store, tmp_path_factory):
    return render_report(
        "effect",
        {"store": str(store), "campaign": "SWSD2025", "metrics": METRICS},
        out_dir=tmp_path_factory.mktemp("effect-report"),
    )


@pytest.fixture(scope="module")
def page(report):
    return report.files["html"].read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def expected(store):
    return analyse_campaign(read_store(store), outcomes=METRICS, campaign_id="SWSD2025", seed=2026)


def tables(page: str, header: str) -> list[pd.DataFrame]:
    """The page's tables with a column ``header``, cells as text."""
    found = []
    for node in lxml.html.fromstring(page).iter("table"):
        heads = [th.text_content() for th in node.iterfind("thead/tr/th")]
        if header in heads:
            cells = [
                [td.text_content() for td in tr.iterfind("td")] for tr in node.iterfind("tbody/tr")
            ]
            found.append(pd.DataFrame(cells, columns=heads))
    return found


def pct(ratio: float, digits: int) -> str:
    return f"{(ratio - 1) * 100:+.{digits}f}%"


def test_title_cover_and_json_name_the_campaign_first(report, page):
    assert f"<title>{TITLE}</title>" in page
    assert f"<h2>{TITLE}</h2>" in page  # the cover
    assert "24 个单位参加，分 2 批开始：2025年5月1日起 12 个，2026年5月1日起 12 个" in page
    assert report.key_results["title"] == TITLE
    saved = json.loads(report.files["json"].read_text(encoding="utf-8"))
    assert saved["title"] == TITLE


def test_key_results_equal_the_library(report, expected):
    assert {m: report.results[m] for m in METRICS} == {
        m: json.loads(json.dumps(expected.results[m].to_dict())) for m in METRICS
    }
    # The headline figures of the index: changes as shares, with their p-values.
    for m in METRICS:
        effect = expected.results[m]
        assert report.results[f"{m}_naive_change"] == pytest.approx(effect.naive_ratio - 1)
        assert report.results[f"{m}_change"] == pytest.approx(effect.estimate - 1)
        assert report.results[f"{m}_p_value"] == pytest.approx(effect.p_value)
    assert report.key_results["labels"]["complaint_change"] == "投诉设计估计 Complaint estimate"
    assert "complaint_change" in report.key_results["percent"]


def test_naive_yoy_beside_the_estimate_in_one_row_per_metric(page, expected):
    (overview,) = tables(page, OVERVIEW_LABELS["naive_change"])
    assert list(overview.columns) == [
        *(
            OVERVIEW_LABELS[k]
            for k in ("outcome", "naive_before", "naive_after", "naive_change", "change")
        ),
        "95% 置信区间 95% interval",
        *(OVERVIEW_LABELS[k] for k in ("p_value", "p_adjusted", "evidence", "checks")),
    ]
    rows = overview.set_index(OVERVIEW_LABELS["outcome"])
    for metric in METRICS:
        effect = expected.results[metric]
        row = rows.loc[OUTCOMES[metric][0]]
        assert row[OVERVIEW_LABELS["naive_before"]] == str(int(effect.naive_before))
        assert row[OVERVIEW_LABELS["naive_after"]] == str(int(effect.naive_after))
        assert row[OVERVIEW_LABELS["naive_change"]] == pct(effect.naive_ratio, 2)
        assert row[OVERVIEW_LABELS["change"]] == pct(effect.estimate, 1)
        assert row["95% 置信区间 95% interval"] == (
            f"{pct(effect.ci_low, 1)} 至 {pct(effect.ci_high, 1)}"
        )
    # The demo's planted complaint effect (rate ratio 0.70): the naive figure quoted by hand
    # is -28.57% (280 → 200), the design-based estimate -39.0%.
    assert rows.loc["投诉", OVERVIEW_LABELS["naive_change"]] == "-28.57%"
    assert rows.loc["投诉", OVERVIEW_LABELS["evidence"]] == "有下降的证据"


def test_falsification_table_and_reading_for_every_metric(page, expected):
    found = tables(page, FALSIFICATION_LABELS["purpose"])
    assert len(found) == len(METRICS)
    for metric, shown in zip(METRICS, found, strict=True):
        assert f"{OUTCOMES[metric][0]}：证伪检验 / {OUTCOMES[metric][1]}: falsification" in page
        assert list(shown.columns) == list(FALSIFICATION_LABELS.values())
        checks = expected.results[metric].falsification.table
        assert shown[FALSIFICATION_LABELS["check"]].tolist() == [CHECKS[c][0] for c in CHECKS]
        assert shown[FALSIFICATION_LABELS["purpose"]].tolist() == [PURPOSES[c][0] for c in CHECKS]
        assert shown[FALSIFICATION_LABELS["status"]].tolist() == [
            STATUSES[s][0] for s in checks["status"]
        ]
        assert shown[FALSIFICATION_LABELS["detail"]].tolist() == checks["detail_zh"].tolist()
        zh, en = expected.results[metric].falsification.reading().split("\n\n")
        assert page.index(f"<p>{zh}</p>") < page.index(f"<p>{en}</p>")


def test_verdicts_and_plots_are_shown(page, expected):
    for metric in METRICS:
        verdict = expected.results[metric].verdict
        assert f"<h3>{OUTCOMES[metric][0]} / {OUTCOMES[metric][1].capitalize()}</h3>" in page
        assert verdict.zh.splitlines()[0] in page and verdict.en.splitlines()[0] in page
    # The forest plot of all metrics, then one observed-vs-counterfactual chart per metric.
    assert len(re.findall(r'<img [^>]*src="data:image/png;base64,', page)) == 1 + len(METRICS)
    assert "Traceback" not in page and "SWSD2025 活动" not in page


def test_language_picks_the_words_in_cells(expected):
    english = effect_overview(expected, language="en")._repr_html_()
    assert "<td>complaints</td>" in english and "投诉</td>" not in english
    assert "Rates: complaints over customers and violations over work tickets." in english
    chinese = effect_overview(expected, language="zh")._repr_html_()
    assert "事件率的计算基数：投诉按服务客户数，违章按工作票数。" in chinese
    assert "Rates:" not in chinese
    only_en = falsification_table("complaint", expected.results["complaint"], language="en")
    assert f"<td>{PURPOSES['placebo_date'][1]}</td>" in only_en._repr_html_().replace("&#x27;", "'")


# ---------------------------------------------------------------- building blocks


def _checks(*statuses: str) -> FalsificationResult:
    return FalsificationResult(
        pd.DataFrame({"check": list(CHECKS)[: len(statuses)], "status": list(statuses)}), 0.95
    )


@pytest.mark.parametrize(
    ("statuses", "text"),
    [
        (
            ("pass", "pass", "pass", "pass", "skipped"),
            "已做的 4 项证伪检验均未发现问题，没有一项与主要估计相矛盾；另有 1 项未做。\n\n"
            "No falsification check run (4 in all) contradicts the main estimate; 1 more could "
            "not be run.",
        ),
        (
            ("warn", "pass", "pass", "pass", "warn"),
            "已做的 5 项证伪检验中有 2 项发出警示：活动前趋势检验（活动前已有差异）；阴性对照结果"
            "（活动管不到的事件也“变了”），主要估计需谨慎看待。\n\n"
            "2 of the 5 falsification checks run warn: pre-trend test (the groups differed before "
            "the start); negative-control outcome (an outcome the campaign cannot touch 'changed' "
            "too), so treat the main estimate with caution.",
        ),
        (
            ("skipped", "skipped"),
            "各项证伪检验均无法进行，主要估计未经这些检验核对。\n\n"
            "No falsification check could be run, so none confirms or contradicts the main "
            "estimate.",
        ),
    ],
)
def test_falsification_reading(statuses, text):
    assert _checks(*statuses).reading() == text


def test_note_box_shows_each_message_once_in_the_chosen_language():
    messages = ["少一个单位 / one unit left out", "少一个单位 / one unit left out", "仅中文"]
    both = note_box(messages)._repr_html_()
    assert both.count("<li>") == 2 and "<li>少一个单位<br>one unit left out</li>" in both
    assert (
        "<li>one unit left out</li><li>仅中文</li>"
        in note_box(messages, language="en")._repr_html_()
    )
    assert note_box([])._repr_html_() == ""


def test_unknown_campaign_is_a_clear_error(expected, store):
    campaign = read_store(store).campaign
    with pytest.raises(ReportParameterError, match="没有活动 'NOPE'.*known: SWSD2025"):
        campaign_info(campaign, "NOPE")
    unnamed = campaign.assign(campaign_name=campaign["campaign_id"])
    assert campaign_info(unnamed, "SWSD2025").label == "SWSD2025"
