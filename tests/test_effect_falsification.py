"""Falsification checks: leave-one-out bounded to the treated units with most events."""

from __future__ import annotations

import numpy as np
import pytest

from assess.effect.falsification import falsify
from assess.effect.panel import Panel


def _panel(n_units: int, n_treated: int) -> Panel:
    counts = np.arange(1.0, n_units + 1)[:, None] * np.ones((1, 6))
    return Panel(
        units=tuple(f"u{i:02d}" for i in range(n_units)),
        periods=tuple(f"2025-{m:02d}" for m in range(1, 7)),
        freq="month",
        counts=counts,
        exposure=np.ones((n_units, 6)),
        start=np.where(np.arange(n_units) < n_treated, 3, 6),
    )


@pytest.mark.parametrize(("n_treated", "most", "dropped"), [(5, 25, 5), (30, 4, 4)])
def test_leave_one_out_drops_the_units_with_most_events(n_treated, most, dropped):
    panel = _panel(40, n_treated)
    seen: list[tuple[str, ...]] = []

    def point(p: Panel) -> float:
        seen.append(p.units)
        return 0.8

    res = falsify(
        panel,
        test=lambda p: (0.8, 0.6, 1.1, 0.3),
        point=point,
        estimate=0.8,
        leave_out_most=most,
    )
    left_out = sorted(u for units in seen for u in set(panel.units) - set(units))
    assert len(seen) == dropped
    # Unit i has i + 1 events per period: the last treated units have the most.
    assert left_out == [f"u{i:02d}" for i in range(n_treated - dropped, n_treated)]
    row = res.to_frame().loc["leave_one_out"]
    assert row["status"] == "pass"
    if n_treated > most:
        assert f"the {most} with most events of {n_treated}" in row["detail_en"]
        assert f"事件最多的 {most} 个（共 {n_treated} 个）" in row["detail_zh"]
    else:
        assert "most events" not in row["detail_en"]


def test_exact_inference_skips_the_placebo_groups_and_says_why():
    panel = _panel(40, 5)
    calls: list[int] = []

    def test(p: Panel) -> tuple[float, float, float, float]:
        calls.append(p.n_units)
        return 0.8, 0.6, 1.1, 0.3

    run = falsify(panel, test=test, point=lambda p: 0.8, estimate=0.8)
    assert run.to_frame().loc["placebo_units", "status"] == "pass"
    assert calls.count(35) == 20  # the 20 placebo groups among the 35 comparison units
    calls.clear()
    exact = falsify(panel, test=test, point=lambda p: 0.8, estimate=0.8, exact_inference=True)
    row = exact.to_frame().loc["placebo_units"]
    assert (
        row["status"] == "skipped" and "exact on randomly drawn placebo groups" in row["detail_en"]
    )
    assert "误报率按构造不超过名义水平" in row["detail_zh"]
    assert 35 not in calls
