"""Tables ``projects``, ``milestones``, ``problems`` and ``duties``: the tracked registers.

Red and yellow projects are planted, problems recur and go overdue, and dues and
meetings run three months past the as-of date, so every status colour appears.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from assess.io.demo.config import (
    _AS_OF,
    _MONTH_FIRST,
    _MONTH_START,
    _N_MONTHS,
    _NO_DATE,
    _QUARTER_OF_MONTH,
    _add_months,
    _dates,
    _quarters,
    _rng,
    _SizeConfig,
    _zfill,
)
from assess.io.demo.events import _Exposure
from assess.io.demo.org import _Org

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
