"""What every demo table shares: sizes, the 36-month calendar, campaign dates, helpers.

``_rng`` gives each table of each province its own random stream, keyed by name, so
changing one generator leaves every other table's numbers as they were.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass

import numpy as np

# --------------------------------------------------------------------------------------
# Sizes
# --------------------------------------------------------------------------------------

#: The sizes :func:`assess.io.demo.generate` accepts.
SIZES: tuple[str, ...] = ("small", "province", "national")


@dataclass(frozen=True)
class _SizeConfig:
    """How big the synthetic utility is; ranges are inclusive ``(low, high)``."""

    n_provinces: int
    n_cities: int
    counties_per_city: tuple[int, int]
    city_branches: tuple[int, int]  # branches directly under a city company
    county_branches: tuple[int, int]
    members: int  # party members per province
    non_members: int  # other staff per province
    n_pilot_cities: int  # per province
    exam_officers: tuple[int, int]  # exam takers' posts per company (机关党支部)
    secretary_projects: int  # per province
    party_plus_projects: int  # per province
    recent_quarters: int | None  # quarters kept for points, exams, dues, meetings
    planted_watch: int  # members given three violations in the report quarter
    planted_discipline: int  # extra discipline breaches in the report quarter
    planted_red_projects: int
    planted_yellow_projects: int


_CONFIGS: dict[str, _SizeConfig] = {
    "small": _SizeConfig(
        n_provinces=1,
        n_cities=2,
        counties_per_city=(2, 2),
        city_branches=(2, 2),
        county_branches=(5, 5),
        members=250,
        non_members=150,
        n_pilot_cities=1,
        exam_officers=(8, 8),
        secretary_projects=8,
        party_plus_projects=4,
        recent_quarters=None,
        planted_watch=2,
        planted_discipline=2,
        planted_red_projects=1,
        planted_yellow_projects=1,
    ),
    "province": _SizeConfig(
        n_provinces=1,
        n_cities=14,
        counties_per_city=(5, 9),
        city_branches=(8, 12),
        county_branches=(12, 18),
        members=25_000,
        non_members=15_000,
        n_pilot_cities=3,
        exam_officers=(4, 5),
        secretary_projects=120,
        party_plus_projects=40,
        recent_quarters=None,
        planted_watch=8,
        planted_discipline=2,
        planted_red_projects=4,
        planted_yellow_projects=3,
    ),
    "national": _SizeConfig(
        n_provinces=40,
        n_cities=14,
        counties_per_city=(5, 9),
        city_branches=(8, 12),
        county_branches=(12, 18),
        members=25_000,
        non_members=15_000,
        n_pilot_cities=3,
        exam_officers=(4, 5),
        secretary_projects=120,
        party_plus_projects=40,
        recent_quarters=5,
        planted_watch=8,
        planted_discipline=2,
        planted_red_projects=4,
        planted_yellow_projects=3,
    ),
}


# --------------------------------------------------------------------------------------
# Calendar
# --------------------------------------------------------------------------------------

_N_MONTHS = 36
_MONTH_START = np.arange(np.datetime64("2023-10"), np.datetime64("2023-10") + _N_MONTHS)
_MONTH_FIRST = _MONTH_START.astype("datetime64[D]")
_MONTH_LAST = (_MONTH_START + 1).astype("datetime64[D]") - 1
_DAYS = (_MONTH_LAST - _MONTH_FIRST).astype(int) + 1
_CAL = _MONTH_START.astype(int) % 12  # 0 = January
_MONTHS = [str(m) for m in _MONTH_START]
_QUARTER_OF_MONTH = np.array([f"{m[:4]}Q{(int(m[5:]) - 1) // 3 + 1}" for m in _MONTHS])
_QUARTERS = list(dict.fromkeys(_QUARTER_OF_MONTH))
_YEARS = np.arange(_N_MONTHS) / 12.0  # time since the first month, for trends
AS_OF = dt.date(2026, 9, 30)
REPORT_QUARTER = "2026Q3"
_AS_OF = np.datetime64(AS_OF.isoformat())
_NO_DATE = np.datetime64("NaT", "D")

# Lunar new year (除夕 + 1): activity dips from 7 days before to 14 days after (元宵).
_LUNAR_NEW_YEAR = {2024: "2024-02-10", 2025: "2025-01-29", 2026: "2026-02-17"}
_SPRING_FESTIVAL_WINDOW = (-7, 14)


def _spring_festival_share() -> np.ndarray:
    """Share of each month's days that fall in the Spring Festival window."""
    share = np.zeros(_N_MONTHS)
    lo, hi = _SPRING_FESTIVAL_WINDOW
    for day in _LUNAR_NEW_YEAR.values():
        days = np.datetime64(day) + np.arange(lo, hi + 1)
        month = np.searchsorted(_MONTH_FIRST, days, side="right") - 1
        inside = (month >= 0) & (month < _N_MONTHS)
        np.add.at(share, month[inside], 1.0)
    return share / _DAYS


_SF_SHARE = _spring_festival_share()


def _quarters(cfg: _SizeConfig) -> list[str]:
    """The quarters kept for points, exams, dues and meetings."""
    return _QUARTERS[-cfg.recent_quarters :] if cfg.recent_quarters else list(_QUARTERS)


# --------------------------------------------------------------------------------------
# The campaign
# --------------------------------------------------------------------------------------

_PILOT_START = "2025-05-01"
_ROLLOUT_START = "2026-05-01"
_CAMPAIGN_ID = "SWSD2025"
_CAMPAIGN_NAME = "三无三当"


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------


def _rng(seed: int, *keys: int | str) -> np.random.Generator:
    """An independent random stream per table (and province), stable under code changes."""
    words = [seed] + [k if isinstance(k, int) else zlib.crc32(k.encode()) for k in keys]
    return np.random.default_rng(words)


def _dates(values: np.ndarray) -> np.ndarray:
    """``datetime64[D]`` values as ``YYYY-MM-DD`` text; NaT becomes empty text."""
    text = np.datetime_as_string(values.astype("datetime64[D]"), unit="D").astype(object)
    text[np.isnat(values)] = ""
    return text


def _zfill(numbers: np.ndarray, width: int) -> np.ndarray:
    return np.char.zfill(numbers.astype(str), width).astype(object)


def _month_of(days: np.ndarray) -> np.ndarray:
    """Index (0..35) of the month each day falls in; −1 before, 36 after the window."""
    return np.searchsorted(_MONTH_FIRST, days, side="right") - 1


def _add_months(days: np.ndarray, months: int | np.ndarray) -> np.ndarray:
    """Same day ``months`` later (day clipped to 28 so February always exists)."""
    ym = days.astype("datetime64[M]") + months
    dom = np.minimum((days - days.astype("datetime64[M]")).astype(int), 27)
    return ym.astype("datetime64[D]") + dom
