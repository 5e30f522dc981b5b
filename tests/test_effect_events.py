"""The event review (assess.effect.events) on a small hand-built tree, checked against
counts taken with pandas and intervals computed independently with scipy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from assess.core.dataset import Dataset
from assess.core.errors import ParameterError
from assess.effect.events import event_counts, review_events

# County 0101 (two branches) is reviewed; county 0102's events must never count.
BRANCHES = {"010101": "0101", "010102": "0101", "010201": "0102"}
MONTHS = [f"{y}-{m:02d}" for y in (2025, 2026) for m in range(1, 13)][:21]  # to 2026-09
Q3 = {"2025Q3": ["2025-07", "2025-08", "2025-09"], "2026Q3": ["2026-07", "2026-08", "2026-09"]}


@pytest.fixture(scope="module")
def data() -> Dataset:
    rng = np.random.default_rng(7)
    units = pd.DataFrame(
        {
            "unit_code": ["00", "01", "0101", "0102", *BRANCHES],
            "unit_name": ["省", "市", "县一", "县二", "支部一", "支部二", "支部三"],
            "level": ["province", "city", "county", "county", "branch", "branch", "branch"],
            "parent_code": [None, "00", "01", "01", *BRANCHES.values()],
        }
    )
    staff = pd.DataFrame(
        {
            "person_id": [f"{b}-{i}" for b in BRANCHES for i in range(10)],
            "unit_code": [b for b in BRANCHES for _ in range(10)],
            "is_party_member": [i < 4 for _ in BRANCHES for i in range(10)],
        }
    )
    exposure = pd.DataFrame(
        [
            {
                "unit_code": b,
                "month": m,
                "work_tickets": int(rng.integers(150, 400)),
                "customers": int(rng.integers(20_000, 40_000)),
                "headcount": 10,
                "member_headcount": 4,
            }
            for b in BRANCHES
            for m in MONTHS
        ]
    )
    rows = []
    for b in BRANCHES:
        people = staff.loc[staff["unit_code"] == b, "person_id"].tolist()
        for m in MONTHS:
            for kind, mean in (("violation", 1.5), ("complaint", 2.0)):
                # The branches' last quarter has fewer violations: a fall to find.
                lam = mean * (0.4 if kind == "violation" and m >= "2026-07" else 1.0)
                for _ in range(rng.poisson(lam)):
                    day = int(rng.integers(1, 28))
                    rows.append(
                        {
                            "date": pd.Timestamp(f"{m}-{day:02d}"),
                            "unit_code": b,
                            "person_id": str(rng.choice(people)),
                            "type": kind,
                        }
                    )
    # An event in a month without an exposure row is not counted.
    rows.append(
        {
            "date": pd.Timestamp("2026-10-02"),
            "unit_code": "010101",
            "person_id": "010101-0",
            "type": "violation",
        }
    )
    return Dataset(units=units, staff=staff, exposure=exposure, events=pd.DataFrame(rows))


def _inside(data: Dataset, kind: str, months: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Events of ``kind`` and exposure rows of county 0101's branches in ``months``."""
    branches = [b for b, county in BRANCHES.items() if county == "0101"]
    ev = data.events
    ev = ev.loc[
        (ev["type"] == kind)
        & ev["unit_code"].isin(branches)
        & ev["date"].dt.strftime("%Y-%m").isin(months)
    ]
    ex = data.exposure.loc[
        data.exposure["unit_code"].isin(branches) & data.exposure["month"].isin(months)
    ]
    return ev, ex


def test_event_counts_count_each_exposure_row(data):
    counts = event_counts(data, outcome="violation", units=["010101"])
    assert counts["month"].tolist() == MONTHS
    ev, _ = _inside(data, "violation", MONTHS)
    by_month = ev.loc[ev["unit_code"] == "010101", "date"].dt.strftime("%Y-%m").value_counts()
    assert counts["count"].tolist() == [int(by_month.get(m, 0)) for m in MONTHS]
    assert counts["count"].sum() == len(ev.loc[ev["unit_code"] == "010101"])
    with pytest.raises(ParameterError, match="outcome"):
        event_counts(data, outcome="accident")


def test_trend_rates_with_garwood_intervals(data):
    review = review_events(data, unit="0101", quarter="2026Q3", outcome="violation")
    quarters = [f"{y}Q{q}" for y in (2025, 2026) for q in range(1, 5)][:7]
    assert review.trend["quarter"].tolist() == quarters
    for q, row in review.trend.set_index("quarter").iterrows():
        months = [m for m in MONTHS if str(pd.Period(m, "M").asfreq("Q")) == q]
        ev, ex = _inside(data, "violation", months)
        k, e = len(ev), float(ex["work_tickets"].sum())
        assert (row["count"], row["exposure"]) == (k, e)
        assert row["rate"] == pytest.approx(k / e * 1_000)
        # Garwood's exact interval from the chi-square distribution.
        low = stats.chi2.ppf(0.025, 2 * k) / 2 / e * 1_000
        high = stats.chi2.ppf(0.975, 2 * k + 2) / 2 / e * 1_000
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high), rel=1e-9)


@pytest.mark.parametrize(
    ("kind", "column"), [("violation", "work_tickets"), ("complaint", "customers")]
)
def test_yoy_rate_ratio_and_exact_interval_match_the_conditional_binomial(data, kind, column):
    review = review_events(data, unit="0101", quarter="2026Q3", outcome=kind)
    (k0, e0), (k1, e1) = (
        (len(ev), float(ex[column].sum()))
        for ev, ex in (_inside(data, kind, m) for m in Q3.values())
    )
    assert (review.count, review.count_last_year) == (k1, k0)
    yoy = review.yoy
    assert yoy.estimate == pytest.approx((k1 / e1) / (k0 / e0), rel=1e-12)
    # Given the total n = k0 + k1, k1 is binomial with p = RR·e1 / (RR·e1 + e0): the
    # Clopper–Pearson interval for p maps to the rate ratio as p / (1 − p) · e0 / e1.
    n = k0 + k1
    ci = stats.binomtest(k1, n).proportion_ci(confidence_level=0.95, method="exact")
    to_ratio = lambda p: p / (1 - p) * e0 / e1  # noqa: E731
    assert (yoy.ci_low, yoy.ci_high) == pytest.approx(
        (to_ratio(ci.low), to_ratio(ci.high)), rel=1e-9
    )
    # Central two-sided p-value of H0 RR = 1: twice the smaller binomial tail.
    p0 = e1 / (e0 + e1)
    tails = stats.binom.cdf(k1, n, p0), stats.binom.sf(k1 - 1, n, p0)
    assert yoy.p_value == pytest.approx(min(1.0, 2 * min(tails)), rel=1e-9)
    saved = review.to_dict()
    assert (saved["estimate"], saved["ci_low"], saved["ci_high"]) == (
        yoy.estimate,
        yoy.ci_low,
        yoy.ci_high,
    )
    assert saved["evidence"] == yoy.verdict.evidence


def test_members_are_compared_within_branches_by_mantel_haenszel(data):
    review = review_events(data, unit="0101", quarter="2026Q3", outcome="complaint")
    assert review.window == ("2025Q4", "2026Q3")
    window = [m for m in MONTHS if m >= "2025-10"]
    ev, ex = _inside(data, "complaint", window)
    member = ev["person_id"].map(data.staff.set_index("person_id")["is_party_member"])
    a = ev.loc[member].groupby("unit_code").size()
    b = ev.loc[~member].groupby("unit_code").size()
    t1 = ex.groupby("unit_code")["member_headcount"].sum().astype(float)
    t0 = (ex["headcount"] - ex["member_headcount"]).groupby(ex["unit_code"]).sum().astype(float)
    t = t1 + t0
    mh = (a * t0 / t).sum() / (b * t1 / t).sum()
    assert review.members.estimate == pytest.approx(mh, rel=1e-12)


def test_no_yoy_ratio_or_member_comparison_without_events(data):
    # Without violations a year earlier there is no rate ratio, and without any violation
    # by members in the window no member comparison: both are None, not an error.
    calm = data.events.loc[
        ~(
            (data.events["type"] == "violation")
            & (
                (data.events["date"] < "2025-10-01")
                | data.events["person_id"].str.endswith(("-0", "-1", "-2", "-3"))
            )
        )
    ]
    quiet = Dataset(units=data.units, staff=data.staff, exposure=data.exposure, events=calm)
    review = review_events(quiet, unit="0101", quarter="2026Q3", outcome="violation")
    assert review.count_last_year == 0 and review.yoy is None and review.members is None
    assert review.to_dict()["estimate"] is None
    assert "不能计算同比率比" in review.summary()
    with pytest.raises(ParameterError, match="window"):
        review_events(data, unit="0101", quarter="2026Q3", outcome="violation", window=0)
