"""The points ledger (积分台账): every rule that fired for a member in a quarter, with its
points and the evidence behind it, so any index can be traced back and recomputed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .periods import quarter_bounds
from .scheme import Scheme

__all__ = ["members_in_quarter", "quarter_events", "build_ledger", "indicator_matrix"]

LEDGER_COLUMNS = [
    "person_id", "quarter", "kind", "rule", "rule_zh", "n_items", "raw_points",
    "item_capped", "points", "cap_applied", "evidence_ids",
]


def members_in_quarter(staff: pd.DataFrame, quarter: str) -> pd.DataFrame:
    """Party members on the books at any time during ``quarter``.

    Examples
    --------
    >>> staff = pd.DataFrame({"person_id": ["a", "b", "c"], "unit_code": ["01"] * 3,
    ...     "is_party_member": [True, True, False],
    ...     "joined": pd.to_datetime(["2020-01-01", "2026-10-01", None]),
    ...     "left": pd.to_datetime([None, None, None])})
    >>> members_in_quarter(staff, "2026Q3").person_id.tolist()
    ['a']
    """
    first, last = (pd.Timestamp(d) for d in quarter_bounds(quarter))
    is_member = staff["is_party_member"].fillna(False).astype(bool)
    joined = staff["joined"] if "joined" in staff else pd.Series(pd.NaT, index=staff.index)
    left = staff["left"] if "left" in staff else pd.Series(pd.NaT, index=staff.index)
    present = (joined.isna() | (joined <= last)) & (left.isna() | (left >= first))
    return staff.loc[is_member & present].reset_index(drop=True)


def quarter_events(events: pd.DataFrame, quarter: str) -> pd.DataFrame:
    """Events dated inside ``quarter``, with severity as an integer."""
    first, last = (pd.Timestamp(d) for d in quarter_bounds(quarter))
    inside = events.loc[(events["date"] >= first) & (events["date"] <= last)].copy()
    inside["severity"] = inside["severity"].astype(int)
    return inside


def _add_rows(points: pd.DataFrame, scheme: Scheme, members: pd.Index) -> pd.DataFrame:
    caps = pd.DataFrame(
        {
            "rule": scheme.indicator_codes,
            "rule_zh": [i.zh for i in scheme.indicators],
            "item_cap": [i.item_cap for i in scheme.indicators],
            "quarter_cap": [i.quarter_cap for i in scheme.indicators],
        }
    )
    rows = points.loc[points["person_id"].isin(members)].rename(columns={"indicator": "rule"})
    rows = rows.merge(caps, on="rule", how="inner")
    rows["capped"] = np.minimum(rows["value"], rows["item_cap"])
    evidence = rows["evidence_id"].fillna("").astype(str)
    rows["evidence"] = evidence
    grouped = rows.groupby(["person_id", "rule"], sort=True).agg(
        n_items=("value", "size"),
        raw_points=("value", "sum"),
        item_capped=("capped", "sum"),
        quarter_cap=("quarter_cap", "first"),
        rule_zh=("rule_zh", "first"),
        evidence_ids=("evidence", lambda s: ";".join(x for x in s if x)),
    ).reset_index()
    grouped["points"] = np.minimum(grouped["item_capped"], grouped["quarter_cap"])
    grouped["cap_applied"] = np.where(
        grouped["item_capped"] > grouped["quarter_cap"],
        "quarter",
        np.where(grouped["raw_points"] > grouped["item_capped"], "item", ""),
    )
    grouped["kind"] = "add"
    return grouped.drop(columns="quarter_cap")


def _deduction_rows(events: pd.DataFrame, scheme: Scheme, members: pd.Index) -> pd.DataFrame:
    frames = []
    mine = events.loc[events["person_id"].isin(members)]
    for rule in scheme.deductions:
        hits = mine.loc[mine["type"] == rule.event_type].copy()
        if hits.empty:
            continue
        hits["value"] = hits["severity"].map(lambda s, p=rule.points: p.get(int(s), 0.0))
        grouped = hits.groupby("person_id", sort=True).agg(
            n_items=("value", "size"),
            raw_points=("value", "sum"),
            evidence_ids=("event_id", lambda s: ";".join(s.astype(str))),
        ).reset_index()
        grouped["item_capped"] = grouped["raw_points"]
        grouped["points"] = -np.minimum(grouped["raw_points"], rule.quarter_cap)
        grouped["cap_applied"] = np.where(grouped["raw_points"] > rule.quarter_cap, "quarter", "")
        grouped["rule"], grouped["rule_zh"], grouped["kind"] = rule.code, rule.zh, "deduct"
        frames.append(grouped)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _veto_rows(events: pd.DataFrame, scheme: Scheme, members: pd.Index) -> pd.DataFrame:
    frames = []
    mine = events.loc[events["person_id"].isin(members)]
    for veto in scheme.vetoes:
        hits = mine.loc[(mine["type"] == veto.event_type) & (mine["severity"] >= veto.min_severity)]
        if hits.empty:
            continue
        grouped = hits.groupby("person_id", sort=True).agg(
            n_items=("event_id", "size"),
            evidence_ids=("event_id", lambda s: ";".join(s.astype(str))),
        ).reset_index()
        grouped["raw_points"] = grouped["item_capped"] = grouped["points"] = 0.0
        grouped["cap_applied"] = ""
        grouped["rule"], grouped["rule_zh"], grouped["kind"] = veto.code, veto.zh, "veto"
        frames.append(grouped)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def build_ledger(
    points: pd.DataFrame,
    events: pd.DataFrame,
    members: pd.DataFrame,
    scheme: Scheme,
    *,
    quarter: str,
) -> pd.DataFrame:
    """Every rule that fired for each member in ``quarter``: add items, deductions, vetoes.

    Parameters
    ----------
    points, events : DataFrame
        The ``points`` and ``events`` tables (all quarters; this function picks ``quarter``).
    members : DataFrame
        Members to score (see :func:`members_in_quarter`).
    scheme : Scheme
        The scoring scheme.
    quarter : str
        The quarter, e.g. ``"2026Q3"``.

    Returns
    -------
    DataFrame
        One row per member and rule: ``kind`` (add/deduct/veto), ``rule``, ``rule_zh``,
        ``n_items`` (pieces of evidence or events), ``raw_points`` (before caps),
        ``item_capped`` (after the per-item cap), ``points`` (after the quarterly cap;
        negative for deductions), ``cap_applied`` (``item``, ``quarter`` or empty),
        ``evidence_ids`` (evidence or event ids, ``;``-separated).
    """
    ids = pd.Index(members["person_id"])
    in_quarter = points.loc[points["quarter"] == quarter]
    evts = quarter_events(events, quarter)
    parts = [
        _add_rows(in_quarter, scheme, ids),
        _deduction_rows(evts, scheme, ids),
        _veto_rows(evts, scheme, ids),
    ]
    ledger = pd.concat([p for p in parts if not p.empty], ignore_index=True)
    if ledger.empty:
        return pd.DataFrame(columns=LEDGER_COLUMNS)
    ledger["quarter"] = quarter
    order = {"add": 0, "deduct": 1, "veto": 2}
    ledger = ledger.sort_values(
        ["person_id", "kind", "rule"], key=lambda s: s.map(order) if s.name == "kind" else s
    )
    return ledger[LEDGER_COLUMNS].reset_index(drop=True)


def indicator_matrix(ledger: pd.DataFrame, members: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """Capped points per member (rows, in ``members`` order) and indicator (columns); 0 if none."""
    adds = ledger.loc[ledger["kind"] == "add"]
    wide = adds.pivot_table(index="person_id", columns="rule", values="points", aggfunc="sum")
    return wide.reindex(index=members["person_id"], columns=scheme.indicator_codes).fillna(0.0)
