"""Table ``campaign`` and ``ground_truth.json``: what was planted, for tests to recover."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from assess.io.demo.config import (
    _CAMPAIGN_ID,
    _CAMPAIGN_NAME,
    _LUNAR_NEW_YEAR,
    _MONTHS,
    _PILOT_START,
    _QUARTERS,
    _ROLLOUT_START,
    _SPRING_FESTIVAL_WINDOW,
    AS_OF,
    REPORT_QUARTER,
    _quarters,
    _SizeConfig,
)
from assess.io.demo.events import (
    _CUSTOMER_TREND,
    _OUTCOMES,
    _TICKET_SEASON,
    _TICKET_SF_DEPTH,
    _TICKET_TREND,
    _EventLog,
)
from assess.io.demo.exams import (
    _ABILITY,
    _ABILITY_DRIFT,
    _ITEM_TYPES,
    _MISSING_ANSWER,
    _SECTIONS,
    _WEAK_SECTION,
    _WEAK_SECTION_SHIFT,
    _ItemBank,
)
from assess.io.demo.org import _BRANCH_TYPES, _EXAM_POSTS, _Org


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
