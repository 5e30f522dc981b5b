"""The campaign from the store: the demo's planted effects fall inside the intervals."""

from __future__ import annotations

import json

import pytest

from assess.cli import main
from assess.effect.campaign import analyse_campaign, campaign_panel
from assess.errors import ParameterError
from assess.store import Store


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
    assert result.plot().get_xlabel().startswith("率比")


def test_effect_run_command_prints_the_verdict(small_dataset, tmp_path, capsys):
    store = tmp_path / "s.duckdb"
    with Store.open(store) as s:
        s.import_dataset(small_dataset)
    args = ["effect", "run", "--store", str(store), "--level", "branch", "--outcomes",
            "complaint", "--seed", "3"]
    assert main([*args, "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["complaint"]["design"] == "staggered"
    assert payload["complaint"]["ci_low"] < 0.7 < payload["complaint"]["ci_high"]
    assert main(args) == 0
    assert "投诉" in capsys.readouterr().out
