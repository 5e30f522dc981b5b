"""Spring Festival dates and the monthly share regressor."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from assess.core.errors import ParameterError
from assess.effect.calendar import SPRING_FESTIVAL, spring_festival, spring_festival_share

# Well-known lunar new year dates (正月初一), independent of the table's source packages.
KNOWN = {
    2000: "2000-02-05",
    2008: "2008-02-07",
    2020: "2020-01-25",
    2023: "2023-01-22",
    2024: "2024-02-10",
    2025: "2025-01-29",
    2026: "2026-02-17",
    2033: "2033-01-31",
}


@pytest.mark.parametrize(("year", "date"), sorted(KNOWN.items()))
def test_known_dates(year, date):
    assert spring_festival(year) == dt.date.fromisoformat(date)


def test_table_covers_2000_2040_in_january_or_february():
    assert sorted(SPRING_FESTIVAL) == list(range(2000, 2041))
    for day in SPRING_FESTIVAL.values():
        assert dt.date(day.year, 1, 21) <= day <= dt.date(day.year, 2, 20)


def test_share_of_the_window_per_month():
    months = [f"2025-{m:02d}" for m in range(1, 13)]
    share = spring_festival_share(months)
    # 2025-01-29 ± 7 days: 22–31 January (10 days), 1–5 February (5 days).
    np.testing.assert_allclose(share[:2], [10 / 15, 5 / 15])
    assert share.sum() == pytest.approx(1.0) and (share[2:] == 0).all()
    assert spring_festival_share(["2026-02"], before=1, after=6).tolist() == [1.0]


def test_bad_input():
    with pytest.raises(ParameterError, match="years 2000–2040"):
        spring_festival_share(["1999-02"])
    with pytest.raises(ParameterError, match="'before'"):
        spring_festival_share(["2025-02"], before=-1)
    with pytest.raises(ParameterError, match="'year'"):
        spring_festival(2041)
