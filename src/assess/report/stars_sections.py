"""Five-star branches in the quarterly appraisal report: stars per unit and per branch by
name (:func:`star_counts`, :func:`star_table`) and what each branch lacks for the next
level (:func:`star_gaps`).

Tables are shown by :func:`assess.report.appraisal_sections.section_table`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from assess.appraisal.branch_metrics import METRICS
from assess.appraisal.scoring import Appraisal
from assess.core.units import unit_paths
from assess.report.content import check_language, pick

__all__ = ["star_counts", "star_table", "star_gaps"]

_STAR_GLYPHS = 5


def _glyphs(stars: int) -> str:
    """``★★★☆☆`` for three stars.

    Examples
    --------
    >>> _glyphs(3), _glyphs(0)
    ('★★★☆☆', '☆☆☆☆☆')
    """
    return "★" * stars + "☆" * (_STAR_GLYPHS - stars)


def _branch_names(appraisal: Appraisal, units: pd.DataFrame) -> pd.Series:
    return units.set_index("unit_code")["unit_name"].reindex(appraisal.stars.table.index)


def star_table(appraisal: Appraisal, units: pd.DataFrame) -> pd.DataFrame:
    """Every branch by name with its stars (``★★★★☆``), most stars first.

    Returns
    -------
    DataFrame
        ``unit_name, stars, all_round, vetoed, party_score, business_score, members,
        member_index_mean``, sorted by stars, then by the two sub-scores.
    """
    t = appraisal.stars.table.assign(unit_name=_branch_names(appraisal, units))
    t = t.assign(_total=t["party_score"] + t["business_score"]).sort_values(
        ["stars", "_total"], ascending=False, kind="stable"
    )
    t = t.assign(stars=t["stars"].map(_glyphs))
    return t[
        [
            "unit_name",
            "stars",
            "all_round",
            "vetoed",
            "party_score",
            "business_score",
            "members",
            "member_index_mean",
        ]
    ].reset_index(drop=True)


def star_counts(appraisal: Appraisal, units: pd.DataFrame, *, unit: str) -> pd.DataFrame:
    """Branches by star level per unit directly below ``unit`` (the cities of a
    province, the counties of a city); one row for a county or a branch.

    Branches directly under ``unit`` (no unit at the level below) form a row of their own
    named after ``unit`` with ``（直属）``.

    Returns
    -------
    DataFrame
        ``unit, branches``, ``stars_5`` … ``stars_1`` (and ``stars_0`` when a
        branch has none), ``all_round, vetoed``, in the order of the unit codes.
    """
    paths = unit_paths(units)
    level = str(paths.at[unit, "level"])
    t = appraisal.stars.table
    below = {"province": "city", "city": "county"}.get(level)
    name = str(paths.at[unit, "unit_name"])
    if below is None:
        group = pd.Series(unit, index=t.index)
        names = {unit: name}
    else:
        group = paths[below].reindex(t.index).fillna(unit)
        names = {str(k): str(v) for k, v in paths["unit_name"].items()}
        names[unit] = f"{name}（直属）"
    levels = range(5, -1, -1) if (t["stars"] == 0).any() else range(5, 0, -1)
    counts = pd.crosstab(group, t["stars"]).reindex(columns=list(levels), fill_value=0)
    counts.columns = [f"stars_{k}" for k in counts.columns]
    out = counts.assign(
        all_round=t["all_round"].groupby(group).sum(), vetoed=t["vetoed"].groupby(group).sum()
    )
    out.insert(0, "branches", counts.sum(axis=1))
    out.insert(0, "unit", [names.get(c, c) for c in out.index])
    return out.sort_index().reset_index(drop=True)


def _lack(row: Any, language: str) -> str:
    metric = str(row.criterion)
    if metric == "veto":
        return pick(("存在一票否决事项", "a veto item"), language)
    if metric in ("party_score", "business_score"):
        name = (
            ("党建评价得分", "party sub-score")
            if metric == "party_score"
            else ("业务评价得分", "business sub-score")
        )
        return pick(
            (
                f"{name[0]} {row.current:.1f}，距 {row.threshold:g} 差 {row.gap:.1f} 分",
                f"{name[1]} {row.current:.1f}, {row.gap:.1f} short of {row.threshold:g}",
            ),
            language,
        )
    zh, en = METRICS.get(metric, (metric, metric))
    if not math.isfinite(row.current):
        return pick((f"{zh}无数据，无法认定达标", f"{en}: no data, cannot be met"), language)
    return pick(
        (
            f"{zh} {row.current:.3g}，标杆 {row.threshold:g}",
            f"{en} {row.current:.3g}, benchmark {row.threshold:g}",
        ),
        language,
    )


def star_gaps(
    appraisal: Appraisal, units: pd.DataFrame, *, language: str = "zh-en"
) -> pd.DataFrame:
    """What each branch lacks for the next level (差什么), one row per branch.

    Parameters
    ----------
    appraisal : Appraisal
    units : DataFrame
        The ``units`` table, for branch names.
    language : {"zh-en", "zh", "en"}, default "zh-en"
        Words in Chinese (``zh-en``, ``zh``) or English.

    Returns
    -------
    DataFrame
        ``unit_name, stars, target, lacks`` for every branch in ``appraisal.stars.gaps``
        (below five stars, or five stars but not all-round), most stars first; ``lacks``
        joins the unmet criteria with ``；``.
    """
    check_language("star_gaps", language)
    gaps = appraisal.stars.gaps
    stars = appraisal.stars.table["stars"]
    sep = "; " if language == "en" else "；"
    per = (
        gaps.assign(lacks=[_lack(r, language) for r in gaps.itertuples()])
        .groupby("unit_code", sort=False)
        .agg(target=("target", "first"), lacks=("lacks", sep.join))
    )
    now = stars.reindex(per.index).astype(int)
    if language == "en":
        per["target"] = np.where(
            per["target"] == "全能型五星", "all-round", (now + 1).astype(str) + " stars"
        )
    frame = per.assign(
        unit_name=_branch_names(appraisal, units).reindex(per.index),
        stars=now.map(_glyphs),
        _stars=now,
    ).reset_index()
    frame = frame.sort_values(["_stars", "unit_code"], ascending=[False, True], kind="stable")
    return frame[["unit_name", "stars", "target", "lacks"]].reset_index(drop=True)
