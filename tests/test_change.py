"""同比/环比 as official statistics report them, and average growth by the geometric mean."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import gmean

from assess.appraisal.change import (
    STATUSES,
    AverageGrowth,
    average_growth,
    compare_periods,
    format_change,
    format_changes,
)
from assess.core.errors import ParameterError


def pair(base, current, *, is_rate=False, **kwargs):
    """One 同比 comparison of ``current`` (2026Q3) with ``base`` (2025Q3)."""
    df = pd.DataFrame({"quarter": ["2025Q3", "2026Q3"], "v": [base, current]})
    out = compare_periods(df, value_col="v", kind="yoy", at="2026Q3", is_rate=is_rate, **kwargs)
    assert len(out) == 1
    return out.iloc[0]


@pytest.mark.parametrize(
    ("base", "current", "status", "zh"),
    [
        (80.0, 100.0, "up", "增长"),
        (100.0, 80.0, "down", "下降"),
        (50.0, 50.0, "flat", "持平"),
        (0.0, 0.0, "flat", "持平"),
        (0.0, 3.0, "new", "新增"),
        (0.0, -3.0, "zero_base", "基数为零"),
        (-20.0, 30.0, "turnaround", "扭亏为盈"),
        (50.0, -10.0, "to_negative", "由盈转亏"),
        (-50.0, -20.0, "loss_narrowed", "减亏"),
        (-50.0, 0.0, "loss_narrowed", "减亏"),
        (-20.0, -50.0, "loss_widened", "增亏"),
        (-20.0, -20.0, "flat", "持平"),
        (np.nan, 5.0, "no_base", "基期无数据"),
        (5.0, np.nan, "no_current", "本期无数据"),
    ],
)
def test_status_words(base, current, status, zh):
    row = pair(base, current)
    assert row["status"] == status
    assert row["status_zh"] == zh
    assert row["status_en"] == STATUSES[status][1]


@pytest.mark.parametrize(
    ("base", "current"),
    [
        (0.0, 0.0),
        (0.0, 3.0),
        (0.0, -3.0),
        (-20.0, 30.0),
        (50.0, -10.0),
        (-50.0, -20.0),
        (-20.0, -50.0),
        (-20.0, -20.0),
    ],
)
def test_no_percentage_for_a_zero_or_negative_base_or_sign_change(base, current):
    row = pair(base, current)
    assert np.isnan(row["pct_change"])
    assert row["change"] == current - base


def test_percentages_for_a_positive_base():
    assert pair(80.0, 100.0)["pct_change"] == pytest.approx(0.25)
    assert pair(100.0, 0.0)["pct_change"] == pytest.approx(-1.0)
    assert pair(50.0, 50.0)["pct_change"] == 0.0
    # Source 004: 95598 hotline complaints −21.43% YoY, e.g. 14 → 11.
    row = pair(14, 11)
    assert row["pct_change"] == pytest.approx(-3 / 14)
    assert format_change(row) == "↓21.4%"
    assert format_change(row, language="en", decimals=2) == "↓21.43%"


def test_rates_change_in_percentage_points_not_percent():
    row = pair(0.95, 0.97, is_rate=True)
    assert row["change_pp"] == pytest.approx(2.0)
    assert np.isnan(row["pct_change"])
    assert row["status_zh"] == "提高"
    assert format_change(row) == "↑2.0个百分点"
    assert format_change(row, language="en") == "↑2.0 pp"
    down = pair(96.7, 95.2, is_rate=True, rate_unit="percent")
    assert down["change_pp"] == pytest.approx(-1.5)
    assert format_change(down) == "↓1.5个百分点"
    # A rate from zero is a change in points, not "新增".
    assert pair(0.0, 0.05, is_rate=True)["status"] == "up"


def test_display_rounds_half_up():
    # 1.25 is exact in binary; format(1.25, ".1f") gives "1.2" (half to even).
    row = {"status": "up", "is_rate": True, "pct_change": np.nan, "change_pp": 1.25}
    assert format(1.25, ".1f") == "1.2"
    assert format_change(row) == "↑1.3个百分点"
    assert format_change({"status": "flat"}, language="en") == "unchanged"
    assert format_change({"status": "new"}) == "新增"


def test_bilingual_display_is_the_chinese_then_the_english():
    assert format_change({"status": "flat"}, language="zh-en") == "持平 unchanged"
    row = {"status": "up", "is_rate": True, "pct_change": np.nan, "change_pp": 1.25}
    assert format_change(row, language="zh-en") == "↑1.3个百分点 ↑1.3 pp"
    # A per-cent change reads the same in both languages, so it is shown once.
    assert format_change(pair(14, 11), language="zh-en") == "↓21.4%"
    with pytest.raises(ParameterError, match="'language'.*'zh-en'"):
        format_change(row, language="cn")


# Values near a rounding tie (x.x5 in the shown digits) and anywhere else.
_AMOUNTS = st.one_of(
    st.floats(0, 1e7, allow_nan=False),
    st.integers(0, 10**6).map(lambda k: (k + 0.5) / 10),
    st.integers(0, 10**6).map(lambda k: (k + 0.5) / 1000),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_AMOUNTS, min_size=1, max_size=30), st.integers(0, 3), st.booleans())
def test_vectorised_display_equals_the_decimal_one_row_at_a_time(amounts, decimals, is_rate):
    # format_change rounds each value through Decimal (the reference); format_changes
    # rounds a column at once and must give the same text.
    frame = pd.DataFrame(
        {
            "status": ["up" if i % 2 else "down" for i in range(len(amounts))],
            "is_rate": is_rate,
            "pct_change": [a / 100 for a in amounts],
            "change_pp": amounts,
        }
    )
    one_by_one = [format_change(row, decimals=decimals) for _, row in frame.iterrows()]
    assert format_changes(frame, decimals=decimals).tolist() == one_by_one


def test_base_quarters_wrap_the_year():
    df = pd.DataFrame({"quarter": ["2025Q1", "2025Q4", "2026Q1"], "v": [4.0, 5.0, 6.0]})
    out = compare_periods(df, value_col="v", at="2026Q1")
    assert out[["kind", "base_period", "base"]].values.tolist() == [
        ["yoy", "2025Q1", 4.0],
        ["qoq", "2025Q4", 5.0],
    ]


def test_quarters_written_the_chinese_way_are_read():
    df = pd.DataFrame({"季度": ["2025年第三季度", "2026年第3季度"], "v": [10.0, 12.0]})
    out = compare_periods(df, value_col="v", period_col="季度", kind="yoy")
    assert out["季度"].tolist() == ["2025Q3", "2026Q3"]
    assert out["pct_change"].iloc[1] == pytest.approx(0.2)


def members_table():
    # Branch 01: a and b in 2025Q3; b and c in 2026Q3 (a left, c joined).
    return pd.DataFrame(
        {
            "unit_code": ["01", "01", "01", "01", "02", "02"],
            "person_id": ["a", "b", "b", "c", "d", "d"],
            "quarter": ["2025Q3", "2025Q3", "2026Q3", "2026Q3", "2025Q3", "2026Q3"],
            "index": [90.0, 70.0, 75.0, 60.0, 80.0, 88.0],
        }
    )


def test_as_reported_and_comparable_basis():
    df = members_table()
    reported = compare_periods(
        df, value_col="index", by="unit_code", agg="mean", kind="yoy", at="2026Q3"
    )
    # Branch 01 as reported: mean(75, 60) = 67.5 against mean(90, 70) = 80.
    first = reported.iloc[0]
    assert (first["current"], first["base"]) == (67.5, 80.0)
    assert (first["n_current"], first["n_base"]) == (2, 2)
    comparable = compare_periods(
        df,
        value_col="index",
        by="unit_code",
        agg="mean",
        kind="yoy",
        at="2026Q3",
        entity_col="person_id",
        comparable=True,
    )
    # Only b is in both quarters: 75 against 70.
    first = comparable.iloc[0]
    assert (first["current"], first["base"]) == (75.0, 70.0)
    assert (first["n_current"], first["n_base"]) == (1, 1)
    assert first["pct_change"] == pytest.approx(5 / 70)
    assert comparable.iloc[1][["current", "base"]].tolist() == [88.0, 80.0]


def test_group_without_comparable_members_keeps_its_row():
    df = members_table()
    df.loc[df["person_id"] == "d", "person_id"] = ["d", "e"]
    out = compare_periods(
        df,
        value_col="index",
        by="unit_code",
        agg="mean",
        kind="yoy",
        at="2026Q3",
        entity_col="person_id",
        comparable=True,
    )
    assert out["unit_code"].tolist() == ["01", "02"]
    assert out.iloc[1]["status"] == "no_base"


def test_per_member_comparison():
    out = compare_periods(
        members_table(), value_col="index", by="person_id", kind="yoy", at="2026Q3"
    )
    assert out.set_index("person_id")["status"].to_dict() == {"b": "up", "c": "no_base", "d": "up"}


def test_rate_over_exposure_is_a_ratio_of_sums():
    df = pd.DataFrame(
        {
            "unit_code": ["01", "02", "01", "02"],
            "quarter": ["2025Q3", "2025Q3", "2026Q3", "2026Q3"],
            "violations": [3, 1, 1, 1],
            "tickets": [100, 300, 100, 100],
        }
    )
    out = compare_periods(
        df, value_col="violations", denominator_col="tickets", kind="yoy", at="2026Q3", is_rate=True
    )
    row = out.iloc[0]
    # (1 + 1) / 200 = 1% against (3 + 1) / 400 = 1%: unchanged. A mean of the branch
    # ratios (3% and 0.33% → 1% and 1%) would wrongly show a fall from 1.67% to 1%.
    assert (row["current"], row["base"]) == (0.01, 0.01)
    assert row["status"] == "flat"


def test_both_kinds_sorted_yoy_first():
    df = pd.DataFrame({"quarter": ["2025Q3", "2026Q2", "2026Q3"], "v": [1.0, 2.0, 3.0]})
    out = compare_periods(df, value_col="v")
    assert out["kind"].tolist() == ["yoy"] * 3 + ["qoq"] * 3
    assert list(out.columns) == [
        "quarter",
        "kind",
        "base_period",
        "current",
        "base",
        "change",
        "pct_change",
        "change_pp",
        "is_rate",
        "n_current",
        "n_base",
        "status",
        "status_zh",
        "status_en",
    ]


def test_bad_arguments_are_named():
    df = members_table()
    with pytest.raises(ParameterError, match="'agg'.*several rows"):
        compare_periods(df, value_col="index", by="unit_code")
    with pytest.raises(ParameterError, match="'entity_col'"):
        compare_periods(df, value_col="index", by="unit_code", agg="mean", comparable=True)
    with pytest.raises(ParameterError, match=r"'period_col'.*2026Q3.*\['Q3 2026'\]"):
        compare_periods(
            df.assign(quarter=["Q3 2026"] + list(df["quarter"][1:])),
            value_col="index",
            by="person_id",
        )
    with pytest.raises(ParameterError, match="missing \\['score'\\]"):
        compare_periods(df, value_col="score")
    with pytest.raises(ParameterError, match="'kind'"):
        compare_periods(df, value_col="index", by="person_id", kind="mom")
    with pytest.raises(ParameterError, match="'value_col'.*numbers"):
        compare_periods(df, value_col="person_id", by="unit_code")
    with pytest.raises(ParameterError, match="'agg'.*ratio of sums"):
        compare_periods(df, value_col="index", denominator_col="index", agg="mean")
    with pytest.raises(ParameterError, match="'status'"):
        format_change({"status": "rising"})


# --- average growth -------------------------------------------------------------------


def test_average_growth_by_hand():
    # 100 → 121 over two periods: 1.1 × 1.1 = 1.21, so 10% a period.
    res = average_growth([100, 121], periods=2)
    assert res.estimate == pytest.approx(0.10)
    assert res.status == "ok"
    assert average_growth([100, 110, 121]).estimate == pytest.approx(0.10)


def test_average_growth_is_the_geometric_not_the_arithmetic_mean():
    values = np.array([100.0, 150.0, 75.0, 90.0])
    growth = values[1:] / values[:-1] - 1  # +50%, −50%, +20%
    res = average_growth(values)
    assert res.estimate == pytest.approx(gmean(1 + growth) - 1)
    assert res.estimate == pytest.approx(0.9 ** (1 / 3) - 1)
    assert growth.mean() == pytest.approx(0.0667, abs=1e-4)  # the misleading arithmetic mean
    assert res.estimate < 0


@pytest.mark.parametrize(
    ("values", "status"),
    [
        ([0.0, 10.0], "non_positive_start"),
        ([-5.0, 10.0], "non_positive_start"),
        ([10.0, 0.0], "non_positive_end"),
        ([10.0, np.nan], "missing"),
    ],
)
def test_average_growth_undefined_with_a_status(values, status):
    res = average_growth(values)
    assert np.isnan(res.estimate)
    assert res.status == status
    assert "无法计算平均增长率" in res.summary()


def test_average_growth_result():
    res = average_growth(pd.Series([100.0, 121.0]), periods=2)
    assert isinstance(res, AverageGrowth)
    assert res.summary() == (
        "从 100 到 121，2 期平均每期增长 10.00%（几何平均，水平法）。\n\n"
        "From 100 to 121: average growth 10.00% per period over 2 periods (geometric mean)."
    )
    assert res.to_frame()["estimate"].iloc[0] == pytest.approx(0.1)
    assert "平均增长速度 / Average growth" in res._repr_html_()


def test_average_growth_bad_arguments():
    with pytest.raises(ParameterError, match="at least two values"):
        average_growth([100.0])
    with pytest.raises(ParameterError, match="'periods'.*whole number ≥ 1"):
        average_growth([100.0, 121.0], periods=0)
    with pytest.raises(ParameterError, match="'periods'.*number of values"):
        average_growth([100.0, 110.0, 121.0], periods=4)


def test_vectorised_format_changes_equals_format_change_row_by_row():
    from assess.appraisal.change import format_changes

    rng = np.random.default_rng(5)
    n = 400
    statuses = rng.choice(list(STATUSES), n)
    rows = pd.DataFrame(
        {
            "status": statuses,
            "is_rate": rng.random(n) < 0.3,
            # Values on the half-way points of the rounding, where half up matters.
            "pct_change": np.round(rng.uniform(-2, 2, n), 4)
            + np.where(rng.random(n) < 0.3, 0.00005, 0),
            "change_pp": np.round(rng.uniform(-30, 30, n), 2) + 0.05,
        }
    )
    for language in ("zh", "en", "zh-en"):
        expected = [format_change(r, language=language) for r in rows.to_dict("records")]
        assert format_changes(rows, language=language).tolist() == expected


def test_a_change_that_rounds_to_zero_is_unchanged_never_an_arrow_on_zero():
    rows = pd.DataFrame(
        {
            "status": ["up", "down", "up", "down", "up"],
            "is_rate": [False, False, True, True, False],
            "pct_change": [0.0004, -0.00049, np.nan, np.nan, 0.0005],
            "change_pp": [np.nan, np.nan, 0.04, -0.049, np.nan],
        }
    )
    # 0.0005 is 0.05%: a tie, rounded half up to ↑0.1%.
    assert format_changes(rows).tolist() == ["持平", "持平", "持平", "持平", "↑0.1%"]
    assert format_changes(rows, language="en").tolist()[:4] == ["unchanged"] * 4
    assert [format_change(r) for r in rows.to_dict("records")] == [
        "持平",
        "持平",
        "持平",
        "持平",
        "↑0.1%",
    ]
    assert format_changes(rows, decimals=2).tolist() == [
        "↑0.04%",
        "↓0.05%",
        "↑0.04个百分点",
        "↓0.05个百分点",
        "↑0.05%",
    ]
    assert STATUSES["flat"] == ("持平", "unchanged")


def _exact_text(current: str, base: str, *, is_rate: bool, decimals: int = 1) -> str:
    """The change from the two values as written, in exact fractions, rounded half up."""
    c, b = Fraction(current), Fraction(base)
    size = abs((c - b) * 100 if is_rate else (c - b) / b * 100)
    scaled = size * 10**decimals
    units = int(scaled) + (1 if scaled - int(scaled) >= Fraction(1, 2) else 0)
    whole, part = divmod(units, 10**decimals)
    return f"{whole}.{part:0{decimals}d}" if decimals else str(whole)


def test_percentages_round_the_exact_quotient_not_the_float():
    # The examples: exactly +1.25% and +12.25%, which floats put below the tie.
    rows = compare_periods(
        pd.DataFrame(
            {
                "e": ["a", "a", "b", "b"],
                "quarter": ["2025Q3", "2026Q3"] * 2,
                "v": [8.0, 8.1, 80, 89.8],
            }
        ),
        value_col="v",
        by="e",
        kind="yoy",
        at="2026Q3",
    )
    assert format_changes(rows).tolist() == ["↑1.3%", "↑12.3%"]
    assert [format_change(r) for _, r in rows.iterrows()] == ["↑1.3%", "↑12.3%"]


@pytest.mark.parametrize("is_rate", [False, True])
def test_every_change_on_a_grid_equals_the_exact_fraction(is_rate):
    # Bases and currents with one or two decimals, as users type them: every pair of the
    # grid, ties included, against an independent computation in fractions.
    if is_rate:
        values = [f"0.{k:04d}" for k in range(1, 10_000, 73)]
    else:
        values = [f"{k / 10:.1f}" for k in range(1, 1000, 7)] + [f"{k}.25" for k in range(1, 40)]
    base = np.repeat(values, len(values))
    current = np.tile(values, len(values))
    b, c = base.astype(float), current.astype(float)
    keep = b != c
    b, c, base, current = b[keep], c[keep], base[keep], current[keep]
    rows = pd.DataFrame(
        {
            "status": np.where(c > b, "up", "down"),
            "is_rate": is_rate,
            "current": c,
            "base": b,
            "pct_change": (c - b) / b,
            "change_pp": (c - b) * 100,
        }
    )
    shown = format_changes(rows)
    unit = "个百分点" if is_rate else "%"
    expected = [
        "持平"
        if (t := _exact_text(cu, ba, is_rate=is_rate)) == "0.0"
        else ("↑" if float(cu) > float(ba) else "↓") + t + unit
        for cu, ba in zip(current, base, strict=True)
    ]
    wrong = (shown.to_numpy() != np.array(expected, dtype=object)).sum()
    assert len(rows) > 10_000 and wrong == 0
    # The tie-exact rows exist in the grid (else this test would not test them).
    ties = sum(
        _exact_text(cu, ba, is_rate=is_rate, decimals=6).endswith("50000")
        for cu, ba in zip(current[:3000], base[:3000], strict=True)
    )
    assert ties > 0
