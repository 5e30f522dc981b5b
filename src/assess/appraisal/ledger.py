"""The points ledger (积分台账): every rule that fired for a member in a quarter, with its
points and the evidence behind it, so any index can be traced back and recomputed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from assess.core.periods import quarter_bounds
from assess.core.scheme import Scheme

__all__ = [
    "members_in_quarter",
    "member_panel",
    "quarter_events",
    "quarters_of",
    "build_ledger",
    "indicator_matrix",
    "capped_points",
    "event_points",
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
_LEDGER_DTYPES = {
    "n_items": "int64",
    "raw_points": "float64",
    "item_capped": "float64",
    "points": "float64",
}


def _empty_ledger() -> pd.DataFrame:
    """A ledger without rows, typed as one with rows (sums over it are numbers)."""
    return pd.DataFrame({c: pd.Series(dtype=_LEDGER_DTYPES.get(c, "str")) for c in LEDGER_COLUMNS})


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


def _arrow_text(values: pd.Series) -> pa.Array:
    """``values`` as one Arrow array of text (no copy for an Arrow-backed column)."""
    array = pa.array(values, from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.cast(pa.large_string())


def _join_per_group(values: pa.Array, starts: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """``";".join`` of the non-empty values of each run of rows beginning at ``starts``.

    In Arrow, without a Python string per row: the ledger of a national quarter joins
    5 million evidence ids.
    """
    shown = pc.fill_null(pc.not_equal(values, ""), False)
    counts = np.add.reduceat(shown.to_numpy(zero_copy_only=False), starts, dtype=np.int64)
    lists = pa.LargeListArray.from_arrays(
        pa.array(np.r_[0, np.cumsum(counts)], pa.int64()), values.filter(shown)
    )
    joined = pc.binary_join(lists, pa.scalar(";", pa.large_string()))
    return joined.to_pandas().array


def _group(rows: pd.DataFrame, keys: list[str], evidence: str) -> pd.DataFrame:
    """Sum ``value`` and ``capped`` per key, count rows, and join the evidence ids."""
    rows = rows.sort_values(keys + [evidence], kind="stable").reset_index(drop=True)
    codes = rows.groupby(keys, sort=False).ngroup().to_numpy()
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    out = rows.loc[starts, keys].reset_index(drop=True)
    out["n_items"] = np.diff(np.r_[starts, len(rows)])
    out["raw_points"] = np.add.reduceat(rows["value"].to_numpy(dtype=float), starts)
    out["item_capped"] = np.add.reduceat(rows["capped"].to_numpy(dtype=float), starts)
    out["evidence_ids"] = _join_per_group(_arrow_text(rows[evidence]), starts)
    return out


def _positions(index: pd.Index, values: pd.Series, rows: np.ndarray | None = None) -> np.ndarray:
    """Position in ``index`` of each value (of ``values.iloc[rows]``), -1 where absent.

    Each distinct value is looked up once: 27 million point rows of a national store
    hold 1.6 million person ids, and ``get_indexer`` on the column itself would first make
    a Python string of every row. A categorical column is used through its codes.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes, uniques = values.cat.codes.to_numpy(), values.cat.categories
    else:
        codes, uniques = pd.factorize(values)
    if rows is not None:
        codes = codes[rows]
    # Code -1 (a missing value) picks the appended -1.
    return np.append(index.get_indexer(uniques), -1)[codes]


def _add_rows(
    points: pd.DataFrame, panel: pd.DataFrame, scheme: Scheme, evidence_quarters: set[str]
) -> pd.DataFrame:
    # Integer codes for member, quarter and rule: grouping 1–2 million rows on text keys
    # costs seconds, on integers milliseconds.
    persons, quarters, row_of = _panel_codes(panel)
    rules = scheme.indicator_codes
    # Rows of other quarters are dropped first: at national size the ledger of one
    # quarter reads 5 of the 27 million point rows.
    qid = _positions(pd.Index(quarters), points["quarter"])
    inside = np.flatnonzero(qid >= 0)
    qid = qid[inside]
    pid = _positions(persons, points["person_id"], inside)
    rid = _positions(pd.Index(rules), points["indicator"], inside)
    n_q, n_r = len(quarters), len(rules)
    member_quarter = pid * n_q + qid
    keep = (_panel_rows(row_of, pid, qid, n_q) >= 0) & (rid >= 0)
    if not keep.any():
        return pd.DataFrame()
    item_cap = np.array([i.item_cap for i in scheme.indicators])
    quarter_cap = np.array([i.quarter_cap for i in scheme.indicators])
    value = points["value"].to_numpy(dtype=float)[inside[keep]]
    key = member_quarter[keep] * n_r + rid[keep]
    order = np.argsort(key, kind="stable")
    key, value = key[order], value[order]
    source = inside[keep][order]
    with_evidence = np.isin(
        qid[keep][order], pd.Index(quarters).get_indexer(pd.Index(sorted(evidence_quarters)))
    )
    # The evidence ids of the quarters shown only; missing (and so left out) elsewhere.
    shown = _arrow_text(points["evidence_id"].iloc[source[with_evidence]])
    evidence = shown.take(pa.array(np.cumsum(with_evidence) - 1, mask=~with_evidence))
    rule = key % n_r
    capped = np.minimum(value, item_cap[rule])
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    group_key = key[starts]
    out = pd.DataFrame(
        {
            # Index takes: text columns without a Python string per row.
            "person_id": persons[group_key // n_r // n_q],
            "quarter": pd.Index(quarters, dtype="str")[group_key // n_r % n_q],
            "rule": pd.Index(rules, dtype="str")[group_key % n_r],
            "rule_zh": pd.Index([i.zh for i in scheme.indicators], dtype="str")[group_key % n_r],
            "n_items": np.diff(np.r_[starts, len(key)]),
            "raw_points": np.add.reduceat(value, starts),
            "item_capped": np.add.reduceat(capped, starts),
        }
    )
    cap = quarter_cap[group_key % n_r]
    out["points"] = np.minimum(out["item_capped"].to_numpy(), cap)
    out["cap_applied"] = np.where(
        out["item_capped"] > cap,
        "quarter",
        np.where(out["raw_points"] > out["item_capped"], "item", ""),
    )
    out["kind"] = "add"
    # The reason trail: evidence ids joined only for the quarters the report shows.
    out["evidence_ids"] = _join_per_group(evidence, starts)
    return out


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
    *,
    evidence_quarters: set[str] | None = None,
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
    evidence_quarters : set of str, optional
        Quarters whose add items carry their evidence ids; ``None``: every quarter. The
        other quarters' ``evidence_ids`` are empty (they only feed 同比/环比).

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
    if evidence_quarters is None:
        evidence_quarters = set(keys["quarter"])
    parts = [
        _add_rows(points, keys, scheme, evidence_quarters),
        event_points(events, keys, scheme),
    ]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return _empty_ledger()
    ledger = pd.concat(parts, ignore_index=True)
    ledger["kind_order"] = ledger["kind"].map({"add": 0, "deduct": 1, "veto": 2})
    ledger = ledger.sort_values(["quarter", "person_id", "kind_order", "rule"], kind="stable")
    return ledger[LEDGER_COLUMNS].reset_index(drop=True)


def _panel_codes(panel: pd.DataFrame) -> tuple[pd.Index, list[str], np.ndarray]:
    """The panel's persons, its quarters (sorted) and a table of its rows: the row of person
    ``i`` in quarter ``j`` at ``i * len(quarters) + j``, -1 where there is none."""
    person, persons = pd.factorize(panel["person_id"], use_na_sentinel=False)
    quarters = sorted(panel["quarter"].unique())
    quarter = _positions(pd.Index(quarters), panel["quarter"])
    row_of = np.full(len(persons) * len(quarters), -1, dtype=np.int64)
    row_of[person * len(quarters) + quarter] = np.arange(len(panel))
    return pd.Index(persons), quarters, row_of


def _panel_rows(row_of: np.ndarray, pid: np.ndarray, qid: np.ndarray, n_q: int) -> np.ndarray:
    """The panel row of each person and quarter position (see :func:`_panel_codes`), or -1."""
    rows = np.full(len(pid), -1, dtype=np.int64)
    known = (pid >= 0) & (qid >= 0)
    rows[known] = row_of[pid[known] * n_q + qid[known]]
    return rows


def capped_points(points: pd.DataFrame, panel: pd.DataFrame, scheme: Scheme) -> np.ndarray:
    """Capped points, one row per ``panel`` row and one column per scheme indicator.

    The same numbers as the ``add`` rows of :func:`build_ledger` (per-item cap, then the
    quarterly cap), computed with integer codes and ``numpy.bincount`` so that all
    quarters of a province score in a fraction of a second.
    """
    persons, quarters, row_of = _panel_codes(panel)
    n_q, n_r = len(quarters), len(scheme.indicators)
    qid = _positions(pd.Index(quarters), points["quarter"])
    inside = np.flatnonzero(qid >= 0)
    pid = _positions(persons, points["person_id"], inside)
    rid = _positions(pd.Index(scheme.indicator_codes), points["indicator"], inside)
    row = _panel_rows(row_of, pid, qid[inside], n_q)
    keep = (row >= 0) & (rid >= 0)
    item_cap = np.array([i.item_cap for i in scheme.indicators])
    quarter_cap = np.array([i.quarter_cap for i in scheme.indicators])
    value = points["value"].to_numpy(dtype=float)[inside[keep]]
    value = np.minimum(value, item_cap[rid[keep]])
    flat = np.bincount(row[keep] * n_r + rid[keep], weights=value, minlength=len(panel) * n_r)
    return np.minimum(flat.reshape(len(panel), n_r), quarter_cap)


def event_points(events: pd.DataFrame, panel: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """The deduction and veto rows of :func:`build_ledger` for every member and quarter."""
    evts = events.loc[events["person_id"].notna()].copy()
    evts["quarter"] = quarters_of(evts["date"])
    evts["severity"] = evts["severity"].astype(int)
    # Only events of a member in a quarter of the panel.
    persons, quarters, row_of = _panel_codes(panel)
    pid = _positions(persons, evts["person_id"])
    qid = _positions(pd.Index(quarters), evts["quarter"])
    evts = evts.loc[_panel_rows(row_of, pid, qid, len(quarters)) >= 0].reset_index(drop=True)
    parts = [p for p in (_deduction_rows(evts, scheme), _veto_rows(evts, scheme)) if not p.empty]
    if not parts:
        return _empty_ledger()
    return pd.concat(parts, ignore_index=True)


def indicator_matrix(ledger: pd.DataFrame, panel: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """Capped points per member and quarter (rows, in ``panel`` order) and indicator; 0 if none."""
    adds = ledger.loc[ledger["kind"] == "add"]
    wide = adds.pivot_table(
        index=["person_id", "quarter"], columns="rule", values="points", aggfunc="sum"
    )
    rows = pd.MultiIndex.from_frame(panel[["person_id", "quarter"]])
    return wide.reindex(index=rows, columns=scheme.indicator_codes).fillna(0.0)
