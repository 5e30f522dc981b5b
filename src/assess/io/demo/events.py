"""Tables ``exposure``, ``events`` and ``kpis``, drawn from the planted rate model.

``_OUTCOMES`` is the true model of each event type (described in :mod:`assess.io.demo`).
The watch-list members and extra discipline breaches of the report quarter are planted
here, and the county KPIs count the same fault and hotline-complaint events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from assess.io.demo.config import (
    _CAL,
    _DAYS,
    _MONTH_FIRST,
    _MONTHS,
    _N_MONTHS,
    _QUARTER_OF_MONTH,
    _SF_SHARE,
    _YEARS,
    REPORT_QUARTER,
    _dates,
    _rng,
    _SizeConfig,
    _zfill,
)
from assess.io.demo.org import _BRANCH_TYPES, _Org, _People


def _season(values: tuple[float, ...]) -> tuple[float, ...]:
    """Calendar-month multipliers (January first) rescaled to a mean of one."""
    arr = np.asarray(values, dtype=float)
    return tuple(float(x) for x in np.round(arr / arr.mean(), 4))


@dataclass(frozen=True)
class _Outcome:
    """The planted rate model of one event type (see :mod:`assess.io.demo`)."""

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
