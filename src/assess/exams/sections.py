"""Who is reported where, and how each unit scored: scope, per-unit summary, score bands,
and section mastery with blind-spot tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy import stats
from statsmodels.stats.multitest import multipletests

from assess.core.checks import require_columns
from assess.core.errors import ParameterError
from assess.core.formatting import percent
from assess.core.glossary import term
from assess.core.intervals import wilson_rate
from assess.core.periods import parse_dates, quarter_bounds
from assess.core.plotting import new_axes
from assess.exams.marking import _Paper

__all__ = [
    "ALL",
]

#: Label of the whole-scope row in per-unit tables.
ALL = "ALL"
_BANDS = ((0.0, 60.0), (60.0, 70.0), (70.0, 80.0), (80.0, 90.0), (90.0, 100.0))

# ---------------------------------------------------------------------------------------
# Scope: which takers belong to which reporting unit, and who was eligible
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scope:
    code: str | None  # the unit analysed; None = everyone
    name: str
    rows: tuple[str, ...]  # reporting units: the children of `code`
    names: dict[str, str]
    staff: pd.DataFrame | None  # person_id (index), group, member, joined, left; in scope only
    known: pd.Index  # every person_id of the staff table
    whole: bool  # no unit was asked for: takers missing from staff still count in the total

    def group_of(self, persons: pd.Index) -> pd.Series:
        """Reporting unit of each person; NaN outside the scope or not in the staff table."""
        if self.staff is None:
            return pd.Series(np.nan, index=persons, dtype=object)
        return self.staff["group"].reindex(persons)

    def in_scope(self, persons: pd.Index) -> np.ndarray:
        if self.staff is None:
            return np.ones(len(persons), dtype=bool)
        inside = persons.isin(self.staff.index)
        if self.whole:
            inside |= ~persons.isin(self.known)
        return np.asarray(inside)

    def eligible(self, quarter: str, ids: pd.Index | None) -> pd.Series | None:
        """Reporting unit of each person expected to sit the exam of ``quarter``.

        Those are the people of ``ids`` (default: the party members) on the books in the
        quarter's last month, when the exam is sat.
        """
        if self.staff is None:
            return None
        last = pd.Timestamp(quarter_bounds(quarter)[1])
        month_start = last.replace(day=1)
        s = self.staff
        on_books = (s["joined"].isna() | (s["joined"] <= last)) & (
            s["left"].isna() | (s["left"] >= month_start)
        )
        expected = s["member"] if ids is None else s.index.isin(ids)
        return s.loc[expected & on_books, "group"]


def _scope(
    func: str, staff: pd.DataFrame | None, units: pd.DataFrame | None, unit: str | None
) -> _Scope:
    if staff is None:
        if units is not None or unit is not None:
            raise ParameterError(
                func,
                "staff",
                "the staff table when units or unit is given",
                None,
                zh=f"{func}：给定 units 或 unit 时必须同时给定人员表 staff",
            )
        return _Scope(None, "全部考生 all takers", (), {}, None, pd.Index([]), True)
    require_columns(func, "staff", staff, ("person_id", "unit_code"))
    member = staff["is_party_member"] if "is_party_member" in staff.columns else None
    if member is not None and not pd.api.types.is_bool_dtype(member):
        raise ParameterError(
            func,
            "staff",
            "is_party_member as booleans (a validated table)",
            str(member.dtype),
            zh=f"{func}：人员表的 is_party_member 列应为布尔值（请先校验数据），"
            f"实际类型为 {member.dtype}",
        )
    people = pd.DataFrame(
        {
            "person_id": staff["person_id"].astype(str).to_numpy(),
            "branch": staff["unit_code"].astype(str).to_numpy(),
            "member": member.fillna(False).to_numpy(dtype=bool) if member is not None else True,
        }
    )
    for col in ("joined", "left"):
        people[col] = (
            parse_dates(staff[col].reset_index(drop=True)) if col in staff.columns else pd.NaT
        )
    people = people.set_index("person_id")
    if units is None:
        branches = sorted(people["branch"].unique())
        if unit is not None and unit not in branches:
            raise ParameterError(func, "unit", "a unit_code of the staff table", unit)
        rows = (unit,) if unit is not None else tuple(branches)
        names = {code: code for code in rows}
        code, name, ancestor = unit, (unit or "全部 all"), {b: b for b in rows}
    else:
        code, name, rows, names, ancestor = _tree(func, units, unit, set(people["branch"]))
    people["group"] = people["branch"].map(ancestor)
    inside = people[people["group"].notna()]
    return _Scope(code, name, rows, names, inside, people.index, unit is None)


def _tree(
    func: str, units: pd.DataFrame, unit: str | None, branches: set[str]
) -> tuple[str | None, str, tuple[str, ...], dict[str, str], dict[str, str]]:
    require_columns(func, "units", units, ("unit_code", "unit_name", "parent_code"))
    codes = units["unit_code"].astype(str).tolist()
    parent = {
        c: (None if pd.isna(p) or str(p) == "" else str(p))
        for c, p in zip(codes, units["parent_code"], strict=True)
    }
    names = dict(zip(codes, units["unit_name"].astype(str), strict=True))
    if unit is None:
        roots = [c for c in codes if parent[c] is None]
        unit = roots[0] if len(roots) == 1 else None
    elif unit not in parent:
        raise ParameterError(func, "unit", "a unit_code of the units table", unit)
    if unit is None:
        rows = tuple(c for c in codes if parent[c] is None)
        name = "全部 all"
    else:
        rows = tuple(c for c in codes if parent[c] == unit) or (unit,)
        name = names[unit]
    wanted = set(rows)
    ancestor: dict[str, str] = {}
    for branch in branches:
        node: str | None = branch
        steps = 0
        while node is not None and node not in wanted and steps <= len(codes):
            node, steps = parent.get(node), steps + 1
        if node is not None and node in wanted:
            ancestor[branch] = node
    return unit, name, rows, {c: names[c] for c in rows}, ancestor


# ---------------------------------------------------------------------------------------
# Per-unit summaries, score bands and section mastery
# ---------------------------------------------------------------------------------------


def _unit_summary(
    totals: pd.DataFrame,
    group: pd.Series,
    eligible: pd.Series | None,
    scope: _Scope,
    pass_mark: float,
    confidence: float,
) -> pd.DataFrame:
    """One row per reporting unit, then the whole-scope row ``ALL``."""
    frame = totals.assign(group=group, passed=totals["score"] >= pass_mark)
    order = [*scope.rows, ALL]
    everyone = frame.assign(group=ALL)
    stacked = pd.concat([frame[frame["group"].notna()], everyone])
    agg = (
        stacked.groupby("group")
        .agg(
            takers=("score", "size"),
            score_mean=("score", "mean"),
            score_sd=("score", "std"),
            score_median=("score", "median"),
            score_min=("score", "min"),
            score_max=("score", "max"),
            n_pass=("passed", "sum"),
            n_missing=("n_missing", "sum"),
        )
        .reindex(order)
    )
    agg["takers"] = agg["takers"].fillna(0).astype(int)
    agg["n_pass"] = agg["n_pass"].fillna(0).astype(int)
    agg["n_missing"] = agg["n_missing"].fillna(0).astype(int)
    rates = wilson_rate(agg["n_pass"], agg["takers"], confidence)
    agg["pass_rate"], agg["pass_ci_low"], agg["pass_ci_high"] = (
        rates["rate"],
        rates["ci_low"],
        rates["ci_high"],
    )
    if eligible is None:
        agg["eligible"] = pd.array([pd.NA] * len(order), dtype="Int64")
        agg["participation"] = np.nan
    else:
        # Each eligible member counts for their unit and for ALL.
        labels = pd.concat([eligible, pd.Series(ALL, index=eligible.index)])
        took = labels.index.isin(totals.index)
        agg["eligible"] = labels.value_counts().reindex(order).fillna(0).astype("Int64")
        sat = labels[took].value_counts().reindex(order).fillna(0)
        agg["participation"] = sat / agg["eligible"].astype(float).where(agg["eligible"] > 0)
    agg.insert(0, "unit_name", [scope.names.get(c, scope.name) for c in order])
    out = agg.rename_axis("unit_code").reset_index()
    return out[
        [
            "unit_code",
            "unit_name",
            "eligible",
            "takers",
            "participation",
            "score_mean",
            "score_sd",
            "score_median",
            "score_min",
            "score_max",
            "n_pass",
            "pass_rate",
            "pass_ci_low",
            "pass_ci_high",
            "n_missing",
        ]
    ]


def _section_shares(paper: _Paper) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per taker: share of each section's points earned, and share earned on the rest."""
    sections = list(pd.unique(paper.bank["section"]))
    by_section = paper.bank["section"]
    earned = paper.points.T.groupby(by_section, sort=False).sum().T[sections]
    possible = paper.bank.groupby("section", sort=False)["max_score"].sum()[sections]
    total_earned = paper.points.sum(axis=1)
    total_possible = float(paper.bank["max_score"].sum())
    share = earned / possible
    rest_possible = total_possible - possible
    rest = (-earned).add(total_earned, axis=0) / rest_possible.where(rest_possible > 0)
    return share, rest


def _section_table(
    share: pd.DataFrame,
    rest: pd.DataFrame,
    group: pd.Series,
    scope: _Scope,
    confidence: float,
    threshold: float,
    min_gap: float,
) -> pd.DataFrame:
    long = pd.DataFrame(
        {
            "share": share.stack(),
            "rest": rest.stack(),
            "diff": (share - rest).stack(),
        }
    )
    persons = long.index.get_level_values(0)
    long["section"] = long.index.get_level_values(1)
    units = long.assign(unit_code=group.reindex(persons).to_numpy()).dropna(subset=["unit_code"])
    both = pd.concat([long.assign(unit_code=ALL), units], ignore_index=True)
    g = both.groupby(["unit_code", "section"], sort=False)
    tab = g.agg(
        n=("share", "size"),
        estimate=("share", "mean"),
        sd=("share", "std"),
        rest=("rest", "mean"),
        gap=("diff", "mean"),
        sd_gap=("diff", "std"),
    )
    tab = tab.reset_index()
    n = tab["n"].to_numpy(dtype=float)
    df = np.where(n > 1, n - 1, np.nan)
    crit = stats.t.ppf(0.5 + confidence / 2, df)
    half = crit * tab["sd"].to_numpy() / np.sqrt(n)
    # Mastery is a share of points: the t interval is cut to [0, 1] near the ceiling.
    tab["ci_low"] = np.clip(tab["estimate"] - half, 0.0, 1.0)
    tab["ci_high"] = np.clip(tab["estimate"] + half, 0.0, 1.0)
    se_gap = tab["sd_gap"].to_numpy() / np.sqrt(n)
    testable = (n > 1) & (se_gap > 0) & np.isfinite(se_gap)
    tstat = np.divide(tab["gap"].to_numpy(), se_gap, out=np.full(len(tab), np.nan), where=testable)
    tab["p_value"] = np.where(testable, stats.t.cdf(tstat, df), np.nan)
    tab["q_value"] = np.nan
    level = 1.0 - confidence
    for family in (tab["unit_code"] == ALL, tab["unit_code"] != ALL):
        pick = family & tab["p_value"].notna()
        if pick.any():
            tab.loc[pick, "q_value"] = multipletests(
                tab.loc[pick, "p_value"], alpha=level, method="fdr_bh"
            )[1]
    tab["significant"] = tab["q_value"] < level
    tab["below_threshold"] = tab["estimate"] < threshold
    tab["blind_spot"] = (tab["significant"] & (tab["gap"] <= -min_gap)) | tab["below_threshold"]
    tab.insert(1, "unit_name", [scope.names.get(c, scope.name) for c in tab["unit_code"]])
    order = {c: i for i, c in enumerate([ALL, *scope.rows])}
    tab = tab.sort_values("unit_code", key=lambda s: s.map(order), kind="stable")
    return tab[
        [
            "unit_code",
            "unit_name",
            "section",
            "n",
            "estimate",
            "ci_low",
            "ci_high",
            "rest",
            "gap",
            "p_value",
            "q_value",
            "significant",
            "below_threshold",
            "blind_spot",
        ]
    ].reset_index(drop=True)


def _distribution(scores: pd.Series) -> pd.DataFrame:
    rows = []
    for low, high in _BANDS:
        last = high == _BANDS[-1][1]
        inside = (scores >= low) & ((scores <= high) if last else (scores < high))
        rows.append(
            {
                "band": f"[{low:g}, {high:g}{']' if last else ')'}",
                "lower": low,
                "upper": high,
                "n": int(inside.sum()),
            }
        )
    out = pd.DataFrame(rows)
    out["share"] = out["n"] / len(scores) if len(scores) else np.nan
    return out


def _plot_mastery(sections: pd.DataFrame, quarter: str, ax: Axes | None, language: str) -> Axes:
    """Mastery per unit and section as a heat map, blind spots starred."""
    tab = sections
    rows = list(dict.fromkeys(tab["unit_code"]))
    sections = list(dict.fromkeys(tab["section"]))
    est = tab.pivot(index="unit_code", columns="section", values="estimate")
    spot = tab.pivot(index="unit_code", columns="section", values="blind_spot")
    est, spot = (
        est.reindex(index=rows, columns=sections),
        spot.reindex(index=rows, columns=sections),
    )
    size = (1.5 + 0.9 * len(sections), 1.2 + 0.3 * min(len(rows), 60))
    ax = new_axes(ax, figsize=size)
    values = est.to_numpy(dtype=float)
    low = min(0.5, float(np.nanmin(values))) if np.isfinite(values).any() else 0.5
    image = ax.imshow(values, cmap="RdYlGn", vmin=low, vmax=1.0, aspect="auto")
    if values.size <= 600:
        for (i, j), v in np.ndenumerate(values):
            if np.isfinite(v):
                star = "*" if bool(spot.iat[i, j]) else ""
                ax.text(j, i, f"{percent(v, 0)}{star}", ha="center", va="center", fontsize=8)
    names = dict(zip(tab["unit_code"], tab["unit_name"], strict=False))
    ax.set_yticks(range(len(rows)), [names[r] for r in rows])
    ax.set_xticks(range(len(sections)), sections)
    ax.set_xlabel(term("section", language))
    ax.set_title(f"{quarter} {term('section_mastery_title', language)}")
    ax.figure.colorbar(image, ax=ax, label=term("mastery", language))
    return ax
