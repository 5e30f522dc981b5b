"""A campaign from the store: counts by unit and month with the right exposure, the start
date of each unit, and the effect analysis of every outcome with multiplicity control.

Seed 000 ("三无三当"): did violations and complaints really fall? Each outcome is divided
by its own exposure: violations by work tickets, complaints and faults by customers,
discipline breaches by headcount.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from matplotlib.axes import Axes

from assess.core.checks import check_bool, check_choice, check_confidence, check_seed
from assess.core.dataset import Dataset
from assess.core.display import ResultDisplay
from assess.core.errors import ParameterError, bilingual
from assess.core.glossary import check_language, phrase, term
from assess.core.plotting import new_axes
from assess.core.schema import EVENT_EXPOSURE, EVENT_TYPES
from assess.core.units import unit_paths
from assess.effect.engine import DESIGNS, INFERENCES, EffectResult, analyse_effect
from assess.effect.multiplicity import adjust_pvalues
from assess.effect.verdict import OUTCOMES

__all__ = [
    "LEVELS",
    "MIN_UNITS",
    "campaign_panel",
    "analyse_campaign",
    "CampaignResult",
]
#: Levels the panel can be aggregated to.
LEVELS: tuple[str, ...] = ("branch", "county", "city")


def campaign_panel(
    data: Dataset,
    *,
    outcome: str,
    level: str = "county",
    campaign_id: str | None = None,
) -> tuple[pd.DataFrame, dict[str, pd.Timestamp]]:
    """Monthly counts of ``outcome`` with their exposure per unit, and each unit's start.

    Branches are summed to ``level`` (a county starts when its first branch starts);
    branches without a county are their own unit at the county level.

    Returns
    -------
    panel : DataFrame
        Columns ``unit``, ``month``, ``count``, ``exposure``.
    starts : dict
        Unit → start date (units never treated are absent).
    """
    func = "campaign_panel"
    check_choice(func, "outcome", outcome, tuple(EVENT_TYPES))
    check_choice(func, "level", level, LEVELS)
    campaign = data.campaign
    if campaign.empty:
        raise ParameterError(
            func,
            "data.campaign",
            "a campaign table with rows",
            "empty",
            zh="数据中没有活动表（campaign），无法确定活动开始时间",
        )
    ids = campaign["campaign_id"].unique()
    if campaign_id is None:
        if len(ids) > 1:
            raise ParameterError(
                func,
                "campaign_id",
                "one of " + ", ".join(map(str, ids)),
                None,
                zh=f"有多个活动，请指定 campaign_id：{', '.join(ids)}",
            )
        campaign_id = str(ids[0])
    elif campaign_id not in ids:
        raise ParameterError(func, "campaign_id", "one of " + ", ".join(map(str, ids)), campaign_id)
    paths = unit_paths(data.units)
    own = paths["level"]

    def roll_up(codes: pd.Series) -> pd.Series:
        target = codes.map(paths[level]) if level != "branch" else codes
        # A branch directly under a city has no county: it stands for itself.
        return target.fillna(codes.where(codes.map(own) == "branch"))

    events = data.events.loc[data.events["type"] == outcome]
    counts = (
        events.assign(unit=roll_up(events["unit_code"]), month=events["date"].dt.strftime("%Y-%m"))
        .groupby(["unit", "month"])
        .size()
        .rename("count")
    )
    exposure_column = EVENT_EXPOSURE[outcome]
    expo = data.exposure.assign(unit=roll_up(data.exposure["unit_code"]))
    expo = expo.groupby(["unit", "month"])[exposure_column].sum().rename("exposure")
    panel = expo.to_frame().join(counts).fillna({"count": 0}).reset_index()
    panel["count"] = panel["count"].astype(int)
    panel["exposure"] = panel["exposure"].astype(float)
    rows = campaign.loc[campaign["campaign_id"] == campaign_id]
    starts = rows.assign(unit=roll_up(rows["unit_code"])).groupby("unit")["start_date"].min()
    return panel, {str(k): pd.Timestamp(v) for k, v in starts.items()}


@dataclass(frozen=True)
class CampaignResult(ResultDisplay):
    """Effect of a campaign on several outcomes, with multiplicity-adjusted p-values.

    Attributes
    ----------
    campaign_id, campaign_name : str
    level : str
    results : dict of str to EffectResult
        One design-based analysis per outcome.
    table : DataFrame
        Per outcome: ``estimate`` (rate ratio), ``ci_low``, ``ci_high``, ``p_value``,
        ``p_adjusted`` (Benjamini–Hochberg over the outcomes), ``n``, ``design``,
        ``inference``, ``naive_change_pct``, ``exposure``.
    notes : tuple of str
        What the analysis decided on its own (e.g. with no never-treated units the last
        cohort is the comparison group), bilingual (``"【投诉】… / [complaint] …"``, naming
        the outcomes concerned), shown in the summary.
    """

    campaign_id: str
    campaign_name: str
    level: str
    results: dict[str, EffectResult]
    table: pd.DataFrame
    notes: tuple[str, ...] = ()
    _title = "活动成效分析 / Campaign effect analysis"

    def to_frame(self) -> pd.DataFrame:
        """The per-outcome table."""
        return self.table

    def summary(self) -> str:
        """Every outcome's verdict, Chinese first, then English."""
        zh = [f"【{EVENT_TYPES[o]}】{r.verdict.zh}" for o, r in self.results.items()]
        en = [f"[{o}] {r.verdict.en}" for o, r in self.results.items()]
        head_zh = (
            f"活动“{self.campaign_name}”（{self.campaign_id}）成效分析"
            f"（按{_LEVEL_ZH[self.level]}汇总）"
        )
        head_en = (
            f"Effect of the campaign {self.campaign_name} ({self.campaign_id}, by {self.level})"
        )
        notes = [n.split(" / ", 1) for n in self.notes]
        zh += [f"说明：{n[0]}" for n in notes]
        en += [f"Note: {n[-1]}" for n in notes]
        return "\n\n".join([head_zh, *zh, head_en, *en])

    def plot(self, ax: Axes | None = None, *, language: str = "zh") -> Axes:
        """Forest plot: the rate ratio of each outcome with its interval, beside the naive
        year-on-year ratio, labelled in ``language``."""
        check_language("CampaignResult.plot", language)
        ax = new_axes(ax, figsize=(7.0, 0.8 + 0.7 * len(self.table)))
        table = self.table.iloc[::-1]
        y = range(len(table))
        ax.errorbar(
            table["estimate"],
            list(y),
            xerr=[table["estimate"] - table["ci_low"], table["ci_high"] - table["estimate"]],
            fmt="o",
            color="#c0392b",
            capsize=4,
            label=term("design_based", language),
        )
        ax.scatter(
            1 + table["naive_change_pct"] / 100,
            list(y),
            marker="x",
            color="#7f8c8d",
            label=term("simple_yoy", language),
            zorder=3,
        )
        ax.axvline(1.0, color="#333333", lw=0.8, ls="--")
        ax.set_yticks(list(y), [phrase(EVENT_TYPES[o], o, language) for o in table.index])
        ax.set_xlabel(term("rate_ratio_fall", language))
        ax.set_title(term("campaign_effect_title", language))
        ax.legend(fontsize=8, loc="best")
        return ax


_LEVEL_ZH = {"branch": "党支部", "county": "县公司", "city": "市公司"}
#: Fewest units of analysis ``level="auto"`` accepts at a level.
MIN_UNITS = 20


def _auto_level(data: Dataset, campaign_id: str | None) -> str:
    for level in ("city", "county"):
        panel, _ = campaign_panel(data, outcome="complaint", level=level, campaign_id=campaign_id)
        if panel["unit"].nunique() >= MIN_UNITS:
            return level
    return "branch"


def analyse_campaign(
    data: Dataset,
    *,
    outcomes: Sequence[str] = ("complaint", "violation"),
    level: str = "auto",
    campaign_id: str | None = None,
    negative_control: str | None = "fault",
    design: str = "auto",
    inference: str = "auto",
    confidence: float = 0.95,
    seed: int = 0,
    falsification: bool = True,
) -> CampaignResult:
    """Did the campaign change each outcome? One :func:`analyse_effect` per outcome.

    Parameters
    ----------
    data : Dataset
        Events, exposure, units and the ``campaign`` table (all history).
    outcomes : sequence of str, default ("complaint", "violation")
        Event types analysed; each is a rate over its exposure
        (:data:`assess.core.schema.EVENT_EXPOSURE`).
    level : {"auto", "branch", "county", "city"}, default "auto"
        Units of analysis: branches are summed to this level. ``"auto"`` takes the
        coarsest level with at least :data:`MIN_UNITS` units: coarse units have fewer
        zero cells and run fast; too few units make cluster-robust errors unreliable.
    campaign_id : str, optional
        Needed when the campaign table holds several campaigns.
    negative_control : str or None, default "fault"
        An outcome the campaign should not move (faults depend on equipment and
        weather); it enters the falsification table of every outcome.
    design, inference, confidence, seed, falsification
        Passed to :func:`analyse_effect`.

    Returns
    -------
    CampaignResult
    """
    # Checked before the first outcome's analysis, which takes seconds.
    func = "analyse_campaign"
    if isinstance(outcomes, str) or not isinstance(outcomes, Sequence) or not outcomes:
        raise ParameterError(
            func,
            "outcomes",
            f"a non-empty sequence of {', '.join(EVENT_TYPES)}",
            outcomes,
            zh=f"{func}：参数 'outcomes' 应为事件类型的非空序列（{'、'.join(EVENT_TYPES)}），"
            f"实际为 {outcomes!r}",
        )
    for outcome in outcomes:
        check_choice(func, "outcomes", outcome, tuple(EVENT_TYPES))
    check_choice(func, "level", level, ("auto", *LEVELS))
    check_choice(func, "design", design, DESIGNS)
    check_choice(func, "inference", inference, INFERENCES)
    check_confidence(func, confidence)
    check_seed(func, seed)
    check_bool(func, "falsification", falsification)
    if level == "auto":
        level = _auto_level(data, campaign_id)
    results: dict[str, EffectResult] = {}
    # The same message may come from several outcomes: shown once, naming them all.
    notes: dict[str, list[str]] = {}
    rows = []
    for outcome in outcomes:
        panel, starts = campaign_panel(data, outcome=outcome, level=level, campaign_id=campaign_id)
        if negative_control and negative_control != outcome:
            control, _ = campaign_panel(
                data, outcome=negative_control, level=level, campaign_id=campaign_id
            )
            panel = panel.merge(
                control[["unit", "month", "count"]].rename(columns={"count": "control"}),
                on=["unit", "month"],
                how="left",
            )
            panel["control"] = panel["control"].fillna(0).astype(int)
        # Recovered situations (e.g. no never-treated units) become notes of the result.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = analyse_effect(
                panel,
                unit_col="unit",
                period_col="month",
                count_col="count",
                exposure_col="exposure",
                starts=starts,
                design=design,
                inference=inference,
                confidence=confidence,
                seed=seed,
                falsification=falsification,
                negative_control="control" if "control" in panel else None,
                outcome=OUTCOMES[outcome],
            )
        for message in dict.fromkeys(str(w.message) for w in caught):
            notes.setdefault(message, []).append(outcome)
        results[outcome] = result
        row = result.to_frame().iloc[0].to_dict()
        row["exposure"] = EVENT_EXPOSURE[outcome]
        rows.append(pd.Series(row, name=outcome))
    table = pd.DataFrame(rows)
    table.index.name = "outcome"
    table["p_adjusted"] = adjust_pvalues(table["p_value"])["p_adjusted"]
    campaign = data.campaign
    chosen = campaign_id or str(campaign["campaign_id"].iloc[0])
    name = str(campaign.loc[campaign["campaign_id"] == chosen, "campaign_name"].iloc[0])
    return CampaignResult(
        campaign_id=chosen,
        campaign_name=name,
        level=level,
        results=results,
        table=table,
        notes=tuple(_outcome_note(m, o) for m, o in notes.items()),
    )


def _outcome_note(message: str, outcomes: list[str]) -> str:
    zh, _, en = message.partition(" / ")
    return bilingual(
        f"【{'、'.join(EVENT_TYPES[o] for o in outcomes)}】{zh}",
        f"[{', '.join(outcomes)}] {en or zh}",
    )
