"""Tables ``units`` and ``staff``: the organisation tree with its branch types, and its people.

A branch's type sets its size, member share, work tickets, customers and posts; the
exam takers are the party-affairs posts of each company's office branch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from assess.core.schema import TABLES
from assess.io.demo.config import (
    _MONTH_FIRST,
    _MONTH_LAST,
    _N_MONTHS,
    _NO_DATE,
    _PILOT_START,
    _ROLLOUT_START,
    _dates,
    _month_of,
    _rng,
    _SizeConfig,
)


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


def _place_names(rng: np.random.Generator, n: int) -> list[str]:
    pool = [a + b for a in _PLACE_FIRST for b in _PLACE_SECOND if a != b]
    return [pool[i] for i in rng.choice(len(pool), size=n, replace=False)]


def _person_names(rng: np.random.Generator, n: int) -> np.ndarray:
    sur = np.array(list(_SURNAMES), dtype=object)[rng.integers(0, len(_SURNAMES), n)]
    given = np.array(list(_GIVEN), dtype=object)
    first = given[rng.integers(0, len(_GIVEN), n)]
    second = np.where(rng.random(n) < 0.6, given[rng.integers(0, len(_GIVEN), n)], "")
    return sur + first + second


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
