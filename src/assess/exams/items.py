"""Classical item analysis: difficulty, discrimination (r.drop, point-biserial, D index),
α if item deleted, weak-item flags and distractor shares.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from assess.core.glossary import term
from assess.core.plotting import new_axes
from assess.exams.marking import _CHOICE_TYPES, _Paper
from assess.exams.reliability import Reliability, _alpha_from_cov, _feldt

__all__ = [
    "WEAK_DIFFICULTY_LOW",
    "WEAK_DIFFICULTY_HIGH",
    "WEAK_R_DROP",
    "GROUP_FRACTION",
]

#: Weak-item rules: difficulty below/above these, or corrected item–total r below.
WEAK_DIFFICULTY_LOW = 0.30
WEAK_DIFFICULTY_HIGH = 0.95
WEAK_R_DROP = 0.20
#: Share of takers in each of the upper and lower groups of the D index (Kelley 1939).
GROUP_FRACTION = 0.27


def _tie_key(persons: pd.Index) -> np.ndarray:
    return np.array(
        [
            int.from_bytes(hashlib.blake2b(p.encode(), digest_size=8).digest(), "big")
            for p in persons
        ],
        dtype=np.uint64,
    )


def _extreme_groups(total: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the lower and upper 27 % groups.

    Ties at the cut are broken as :func:`assess.exams.analysis.analyse_exam` Notes describe.
    """
    n = len(total)
    size = max(1, int(np.floor(GROUP_FRACTION * n + 0.5)))
    order = np.lexsort((_tie_key(total.index), total.to_numpy()))
    return order[:size], order[n - size :]


def _colcorr(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    xc, yc = x - x.mean(axis=0), y - y.mean(axis=0)
    denom = np.sqrt((xc**2).sum(axis=0) * (yc**2).sum(axis=0))
    return np.divide(
        (xc * yc).sum(axis=0), denom, out=np.full(x.shape[1], np.nan), where=denom > 1e-12
    )


def _item_table(paper: _Paper, confidence: float) -> tuple[pd.DataFrame, Reliability]:
    x = paper.points.to_numpy()
    max_score = paper.bank["max_score"].to_numpy()
    credit = x / max_score
    total = x.sum(axis=1)
    n, k = x.shape
    lower, upper = _extreme_groups(pd.Series(total, index=paper.points.index))
    cov = np.cov(x, rowvar=False, ddof=1).reshape(k, k) if n > 1 else np.full((k, k), np.nan)
    alpha = _alpha_from_cov(cov)
    keep = np.ones(k, dtype=bool)
    deleted = np.empty(k)
    for j in range(k):
        keep[j] = False
        deleted[j] = _alpha_from_cov(cov[np.ix_(keep, keep)])
        keep[j] = True
    table = pd.DataFrame(
        {
            "item_id": paper.points.columns,
            "section": paper.bank["section"].to_numpy(),
            "item_type": paper.bank["item_type"].to_numpy(),
            "max_score": max_score,
            "n": n,
            "n_missing": (~paper.answered).sum(axis=0).to_numpy(),
            "difficulty": credit.mean(axis=0),
            "r_drop": _colcorr(x, total[:, None] - x),
            "r_pbis": _colcorr(x, total[:, None]),
            "p_upper": credit[upper].mean(axis=0),
            "p_lower": credit[lower].mean(axis=0),
        }
    )
    table["d_index"] = table["p_upper"] - table["p_lower"]
    table["alpha_if_deleted"] = deleted
    table["too_hard"] = table["difficulty"] < WEAK_DIFFICULTY_LOW
    table["too_easy"] = table["difficulty"] > WEAK_DIFFICULTY_HIGH
    table["low_discrimination"] = table["r_drop"] < WEAK_R_DROP
    table["weak"] = table[["too_hard", "too_easy", "low_discrimination"]].any(axis=1)
    table["flags"] = [_flags(row) for row in table.itertuples()]
    binary = bool(np.isin(credit, (0.0, 1.0)).all())
    low, high = _feldt(alpha, n, k, confidence)
    rel = Reliability(
        alpha, low, high, n, k, "KR-20" if binary else "alpha", "pairwise", confidence
    )
    return table, rel


_FLAG_TEXT = {
    "too_hard": ("过难", "too hard"),
    "too_easy": ("过易", "too easy"),
    "low_discrimination": ("区分度低", "low discrimination"),
}


def _flags(row: Any) -> str:
    hits = [_FLAG_TEXT[f] for f in _FLAG_TEXT if getattr(row, f)]
    return "；".join(f"{zh} {en}" for zh, en in hits)


def _options(item_type: str, key: str, answers: np.ndarray, truth_scale: bool) -> list[str]:
    if truth_scale:
        return ["对", "错"]
    seen = {a for a in answers if a}
    if item_type == "multiple":
        seen = {ch for a in seen for ch in a}
        key_opts = set(key)
    else:
        key_opts = {key}
    opts = seen | key_opts
    letters = {o for o in opts if len(o) == 1 and "A" <= o <= "Z"}
    if item_type == "judge" or not letters:
        return sorted(opts)
    # Letters nobody chose below the highest letter seen are options too; other answers
    # (an invalid 错 on a lettered item) follow them.
    return [chr(c) for c in range(ord("A"), ord(max(letters)) + 1)] + sorted(opts - letters)


def _distractors(paper: _Paper) -> pd.DataFrame:
    total = paper.points.sum(axis=1)
    lower, upper = _extreme_groups(total)
    rows = []
    for j, (item_id, item) in enumerate(paper.bank.iterrows()):
        if item["item_type"] not in _CHOICE_TYPES:
            continue
        codes, inverse = np.unique(paper.answers[:, j], return_inverse=True)
        given = paper.vocab[codes]
        key = item["key_norm"]
        for opt in _options(item["item_type"], key, given, item["truth_scale"]):
            if item["item_type"] == "multiple":
                chosen = np.array([opt in a for a in given], dtype=bool)[inverse]
                is_key = opt in key
            else:
                chosen = (given == opt)[inverse]
                is_key = opt == key
            rows.append(
                {
                    "item_id": item_id,
                    "section": item["section"],
                    "item_type": item["item_type"],
                    "option": opt,
                    "is_key": is_key,
                    "share": chosen.mean(),
                    "share_upper": chosen[upper].mean(),
                    "share_lower": chosen[lower].mean(),
                }
            )
    cols = [
        "item_id",
        "section",
        "item_type",
        "option",
        "is_key",
        "share",
        "share_upper",
        "share_lower",
        "nonfunctioning",
        "reversed",
    ]
    if not rows:
        return pd.DataFrame(columns=cols)
    out = pd.DataFrame(rows)
    # Haladyna & Downing (1993): a distractor chosen by < 5 % does not function.
    out["nonfunctioning"] = ~out["is_key"] & (out["share"] < 0.05)
    diff = out["share_upper"] - out["share_lower"]
    out["reversed"] = np.where(out["is_key"], diff < 0, diff > 0)
    return out[cols]


def _plot_item_map(items: pd.DataFrame, quarter: str, ax: Axes | None, language: str) -> Axes:
    """Difficulty against r.drop with the weak-item limits, weak items labelled."""
    ax = new_axes(ax)
    colors = np.where(items["weak"], "#C44E52", "#4C72B0")
    ax.scatter(items["difficulty"], items["r_drop"], c=colors, s=24)
    for x in (WEAK_DIFFICULTY_LOW, WEAK_DIFFICULTY_HIGH):
        ax.axvline(x, color="grey", linestyle=":", linewidth=1)
    ax.axhline(WEAK_R_DROP, color="grey", linestyle=":", linewidth=1)
    for row in items[items["weak"]].head(30).to_dict("records"):
        if np.isfinite(row["r_drop"]):
            ax.annotate(
                str(row["item_id"]),
                (row["difficulty"], row["r_drop"]),
                fontsize=7,
                xytext=(3, 3),
                textcoords="offset points",
            )
    ax.set_xlim(0, 1.02)
    ax.set_xlabel(term("difficulty", language))
    ax.set_ylabel(term("item_total_r", language))
    ax.set_title(f"{quarter} {term('item_map', language)}")
    return ax
