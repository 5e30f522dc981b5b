"""Table ``points`` and ``indicators.json``: the Pioneer-Index indicators and members' points."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from assess.io.demo.config import _QUARTER_OF_MONTH, _quarters, _rng, _SizeConfig
from assess.io.demo.org import _Org, _People


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
