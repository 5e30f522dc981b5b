"""Five-star party branches (五星党支部) under the dual standard (双达标).

Seed 000: a branch's rating needs both a party-building evaluation and a business
evaluation; the all-round five-star (全能型五星) needs five stars as a prerequisite plus
business benchmarks; discipline breaches are veto items. Each metric is scored 0–100
between two goalposts, each sub-score is the weighted mean of its metrics, and a level
is reached only when *both* sub-scores reach its thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from assess.core.display import ResultDisplay
from assess.core.errors import ParameterError
from assess.core.glossary import TERMS, check_language, term
from assess.core.plotting import new_axes
from assess.core.scheme import StarMetric, StarRules

__all__ = ["StarResult", "rate_branches", "metric_score"]

#: Chinese name of each number of stars, from the glossary.
_STAR_ZH = {k: TERMS[f"stars_{k}"].zh for k in range(6)}


def metric_score(values: pd.Series, metric: StarMetric) -> pd.Series:
    """Score a metric 0–100 between its goalposts (clipped); missing stays missing.

    The goalposts are ``[low, high]`` with ``high`` the better end, so a metric where
    lower is better is written ``[20, 0]``.

    Examples
    --------
    >>> from assess.core.scheme import StarMetric
    >>> m = StarMetric("v", "违章", "violations", 1.0, 20.0, 0.0, "negative")
    >>> metric_score(pd.Series([0.0, 5.0, 25.0]), m).tolist()
    [100.0, 75.0, 0.0]
    """
    scaled = (values.astype(float) - metric.low) / (metric.high - metric.low)
    return scaled.clip(0.0, 1.0) * 100.0


def _sub_score(metrics: pd.DataFrame, parts: tuple[StarMetric, ...]) -> pd.Series:
    # A metric that does not apply to a branch (missing: no project due, no exam takers)
    # is left out and the weights of the others are rescaled; `missing` lists it.
    scores = pd.DataFrame(
        {
            p.metric: metric_score(metrics.get(p.metric, pd.Series(np.nan, index=metrics.index)), p)
            for p in parts
        }
    )
    weights = pd.Series({p.metric: p.weight for p in parts})
    present = scores.notna()
    weight_sum = present.mul(weights, axis=1).sum(axis=1)
    total = scores.fillna(0.0).mul(weights, axis=1).sum(axis=1)
    return (total / weight_sum.where(weight_sum > 0)).fillna(0.0)


def _missing(metrics: pd.DataFrame, rules: StarRules) -> pd.Series:
    names = [p.metric for p in (*rules.party, *rules.business)]
    present = metrics.reindex(columns=names)
    return present.isna().apply(lambda row: ";".join(row.index[row]), axis=1)


@dataclass(frozen=True)
class StarResult(ResultDisplay):
    """Star levels of branches, both sub-scores, and what each branch lacks (差什么).

    Attributes
    ----------
    table : DataFrame
        Per branch (index ``unit_code``): ``party_score``, ``business_score``,
        ``stars`` (0–5), ``all_round`` (全能型五星), ``vetoed``, ``missing`` (metrics
        without data, left out of the sub-score with the other weights rescaled), and
        the metrics used.
    gaps : DataFrame
        One row per unmet criterion for the next level: ``unit_code``, ``target``,
        ``criterion``, ``current``, ``threshold``, ``gap``, ``text_zh``, ``text_en``.
    rules : StarRules
        The rules applied.
    """

    table: pd.DataFrame
    gaps: pd.DataFrame
    rules: StarRules
    _title = "五星党支部评定 / Five-star branch rating"

    def to_frame(self) -> pd.DataFrame:
        """The per-branch table."""
        return self.table

    def counts(self) -> pd.Series:
        """Number of branches at each star level, 5 down to 0."""
        return self.table["stars"].value_counts().reindex(range(5, -1, -1), fill_value=0)

    def summary(self) -> str:
        """Star counts and the all-round count, in Chinese then English."""
        counts = self.counts()
        n_all = int(self.table["all_round"].sum())
        zh = "；".join(f"{_STAR_ZH[k]} {v} 个" for k, v in counts.items() if v)
        en = "; ".join(f"{k} stars: {v}" for k, v in counts.items() if v)
        n = len(self.table)
        return (
            f"共 {n} 个支部参评：{zh}；其中全能型五星 {n_all} 个。"
            f"一票否决 {int(self.table['vetoed'].sum())} 个。\n\n"
            f"{n} branches rated: {en}; all-round five-star: {n_all}. "
            f"Vetoed: {int(self.table['vetoed'].sum())}."
        )

    def plot(self, ax: Axes | None = None, *, language: str = "zh") -> Axes:
        """Party sub-score against business sub-score, with the level thresholds.

        ``language`` ("zh", "en" or "zh-en") is that of the labels
        (:func:`assess.core.glossary.term`).
        """
        check_language("StarResult.plot", language)
        ax = new_axes(ax, figsize=(6.0, 5.0))
        colours = {
            5: "#c0392b",
            4: "#e67e22",
            3: "#f1c40f",
            2: "#7f8c8d",
            1: "#bdc3c7",
            0: "#ecf0f1",
        }
        for stars, part in self.table.groupby("stars"):
            ax.scatter(
                part["business_score"],
                part["party_score"],
                s=14,
                color=colours[int(stars)],
                label=term(f"stars_{int(stars)}", language),
                edgecolor="#555555",
                linewidth=0.3,
            )
        for level in self.rules.levels:
            if level.party_min > 0:
                ax.plot(
                    [level.business_min, 100],
                    [level.party_min, level.party_min],
                    color="#999999",
                    lw=0.6,
                    ls="--",
                )
                ax.plot(
                    [level.business_min, level.business_min],
                    [level.party_min, 100],
                    color="#999999",
                    lw=0.6,
                    ls="--",
                )
        ax.set_xlabel(term("business_sub_score", language))
        ax.set_ylabel(term("party_sub_score", language))
        ax.set_xlim(0, 102)
        ax.set_ylim(0, 102)
        ax.legend(title=term("stars", language), fontsize=8, loc="lower left")
        ax.set_title(term("five_star_title", language))
        return ax


def rate_branches(
    metrics: pd.DataFrame, rules: StarRules, *, vetoed: pd.Series | None = None
) -> StarResult:
    """Rate branches one to five stars; all-round five-star where the benchmarks are met.

    Parameters
    ----------
    metrics : DataFrame
        One row per branch (index ``unit_code``), one column per metric named in
        ``rules`` (e.g. ``member_index_mean``, ``violations_per_1000_tickets``).
    rules : StarRules
        ``scheme.stars``.
    vetoed : Series of bool, optional
        Branches with a veto event (e.g. a discipline breach); their rating is capped at
        ``rules.veto_max_stars``.

    Returns
    -------
    StarResult

    Examples
    --------
    >>> from assess.core.scheme import load_scheme
    >>> rules = load_scheme().stars
    >>> m = pd.DataFrame({"member_index_mean": [76.0, 72.0], "exam_participation": [1.0, 0.9],
    ...     "duty_completion": [1.0, 0.9], "violations_per_1000_tickets": [1.0, 4.0],
    ...     "complaints_per_10000_customers": [0.1, 0.5], "project_completion": [1.0, 0.7]},
    ...     index=pd.Index(["b1", "b2"], name="unit_code"))
    >>> result = rate_branches(m, rules)
    >>> result.table["stars"].tolist(), result.table["all_round"].tolist()
    ([5, 2], [True, False])
    >>> result.gaps[["unit_code", "target", "criterion"]].values.tolist()
    [['b2', '三星', 'party_score'], ['b2', '三星', 'business_score']]
    """
    if not isinstance(rules, StarRules):
        raise ParameterError(
            "rate_branches",
            "rules",
            "StarRules, e.g. load_scheme().stars",
            rules,
            zh=f"rate_branches：参数 'rules' 应为五星评定规则 StarRules（如 load_scheme().stars），"
            f"实际为 {rules!r}",
        )
    vetoed = vetoed if vetoed is not None else pd.Series(False, index=metrics.index)
    vetoed = vetoed.reindex(metrics.index, fill_value=False).astype(bool)
    party = _sub_score(metrics, rules.party)
    business = _sub_score(metrics, rules.business)
    stars = pd.Series(0, index=metrics.index, dtype=int)
    for level in sorted(rules.levels, key=lambda lv: lv.stars):
        reached = (party >= level.party_min) & (business >= level.business_min)
        stars = stars.where(~reached, level.stars)
    stars = stars.where(~vetoed, np.minimum(stars, rules.veto_max_stars))
    bench_ok = pd.Series(True, index=metrics.index)
    for metric, (op, threshold) in rules.all_round.items():
        values = metrics.get(metric, pd.Series(np.nan, index=metrics.index)).astype(float)
        bench_ok &= (values >= threshold) if op == ">=" else (values <= threshold)
    table = metrics.copy()
    table.insert(0, "party_score", party.round(2))
    table.insert(1, "business_score", business.round(2))
    table.insert(2, "stars", stars)
    table.insert(3, "all_round", (stars == 5) & bench_ok)
    table.insert(4, "vetoed", vetoed)
    table.insert(5, "missing", _missing(metrics, rules))
    return StarResult(table=table, gaps=_gaps(table, metrics, rules), rules=rules)


def _gaps(table: pd.DataFrame, metrics: pd.DataFrame, rules: StarRules) -> pd.DataFrame:
    rows: list[dict[str, object]] = []
    by_stars = {lv.stars: lv for lv in rules.levels}
    for unit, row in table.iterrows():
        current = int(row["stars"])
        if current < 5:
            target = by_stars.get(current + 1)
            if target is None:
                continue
            name = _STAR_ZH[target.stars]
            if row["vetoed"] and target.stars > rules.veto_max_stars:
                rows.append(
                    _gap(
                        unit,
                        name,
                        "veto",
                        np.nan,
                        np.nan,
                        "存在一票否决事项",
                        "a veto item (e.g. discipline breach)",
                    )
                )
            for part, score, threshold in (
                ("party_score", row["party_score"], target.party_min),
                ("business_score", row["business_score"], target.business_min),
            ):
                if score < threshold:
                    zh = "党建评价" if part == "party_score" else "业务评价"
                    en = "party-building" if part == "party_score" else "business"
                    rows.append(
                        _gap(
                            unit,
                            name,
                            part,
                            score,
                            threshold,
                            f"{zh}得分 {score:.1f}，差 {threshold - score:.1f} 分",
                            f"{en} sub-score {score:.1f}, {threshold - score:.1f} short",
                        )
                    )
        elif not row["all_round"]:
            for metric, (op, threshold) in rules.all_round.items():
                value = float(metrics.at[unit, metric]) if metric in metrics else np.nan
                met = value >= threshold if op == ">=" else value <= threshold
                if not met:
                    rows.append(
                        _gap(
                            unit,
                            "全能型五星",
                            metric,
                            value,
                            threshold,
                            f"{metric} 为 {value:.3g}，标杆 {op} {threshold:g}",
                            f"{metric} is {value:.3g}; benchmark {op} {threshold:g}",
                        )
                    )
    columns = [
        "unit_code",
        "target",
        "criterion",
        "current",
        "threshold",
        "gap",
        "text_zh",
        "text_en",
    ]
    return pd.DataFrame(rows, columns=columns)


def _gap(
    unit: object, target: str, criterion: str, current: float, threshold: float, zh: str, en: str
) -> dict[str, object]:
    return {
        "unit_code": unit,
        "target": target,
        "criterion": criterion,
        "current": current,
        "threshold": threshold,
        "gap": abs(threshold - current),
        "text_zh": zh,
        "text_en": en,
    }
