"""The points ledger, the watch list and five-star rating, on tables worked by hand."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from assess.appraisal.ledger import (
    build_ledger,
    capped_points,
    indicator_matrix,
    member_panel,
    members_in_quarter,
)
from assess.appraisal.stars import metric_score, rate_branches
from assess.appraisal.watchlist import watch_list
from assess.core.scheme import StarLevel, StarMetric, StarRules, WatchRule, load_scheme

# The default scheme with caps fixed here, so the hand-worked numbers do not depend on it.
_CAPS = {"study": (5.0, 15.0), "meetings": (5.0, 20.0)}
SCHEME = replace(
    load_scheme(),
    indicators=tuple(
        replace(i, item_cap=_CAPS[i.code][0], quarter_cap=_CAPS[i.code][1])
        if i.code in _CAPS
        else i
        for i in load_scheme().indicators
    ),
)


def _staff() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "person_id": ["m1", "m2", "m3", "s1"],
            "name": ["甲", "乙", "丙", "丁"],
            "unit_code": ["010101", "010101", "010102", "010101"],
            "is_party_member": [True, True, True, False],
            "joined": pd.to_datetime(["2019-01-01", "2019-01-01", "2019-01-01", "2019-01-01"]),
            "left": pd.to_datetime([None, None, "2026-06-30", None]),
        }
    )


def _points() -> pd.DataFrame:
    rows = [("m1", "study", v, f"E{i}") for i, v in enumerate([7, 4, 6])]
    rows += [("m2", "study", 5, f"F{i}") for i in range(4)]
    rows += [("m2", "meetings", 3, None), ("m1", "unknown_code", 9, "X"), ("s1", "study", 5, "Y")]
    frame = pd.DataFrame(rows, columns=["person_id", "indicator", "value", "evidence_id"])
    frame["quarter"] = "2026Q3"
    return pd.concat([frame, frame.assign(quarter="2026Q2")], ignore_index=True)


def _events() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "event_id": ["v1", "v2", "c1", "d1", "v3"],
            "date": pd.to_datetime(
                ["2026-07-01", "2026-09-30", "2026-08-01", "2026-08-02", "2026-06-30"]
            ),
            "unit_code": ["010101"] * 5,
            "person_id": ["m1", "m1", "m2", "m2", "m1"],
            "type": ["violation", "violation", "complaint", "discipline", "violation"],
            "severity": ["1", "3", "2", "1", "3"],
        }
    )


def test_members_in_quarter_drops_non_members_and_leavers():
    assert members_in_quarter(_staff(), "2026Q3").person_id.tolist() == ["m1", "m2"]
    assert members_in_quarter(_staff(), "2026Q2").person_id.tolist() == ["m1", "m2", "m3"]


def test_ledger_applies_item_then_quarter_caps_and_keeps_the_evidence():
    panel = member_panel(_staff(), ["2026Q2", "2026Q3"])
    full = build_ledger(_points(), _events(), panel, SCHEME)
    # The June serious violation of m1 belongs to 2026Q2 and fires its veto there.
    q2 = full.loc[full.quarter == "2026Q2"].set_index(["person_id", "rule"])
    assert q2.loc[("m1", "violation"), "points"] == -10
    assert "m3" in set(panel.loc[panel.quarter == "2026Q2", "person_id"])
    assert "m3" not in q2.index.get_level_values(0)
    ledger = full.loc[full.quarter == "2026Q3"]
    rows = ledger.set_index(["person_id", "rule"])
    # m1 study: items 7, 4, 6 capped at 5 each → 5 + 4 + 5 = 14 ≤ 15.
    assert rows.loc[("m1", "study"), ["raw_points", "item_capped", "points"]].tolist() == [
        17,
        14,
        14,
    ]
    assert rows.loc[("m1", "study"), "cap_applied"] == "item"
    assert rows.loc[("m1", "study"), "evidence_ids"] == "E0;E1;E2"
    # m2 study: four items of 5 → 20, quarterly cap 15.
    assert rows.loc[("m2", "study"), "points"] == 15
    assert rows.loc[("m2", "study"), "cap_applied"] == "quarter"
    # Deductions: m1 violations of severity 1 and 3 → 2 + 10; the June one is another quarter.
    assert rows.loc[("m1", "violation"), "points"] == -12
    assert rows.loc[("m1", "violation"), "evidence_ids"] == "v1;v2"
    assert rows.loc[("m2", "complaint"), "points"] == -4
    # Vetoes fire on the discipline breach and on the serious violation.
    assert rows.loc[("m2", "discipline"), "kind"] == "veto"
    assert rows.loc[("m1", "serious_violation"), "kind"] == "veto"
    # Codes not in the scheme and non-members never enter the ledger.
    assert "unknown_code" not in ledger["rule"].values
    assert "s1" not in ledger["person_id"].values


def test_indicator_matrix_fills_missing_with_zero_in_member_order():
    panel = member_panel(_staff(), ["2026Q3"])
    ledger = build_ledger(_points(), _events(), panel, SCHEME)
    wide = indicator_matrix(ledger, panel, SCHEME).droplevel("quarter")
    assert wide.index.tolist() == ["m1", "m2"]
    assert wide.columns.tolist() == SCHEME.indicator_codes
    assert wide.loc["m2", ["study", "meetings", "volunteer"]].tolist() == [15, 3, 0]


def test_watch_list_by_count_and_by_severity():
    members = members_in_quarter(_staff(), "2026Q3")
    listed = watch_list(_events(), members, SCHEME.watch, quarter="2026Q3")
    assert listed.person_id.tolist() == ["m1", "m2"]
    m1 = listed.set_index("person_id").loc["m1"]
    assert m1.n_events == 2 and m1.max_severity == 3
    assert m1.reason_zh == "2 起事件（≥2）；有严重事件"
    assert m1.events == "2026-07-01 违章(轻微); 2026-09-30 违章(严重)"
    only_violations = WatchRule(("violation",), 3, 3)
    assert watch_list(_events(), members, only_violations, quarter="2026Q3").person_id.tolist() == [
        "m1"
    ]


def test_metric_score_goalposts_both_directions():
    pos = StarMetric("x", "x", "x", 1.0, 0.6, 1.0)
    assert metric_score(pd.Series([0.5, 0.8, 1.2, np.nan]), pos).tolist()[:3] == pytest.approx(
        [0.0, 50.0, 100.0]
    )
    assert np.isnan(metric_score(pd.Series([np.nan]), pos).iloc[0])


def _branch_metrics() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "member_index_mean": [90.0, 90.0, 90.0, 60.0],
            "exam_participation": [1.0, 1.0, 1.0, 0.6],
            "duty_completion": [1.0, 1.0, 1.0, np.nan],
            "violations_per_1000_tickets": [1.0, 3.0, 1.0, 20.0],
            "complaints_per_10000_customers": [0.5, 0.5, 0.5, 10.0],
            "project_completion": [1.0, 1.0, 1.0, 0.5],
        },
        index=pd.Index(["a", "b", "c", "d"], name="unit_code"),
    )


# Star rules written out here so the worked numbers do not depend on the default scheme.
RULES = StarRules(
    party=(
        StarMetric("member_index_mean", "均值", "mean", 0.5, 60.0, 90.0),
        StarMetric("exam_participation", "参考率", "exam", 0.2, 0.6, 1.0),
        StarMetric("duty_completion", "完成率", "duties", 0.3, 0.6, 1.0),
    ),
    business=(
        StarMetric("violations_per_1000_tickets", "违章", "v", 0.4, 20.0, 0.0, "negative"),
        StarMetric("complaints_per_10000_customers", "投诉", "c", 0.4, 10.0, 0.0, "negative"),
        StarMetric("project_completion", "项目", "p", 0.2, 0.5, 1.0),
    ),
    levels=tuple(
        StarLevel(k, p, b)
        for k, p, b in ((5, 85, 85), (4, 75, 75), (3, 65, 65), (2, 50, 50), (1, 0, 0))
    ),
    veto_event_types=("discipline",),
    veto_max_stars=3,
    all_round={
        "violations_per_1000_tickets": ("<=", 2.0),
        "complaints_per_10000_customers": ("<=", 1.0),
        "project_completion": (">=", 1.0),
    },
)


def test_star_rating_is_conjunctive_with_veto_and_all_round_gate():
    vetoed = pd.Series({"c": True})
    result = rate_branches(_branch_metrics(), RULES, vetoed=vetoed)
    table = result.table
    # party: 0.5·100 + 0.2·100 + 0.3·100 = 100 for a–c; business of a: 0.4·95 + 0.4·95 + 0.2·100.
    assert table.loc["a", "business_score"] == pytest.approx(96.0)
    assert table.loc["b", "business_score"] == pytest.approx(0.4 * 85 + 0.4 * 95 + 20)
    assert table["stars"].tolist() == [5, 5, 3, 1]
    # b has five stars but misses the all-round violation benchmark (3 > 2).
    assert table["all_round"].tolist() == [True, False, False, False]
    gaps = result.gaps
    b = gaps.loc[gaps.unit_code == "b"]
    assert b.target.tolist() == ["全能型五星"] and b.criterion.tolist() == [
        "violations_per_1000_tickets"
    ]
    assert b.gap.iloc[0] == pytest.approx(1.0)
    assert "veto" in gaps.loc[gaps.unit_code == "c", "criterion"].tolist()
    # d: the missing duty metric is left out and the other party weights rescaled (0.5, 0.2).
    assert table.loc["d", "party_score"] == 0.0
    assert table.loc["d", "missing"] == "duty_completion"
    assert table.loc["a", "missing"] == ""
    assert set(gaps.loc[gaps.unit_code == "d", "criterion"]) == {"party_score", "business_score"}
    partial = _branch_metrics().assign(member_index_mean=75.0)
    # party of d = (0.5·50 + 0.2·0) / 0.7 with exam participation 0.6 → 0.
    assert rate_branches(partial, RULES).table.loc["d", "party_score"] == pytest.approx(
        25 / 0.7, abs=0.01
    )
    assert result.counts().loc[5] == 2
    assert "全能型五星 1 个" in result.summary()
    assert result.plot().get_xlabel().startswith("业务评价得分")


def test_fast_capped_points_equal_the_ledger_on_the_demo(small_dataset):
    quarters = sorted(small_dataset.points["quarter"].unique())
    scheme = load_scheme()
    panel = member_panel(small_dataset.staff, quarters)
    fast = capped_points(small_dataset.points, panel, scheme)
    ledger = build_ledger(small_dataset.points, small_dataset.events, panel, scheme)
    slow = indicator_matrix(ledger, panel, scheme).to_numpy()
    assert fast.shape == slow.shape and fast.sum() > 0
    np.testing.assert_allclose(fast, slow, atol=1e-12)


def test_categorical_points_give_the_same_ledger_and_capped_points():
    # What read_for_scoring returns: categoricals, here with an unused category, the
    # categories out of order and a point row without a person.
    points = pd.concat(
        [
            _points(),
            pd.DataFrame(
                {
                    "person_id": [None],
                    "indicator": ["study"],
                    "value": [9.0],
                    "evidence_id": ["Z"],
                    "quarter": ["2026Q3"],
                }
            ),
        ],
        ignore_index=True,
    )
    coded = points.astype(
        {
            "person_id": pd.CategoricalDtype(["zz", "m2", "s1", "m1"]),
            "indicator": "category",
            "quarter": pd.CategoricalDtype(["2026Q3", "2026Q2", "2025Q3"]),
        }
    )
    panel = member_panel(_staff(), ["2026Q2", "2026Q3"])
    pd.testing.assert_frame_equal(
        build_ledger(coded, _events(), panel, SCHEME),
        build_ledger(points, _events(), panel, SCHEME),
    )
    np.testing.assert_array_equal(
        capped_points(coded, panel, SCHEME), capped_points(points, panel, SCHEME)
    )


def test_evidence_ids_only_for_the_quarters_asked():
    panel = member_panel(_staff(), ["2026Q2", "2026Q3"])
    ledger = build_ledger(_points(), _events(), panel, SCHEME, evidence_quarters={"2026Q3"})
    adds = ledger.loc[ledger["kind"] == "add"].set_index(["quarter", "person_id", "rule"])
    assert adds.loc[("2026Q3", "m1", "study"), "evidence_ids"] == "E0;E1;E2"
    assert adds.loc[("2026Q2", "m1", "study"), "evidence_ids"] == ""
    # The points do not depend on whether the evidence is shown.
    assert adds.loc[("2026Q2", "m1", "study"), "points"] == 14
