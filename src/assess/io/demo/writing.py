"""Realistic synthetic demo data: a provincial power utility with a planted campaign effect.

:func:`generate` writes the files a user of `assess` would bring — one UTF-8 (with BOM)
CSV per table of :mod:`assess.core.schema`, English column names as headers — plus
``ground_truth.json`` (every planted effect and model parameter, so tests can check that
an analysis recovers them) and ``indicators.json`` (the Pioneer-Index indicator codes with
suggested points and caps, to build the default scoring scheme).

The synthetic utility
---------------------
* **Tree.** Province ``00`` → city companies ``01``..``14`` → county companies ``0101`` →
  party branches ``010101``. Branches directly under a city company sit in the pseudo
  county ``00`` (``010001``), so every branch code has six digits. In the ``national``
  size every code is prefixed by a two-digit province code (``01``..``40``).
* **Period.** 36 months, 2023-10 to 2026-09: twelve quarters 2023Q4..2026Q3, ending with
  the report quarter 2026Q3, so 同比 (2025Q3) and 环比 (2026Q2) bases exist and nothing
  lies after the report date 2026-09-30 ("as of" of every red/yellow/green status).
  Registers (projects, problems, duties) also hold deadlines after that day.
* **Events.** Violations per work ticket, complaints and faults per customer, discipline
  breaches per party member; branch-month counts are Poisson with a gamma branch frailty
  and gamma branch-month noise (negative binomial), a calendar-month season, a Spring
  Festival dip on the real lunar-new-year dates and a mild trend.
* **Campaign** "三无三当": starts 2025-05-01 in every branch of three pilot city companies,
  2026-05-01 everywhere else. From the start month on it multiplies the complaint rate by
  0.70 and the violation rate by 0.90 (faults 1.00: a negative-control outcome).
  The pilot cities were chosen because they were worse: their rates are 1.3 times the
  others' at every time, with the same trend and season, so unit fixed effects absorb the
  gap and a Poisson difference-in-differences recovers 0.70 / 0.90 exactly in expectation,
  while a naive pilot-versus-rest comparison does not.
* **Members.** Violations and complaints carry the person responsible for most events;
  within a branch a party member's rate is 0.80 (violations) and 0.75 (complaints) times
  a non-member's.

Sizes: ``small`` (24 branches, about 400 staff; for tests, about a second),
``province`` (about 1,500 branches, 25,000 members and 15,000 other staff) and
``national`` (40 such provinces, about 1,000,000 members, streamed province by province;
points, exam answers, party dues and meetings are kept for the last five quarters only).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import shutil
import sys
import tempfile
import time
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import openpyxl
import pandas as pd
from tqdm import tqdm

from assess.core.errors import InputError, ParameterError, bilingual, check_choice
from assess.core.schema import TABLE_NAMES, TABLES

__all__ = ["generate", "DemoSummary", "SIZES", "FORMATS"]

#: The sizes :func:`generate` accepts.
SIZES: tuple[str, ...] = ("small", "province", "national")
#: The output formats :func:`generate` accepts.
FORMATS: tuple[str, ...] = ("csv", "xlsx")

_SIZE_ZH = {"small": "小型", "province": "省级", "national": "全国"}
# Excel's sheet row limit: only the small demo fits in one workbook.
_XLSX_SIZES = ("small",)


# --------------------------------------------------------------------------------------
# Sizes
# --------------------------------------------------------------------------------------


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

# --------------------------------------------------------------------------------------
# The true model
# --------------------------------------------------------------------------------------

_PILOT_START = "2025-05-01"
_ROLLOUT_START = "2026-05-01"
_CAMPAIGN_ID = "SWSD2025"
_CAMPAIGN_NAME = "三无三当"


def _season(values: tuple[float, ...]) -> tuple[float, ...]:
    """Calendar-month multipliers (January first) rescaled to a mean of one."""
    arr = np.asarray(values, dtype=float)
    return tuple(float(x) for x in np.round(arr / arr.mean(), 4))


@dataclass(frozen=True)
class _Outcome:
    """The planted rate model of one event type (see the module docstring)."""

    event_type: str
    exposure: str  # column of the exposure table that is the denominator
    base_rate: float  # events per unit of exposure per month
    campaign_rr: float
    pilot_level: float  # rate multiplier of the pilot cities at every time
    season: tuple[float, ...]
    spring_festival_depth: float  # rate × (1 − depth × share of the month in the window)
    trend_per_year: float  # rate × trend ** years
    frailty_shape: float  # gamma shape of the branch frailty (mean 1)
    monthly_shape: float  # gamma shape of the branch-month noise (mean 1)
    severity: tuple[float, float, float]  # probabilities of severity 1, 2, 3
    person_share: float  # share of events naming the person responsible
    member_rr: float | None  # member / non-member rate ratio within a branch
    source_prefixes: tuple[tuple[str, float], ...]


_OUTCOMES: dict[str, _Outcome] = {
    "violation": _Outcome(
        "violation",
        "work_tickets",
        base_rate=0.005,
        campaign_rr=0.90,
        pilot_level=1.3,
        season=_season((0.9, 0.9, 1.0, 1.05, 1.05, 1.05, 1.15, 1.15, 1.0, 1.0, 0.95, 0.9)),
        spring_festival_depth=0.0,
        trend_per_year=0.96,
        frailty_shape=3.0,
        monthly_shape=8.0,
        severity=(0.6, 0.3, 0.1),
        person_share=0.85,
        member_rr=0.80,
        source_prefixes=(("WZK", 0.7), ("GZP", 0.3)),
    ),
    "complaint": _Outcome(
        "complaint",
        "customers",
        base_rate=3e-5,
        campaign_rr=0.70,
        pilot_level=1.3,
        season=_season((1.1, 1.0, 0.9, 0.85, 0.9, 1.05, 1.35, 1.4, 1.1, 0.9, 0.9, 1.05)),
        spring_festival_depth=0.3,
        trend_per_year=1.03,
        frailty_shape=3.0,
        monthly_shape=8.0,
        severity=(0.5, 0.35, 0.15),
        person_share=0.60,
        member_rr=0.75,
        source_prefixes=(("95598", 0.7), ("YXGD", 0.3)),
    ),
    "discipline": _Outcome(
        "discipline",
        "member_headcount",
        base_rate=8e-5,
        campaign_rr=1.0,
        pilot_level=1.0,
        season=_season((1,) * 12),
        spring_festival_depth=0.0,
        trend_per_year=1.0,
        frailty_shape=5.0,
        monthly_shape=5.0,
        severity=(0.3, 0.4, 0.3),
        person_share=1.0,
        member_rr=None,  # party discipline concerns members only
        source_prefixes=(("JJ", 1.0),),
    ),
    "fault": _Outcome(
        "fault",
        "customers",
        base_rate=1e-5,
        campaign_rr=1.0,
        pilot_level=1.0,
        season=_season((1.0, 0.9, 0.85, 0.9, 1.0, 1.2, 1.5, 1.5, 1.1, 0.9, 0.85, 1.0)),
        spring_festival_depth=0.0,
        trend_per_year=0.98,
        frailty_shape=3.0,
        monthly_shape=8.0,
        severity=(0.5, 0.35, 0.15),
        person_share=0.0,  # equipment faults name no person
        member_rr=None,
        source_prefixes=(("GZ", 1.0),),
    ),
}
_EVENT_PREFIX = {"violation": "WZ", "complaint": "TS", "discipline": "WJ", "fault": "GZ"}

# Work tickets: season (spring and autumn maintenance, summer peak) and Spring Festival dip.
_TICKET_SEASON = _season((0.95, 0.9, 1.05, 1.15, 1.1, 1.0, 1.1, 1.1, 1.05, 1.1, 1.0, 0.9))
_TICKET_SF_DEPTH = 0.45
_TICKET_TREND = 1.02
_CUSTOMER_TREND = 1.03


@dataclass(frozen=True)
class _BranchType:
    size: float  # mean staff
    member_share: float
    tickets: float  # work tickets per month
    customers: float  # customers served
    fault_factor: float
    posts: tuple[str, ...]


_BRANCH_TYPES: dict[str, _BranchType] = {
    "office": _BranchType(
        25,
        0.85,
        4,
        300,
        0.02,
        ("综合管理专责", "人力资源专责", "财务专责", "安全监察专责", "办公室秘书", "发展策划专责"),
    ),
    "dispatch": _BranchType(
        20, 0.75, 40, 800, 0.02, ("调度员", "调度值班长", "自动化运维员", "方式计划专责")
    ),
    "substation": _BranchType(28, 0.6, 120, 600, 0.02, ("变电运维工", "变电检修工", "技术员")),
    "transmission": _BranchType(28, 0.6, 100, 400, 0.02, ("输电线路工", "带电作业工", "技术员")),
    "distribution": _BranchType(
        30, 0.55, 150, 20_000, 2.0, ("配电线路工", "配电运检工", "抢修值班员")
    ),
    "marketing": _BranchType(
        35,
        0.6,
        20,
        80_000,
        0.02,
        ("客户经理", "抄表核算员", "用电检查员", "营业厅服务员", "计量专责"),
    ),
    "station": _BranchType(22, 0.55, 60, 25_000, 1.0, ("台区经理", "供电服务员", "农网配电营业工")),
}
# City-company branches in the order they are used; the first is the company's own office.
_CITY_BRANCHES = (
    ("机关第一", "office"),
    ("营销服务中心", "marketing"),
    ("变电运维中心", "substation"),
    ("电力调度控制中心", "dispatch"),
    ("输电运检中心", "transmission"),
    ("变电运维一班", "substation"),
    ("配电运检中心", "distribution"),
    ("变电运维二班", "substation"),
    ("客户服务中心", "marketing"),
    ("机关第二", "office"),
    ("信息通信分公司", "office"),
    ("物资供应中心", "office"),
)
# County-company branches before the power-supply stations (供电所).
_COUNTY_BRANCHES = (
    ("机关", "office"),
    ("营销服务", "marketing"),
    ("运维检修", "distribution"),
    ("电力调度控制分中心", "dispatch"),
)
_COUNTY_DISPATCH_FROM = 8  # smaller counties have no dispatch branch of their own
_PLACE_FIRST = "安宁永平长兴清新东西南华泰和丰德惠嘉福瑞"
_PLACE_SECOND = "山川江河阳城州源泉林溪湖桥原岭滨丰台营坪"
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛"
)
_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志宇浩然博文婷雪梅晨阳鑫"
    "宁欣佳琳亮斌凯峰海波丹蕾颖诚毅思远航帆琪瑶慧俊晓东南春秋月"
)
# Posts of the exam takers (每季一考 is for party-affairs staff of each company's office).
_EXAM_POSTS = (
    "党委书记",
    "纪委书记",
    "党委委员",
    "党建专责",
    "党委委员",
    "党建专责",
    "纪检专责",
    "组织专责",
)
_SECRETARY_POST = "党支部书记"
_TURNOVER = 0.04  # share of staff leaving, and of staff joining, during the 36 months


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


def _place_names(rng: np.random.Generator, n: int) -> list[str]:
    pool = [a + b for a in _PLACE_FIRST for b in _PLACE_SECOND if a != b]
    return [pool[i] for i in rng.choice(len(pool), size=n, replace=False)]


def _person_names(rng: np.random.Generator, n: int) -> np.ndarray:
    sur = np.array(list(_SURNAMES), dtype=object)[rng.integers(0, len(_SURNAMES), n)]
    given = np.array(list(_GIVEN), dtype=object)
    first = given[rng.integers(0, len(_GIVEN), n)]
    second = np.where(rng.random(n) < 0.6, given[rng.integers(0, len(_GIVEN), n)], "")
    return sur + first + second


def _add_months(days: np.ndarray, months: int | np.ndarray) -> np.ndarray:
    """Same day ``months`` later (day clipped to 28 so February always exists)."""
    ym = days.astype("datetime64[M]") + months
    dom = np.minimum((days - days.astype("datetime64[M]")).astype(int), 27)
    return ym.astype("datetime64[D]") + dom


# --------------------------------------------------------------------------------------
# One province
# --------------------------------------------------------------------------------------


@dataclass
class _Org:
    """The organisation of one province, as tables and as arrays indexed by branch."""

    prefix: str  # "" for a one-province demo, else the province code
    units: pd.DataFrame
    branch_code: np.ndarray
    branch_type: np.ndarray
    branch_city: np.ndarray  # city index 0..n_cities-1
    branch_county: np.ndarray  # county code, "" for branches directly under a city
    branch_company: np.ndarray  # index into company_code
    branch_pilot: np.ndarray
    branch_start: np.ndarray  # first treated month index
    company_code: np.ndarray
    company_office: np.ndarray  # branch index of each company's office branch
    pilot_cities: list[str]


def _units(cfg: _SizeConfig, seed: int, p: int) -> _Org:
    """Table ``units``: the tree province → city → county → branch, with real-looking names."""
    rng = _rng(seed, p, "units")
    national = cfg.n_provinces > 1
    prefix = f"{p + 1:02d}" if national else ""
    province_code = prefix if national else "00"
    names = _place_names(rng, cfg.n_cities + cfg.n_cities * cfg.counties_per_city[1] + 1)
    province_name = f"国网{names.pop()}省电力有限公司" if national else "国网示例省电力有限公司"
    rows = [(province_code, province_name, "province", "")]
    b_rows: list[tuple[str, str, str, int, str, int]] = []
    companies: list[str] = []
    offices: list[int] = []
    for c in range(cfg.n_cities):
        city = f"{prefix}{c + 1:02d}"
        city_name = names.pop()
        rows.append((city, f"国网{city_name}供电公司", "city", province_code))
        companies.append(city)
        offices.append(len(b_rows))
        for k in range(int(rng.integers(cfg.city_branches[0], cfg.city_branches[1] + 1))):
            label, btype = _CITY_BRANCHES[k]
            b_rows.append(
                (
                    f"{city}00{k + 1:02d}",
                    f"{city_name}供电公司{label}党支部",
                    btype,
                    c,
                    "",
                    len(companies) - 1,
                )
            )
        for j in range(int(rng.integers(cfg.counties_per_city[0], cfg.counties_per_city[1] + 1))):
            county = f"{city}{j + 1:02d}"
            county_name = names.pop() + ("区" if rng.random() < 0.2 else "县")
            rows.append((county, f"国网{county_name}供电公司", "county", city))
            companies.append(county)
            offices.append(len(b_rows))
            n_b = int(rng.integers(cfg.county_branches[0], cfg.county_branches[1] + 1))
            fixed = [
                b for b in _COUNTY_BRANCHES if b[1] != "dispatch" or n_b >= _COUNTY_DISPATCH_FROM
            ]
            towns = ["城关"] + _place_names(rng, n_b)
            labels = fixed + [(f"{t}供电所", "station") for t in towns][: n_b - len(fixed)]
            for k, (label, btype) in enumerate(labels):
                b_rows.append(
                    (
                        f"{county}{k + 1:02d}",
                        f"{county_name}供电公司{label}党支部",
                        btype,
                        c,
                        county,
                        len(companies) - 1,
                    )
                )
    branches = pd.DataFrame(b_rows, columns=["code", "name", "type", "city", "county", "company"])
    city_code = [f"{prefix}{c + 1:02d}" for c in range(cfg.n_cities)]
    pilot_idx = np.sort(rng.choice(cfg.n_cities, cfg.n_pilot_cities, replace=False))
    pilot = np.isin(branches["city"].to_numpy(), pilot_idx)
    start = np.where(
        pilot,
        _month_of(np.array([_PILOT_START], dtype="datetime64[D]"))[0],
        _month_of(np.array([_ROLLOUT_START], dtype="datetime64[D]"))[0],
    )
    for code, name, _, _, county, _ in b_rows:
        parent = county or code[: len(prefix) + 2]
        rows.append((code, name, "branch", parent))
    units = pd.DataFrame(rows, columns=TABLES["units"].column_names)
    units = units.sort_values("unit_code", kind="stable").reset_index(drop=True)
    return _Org(
        prefix=prefix,
        units=units,
        branch_code=branches["code"].to_numpy(object),
        branch_type=branches["type"].to_numpy(object),
        branch_city=branches["city"].to_numpy(int),
        branch_county=branches["county"].to_numpy(object),
        branch_company=branches["company"].to_numpy(int),
        branch_pilot=pilot,
        branch_start=start,
        company_code=np.array(companies, dtype=object),
        company_office=np.array(offices),
        pilot_cities=[city_code[i] for i in pilot_idx],
    )


@dataclass
class _People:
    """Staff as arrays, sorted by branch; ``first``/``last`` are active month indices."""

    person_id: np.ndarray
    branch: np.ndarray
    member: np.ndarray
    post: np.ndarray
    first: np.ndarray  # first active month (0 if joined before the window)
    last: np.ndarray  # last active month (35 if still employed)
    offsets: np.ndarray  # staff of branch b are rows offsets[b]:offsets[b+1]
    officer: np.ndarray  # exam taker (party-affairs post in a company office)


def _staff(cfg: _SizeConfig, seed: int, p: int, org: _Org) -> tuple[pd.DataFrame, _People]:
    """Table ``staff``: members and non-members of every branch, with posts and turnover."""
    rng = _rng(seed, p, "staff")
    types = [_BRANCH_TYPES[t] for t in org.branch_type]
    n_b = len(types)
    raw = np.array([t.size for t in types]) * rng.gamma(4.0, 0.25, n_b)
    size = np.round(raw * (cfg.members + cfg.non_members) / raw.sum()).astype(int)
    share = np.array([t.member_share for t in types])
    share = np.minimum(share * cfg.members / (size * share).sum(), 0.95)
    officers = np.zeros(n_b, dtype=int)
    officers[org.company_office] = rng.integers(
        cfg.exam_officers[0], cfg.exam_officers[1] + 1, len(org.company_office)
    )
    members = np.maximum(rng.binomial(size, share), 3 + officers)
    size = np.maximum(size, members + 1)
    n = int(size.sum())
    offsets = np.concatenate([[0], np.cumsum(size)])
    branch = np.repeat(np.arange(n_b), size)
    rank = np.arange(n) - offsets[branch]  # position within the branch
    member = rank < members[branch]
    post = np.empty(n, dtype=object)
    for b, t in enumerate(types):
        lo, hi = offsets[b], offsets[b + 1]
        post[lo:hi] = np.array(t.posts, dtype=object)[rng.integers(0, len(t.posts), hi - lo)]
    post[offsets[:-1]] = _SECRETARY_POST
    officer = (rank >= 1) & (rank <= officers[branch])
    post[officer] = np.array(_EXAM_POSTS, dtype=object)[(rank[officer] - 1) % len(_EXAM_POSTS)]
    # Shuffle people within branches so ids do not reveal who is a member.
    order = np.lexsort((rng.random(n), branch))
    member, post, officer = member[order], post[order], officer[order]
    key = (post == _SECRETARY_POST) | officer
    joined = np.datetime64("1988-01-01") + rng.integers(0, 13_000, n).astype("timedelta64[D]")
    joined = np.minimum(joined, _MONTH_FIRST[0] - 1)
    left = np.full(n, _NO_DATE)
    window = (_MONTH_LAST[-1] - _MONTH_FIRST[0]).astype(int)
    u = rng.random(n)
    hire = (u < _TURNOVER) & ~key
    leave = (u > 1 - _TURNOVER) & ~key
    joined[hire] = _MONTH_FIRST[0] + rng.integers(0, window, hire.sum()).astype("timedelta64[D]")
    left[leave] = _MONTH_FIRST[0] + rng.integers(0, window, leave.sum()).astype("timedelta64[D]")
    first = np.maximum(_month_of(joined), 0)
    last = np.where(np.isnat(left), _N_MONTHS - 1, _month_of(left))
    ids = np.array([f"{org.prefix or '00'}{i + 1:06d}" for i in range(n)], dtype=object)
    frame = pd.DataFrame(
        {
            "person_id": ids,
            "name": _person_names(rng, n),
            "unit_code": org.branch_code[branch],
            "is_party_member": np.where(member, "是", "否"),
            "post": post,
            "joined": _dates(joined),
            "left": _dates(left),
        }
    )
    people = _People(ids, branch, member, post, first, last, offsets, officer)
    return frame, people


@dataclass
class _Exposure:
    headcount: np.ndarray  # (branch, month)
    member_headcount: np.ndarray
    work_tickets: np.ndarray
    customers: np.ndarray


def _active_counts(people: _People, n_b: int, mask: np.ndarray) -> np.ndarray:
    """People selected by ``mask`` on the books per branch and month."""
    diff = np.zeros((n_b, _N_MONTHS + 1), dtype=int)
    np.add.at(diff, (people.branch[mask], people.first[mask]), 1)
    np.add.at(diff, (people.branch[mask], people.last[mask] + 1), -1)
    return np.cumsum(diff, axis=1)[:, :_N_MONTHS]


def _exposure(seed: int, p: int, org: _Org, people: _People) -> tuple[pd.DataFrame, _Exposure]:
    """Table ``exposure``: headcounts from the staff register, work tickets and customers."""
    rng = _rng(seed, p, "exposure")
    n_b = len(org.branch_code)
    types = [_BRANCH_TYPES[t] for t in org.branch_type]
    every = np.ones_like(people.member)
    headcount = _active_counts(people, n_b, every)
    member_headcount = _active_counts(people, n_b, people.member)
    ticket_level = np.array([t.tickets for t in types]) * rng.lognormal(0, 0.3, n_b)
    ticket_month = (
        np.asarray(_TICKET_SEASON)[_CAL]
        * (1 - _TICKET_SF_DEPTH * _SF_SHARE)
        * _TICKET_TREND**_YEARS
    )
    tickets = np.maximum(rng.poisson(np.outer(ticket_level, ticket_month)), 1)
    customer_level = np.array([t.customers for t in types]) * rng.lognormal(0, 0.4, n_b)
    customers = np.round(np.outer(customer_level, _CUSTOMER_TREND**_YEARS)).astype(int)
    expo = _Exposure(headcount, member_headcount, tickets, customers)
    frame = pd.DataFrame(
        {
            "unit_code": np.repeat(org.branch_code, _N_MONTHS),
            "month": np.tile(np.array(_MONTHS, dtype=object), n_b),
            "headcount": headcount.ravel(),
            "member_headcount": member_headcount.ravel(),
            "work_tickets": tickets.ravel(),
            "customers": customers.ravel(),
        }
    )
    return frame, expo


def _rate_mean(o: _Outcome, rng: np.random.Generator, org: _Org, expo: _Exposure) -> np.ndarray:
    """Expected events per branch and month under the planted model (before noise)."""
    n_b = len(org.branch_code)
    exposure = getattr(expo, o.exposure).astype(float)
    branch = rng.gamma(o.frailty_shape, 1 / o.frailty_shape, n_b)
    if o.event_type == "fault":
        branch = branch * np.array([_BRANCH_TYPES[t].fault_factor for t in org.branch_type])
    branch = branch * np.where(org.branch_pilot, o.pilot_level, 1.0)
    month = (
        np.asarray(o.season)[_CAL]
        * (1 - o.spring_festival_depth * _SF_SHARE)
        * o.trend_per_year**_YEARS
    )
    treated = np.arange(_N_MONTHS)[None, :] >= org.branch_start[:, None]
    effect = np.where(treated, o.campaign_rr, 1.0)
    noise = rng.gamma(o.monthly_shape, 1 / o.monthly_shape, exposure.shape)
    return exposure * o.base_rate * branch[:, None] * month[None, :] * effect * noise


def _pick_people(
    rng: np.random.Generator,
    people: _People,
    branch: np.ndarray,
    month: np.ndarray,
    weight: np.ndarray,
) -> np.ndarray:
    """For each event, a person of its branch on the books that month, drawn by ``weight``."""
    chosen = np.empty(len(branch), dtype=int)
    lo_idx, hi_idx = people.offsets[branch], people.offsets[branch + 1]
    for t in np.unique(month):
        active = (people.first <= t) & (people.last >= t)
        cum = np.cumsum(weight * active)
        sel = month == t
        lo = np.where(lo_idx[sel] > 0, cum[lo_idx[sel] - 1], 0.0)
        hi = cum[hi_idx[sel] - 1]
        target = lo + rng.random(sel.sum()) * (hi - lo)
        chosen[sel] = np.searchsorted(cum, target, side="right")
    return chosen


@dataclass
class _EventLog:
    """Events of one province as arrays (branch, month, day, type, severity, person)."""

    frame: pd.DataFrame
    planted_watch: list[dict[str, Any]]
    planted_discipline: list[dict[str, Any]]


def _events(
    cfg: _SizeConfig, seed: int, p: int, org: _Org, people: _People, expo: _Exposure
) -> _EventLog:
    """Table ``events``: violations, complaints, discipline breaches and faults."""
    rng = _rng(seed, p, "events")
    parts = []
    for o in _OUTCOMES.values():
        counts = rng.poisson(_rate_mean(o, rng, org, expo))
        cell = np.repeat(np.arange(counts.size), counts.ravel())
        branch, month = np.divmod(cell, _N_MONTHS)
        n = len(cell)
        person = np.full(n, -1)
        named = rng.random(n) < o.person_share
        if o.member_rr is None:
            weight = people.member.astype(float)
        else:
            weight = np.where(people.member, o.member_rr, 1.0)
        if named.any():
            person[named] = _pick_people(rng, people, branch[named], month[named], weight)
        parts.append(
            pd.DataFrame(
                {
                    "type": o.event_type,
                    "branch": branch,
                    "month": month,
                    "day": rng.integers(0, _DAYS[month]),
                    "severity": rng.choice(3, n, p=o.severity) + 1,
                    "person": person,
                    "planted": False,
                }
            )
        )
    log = pd.concat(parts, ignore_index=True)
    report = np.flatnonzero(_QUARTER_OF_MONTH == REPORT_QUARTER)
    watch = _plant_watch(cfg, rng, people, log, report)
    extra = _plant_discipline(cfg, rng, people, report)
    log = pd.concat([log, extra], ignore_index=True)
    frame, planted = _event_frame(rng, org, people, log)
    discipline = [
        {"person_id": person, "event_id": event, "quarter": REPORT_QUARTER}
        for person, event in frame.loc[planted, ["person_id", "event_id"]].itertuples(index=False)
    ]
    return _EventLog(frame, watch, discipline)


def _plant_watch(
    cfg: _SizeConfig,
    rng: np.random.Generator,
    people: _People,
    log: pd.DataFrame,
    report: np.ndarray,
) -> list[dict[str, Any]]:
    """Give a few members three of their branch's report-quarter violations (watch list).

    Only the person named on existing events changes, so event counts stay as planted.
    """
    quarter = log[(log["type"] == "violation") & log["month"].isin(report) & (log["person"] >= 0)]
    per_branch = quarter.groupby("branch").size()
    candidates = per_branch.index[per_branch >= 3].to_numpy()
    planted = []
    for b in np.sort(rng.permutation(candidates)[: cfg.planted_watch]):
        lo, hi = people.offsets[b], people.offsets[b + 1]
        stays = (
            np.flatnonzero(
                people.member[lo:hi]
                & (people.first[lo:hi] <= report[0])
                & (people.last[lo:hi] >= report[-1])
            )
            + lo
        )
        if len(stays) == 0:
            continue
        who = int(rng.choice(stays))
        rows = rng.choice(quarter.index[quarter["branch"] == b].to_numpy(), 3, replace=False)
        log.loc[rows, "person"] = who
        planted.append(who)
    in_quarter = (log["type"] == "violation") & log["month"].isin(report)
    return [
        {
            "person_id": people.person_id[who],
            "quarter": REPORT_QUARTER,
            "violations": int((in_quarter & (log["person"] == who)).sum()),
        }
        for who in planted
    ]


def _plant_discipline(
    cfg: _SizeConfig, rng: np.random.Generator, people: _People, report: np.ndarray
) -> pd.DataFrame:
    """Extra discipline breaches by members in the report quarter, for veto items."""
    n = cfg.planted_discipline
    month = rng.choice(report, n)
    candidates = np.flatnonzero(
        people.member & (people.first <= report[0]) & (people.last >= report[-1])
    )
    person = rng.choice(candidates, n, replace=False)
    return pd.DataFrame(
        {
            "type": "discipline",
            "branch": people.branch[person],
            "month": month,
            "day": rng.integers(0, _DAYS[month]),
            "severity": rng.choice([2, 3], n),
            "person": person,
            "planted": True,
        }
    )


def _event_frame(
    rng: np.random.Generator, org: _Org, people: _People, log: pd.DataFrame
) -> tuple[pd.DataFrame, np.ndarray]:
    """Event arrays → the ``events`` table sorted by date, and which rows were planted."""
    date = _MONTH_FIRST[log["month"].to_numpy()] + log["day"].to_numpy().astype("timedelta64[D]")
    log = log.assign(date=date)
    order = np.lexsort((log["branch"].to_numpy(), log["type"].to_numpy(), date))
    log = log.iloc[order].reset_index(drop=True)
    log.index.name = None
    ymd = pd.Series(_dates(log["date"].to_numpy())).str.replace("-", "", regex=False)
    yyyymm = ymd.str[:6]
    seq = log.groupby(["type", yyyymm.rename("ym")]).cumcount().to_numpy() + 1
    prefix = log["type"].map(_EVENT_PREFIX)
    event_id = prefix + (org.prefix or "00") + yyyymm + _zfill(seq, 5)
    source = pd.Series("", index=log.index, dtype=object)
    for o in _OUTCOMES.values():
        sel = (log["type"] == o.event_type).to_numpy()
        labels = [s for s, _ in o.source_prefixes]
        pick = rng.choice(len(labels), sel.sum(), p=[w for _, w in o.source_prefixes])
        source[sel] = (
            np.array(labels, dtype=object)[pick] + "-" + ymd[sel].to_numpy() + _zfill(seq[sel], 5)
        )
    person = log["person"].to_numpy()
    frame = pd.DataFrame(
        {
            "event_id": event_id.to_numpy(object),
            "date": _dates(log["date"].to_numpy()),
            "unit_code": org.branch_code[log["branch"].to_numpy()],
            "person_id": np.where(person >= 0, people.person_id[np.maximum(person, 0)], ""),
            "type": log["type"].to_numpy(object),
            "severity": log["severity"].astype(str).to_numpy(object),
            "source_id": source.to_numpy(object),
        }
    )
    return frame, log["planted"].to_numpy(bool)


def _kpis(seed: int, p: int, org: _Org, expo: _Exposure, events: pd.DataFrame) -> pd.DataFrame:
    """Table ``kpis``: county business KPIs and branch KPIs by month (long form).

    ``medium_voltage_faults`` and ``hotline_complaints`` are the counts of the county's
    fault events and of its complaints from the 95598 hotline, so the two tables agree.
    """
    rng = _rng(seed, p, "kpis")
    county_codes = org.units.loc[org.units["level"] == "county", "unit_code"].to_numpy(object)
    county_of = pd.Index(county_codes).get_indexer(org.branch_county)
    in_county = county_of >= 0
    n_c = len(county_codes)
    customers = np.zeros((n_c, _N_MONTHS))
    np.add.at(customers, county_of[in_county], expo.customers[in_county])
    sales_month = (
        np.asarray(_season((1.15, 0.95, 0.95, 0.9, 0.95, 1.05, 1.25, 1.25, 1.0, 0.9, 0.95, 1.1)))[
            _CAL
        ]
        * (1 - 0.15 * _SF_SHARE)
        * 1.06**_YEARS
    )
    sales = customers * 3.5e-4 * sales_month * rng.lognormal(0, 0.03, customers.shape)
    fault_month = np.asarray(_OUTCOMES["fault"].season)[_CAL]
    reliability = rng.lognormal(0, 0.25, n_c)[:, None] * fault_month[None, :]
    outage_low = 0.36 * reliability * rng.lognormal(0, 0.1, customers.shape)
    outage_medium = 0.40 * reliability * rng.lognormal(0, 0.1, customers.shape)
    month_index = pd.Index(_MONTHS).get_indexer(pd.Index(events["date"].str[:7]))
    county_index = pd.Index(county_codes).get_indexer(
        org.branch_county[pd.Index(org.branch_code).get_indexer(pd.Index(events["unit_code"]))]
    )

    def count(mask: np.ndarray) -> np.ndarray:
        mask = mask & (county_index >= 0)
        out = np.zeros((n_c, _N_MONTHS))
        np.add.at(out, (county_index[mask], month_index[mask]), 1)
        return out

    faults = count((events["type"] == "fault").to_numpy())
    hotline = count(
        ((events["type"] == "complaint") & events["source_id"].str.startswith("95598")).to_numpy()
    )
    county_kpis = {
        "sales_gwh": np.round(sales, 2),
        "outage_hours_low": np.round(outage_low, 3),
        "outage_hours_medium": np.round(outage_medium, 3),
        "medium_voltage_faults": faults,
        "hotline_complaints": hotline,
    }
    n_b = len(org.branch_code)
    completion = 100 * rng.beta(40, 2, (n_b, _N_MONTHS))
    facing = np.isin(org.branch_type, ["marketing", "station"])
    satisfaction = np.clip(
        rng.normal(92, 2.5, n_b)[facing, None] + rng.normal(0, 1.5, (facing.sum(), _N_MONTHS)),
        60,
        100,
    )
    blocks = [(county_codes, kpi, values) for kpi, values in county_kpis.items()]
    blocks += [
        (org.branch_code, "task_completion_pct", np.round(completion, 1)),
        (org.branch_code[facing], "customer_satisfaction", np.round(satisfaction, 1)),
    ]
    frames = [
        pd.DataFrame(
            {
                "unit_code": np.repeat(codes, _N_MONTHS),
                "month": np.tile(np.array(_MONTHS, dtype=object), len(codes)),
                "kpi": kpi,
                "value": values.ravel().astype(float),
            }
        )
        for codes, kpi, values in blocks
    ]
    frame = pd.concat(frames, ignore_index=True)
    return frame.sort_values(["unit_code", "month", "kpi"], kind="stable", ignore_index=True)


@dataclass(frozen=True)
class _Indicator:
    """One Pioneer-Index indicator, how the demo fills it and what a scheme could do with it.

    ``rule``: ``pieces`` (Poisson number of pieces of evidence, ``points`` each),
    ``flag`` (at most one piece), ``holder`` (held all year by a share ``rate`` of
    members), ``tally`` (one row: ``points`` per meeting attended out of 8) or ``raw``
    (one row with a 0–100 appraisal score).
    """

    code: str
    zh: str
    en: str
    rule: str
    rate: float
    points: tuple[float, ...]
    chances: tuple[float, ...]
    quarter_cap: float | None


_INDICATORS: tuple[_Indicator, ...] = (
    _Indicator("study", "理论学习", "Political study", "pieces", 2.6, (1.0,), (1.0,), 10),
    _Indicator(
        "meetings", "组织生活", "Branch meetings (三会一课)", "tally", 0.92, (0.5,), (1.0,), 4
    ),
    _Indicator("volunteer", "志愿服务", "Volunteer service", "pieces", 0.5, (2.0,), (1.0,), 8),
    _Indicator(
        "innovation", "创新创效", "Innovation", "flag", 0.04, (3.0, 5.0, 10.0), (0.6, 0.3, 0.1), 10
    ),
    _Indicator("pioneer_post", "党员示范岗", "Pioneer post", "holder", 0.12, (3.0,), (1.0,), 3),
    _Indicator("mentoring", "结对帮扶", "Mentoring", "flag", 0.10, (2.0,), (1.0,), 4),
    _Indicator("proposal", "合理化建议", "Improvement proposals", "pieces", 0.2, (1.0,), (1.0,), 3),
    _Indicator(
        "honors", "荣誉表彰", "Honours", "flag", 0.025, (2.0, 5.0, 10.0), (0.6, 0.3, 0.1), 10
    ),
    _Indicator("business", "岗位业绩", "Job performance", "raw", 0.0, (), (), None),
)
_MEETINGS_PER_QUARTER = 8  # two monthly meetings and two quarterly ones


def _quarters(cfg: _SizeConfig) -> list[str]:
    """The quarters kept for points, exams, dues and meetings."""
    return _QUARTERS[-cfg.recent_quarters :] if cfg.recent_quarters else list(_QUARTERS)


def _points(cfg: _SizeConfig, seed: int, p: int, org: _Org, people: _People) -> pd.DataFrame:
    """Table ``points``: sparse indicator points of members (only non-zero items)."""
    rng = _rng(seed, p, "points")
    members = np.flatnonzero(people.member)
    n = len(members)
    activity = rng.gamma(3.0, 1 / 3.0, n)
    talent = rng.normal(0, 1, n)
    frames = []
    for quarter in _quarters(cfg):
        months = np.flatnonzero(_QUARTER_OF_MONTH == quarter)
        here = (people.first[members] <= months[-1]) & (people.last[members] >= months[0])
        who_parts, code_parts, value_parts = [], [], []
        for ind in _INDICATORS:
            if ind.rule == "pieces":
                pieces = rng.poisson(ind.rate * activity)
            elif ind.rule == "flag":
                pieces = (rng.random(n) < ind.rate * activity).astype(int)
            elif ind.rule == "holder":  # the same holders all year: a stream per year
                pieces = (_rng(seed, p, ind.code, quarter[:4]).random(n) < ind.rate).astype(int)
            else:
                pieces = np.ones(n, dtype=int)
            pieces = np.where(here, pieces, 0)
            who = np.repeat(np.arange(n), pieces)
            if ind.rule == "tally":
                attended = rng.binomial(_MEETINGS_PER_QUARTER, ind.rate, n)[who]
                value = ind.points[0] * attended
            elif ind.rule == "raw":
                score = 78 + 7 * talent[who] + rng.normal(0, 4, len(who))
                value = np.round(np.clip(score, 50, 100), 1)
            else:
                value = np.asarray(ind.points)[rng.choice(len(ind.points), len(who), p=ind.chances)]
            keep = value > 0
            who_parts.append(who[keep])
            code_parts.append(np.full(keep.sum(), ind.code, dtype=object))
            value_parts.append(value[keep].astype(float))
        who = np.concatenate(who_parts)
        order = np.argsort(who, kind="stable")
        evidence = np.array(
            [f"EV-{quarter}-{org.prefix}{i:07d}" for i in range(1, len(who) + 1)], dtype=object
        )
        frames.append(
            pd.DataFrame(
                {
                    "person_id": people.person_id[members[who[order]]],
                    "quarter": quarter,
                    "indicator": np.concatenate(code_parts)[order],
                    "value": np.concatenate(value_parts)[order],
                    "evidence_id": evidence,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


# The seven sections of the 每季一考 item bank (seed 004), with id prefixes.
_SECTIONS = (
    ("党史", "DS"),
    ("党章", "DZ"),
    ("党规", "DG"),
    ("习近平新时代中国特色社会主义思想", "SX"),
    ("上级党建工作要求", "YQ"),
    ("党务实务", "DW"),
    ("廉洁从业", "LJ"),
)
_SECTION_SIZES = (15, 14, 14, 15, 14, 14, 14)
_WEAK_SECTION = "党规"
_WEAK_SECTION_SHIFT = 1.2  # extra IRT difficulty of every item in the weak section


@dataclass(frozen=True)
class _ItemType:
    options: int
    guess: float  # IRT lower asymptote c
    difficulty: tuple[float, float]  # mean and sd of the IRT difficulty b
    points: float
    per_paper: int


_ITEM_TYPES = {
    "single": _ItemType(4, 0.25, (-1.0, 0.5), 2.0, 25),
    "multiple": _ItemType(5, 0.05, (-0.5, 0.4), 3.0, 10),
    "judge": _ItemType(2, 0.5, (-0.6, 0.5), 2.0, 10),
}
_TOO_EASY_DIFFICULTY = -4.5
_ABILITY = (0.8, 0.8)  # mean and sd of the examinees' ability
_ABILITY_DRIFT = 0.25  # sd of a quarter's deviation from a person's ability
_MISSING_ANSWER = 0.015
_ATTRACTIVE = 0.6  # share of wrong single-choice answers that pick the attractive distractor
_LETTERS = "ABCDE"
_MASK_TEXT = np.array(
    ["".join(_LETTERS[i] for i in range(5) if m >> i & 1) for m in range(32)], dtype=object
)


@dataclass
class _ItemBank:
    frame: pd.DataFrame  # the exam_items table
    truth: pd.DataFrame  # item parameters, true answer, planted flags


def _exam_items(seed: int) -> _ItemBank:
    """Table ``exam_items``: 100 items in 7 sections with IRT parameters and two bad items."""
    rng = _rng(seed, "exam_items")
    rows = []
    for (section, code), n in zip(_SECTIONS, _SECTION_SIZES, strict=True):
        n_single, n_multiple = round(0.55 * n), round(0.25 * n)
        types = ["single"] * n_single + ["multiple"] * n_multiple
        types += ["judge"] * (n - len(types))
        for k, item_type in enumerate(types):
            spec = _ITEM_TYPES[item_type]
            options = spec.options
            b = rng.normal(*spec.difficulty) + (
                _WEAK_SECTION_SHIFT if section == _WEAK_SECTION else 0
            )
            if item_type == "multiple":
                size = int(rng.integers(2, 5))
                answer = int(np.sum(1 << rng.choice(options, size, replace=False)))
                distractor = -1
            else:
                answer = 1 << int(rng.integers(options))
                distractor = 1 << int(rng.choice([i for i in range(options) if 1 << i != answer]))
            rows.append(
                {
                    "item_id": f"{code}{k + 1:03d}",
                    "section": section,
                    "item_type": item_type,
                    "a": round(float(rng.uniform(0.8, 2.0)), 3),
                    "b": round(float(b), 3),
                    "c": spec.guess,
                    "answer": answer,
                    "distractor": distractor,
                    "max_score": spec.points,
                    "flag": "",
                }
            )
    truth = pd.DataFrame(rows)
    easy = truth.index[truth["item_id"] == "DS001"][0]
    truth.loc[easy, "b"] = _TOO_EASY_DIFFICULTY
    truth.loc[easy, "flag"] = "too_easy"
    wrong = truth.index[truth["item_id"] == "DG002"][0]
    truth.loc[wrong, "flag"] = "wrong_key"
    key_mask = np.where(truth["flag"] == "wrong_key", truth["distractor"], truth["answer"])
    truth["key"] = _MASK_TEXT[key_mask]
    truth["true_answer"] = _MASK_TEXT[truth["answer"].to_numpy()]
    truth["p_expected"] = _expected_p(truth)
    frame = truth[["item_id", "section", "item_type", "key", "max_score"]].copy()
    return _ItemBank(frame, truth)


def _correct_probability(truth: pd.DataFrame, theta: np.ndarray) -> np.ndarray:
    """P(true answer) for every examinee (rows) and item (columns): 3-parameter logistic."""
    a, b, c = (truth[k].to_numpy(float) for k in ("a", "b", "c"))
    return c + (1 - c) / (1 + np.exp(-a * (theta[:, None] - b)))


def _expected_p(truth: pd.DataFrame) -> np.ndarray:
    """Population proportion scoring the key, by Gauss–Hermite quadrature over ability."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(40)
    theta = _ABILITY[0] + np.hypot(_ABILITY[1], _ABILITY_DRIFT) * nodes
    p = weights @ _correct_probability(truth, theta) / weights.sum()
    wrong = (truth["flag"] == "wrong_key").to_numpy()
    p[wrong] = (1 - p[wrong]) * _ATTRACTIVE
    return np.round(p, 4)


def _exam_responses(
    cfg: _SizeConfig, seed: int, p: int, org: _Org, people: _People, bank: _ItemBank
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Table ``exam_responses``: each quarter's paper answered by the party-affairs staff."""
    rng = _rng(seed, p, "exam_responses")
    truth = bank.truth
    takers = np.flatnonzero(people.officer)
    company = org.branch_company[people.branch[takers]]
    n_companies = len(org.company_code)
    # Most companies send everyone; a fifth (at least one) send only some of their staff.
    willing = np.ones(n_companies)
    reluctant = rng.choice(n_companies, max(1, round(0.2 * n_companies)), replace=False)
    willing[reluctant] = rng.uniform(0.6, 0.9, len(reluctant))
    ability = rng.normal(*_ABILITY, len(takers))
    forced = np.flatnonzero(truth["flag"] != "")
    frames, participation = [], {}
    for quarter in _quarters(cfg):
        month = np.flatnonzero(_QUARTER_OF_MONTH == quarter)[-1]
        eligible = (people.first[takers] <= month) & (people.last[takers] >= month)
        sits = eligible & (rng.random(len(takers)) < willing[company])
        participation[quarter] = [int(eligible.sum()), int(sits.sum())]
        # Every paper holds the planted bad items, so each quarter's analysis can find them.
        paper = [forced]
        for item_type, spec in _ITEM_TYPES.items():
            of_type = np.flatnonzero(truth["item_type"] == item_type)
            need = spec.per_paper - np.isin(forced, of_type).sum()
            paper.append(rng.choice(np.setdiff1d(of_type, forced), need, replace=False))
        items = np.sort(np.concatenate(paper))
        who = takers[sits]
        theta = ability[sits] + rng.normal(0, _ABILITY_DRIFT, len(who))
        sub = truth.iloc[items]
        right = rng.random((len(who), len(items))) < _correct_probability(sub, theta)
        chosen = np.empty(right.shape, dtype=int)
        for j, (_, item) in enumerate(sub.iterrows()):
            chosen[:, j] = _wrong_answers(rng, item, len(who))
        chosen = np.where(right, sub["answer"].to_numpy()[None, :], chosen)
        response = _MASK_TEXT[chosen]
        response[rng.random(right.shape) < _MISSING_ANSWER] = ""
        frames.append(
            pd.DataFrame(
                {
                    "person_id": np.repeat(people.person_id[who], len(items)),
                    "quarter": quarter,
                    "item_id": np.tile(sub["item_id"].to_numpy(object), len(who)),
                    "response": response.ravel(),
                    "score": np.nan,
                }
            )
        )
    return pd.concat(frames, ignore_index=True), participation


def _wrong_answers(rng: np.random.Generator, item: pd.Series, n: int) -> np.ndarray:
    """Option masks chosen by examinees who miss ``item``."""
    options = _ITEM_TYPES[item["item_type"]].options
    answer = int(item["answer"])
    if item["item_type"] == "multiple":
        inside = [1 << i for i in range(options) if answer >> i & 1]
        outside = [1 << i for i in range(options) if not answer >> i & 1]
        drop = rng.random(n) < 0.6
        return np.where(drop, answer - rng.choice(inside, n), answer + rng.choice(outside, n))
    others = [1 << i for i in range(options) if 1 << i not in (answer, item["distractor"])]
    if not others:
        return np.full(n, item["distractor"])
    return np.where(rng.random(n) < _ATTRACTIVE, item["distractor"], rng.choice(others, n))


_PROJECT_TOPICS = (
    "迎峰度夏保供电攻坚",
    "优化电力营商环境",
    "供电所标准化建设",
    "乡村振兴电力先行",
    "95598客户诉求压降",
    "配网故障压降",
    "安全生产“零违章”示范",
    "线损治理提质增效",
    "党员服务队品牌建设",
    "智慧供电所建设",
    "带电作业提升供电可靠性",
    "新能源并网服务",
    "老旧小区配电改造",
    "电费回收攻坚",
    "青年创新工作室建设",
    "营业厅服务提升",
    "台区经理网格化服务",
    "防外破隐患治理",
    "应急抢修能力提升",
    "数字化班组建设",
)
_MILESTONE_TITLES = ("调研摸底", "方案制定", "攻坚实施", "中期评估", "推广应用")


@dataclass
class _Projects:
    frame: pd.DataFrame
    behind: np.ndarray  # planted yellow: a milestone due by the as-of date is missing


def _projects(cfg: _SizeConfig, seed: int, p: int, org: _Org) -> _Projects:
    """Table ``projects``: secretary projects of branches and 党建+ projects of companies."""
    rng = _rng(seed, p, "projects")
    n_sec, n_plus = cfg.secretary_projects, cfg.party_plus_projects
    n = n_sec + n_plus
    owner = np.concatenate(
        [
            org.branch_code[rng.choice(len(org.branch_code), n_sec, replace=False)],
            org.company_code[rng.integers(0, len(org.company_code), n_plus)],
        ]
    )
    topic = np.array(_PROJECT_TOPICS, dtype=object)[rng.integers(0, len(_PROJECT_TOPICS), n)]
    kind = np.array(["secretary"] * n_sec + ["party_plus"] * n_plus, dtype=object)
    title = np.where(kind == "secretary", topic, "“党建+”" + topic + "工程")
    start = np.datetime64("2024-01-01") + rng.integers(0, 912, n).astype("timedelta64[D]")
    due = _add_months(start, rng.integers(6, 13, n))
    closed = np.full(n, _NO_DATE)
    u = rng.random(n)
    past = due <= _AS_OF
    on_time = past & (u < 0.88)
    closed[on_time] = due[on_time] - rng.integers(0, 30, on_time.sum()).astype("timedelta64[D]")
    late = past & (u >= 0.88) & (u < 0.96)
    closed[late] = due[late] + rng.integers(1, 60, late.sum()).astype("timedelta64[D]")
    closed[closed > _AS_OF] = _NO_DATE
    red = np.flatnonzero(past & np.isnat(closed))
    if len(red) < cfg.planted_red_projects:
        extra = rng.choice(
            np.flatnonzero(past & ~np.isnat(closed)),
            cfg.planted_red_projects - len(red),
            replace=False,
        )
        closed[extra] = _NO_DATE
    free = np.flatnonzero(~(past & np.isnat(closed)))
    yellow = rng.choice(free, cfg.planted_yellow_projects, replace=False)
    start[yellow] = _AS_OF - rng.integers(120, 300, len(yellow)).astype("timedelta64[D]")
    due[yellow] = _AS_OF + rng.integers(1, 15, len(yellow)).astype("timedelta64[D]")
    closed[yellow] = _NO_DATE
    behind = np.zeros(n, dtype=bool)
    behind[yellow] = True
    code = np.where(kind == "secretary", "SJ", "DJ") + (org.prefix or "00")
    frame = pd.DataFrame(
        {
            "project_id": code + _zfill(np.arange(1, n + 1), 4),
            "unit_code": owner,
            "title": title,
            "project_type": kind,
            "start_date": _dates(start),
            "due_date": _dates(due),
            "closed_date": _dates(closed),
            "led_by_member": np.where((kind == "secretary") | (rng.random(n) < 0.7), "是", "否"),
        }
    )
    return _Projects(frame, behind)


def _milestones(seed: int, p: int, projects: _Projects) -> pd.DataFrame:
    """Table ``milestones``: 3–5 per project, evenly planned; actual dates match the status."""
    rng = _rng(seed, p, "milestones")
    frame = projects.frame
    start = frame["start_date"].to_numpy("datetime64[D]")
    due = frame["due_date"].to_numpy("datetime64[D]")
    closed = pd.to_datetime(frame["closed_date"].replace("", None)).to_numpy("datetime64[D]")
    count = rng.integers(3, 6, len(frame))
    proj = np.repeat(np.arange(len(frame)), count)
    k = np.arange(len(proj)) - np.repeat(np.cumsum(count) - count, count) + 1
    span = (due - start).astype(int)[proj]
    planned = start[proj] + (span * k // count[proj]).astype("timedelta64[D]")
    jitter = np.round(rng.normal(2, 7, len(proj))).astype("timedelta64[D]")
    actual = np.minimum(planned + jitter, _AS_OF)
    actual = np.maximum(actual, start[proj] + 1)
    done = ~np.isnat(closed[proj])
    actual[done] = np.minimum(actual[done], closed[proj][done])
    last = k == count[proj]
    actual[done & last] = closed[proj][done & last]
    pending = ~done & ((planned > _AS_OF) | last | (rng.random(len(proj)) < 0.1))
    behind = projects.behind[proj]
    due_by_now = ~done & (planned <= _AS_OF)
    latest = np.zeros(len(proj), dtype=bool)
    idx = np.flatnonzero(due_by_now)
    latest[idx[np.r_[proj[idx][1:] != proj[idx][:-1], True]]] = True
    actual[pending | (behind & latest)] = _NO_DATE
    middle = np.array(_MILESTONE_TITLES, dtype=object)
    title = np.where(k == 1, "立项启动", np.where(last, "总结验收", middle[(k - 2) % len(middle)]))
    return pd.DataFrame(
        {
            "project_id": frame["project_id"].to_numpy(object)[proj],
            "milestone_id": np.char.add("M", k.astype(str)).astype(object),
            "title": title,
            "planned_date": _dates(planned),
            "actual_date": _dates(actual),
        }
    )


_PROBLEM_CATEGORIES = (
    "三会一课不规范",
    "党费收缴不及时",
    "发展党员程序不规范",
    "台账资料不完整",
    "主题党日流于形式",
    "安全责任落实不到位",
    "优质服务意识不强",
    "作风纪律松散",
    "意识形态工作薄弱",
    "党建与业务融合不紧",
)
_PROBLEM_SOURCES = ("巡察", "专项检查", "季度考评", "谈心谈话", "群众评议")
_PROBLEM_LEVELS = (0.45, 0.30, 0.17, 0.08)
_PROBLEM_DAYS = (30, 60, 90, 180)  # rectification deadline after finding, by level


def _problems(seed: int, p: int, org: _Org) -> pd.DataFrame:
    """Table ``problems``: four levels, deadlines by level, some overdue, some recurring."""
    rng = _rng(seed, p, "problems")
    units = np.concatenate([org.branch_code, org.company_code])
    rate = np.concatenate([np.full(len(org.branch_code), 1.3), np.full(len(org.company_code), 2)])
    count = rng.poisson(rate * rng.gamma(2, 0.5, len(units)))
    unit = np.repeat(np.arange(len(units)), count)
    n = len(unit)
    # A unit with a favourite category keeps finding the same problem (recurrence).
    favourite = np.where(
        rng.random(len(units)) < 0.15, rng.integers(0, len(_PROBLEM_CATEGORIES), len(units)), -1
    )[unit]
    category = np.where(
        (favourite >= 0) & (rng.random(n) < 0.7),
        favourite,
        rng.integers(0, len(_PROBLEM_CATEGORIES), n),
    )
    level = rng.choice(4, n, p=_PROBLEM_LEVELS)
    window = (_AS_OF - _MONTH_FIRST[0]).astype(int)
    found = _MONTH_FIRST[0] + rng.integers(0, window, n).astype("timedelta64[D]")
    due = found + np.asarray(_PROBLEM_DAYS)[level].astype("timedelta64[D]")
    u = rng.random(n)
    hard = level == 3
    on_time = np.where(hard, u < 0.55, u < 0.80)
    late = ~on_time & np.where(hard, u < 0.70, u < 0.92)
    time_used = (due - found).astype(int)
    closed = found + (rng.random(n) * time_used).astype(int).astype("timedelta64[D]") + 1
    closed[late] = due[late] + rng.integers(1, 60, late.sum()).astype("timedelta64[D]")
    closed[~(on_time | late)] = _NO_DATE
    closed[closed > _AS_OF] = _NO_DATE
    order = np.lexsort((unit, found))
    unit, category, level, found, due, closed = (
        x[order] for x in (unit, category, level, found, due, closed)
    )
    return pd.DataFrame(
        {
            "problem_id": "WT" + (org.prefix or "00") + _zfill(np.arange(1, n + 1), 6),
            "unit_code": units[unit],
            "level": (level + 1).astype(str).astype(object),
            "category": np.array(_PROBLEM_CATEGORIES, dtype=object)[category],
            "source": np.array(_PROBLEM_SOURCES, dtype=object)[rng.integers(0, 5, n)],
            "found_date": _dates(found),
            "due_date": _dates(due),
            "closed_date": _dates(closed),
        }
    )


# 三会一课: (duty-id suffix, months between meetings, share attending, committee only)
_MEETINGS = (
    ("committee", 1, 0.95, True),  # 支部委员会, monthly
    ("group", 1, 0.90, False),  # 党小组会, monthly
    ("assembly", 3, 0.88, False),  # 支部党员大会, quarterly
    ("lecture", 3, 0.90, False),  # 党课, quarterly
)
_FUTURE_MONTHS = 3  # dues and meetings already scheduled after the as-of date
_REELECTION_YEARS = 3


def _duties(cfg: _SizeConfig, seed: int, p: int, org: _Org, expo: _Exposure) -> pd.DataFrame:
    """Table ``duties``: re-elections, monthly party dues and 三会一课 meetings per branch.

    Dues and meetings run to three months after the as-of date (not yet done), so green
    notices and yellow reminders appear next to the red alerts of missed ones.
    """
    rng = _rng(seed, p, "duties")
    n_b = len(org.branch_code)
    first = int(np.flatnonzero(_QUARTER_OF_MONTH == _quarters(cfg)[0])[0])
    month = _MONTH_START[0] + np.arange(first, _N_MONTHS + _FUTURE_MONTHS)
    month_last = (month + 1).astype("datetime64[D]") - 1
    month_label = np.array([str(m) for m in month], dtype=object)
    quarter_label = np.array(
        [f"{m[:4]}Q{(int(m[5:]) - 1) // 3 + 1}" for m in month_label], dtype=object
    )
    members = expo.member_headcount[
        :, np.minimum(np.arange(first, first + len(month)), _N_MONTHS - 1)
    ]
    frames = [_reelections(rng, org)]
    # Party dues: due at the month's end, paid up to 15 days before; some late, a few unpaid.
    due = np.broadcast_to(month_last, (n_b, len(month)))
    paid = due - rng.integers(0, 16, due.shape).astype("timedelta64[D]")
    late = rng.random(due.shape) < 0.015
    paid[late] = due[late] + rng.integers(1, 20, late.sum()).astype("timedelta64[D]")
    unpaid = (rng.random(due.shape) < 0.01) & (due > _AS_OF - 92)
    paid[unpaid | (paid > _AS_OF)] = _NO_DATE
    frames.append(_duty_frame(org, "dues", month_label, due, paid))
    committee = np.minimum(rng.integers(3, 6, n_b), expo.member_headcount[:, -1])
    quarter_end = np.array([m[5:] in ("03", "06", "09", "12") for m in month_label])
    for suffix, every, attend, committee_only in _MEETINGS:
        sel = quarter_end if every == 3 else np.ones(len(month), dtype=bool)
        label = (quarter_label if every == 3 else month_label)[sel] + f"-{suffix}"
        due = np.broadcast_to(month_last[sel], (n_b, sel.sum()))
        held = due - rng.integers(0, 28 * every, due.shape).astype("timedelta64[D]")
        held[(rng.random(due.shape) < 0.01) | (held > _AS_OF)] = _NO_DATE
        required = (
            np.broadcast_to(committee[:, None], due.shape) if committee_only else members[:, sel]
        )
        attended = np.where(np.isnat(held), np.nan, rng.binomial(required, attend))
        frames.append(_duty_frame(org, "meeting", label, due, held, required, attended))
    frame = pd.concat(frames, ignore_index=True)
    return frame.sort_values(["unit_code", "due_date", "duty_id"], kind="stable", ignore_index=True)


def _reelections(rng: np.random.Generator, org: _Org) -> pd.DataFrame:
    """Branch committee re-election, due three years after the last one; a few overdue."""
    n_b = len(org.branch_code)
    last = np.datetime64("2020-10-01") + rng.integers(0, 1186, n_b).astype("timedelta64[D]")
    due = _add_months(last, 12 * _REELECTION_YEARS)
    done = due - rng.integers(0, 45, n_b).astype("timedelta64[D]")
    done[(rng.random(n_b) < 0.04) | (done > _AS_OF)] = _NO_DATE
    label = np.array([str(y) for y in due.astype("datetime64[Y]")], dtype=object)
    return _duty_frame(org, "reelection", label[:, None], due[:, None], done[:, None])


def _duty_frame(
    org: _Org,
    kind: str,
    label: np.ndarray,
    due: np.ndarray,
    done: np.ndarray,
    required: np.ndarray | None = None,
    attended: np.ndarray | None = None,
) -> pd.DataFrame:
    """Branch × occurrence arrays → rows of the ``duties`` table."""
    n_b, n_o = due.shape
    unit = np.repeat(org.branch_code, n_o)
    empty = pd.array([pd.NA] * unit.size, dtype="Int64")
    return pd.DataFrame(
        {
            "duty_id": unit + f"-{kind}-" + np.broadcast_to(label, (n_b, n_o)).ravel(),
            "unit_code": unit,
            "duty_kind": kind,
            "due_date": _dates(due.ravel()),
            "done_date": _dates(done.ravel()),
            "required": empty if required is None else pd.array(required.ravel(), dtype="Int64"),
            "attended": empty if attended is None else pd.array(attended.ravel(), dtype="Int64"),
        }
    )


def _campaign(org: _Org) -> pd.DataFrame:
    """Table ``campaign``: the start date of 三无三当 in every branch (staggered rollout)."""
    return pd.DataFrame(
        {
            "campaign_id": _CAMPAIGN_ID,
            "campaign_name": _CAMPAIGN_NAME,
            "unit_code": org.branch_code,
            "start_date": np.where(org.branch_pilot, _PILOT_START, _ROLLOUT_START),
        }
    )


# --------------------------------------------------------------------------------------
# Ground truth
# --------------------------------------------------------------------------------------


def _province_truth(
    org: _Org,
    log: _EventLog,
    projects: pd.DataFrame,
    problems: pd.DataFrame,
    duties: pd.DataFrame,
    participation: dict[str, Any],
    yellow: np.ndarray,
) -> dict[str, Any]:
    """What was planted in one province, for tests and for the reader of the demo."""
    open_ = projects["closed_date"] == ""
    red = projects.loc[open_ & (projects["due_date"] < AS_OF.isoformat()), "project_id"]
    per_category = problems.groupby(["unit_code", "category"]).size()
    repeats = per_category[per_category >= 2].reset_index(name="count")
    undone = duties["done_date"] == ""
    as_of = AS_OF.isoformat()
    soon = (AS_OF + dt.timedelta(days=30)).isoformat()
    return {
        "province": org.units.loc[org.units["level"] == "province", "unit_code"].iloc[0],
        "pilot_cities": org.pilot_cities,
        "pilot_branches": int(org.branch_pilot.sum()),
        "watch_list_rule": "three of the branch's report-quarter violations re-assigned to "
        "one member (event counts unchanged)",
        "watch_list": log.planted_watch,
        "discipline_breaches": log.planted_discipline,
        "projects_red": red.tolist(),
        "projects_yellow": projects.loc[yellow, "project_id"].tolist(),
        "recurring_problems": repeats.to_dict("records"),
        "duties_overdue": int((undone & (duties["due_date"] < as_of)).sum()),
        "duties_due_within_30_days": int(
            (undone & (duties["due_date"] >= as_of) & (duties["due_date"] <= soon)).sum()
        ),
        "exam_participation": {
            q: {"eligible": e, "takers": t} for q, (e, t) in participation.items()
        },
    }


def _ground_truth(
    size: str, seed: int, cfg: _SizeConfig, bank: _ItemBank, provinces: list[dict[str, Any]]
) -> dict[str, Any]:
    """Every planted effect and model parameter of the demo (``ground_truth.json``)."""
    months = [f"{m:02d}" for m in range(1, 13)]
    outcomes = {
        name: {
            "event_type": o.event_type,
            "exposure": o.exposure,
            "campaign_rate_ratio": o.campaign_rr,
            "base_rate_per_exposure_month": o.base_rate,
            "pilot_city_level": o.pilot_level,
            "season_by_calendar_month": dict(zip(months, o.season, strict=True)),
            "spring_festival_depth": o.spring_festival_depth,
            "trend_per_year": o.trend_per_year,
            "branch_frailty_gamma_shape": o.frailty_shape,
            "branch_month_gamma_shape": o.monthly_shape,
            "severity_probabilities": dict(zip(("1", "2", "3"), o.severity, strict=True)),
            "share_naming_person": o.person_share,
            "member_vs_non_member_rate_ratio": o.member_rr,
        }
        for name, o in _OUTCOMES.items()
    }
    items = bank.truth[
        [
            "item_id",
            "section",
            "item_type",
            "key",
            "true_answer",
            "a",
            "b",
            "c",
            "max_score",
            "p_expected",
            "flag",
        ]
    ]
    rr = {k: f"{o.campaign_rr:.2f}" for k, o in _OUTCOMES.items()}
    level = _OUTCOMES["complaint"].pilot_level
    return {
        "description_zh": (
            f"演示数据的真实参数。{_CAMPAIGN_NAME}活动在试点市公司的全部党支部自 {_PILOT_START} "
            f"起、其余党支部自 {_ROLLOUT_START} 起实施；自开始当月起投诉率乘以 {rr['complaint']}、"
            f"违章率乘以 {rr['violation']}，故障不受影响（负对照）。试点市公司的违章、投诉率在"
            f"任何时候都是其他单位的 {level} 倍（因表现差而被选为试点），趋势和季节相同，因此含"
            "单位与月份固定效应、以暴露量为偏移的泊松双重差分可无偏地估计出上述率比。"
        ),
        "description_en": (
            f"True parameters of the demo. The {_CAMPAIGN_NAME} campaign starts on "
            f"{_PILOT_START} in every branch of the pilot city companies and on "
            f"{_ROLLOUT_START} in all other branches; from the start month on it multiplies "
            f"the complaint rate by {rr['complaint']} and the violation rate by "
            f"{rr['violation']}, and leaves faults alone (a negative control). The pilot "
            f"cities' violation and complaint rates are {level} times the others' at every "
            "time (they were picked for being bad), with the same trend and season, so a "
            "Poisson difference-in-differences with unit and month fixed effects and the "
            "exposure as offset recovers these rate ratios without bias, while comparing "
            "pilot with other units after the start does not."
        ),
        "size": size,
        "seed": seed,
        "period": {
            "first_month": _MONTHS[0],
            "last_month": _MONTHS[-1],
            "quarters": list(_QUARTERS),
            "quarters_with_points_and_exams": _quarters(cfg),
            "report_quarter": REPORT_QUARTER,
            "as_of": AS_OF.isoformat(),
        },
        "campaign": {
            "campaign_id": _CAMPAIGN_ID,
            "campaign_name": _CAMPAIGN_NAME,
            "pilot_start": _PILOT_START,
            "rollout_start": _ROLLOUT_START,
            "pilot_units": [c for prov in provinces for c in prov["pilot_cities"]],
            "pilot_unit_level": "city",
            "campaign_file": "campaign.csv (one row per branch with its start date)",
            "effects": {
                name: {
                    "rate_ratio": o.campaign_rr,
                    "exposure": o.exposure,
                    "event_type": o.event_type,
                }
                for name, o in _OUTCOMES.items()
            },
            "effect_shape": "multiplicative, constant from the start month on, same in both "
            "cohorts; no anticipation, no differential trend",
            "pilot_city_level": {k: o.pilot_level for k, o in _OUTCOMES.items()},
        },
        "rate_model": (
            "count ~ Poisson(exposure * base_rate * branch_frailty * pilot_city_level [pilot "
            "branches] * season[calendar month] * (1 - spring_festival_depth * "
            "spring_festival_share[month]) * trend_per_year ** (months since "
            f"{_MONTHS[0]} / 12) * campaign_rate_ratio [from the start month] * "
            "branch_month_noise), frailty and noise gamma with mean 1"
        ),
        "fault_branch_type_factor": {k: t.fault_factor for k, t in _BRANCH_TYPES.items()},
        "discipline_planted_per_province": {
            "events": cfg.planted_discipline,
            "quarter": REPORT_QUARTER,
            "note": "added to the modelled discipline breaches, for veto items",
        },
        "outcomes": outcomes,
        "exposure_model": {
            "work_tickets_season_by_calendar_month": dict(zip(months, _TICKET_SEASON, strict=True)),
            "work_tickets_spring_festival_depth": _TICKET_SF_DEPTH,
            "work_tickets_trend_per_year": _TICKET_TREND,
            "customers_trend_per_year": _CUSTOMER_TREND,
            "headcounts": "staff on the books in the month, from staff.joined/left",
        },
        "spring_festival": {
            "lunar_new_year": {str(k): v for k, v in _LUNAR_NEW_YEAR.items()},
            "window_days_from_new_year": list(_SPRING_FESTIVAL_WINDOW),
            "rule": "multiplier 1 - depth * (share of the month's days inside the window)",
        },
        "kpis": {
            "county": [
                "sales_gwh",
                "outage_hours_low",
                "outage_hours_medium",
                "medium_voltage_faults",
                "hotline_complaints",
            ],
            "branch": ["task_completion_pct", "customer_satisfaction"],
            "medium_voltage_faults": "count of the county's fault events in the month",
            "hotline_complaints": "count of the county's complaint events whose source_id "
            "starts with 95598",
        },
        "exam": {
            "sections": [s for s, _ in _SECTIONS],
            "weak_section": _WEAK_SECTION,
            "weak_section_difficulty_shift": _WEAK_SECTION_SHIFT,
            "too_easy_items": items.loc[items["flag"] == "too_easy", "item_id"].tolist(),
            "wrong_key_items": items.loc[items["flag"] == "wrong_key", "item_id"].tolist(),
            "eligible_posts": sorted(set(_EXAM_POSTS)),
            "paper": {
                t: {"items": spec.per_paper, "points_each": spec.points}
                for t, spec in _ITEM_TYPES.items()
            },
            "pass_mark": 80,
            "model": "P(true answer) = c + (1 - c) / (1 + exp(-a (theta - b))); theta ~ "
            f"N({_ABILITY[0]}, {_ABILITY[1]}) per person plus N(0, {_ABILITY_DRIFT}) "
            "per quarter; judge items: A = 正确, B = 错误",
            "missing_answer_share": _MISSING_ANSWER,
            "items": items.to_dict("records"),
        },
        "provinces": provinces,
    }


def _indicator_suggestions() -> dict[str, Any]:
    """``indicators.json``: the indicator codes of ``points`` and a suggested scheme."""
    return {
        "note_zh": "示例方案：依据来源材料设定，仅供参考，请按本单位考评办法调整。",
        "note_en": "An illustration built from the source reports; adapt it to local rules.",
        "base_score": 60,
        "add_cap_per_quarter": 40,
        "indicators": [
            {
                "code": ind.code,
                "zh": ind.zh,
                "en": ind.en,
                "kind": "raw_score_0_100" if ind.rule == "raw" else "points",
                "points_per_evidence": list(ind.points) or None,
                "suggested_quarter_cap": ind.quarter_cap,
            }
            for ind in _INDICATORS
        ],
        "deductions_by_severity": {
            "violation": {"1": 2, "2": 4, "3": 8},
            "complaint": {"1": 1, "2": 3, "3": 6},
        },
        "veto": {
            "discipline": "any discipline breach in the quarter: index 0, no grade above the lowest"
        },
        "watch_list": {"min_events_in_quarter": 2, "or_any_severity": 3},
    }


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------

_TRUTH_FILE = "ground_truth.json"
_INDICATORS_FILE = "indicators.json"
_WORKBOOK = "inputs.xlsx"
# What generate() may find in a folder it is allowed to replace.
_OUTPUT_NAMES = frozenset(
    {f"{t}.csv" for t in TABLE_NAMES} | {_WORKBOOK, _TRUTH_FILE, _INDICATORS_FILE}
)
_FIXED_STAMP = (2026, 9, 30, 0, 0, 0)


class _CsvSink:
    """Appends each table to ``<name>.csv``: UTF-8 with BOM so Excel shows the Chinese."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.handles: dict[str, TextIO] = {}
        self.rows = dict.fromkeys(TABLE_NAMES, 0)

    def write(self, name: str, frame: pd.DataFrame) -> None:
        handle = self.handles.get(name)
        header = handle is None
        if handle is None:
            path = self.folder / f"{name}.csv"
            handle = self.handles[name] = path.open("w", encoding="utf-8-sig", newline="")
        frame[TABLES[name].column_names].to_csv(
            handle, index=False, header=header, lineterminator="\n"
        )
        self.rows[name] += len(frame)

    def finish(self) -> None:
        self.discard()

    def discard(self) -> None:
        for handle in self.handles.values():
            handle.close()


class _XlsxSink:
    """Collects every table, then writes one workbook with a sheet per table."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.frames: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLE_NAMES}
        self.rows = dict.fromkeys(TABLE_NAMES, 0)

    def write(self, name: str, frame: pd.DataFrame) -> None:
        self.frames[name].append(frame[TABLES[name].column_names])
        self.rows[name] += len(frame)

    def finish(self) -> None:
        path = self.folder / _WORKBOOK
        # openpyxl's write-only mode streams rows: faster than DataFrame.to_excel.
        book = openpyxl.Workbook(write_only=True)
        for name, parts in self.frames.items():
            frame = pd.concat(parts, ignore_index=True).astype(object)
            sheet = book.create_sheet(name)
            sheet.append(list(frame.columns))
            for row in frame.where(frame.notna(), None).itertuples(index=False, name=None):
                sheet.append(row)
        book.save(path)
        _normalise_xlsx(path)

    def discard(self) -> None:
        self.frames.clear()


def _normalise_xlsx(path: Path) -> None:
    """Fix the timestamps openpyxl stamps into a workbook, so equal seeds give equal bytes."""
    with zipfile.ZipFile(path) as src:
        entries = [(info.filename, src.read(info)) for info in src.infolist()]
    stamp = "-".join(f"{x:02d}" for x in _FIXED_STAMP[:3]) + "T00:00:00Z"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), data
                )
            info = zipfile.ZipInfo(name, date_time=_FIXED_STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, data)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    raise TypeError(f"not JSON serialisable: {value!r}")


def _write_json(path: Path, content: Mapping[str, Any]) -> None:
    text = json.dumps(content, ensure_ascii=False, indent=2, default=_json_default)
    path.write_text(text + "\n", encoding="utf-8")


_STEPS = (
    "units",
    "staff",
    "exposure",
    "events",
    "kpis",
    "points",
    "exam_responses",
    "projects",
    "problems",
    "duties",
    "campaign",
)


def _build(folder: Path, size: str, seed: int, fmt: str, progress: bool) -> dict[str, int]:
    """Generate every table of every province into ``folder``; return rows per table."""
    cfg = _CONFIGS[size]
    sink: _CsvSink | _XlsxSink = _CsvSink(folder) if fmt == "csv" else _XlsxSink(folder)
    bar = tqdm(
        total=cfg.n_provinces * len(_STEPS) + 1,
        desc=f"demo ({size})",
        unit="step",
        file=sys.stderr,
        disable=not progress,
        leave=False,
    )
    provinces = []
    try:
        bank = _exam_items(seed)
        sink.write("exam_items", bank.frame)

        def step(name: str) -> None:
            bar.set_postfix_str(name)
            bar.update()

        for p in range(cfg.n_provinces):
            org = _units(cfg, seed, p)
            sink.write("units", org.units)
            step("units")
            staff, people = _staff(cfg, seed, p, org)
            sink.write("staff", staff)
            step("staff")
            exposure, expo = _exposure(seed, p, org, people)
            sink.write("exposure", exposure)
            step("exposure")
            log = _events(cfg, seed, p, org, people, expo)
            sink.write("events", log.frame)
            step("events")
            sink.write("kpis", _kpis(seed, p, org, expo, log.frame))
            step("kpis")
            sink.write("points", _points(cfg, seed, p, org, people))
            step("points")
            responses, participation = _exam_responses(cfg, seed, p, org, people, bank)
            sink.write("exam_responses", responses)
            step("exam_responses")
            projects = _projects(cfg, seed, p, org)
            sink.write("projects", projects.frame)
            sink.write("milestones", _milestones(seed, p, projects))
            step("projects")
            problems = _problems(seed, p, org)
            sink.write("problems", problems)
            step("problems")
            duties = _duties(cfg, seed, p, org, expo)
            sink.write("duties", duties)
            step("duties")
            sink.write("campaign", _campaign(org))
            step("campaign")
            provinces.append(
                _province_truth(
                    org, log, projects.frame, problems, duties, participation, projects.behind
                )
            )
        sink.finish()
        _write_json(folder / _TRUTH_FILE, _ground_truth(size, seed, cfg, bank, provinces))
        _write_json(folder / _INDICATORS_FILE, _indicator_suggestions())
        bar.update()
    except BaseException:
        sink.discard()
        raise
    finally:
        bar.close()
    return sink.rows


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`generate` wrote.

    Attributes
    ----------
    out : Path
        The demo folder.
    size, fmt : str
        Size (``small``/``province``/``national``) and format (``csv``/``xlsx``).
    seed : int
        Random seed; the same seed gives byte-identical files.
    rows : Mapping[str, int]
        Data rows written per table (every table of :data:`assess.core.schema.TABLES`).
    files : tuple of Path
        Files written, tables first, then ``ground_truth.json`` and ``indicators.json``.
    ground_truth : Path
        The file with the planted effects and parameters.
    seconds : float
        Wall-clock time of the run.
    """

    out: Path
    size: str
    fmt: str
    seed: int
    rows: Mapping[str, int]
    files: tuple[Path, ...]
    ground_truth: Path
    seconds: float = field(compare=False)

    def to_frame(self) -> pd.DataFrame:
        """Rows per table: columns ``table``, ``table_zh``, ``rows``."""
        return pd.DataFrame(
            {
                "table": list(self.rows),
                "table_zh": [TABLES[name].zh for name in self.rows],
                "rows": list(self.rows.values()),
            }
        )

    def _campaign_text(self) -> tuple[str, str]:
        cfg = _CONFIGS[self.size]
        per = "每个省" if cfg.n_provinces > 1 else ""
        per_en = " per province" if cfg.n_provinces > 1 else ""
        rr = {k: f"{o.campaign_rr:.2f}" for k, o in _OUTCOMES.items()}
        zh = (
            f"三无三当活动：{per}{cfg.n_pilot_cities} 个试点市公司自 {_PILOT_START} 起，"
            f"其余单位自 {_ROLLOUT_START} 起；真实率比：投诉 {rr['complaint']}，"
            f"违章 {rr['violation']}，故障 {rr['fault']}（负对照）。"
        )
        en = (
            f"Campaign 三无三当: {cfg.n_pilot_cities} pilot city companies{per_en} from "
            f"{_PILOT_START}, all other units from {_ROLLOUT_START}; true rate ratios: "
            f"complaints {rr['complaint']}, violations {rr['violation']}, faults "
            f"{rr['fault']} (negative control)."
        )
        return zh, en

    def summary(self) -> str:
        """Two paragraphs, Simplified Chinese then English: where, how much, what is planted."""
        zh_rows = "、".join(f"{TABLES[k].zh} {v:,} 行" for k, v in self.rows.items())
        en_rows = ", ".join(f"{k} {v:,}" for k, v in self.rows.items())
        camp_zh, camp_en = self._campaign_text()
        zh = (
            f"演示数据（{_SIZE_ZH[self.size]}规模，随机种子 {self.seed}）已写入 {self.out}，"
            f"用时 {self.seconds:.1f} 秒。各表行数：{zh_rows}。{camp_zh}"
            f"真实效应与参数见 {self.ground_truth.name}。"
        )
        en = (
            f"Demo data ({self.size} size, seed {self.seed}) written to {self.out} in "
            f"{self.seconds:.1f} s. Rows: {en_rows}. {camp_en} True effects and parameters "
            f"are in {self.ground_truth.name}."
        )
        return f"{zh}\n\n{en}"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{k}</td><td>{TABLES[k].zh}</td><td style='text-align:right'>{v:,}</td></tr>"
            for k, v in self.rows.items()
        )
        camp_zh, camp_en = self._campaign_text()
        return (
            f"<p><b>演示数据 / demo data</b>: {html.escape(str(self.out))} "
            f"({self.size}, seed {self.seed}, {self.seconds:.1f} s)</p>"
            "<table><thead><tr><th>table</th><th>表</th><th>rows 行数</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
            f"<p>{html.escape(camp_zh)}<br>{html.escape(camp_en)}</p>"
        )


def generate(
    out: str | os.PathLike[str],
    *,
    size: str = "province",
    seed: int = 2026,
    fmt: str = "csv",
    overwrite: bool = False,
    progress: bool = True,
) -> DemoSummary:
    """Write a realistic synthetic utility, with planted effects, as the files a user brings.

    Parameters
    ----------
    out : str or path
        Folder to create. It must not exist or be empty, unless ``overwrite=True`` and it
        holds nothing but an earlier demo's files.
    size : {"province", "small", "national"}, default "province"
        ``small``: 1 province, 2 cities, 4 counties, 24 branches, about 400 staff (tests).
        ``province``: 14 cities, about 100 counties, 1,500 branches, 25,000 members and
        15,000 other staff. ``national``: 40 such provinces (about 1,000,000 members);
        points, exam answers, dues and meetings only for the last five quarters.
    seed : int, default 2026
        Random seed (≥ 0). The same seed gives byte-identical files.
    fmt : {"csv", "xlsx"}, default "csv"
        ``csv``: one ``<table>.csv`` per table, UTF-8 with BOM, English headers.
        ``xlsx``: one workbook ``inputs.xlsx`` with a sheet per table (``small`` only:
        the larger sizes exceed Excel's 1,048,576 rows per sheet).
    overwrite : bool, default False
        Replace an existing demo folder (only after the new one is complete).
    progress : bool, default True
        Show a progress bar on standard error.

    Returns
    -------
    DemoSummary
        Folder, size, seed, rows per table, files written, the ground-truth file and the
        time taken; ``.summary()`` describes it in Chinese and English.

    Raises
    ------
    ParameterError
        Unknown ``size`` or ``fmt``, a negative or non-integer ``seed``, or ``xlsx`` for a
        size that does not fit in a workbook.
    InputError
        ``out`` is a file, or a non-empty folder without ``overwrite=True``, or a folder
        holding files the demo did not write.

    Notes
    -----
    Files are written into a hidden temporary folder beside ``out`` and renamed into
    place when complete, so an interrupted run never leaves a folder that looks finished.
    The planted model (rates, seasons, the Spring Festival dip, the campaign's rate ratios,
    member/non-member ratios, the exam's item parameters) is recorded in
    ``ground_truth.json``; the module docstring describes the design.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     demo = generate(Path(tmp) / "demo", size="small", progress=False)
    ...     sorted(p.name for p in demo.out.iterdir())[:3]
    ['campaign.csv', 'duties.csv', 'events.csv']
    >>> demo.rows["units"], demo.rows["exam_items"]
    (31, 100)
    """
    check_choice("generate", "size", size, SIZES)
    check_choice("generate", "fmt", fmt, FORMATS)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ParameterError(
            "generate",
            "seed",
            "a whole number ≥ 0",
            seed,
            zh=f"generate：参数 'seed' 应为不小于 0 的整数，实际为 {seed!r}",
        )
    if fmt == "xlsx" and size not in _XLSX_SIZES:
        raise ParameterError(
            "generate",
            "fmt",
            "'csv' for this size (a sheet holds at most 1,048,576 rows)",
            fmt,
            zh=f"generate：{size} 规模的数据超过 Excel 每个工作表 1,048,576 行的上限，"
            "参数 'fmt' 应为 'csv'",
        )
    target = Path(out).resolve()
    _check_target(target, overwrite)
    target.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    partial = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        rows = _build(partial, size, int(seed), fmt, progress)
        _move_into_place(partial, target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    names = [_WORKBOOK] if fmt == "xlsx" else [f"{t}.csv" for t in TABLE_NAMES]
    files = tuple(target / n for n in [*names, _TRUTH_FILE, _INDICATORS_FILE])
    return DemoSummary(
        target,
        size,
        fmt,
        int(seed),
        rows,
        files,
        target / _TRUTH_FILE,
        time.perf_counter() - started,
    )


def _check_target(target: Path, overwrite: bool) -> None:
    """Refuse a file, a non-empty folder without ``overwrite``, or a folder not ours."""
    if target.exists() and not target.is_dir():
        raise InputError(
            bilingual(
                f"输出路径 {target} 已存在且不是文件夹",
                f"output path {target} exists and is not a folder",
            )
        )
    if not target.is_dir():
        return
    present = sorted(p.name for p in target.iterdir())
    if present and not overwrite:
        raise InputError(
            bilingual(
                f"输出文件夹 {target} 不为空；如需替换其中的演示数据，请使用 overwrite=True"
                "（命令行 --force）",
                f"output folder {target} is not empty; pass overwrite=True (--force on the "
                "command line) to replace the demo data in it",
            )
        )
    foreign = [name for name in present if name not in _OUTPUT_NAMES]
    if foreign:
        shown = ", ".join(foreign[:5]) + (" …" if len(foreign) > 5 else "")
        raise InputError(
            bilingual(
                f"输出文件夹 {target} 含有不是演示数据生成的文件（{shown}），为安全起见不予替换；"
                "请换一个文件夹",
                f"output folder {target} holds files the demo generator did not write ({shown}); "
                "it is not replaced, to be safe: choose another folder",
            )
        )


def _move_into_place(partial: Path, target: Path) -> None:
    """Rename the finished folder to ``target``; an old ``target`` goes only afterwards."""
    if not target.exists():
        partial.rename(target)
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}-{time.time_ns()}")
    target.rename(old)
    try:
        partial.rename(target)
    except BaseException:
        old.rename(target)
        raise
    shutil.rmtree(old)
