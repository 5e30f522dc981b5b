"""The points ledger (积分台账): every rule that fired for a member in a quarter, with its
points and the evidence behind it, so any index can be traced back and recomputed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .periods import quarter_bounds
from .scheme import Scheme

__all__ = [
    "members_in_quarter",
    "member_panel",
    "quarter_events",
    "quarters_of",
    "build_ledger",
    "indicator_matrix",
]

LEDGER_COLUMNS = [
    "person_id",
    "quarter",
    "kind",
    "rule",
    "rule_zh",
    "n_items",
    "raw_points",
    "item_capped",
    "points",
    "cap_applied",
    "evidence_ids",
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


def member_panel(staff: pd.DataFrame, quarters: list[str]) -> pd.DataFrame:
    """Members on the books in each of ``quarters``: one row per member and quarter."""
    frames = [members_in_quarter(staff, q).assign(quarter=q) for q in quarters]
    return pd.concat(frames, ignore_index=True)


def quarters_of(dates: pd.Series) -> pd.Series:
    """The ``"YYYYQn"`` quarter of each date, vectorised.

    Examples
    --------
    >>> quarters_of(pd.Series(pd.to_datetime(["2026-03-31", "2026-04-01"]))).tolist()
    ['2026Q1', '2026Q2']
    """
    year = dates.dt.year.astype("Int64").astype(str)
    return year + "Q" + ((dates.dt.month - 1) // 3 + 1).astype("Int64").astype(str)


def quarter_events(events: pd.DataFrame, quarter: str) -> pd.DataFrame:
    """Events dated inside ``quarter``, with severity as an integer."""
    first, last = (pd.Timestamp(d) for d in quarter_bounds(quarter))
    inside = events.loc[(events["date"] >= first) & (events["date"] <= last)].copy()
    inside["severity"] = inside["severity"].astype(int)
    return inside


def _join_per_group(values: pd.Series, starts: np.ndarray) -> np.ndarray:
    # ";".join per group without a Python call per group: groups are contiguous after
    # sorting, so np.add.reduceat concatenates each run of strings in one C loop.
    if len(values) == 0:
        return np.array([], dtype=object)
    text = values.fillna("").astype(str)
    text = text.where(text == "", text + ";").to_numpy(dtype=object)
    return np.array([j[:-1] if j else j for j in np.add.reduceat(text, starts)], dtype=object)


def _group(rows: pd.DataFrame, keys: list[str], evidence: str) -> pd.DataFrame:
    """Sum ``value`` and ``capped`` per key, count rows, and join the evidence ids."""
    rows = rows.sort_values(keys + [evidence], kind="stable").reset_index(drop=True)
    codes = rows.groupby(keys, sort=False).ngroup().to_numpy()
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    out = rows.loc[starts, keys].reset_index(drop=True)
    out["n_items"] = np.diff(np.r_[starts, len(rows)])
    out["raw_points"] = np.add.reduceat(rows["value"].to_numpy(dtype=float), starts)
    out["item_capped"] = np.add.reduceat(rows["capped"].to_numpy(dtype=float), starts)
    out["evidence_ids"] = _join_per_group(rows[evidence], starts)
    return out


def _add_rows(points: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    caps = pd.DataFrame(
        {
            "rule": scheme.indicator_codes,
            "rule_zh": [i.zh for i in scheme.indicators],
            "item_cap": [i.item_cap for i in scheme.indicators],
            "quarter_cap": [i.quarter_cap for i in scheme.indicators],
        }
    )
    rows = points.rename(columns={"indicator": "rule"}).merge(caps, on="rule", how="inner")
    if rows.empty:
        return pd.DataFrame()
    rows["value"] = rows["value"].astype(float)
    rows["capped"] = np.minimum(rows["value"], rows["item_cap"])
    grouped = _group(rows, ["person_id", "quarter", "rule"], "evidence_id")
    grouped = grouped.merge(caps, on="rule")
    grouped["points"] = np.minimum(grouped["item_capped"], grouped["quarter_cap"])
    grouped["cap_applied"] = np.where(
        grouped["item_capped"] > grouped["quarter_cap"],
        "quarter",
        np.where(grouped["raw_points"] > grouped["item_capped"], "item", ""),
    )
    grouped["kind"] = "add"
    return grouped.drop(columns=["item_cap", "quarter_cap"])


def _deduction_rows(events: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    frames = []
    for rule in scheme.deductions:
        hits = events.loc[events["type"] == rule.event_type].copy()
        if hits.empty:
            continue
        hits["value"] = hits["severity"].map(dict(rule.points)).fillna(0.0)
        hits["capped"] = hits["value"]
        grouped = _group(hits, ["person_id", "quarter"], "event_id")
        grouped["points"] = -np.minimum(grouped["raw_points"], rule.quarter_cap)
        grouped["cap_applied"] = np.where(grouped["raw_points"] > rule.quarter_cap, "quarter", "")
        grouped["rule"], grouped["rule_zh"], grouped["kind"] = rule.code, rule.zh, "deduct"
        frames.append(grouped)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _veto_rows(events: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    frames = []
    for veto in scheme.vetoes:
        hits = events.loc[
            (events["type"] == veto.event_type) & (events["severity"] >= veto.min_severity)
        ].copy()
        if hits.empty:
            continue
        hits["value"] = hits["capped"] = 0.0
        grouped = _group(hits, ["person_id", "quarter"], "event_id")
        grouped["points"] = 0.0
        grouped["cap_applied"] = ""
        grouped["rule"], grouped["rule_zh"], grouped["kind"] = veto.code, veto.zh, "veto"
        frames.append(grouped)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def build_ledger(
    points: pd.DataFrame,
    events: pd.DataFrame,
    panel: pd.DataFrame,
    scheme: Scheme,
) -> pd.DataFrame:
    """Every rule that fired for each member and quarter: add items, deductions, vetoes.

    Parameters
    ----------
    points, events : DataFrame
        The ``points`` and ``events`` tables (any quarters).
    panel : DataFrame
        Members to score, one row per ``person_id`` and ``quarter``
        (see :func:`member_panel`); only these members and quarters enter the ledger.
    scheme : Scheme
        The scoring scheme.

    Returns
    -------
    DataFrame
        One row per member, quarter and rule: ``kind`` (add/deduct/veto), ``rule``,
        ``rule_zh``, ``n_items`` (pieces of evidence or events), ``raw_points`` (before
        caps), ``item_capped`` (after the per-item cap), ``points`` (after the quarterly
        cap; negative for deductions), ``cap_applied`` (``item``, ``quarter`` or empty),
        ``evidence_ids`` (evidence or event ids, ``;``-separated).
    """
    keys = panel[["person_id", "quarter"]].drop_duplicates()
    pts = points.merge(keys, on=["person_id", "quarter"], how="inner")
    evts = events.loc[events["person_id"].notna()].copy()
    evts["quarter"] = quarters_of(evts["date"])
    evts["severity"] = evts["severity"].astype(int)
    evts = evts.merge(keys, on=["person_id", "quarter"], how="inner")
    parts = [_add_rows(pts, scheme), _deduction_rows(evts, scheme), _veto_rows(evts, scheme)]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=LEDGER_COLUMNS)
    ledger = pd.concat(parts, ignore_index=True)
    ledger["kind_order"] = ledger["kind"].map({"add": 0, "deduct": 1, "veto": 2})
    ledger = ledger.sort_values(["quarter", "person_id", "kind_order", "rule"], kind="stable")
    return ledger[LEDGER_COLUMNS].reset_index(drop=True)


def indicator_matrix(ledger: pd.DataFrame, panel: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """Capped points per member and quarter (rows, in ``panel`` order) and indicator; 0 if none."""
    adds = ledger.loc[ledger["kind"] == "add"]
    wide = adds.pivot_table(
        index=["person_id", "quarter"], columns="rule", values="points", aggfunc="sum"
    )
    rows = pd.MultiIndex.from_frame(panel[["person_id", "quarter"]])
    return wide.reindex(index=rows, columns=scheme.indicator_codes).fillna(0.0)
