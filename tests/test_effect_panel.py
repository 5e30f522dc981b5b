"""The panel from a tidy table: period labels (months, quarters, integers) parsed once per
distinct value, and units with no event reported and left out of the fixed-effects
designs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assess.core.errors import ParameterError
from assess.effect.its import fit_its
from assess.effect.panel import make_panel, zero_count_note

MONTHS = list(pd.period_range("2024-01", periods=24, freq="M").strftime("%Y-%m"))


def _table(rng, n_units=24, zero=(), periods=MONTHS, effect=0.7, treated=range(6)):
    rows = []
    for u in range(n_units):
        for i, m in enumerate(periods):
            rate = 0.0 if u in zero else 20 * (effect if u in treated and i >= 12 else 1.0)
            rows.append((f"b{u:02d}", m, rng.poisson(rate), 100.0 + u))
    return pd.DataFrame(rows, columns=["branch", "period", "complaints", "staff"])


def _panel(table, **kw):
    options = {"treated_units": [f"b{u:02d}" for u in range(6)], "start": MONTHS[12]}
    options.update(kw)
    return make_panel(
        table,
        unit_col="branch",
        period_col="period",
        count_col="complaints",
        exposure_col="staff",
        **options,
    )


def test_month_spellings_parse_to_one_period_each(rng):
    table = _table(rng, n_units=8)
    spelled = table.copy()
    spelled["period"] = [
        f"{m[:4]}年{int(m[5:])}月" if i % 3 == 0 else m.replace("-", "/") if i % 3 else m
        for i, m in enumerate(table["period"])
    ]
    a, b = _panel(table), _panel(spelled)
    assert a.periods == b.periods == tuple(MONTHS) and a.freq == "month"
    np.testing.assert_array_equal(a.counts, b.counts)
    quarters = table.assign(period=[f"{m[:4]}Q{(int(m[5:]) - 1) // 3 + 1}" for m in MONTHS] * 8)
    quarters = quarters.groupby(["branch", "period"], as_index=False).sum()
    q = _panel(quarters, start="2025Q1")
    assert q.freq == "quarter" and q.periods[0] == "2024Q1" and q.n_periods == 8
    assert q.counts.sum() == table["complaints"].sum()


def test_integer_periods(rng):
    table = _table(rng, periods=list(range(1, 25)))
    panel = _panel(table, start=13)
    assert panel.freq == "integer" and panel.periods == tuple(str(i) for i in range(1, 25))
    assert panel.periods_per_year == 1 and panel.start[:6].tolist() == [12] * 6
    months = _panel(_table(np.random.default_rng(5)))
    # The same numbers under month labels and integer labels give the same arrays.
    again = _panel(
        _table(np.random.default_rng(5)).assign(period=lambda d: d["period"].map(MONTHS.index)),
        start=12,
    )
    np.testing.assert_array_equal(months.counts, again.counts)
    assert again.periods[0] == "0"
    # A gap in the numbers is a missing period; whole floats read as integers.
    gappy = table[table["period"] != 5].assign(period=lambda d: d["period"].astype(float))
    p = _panel(gappy, start=13)
    assert p.n_periods == 24 and not p.observed[:, 4].any()
    its = fit_its(p.select_units(np.arange(24) == 0))
    assert "season" not in " ".join(its.series.columns) and its.n == 23
    with pytest.raises(ParameterError, match="'seasonality'.*integer periods"):
        fit_its(p.select_units(np.arange(24) == 0), seasonality="dummies")
    with pytest.raises(ParameterError, match="'start'.*a period number"):
        _panel(table, start="2024-05")


def test_bad_periods_name_the_values(rng):
    table = _table(rng, n_units=8)
    with pytest.raises(ParameterError, match=r"'period_col'.*\['May'\]"):
        _panel(table.assign(period=["May"] + list(table["period"][1:])))
    with pytest.raises(ParameterError, match="'period_col'.*202605 as a number"):
        _panel(table.assign(period=[int(m.replace("-", "")) for m in table["period"]]))
    with pytest.raises(ParameterError, match="'period_col'"):
        _panel(table.assign(period=[True, False] * 96))
    with pytest.raises(ParameterError, match="'period_col'.*None"):
        _panel(table.assign(period=[None] + list(table["period"][1:])))
    with pytest.raises(ParameterError, match="'unit_col'.*a unit in every row"):
        _panel(table.assign(branch=[None] + list(table["branch"][1:])))
    with pytest.raises(ParameterError, match="one row per unit and period"):
        _panel(pd.concat([table, table.iloc[:1]]))


def test_zero_count_units_are_named(rng):
    panel = _panel(_table(rng, zero=(2, 20, 21)))
    assert panel.zero_units == ("b02", "b20", "b21")
    assert panel.has_events.sum() == 21
    zh, en = zero_count_note(panel).split("\n")
    assert zh.startswith("3 个单位（其中 1 个处理单位）") and zh.endswith("b02、b20、b21")
    assert en.startswith("3 units (1 treated) had no event") and en.endswith("b02, b20, b21")


def test_analyse_effect_excludes_zero_count_units_and_says_so(rng):
    from assess.effect.engine import analyse_effect

    table = _table(rng, zero=(2, 20, 21))
    kw = {
        "unit_col": "branch",
        "period_col": "period",
        "count_col": "complaints",
        "exposure_col": "staff",
        "treated_units": [f"b{u:02d}" for u in range(6)],
        "start": MONTHS[12],
        "falsification": False,
        "design": "did",
        "inference": "cluster",
    }
    res = analyse_effect(table, **kw)
    assert (res.n_units, res.n_treated) == (21, 5)
    assert len(res.notes) == 1 and "b02、b20、b21" in res.notes[0]
    assert res.to_dict()["notes"] == list(res.notes)
    kept = table[~table["branch"].isin(["b02", "b20", "b21"])]
    ref = analyse_effect(kept, **{**kw, "treated_units": [f"b{u:02d}" for u in (0, 1, 3, 4, 5)]})
    assert res.estimate == pytest.approx(ref.estimate, rel=1e-12)
    assert ref.notes == ()
    # Integer periods run through the same API.
    numbered = table.assign(period=table["period"].map(MONTHS.index) + 1)
    by_number = analyse_effect(numbered, **{**kw, "start": 13})
    assert by_number.estimate == pytest.approx(res.estimate, rel=1e-12)
