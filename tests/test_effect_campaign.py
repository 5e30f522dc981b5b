"""The campaign from the store: the demo's planted effects fall inside the intervals."""

from __future__ import annotations

import json

import pytest

from assess.cli import main
from assess.core.errors import ParameterError
from assess.effect.campaign import analyse_campaign, campaign_panel
from assess.io.store import Store


def test_panel_divides_each_outcome_by_its_own_exposure(small_dataset):
    panel, starts = campaign_panel(small_dataset, outcome="complaint", level="branch")
    events = small_dataset.events
    assert panel["count"].sum() == (events["type"] == "complaint").sum()
    assert panel["exposure"].sum() == small_dataset.exposure["customers"].sum()
    tickets, _ = campaign_panel(small_dataset, outcome="violation", level="branch")
    assert tickets["exposure"].sum() == small_dataset.exposure["work_tickets"].sum()
    campaign = small_dataset.campaign
    assert len(starts) == campaign["unit_code"].nunique()
    assert sorted({str(d.date()) for d in starts.values()}) == ["2025-05-01", "2026-05-01"]
    with pytest.raises(ParameterError, match="outcome"):
        campaign_panel(small_dataset, outcome="accident")


def test_planted_effects_are_covered(small_demo, small_dataset):
    truth = json.loads((small_demo / "ground_truth.json").read_text(encoding="utf-8"))
    effects = truth["campaign"]["effects"]
    result = analyse_campaign(small_dataset, level="branch", seed=3, falsification=False)
    table = result.table
    for outcome in ("complaint", "violation"):
        true = effects[outcome]["rate_ratio"]
        assert table.loc[outcome, "ci_low"] <= true <= table.loc[outcome, "ci_high"], outcome
    assert table.loc["complaint", "design"] == "staggered"
    assert (table["p_adjusted"] >= table["p_value"]).all()
    assert "投诉" in result.summary() and "complaint" in result.summary()
    assert result.summary().startswith("活动“三无三当”（SWSD2025）成效分析（按党支部汇总）")
    assert "the rate of complaints fell" in result.results["complaint"].verdict.en
    assert result.plot().get_xlabel().startswith("率比")


def test_notes_name_their_outcomes_and_appear_once(small_dataset):
    result = analyse_campaign(small_dataset, level="branch", seed=3, falsification=False)
    # Both outcomes use the last cohort as comparison group: one note naming both.
    shared = [n for n in result.notes if "no never-treated units" in n]
    assert shared == [
        "【投诉、违章】没有从未推行的单位：最后一批（2026-05 开始）作为对照组，2026-05 及以后的"
        "期间不参与估计 / [complaint, violation] no never-treated units: the last cohort "
        "(starting 2026-05) is the comparison group and periods from 2026-05 on are left out"
    ]
    assert len(set(result.notes)) == len(result.notes)
    assert all(n.startswith(("【投诉】", "【违章】", "【投诉、违章】")) for n in result.notes)


def test_effect_run_command_prints_the_verdict(small_dataset, tmp_path, capsys):
    store = tmp_path / "s.duckdb"
    with Store.open(store) as s:
        s.import_dataset(small_dataset)
    args = [
        "effect",
        "run",
        "--store",
        str(store),
        "--level",
        "branch",
        "--outcomes",
        "complaint",
        "--seed",
        "3",
    ]
    assert main([*args, "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["complaint"]["design"] == "staggered"
    assert payload["complaint"]["ci_low"] < 0.7 < payload["complaint"]["ci_high"]
    assert main(args) == 0
    assert "投诉" in capsys.readouterr().out
