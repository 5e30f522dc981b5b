"""Planning the next campaign: which effect could the evaluation detect at all?

Before a campaign is piloted in a handful of units, :func:`plan_campaign` says how large a
fall of the event rate the evaluation could reliably detect (80% power) with the units and
months planned, and how many pilot units or months a target effect would need. It
simulates negative-binomial panels from the baseline rates and exposures of each unit and
runs on each the estimator and inference the effect report would use
(:func:`~assess.effect.did.fit_did` with the inference
:func:`~assess.effect.engine.choose_inference` picks, as
:func:`~assess.effect.engine.analyse_effect` does).
"""

from __future__ import annotations

import dataclasses
import math
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy import stats
from tqdm.auto import tqdm

from assess.core.checks import (
    check_bool,
    check_choice,
    check_confidence,
    check_int,
    check_probability,
    check_seed,
)
from assess.core.dataset import Dataset
from assess.core.display import ResultDisplay
from assess.core.errors import AssessError, ParameterError
from assess.core.formatting import number, percent
from assess.core.glossary import check_language, term
from assess.core.plotting import new_axes
from assess.core.schema import EVENT_EXPOSURE, EVENT_TYPES
from assess.core.units import unit_paths
from assess.effect.did import fit_did, treatment_fit
from assess.effect.engine import choose_inference
from assess.effect.panel import Panel, make_panel
from assess.effect.randomisation import randomisation_test
from assess.effect.verdict import OUTCOMES, _name

__all__ = [
    "PLAN_DESIGNS",
    "PLAN_INFERENCES",
    "CampaignPlan",
    "baseline_panel",
    "plan_campaign",
]

#: ``design=`` values of :func:`plan_campaign`: pilot units against the others, one start.
PLAN_DESIGNS: tuple[str, ...] = ("did",)
#: ``inference=`` values: ``"auto"`` is what :func:`~assess.effect.engine.choose_inference`
#: would pick for the planned panel.
PLAN_INFERENCES: tuple[str, ...] = ("auto", "cluster", "randomisation")
#: The largest fall searched: a rate ratio of 0.1 (−90%).
LOWEST_RATIO = 0.1
# Bisection steps on the log rate ratio per simulation (resolution ln 10 / 2^7 ≈ 1.8%).
_STEPS = 7
# Longest follow-up searched by months_needed.
_MAX_MONTHS = 60

_INFERENCE_WORDS = {
    "cluster": ("按单位聚类的稳健推断", "cluster-robust inference"),
    "randomisation": ("随机化推断", "randomisation inference"),
}


def baseline_panel(
    data: Dataset, *, outcome: str, level: str = "county", months: int = 12
) -> pd.DataFrame:
    """The last ``months`` months of ``outcome`` counts with their exposure per unit.

    Branches are summed to ``level`` (``"branch"``, ``"county"`` or ``"city"``); each
    outcome has its own exposure (:data:`assess.core.schema.EVENT_EXPOSURE`).

    Returns
    -------
    DataFrame
        Columns ``unit``, ``month``, ``count``, ``exposure``: the table
        :func:`plan_campaign` takes with ``period_col="month"``.

    Examples
    --------
    >>> import assess
    >>> from assess.io.demo import generate
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = generate(pathlib.Path(tmp) / "d", size="small", seed=1, progress=False)
    ...     data = assess.load_inputs(pathlib.Path(tmp) / "d")
    >>> table = baseline_panel(data, outcome="complaint", level="county")
    >>> table["month"].nunique(), list(table.columns)
    (12, ['unit', 'month', 'count', 'exposure'])
    """
    func = "baseline_panel"
    check_choice(func, "outcome", outcome, tuple(EVENT_TYPES))
    check_choice(func, "level", level, ("branch", "county", "city"))
    check_int(func, "months", months, minimum=2)
    paths = unit_paths(data.units)
    own = paths["level"]

    def roll_up(codes: pd.Series) -> pd.Series:
        target = codes.map(paths[level]) if level != "branch" else codes
        return target.fillna(codes.where(codes.map(own) == "branch"))

    expo = data.exposure.assign(unit=roll_up(data.exposure["unit_code"])).dropna(subset="unit")
    last = sorted(expo["month"].unique())[-months:]
    expo = expo[expo["month"].isin(last)]
    expo = expo.groupby(["unit", "month"])[EVENT_EXPOSURE[outcome]].sum().rename("exposure")
    events = data.events.loc[data.events["type"] == outcome]
    counts = (
        events.assign(unit=roll_up(events["unit_code"]), month=events["date"].dt.strftime("%Y-%m"))
        .groupby(["unit", "month"])
        .size()
        .rename("count")
    )
    table = expo.to_frame().join(counts).fillna({"count": 0}).reset_index()
    table = table[table["exposure"].astype(float) > 0]
    return table.assign(count=table["count"].astype(int), exposure=table["exposure"].astype(float))[
        ["unit", "month", "count", "exposure"]
    ]


@dataclass(frozen=True)
class _Baseline:
    mean: np.ndarray  # expected events per unit and month
    exposure: np.ndarray  # exposure per unit and month
    dispersion: float  # NB2: variance m + α m²
    empty: int = 0  # units left out: no event in the baseline


def _baseline(
    func: str,
    data: Any,
    unit_col: str,
    count_col: str,
    period_col: str | None,
    exposure_col: str | None,
    dispersion: float | None,
) -> _Baseline:
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(func, "data", "a DataFrame", type(data).__name__)
    for name, col in (
        (("unit_col", unit_col), ("count_col", count_col))
        + ((("period_col", period_col),) if period_col is not None else ())
        + ((("exposure_col", exposure_col),) if exposure_col is not None else ())
    ):
        if col not in data.columns:
            raise ParameterError(
                func, name, "a column of data: " + ", ".join(map(str, data.columns)), col
            )
    count = pd.to_numeric(data[count_col], errors="coerce").to_numpy(float)
    expo = (
        np.ones(len(data))
        if exposure_col is None
        else pd.to_numeric(data[exposure_col], errors="coerce").to_numpy(float)
    )
    if not np.isfinite(count).all() or (count < 0).any():
        raise ParameterError(func, "count_col", "counts ≥ 0 in every row", count_col)
    if not np.isfinite(expo).all() or (expo <= 0).any():
        raise ParameterError(func, "exposure_col", "exposures > 0 in every row", exposure_col)
    frame = pd.DataFrame({"unit": data[unit_col].to_numpy(), "y": count, "e": expo})
    if period_col is None:
        if frame["unit"].duplicated().any():
            raise ParameterError(func, "unit_col", "one row per unit (no period_col)", unit_col)
        if dispersion is None:
            raise ParameterError(
                func, "dispersion", "a number ≥ 0 when there is no period_col to estimate it", None
            )
        mean, exposure = frame["y"].to_numpy(), frame["e"].to_numpy()
    else:
        frame["t"] = data[period_col].to_numpy()
        wide_y = frame.pivot_table(index="unit", columns="t", values="y", aggfunc="sum")
        wide_e = frame.pivot_table(index="unit", columns="t", values="e", aggfunc="sum")
        rate = wide_y.sum(axis=1) / wide_e.sum(axis=1)
        mean = (rate * wide_e.mean(axis=1)).to_numpy()
        exposure = wide_e.mean(axis=1).to_numpy()
        if dispersion is None:
            dispersion = _moment_dispersion(wide_y.to_numpy(), wide_e.to_numpy())
    # Units without a baseline event would never have one: the Poisson fixed-effects fit
    # drops them, so they are left out of the simulation (and counted in the result).
    empty = int((mean <= 0).sum())
    mean, exposure = mean[mean > 0], exposure[mean > 0]
    if len(mean) < 3:
        raise ParameterError(func, "data", "at least 3 units with baseline events", len(mean))
    if (
        isinstance(dispersion, bool)
        or not isinstance(dispersion, int | float)
        or not (math.isfinite(dispersion) and dispersion >= 0)
    ):
        raise ParameterError(func, "dispersion", "a number ≥ 0", dispersion)
    return _Baseline(mean=mean, exposure=exposure, dispersion=float(dispersion), empty=empty)


def _moment_dispersion(y: np.ndarray, e: np.ndarray) -> float:
    """NB2 dispersion of unit-month counts around unit × month effects (moments).

    Unit rates and month factors are fitted multiplicatively (a few alternating
    updates of the Poisson two-way model); ``α = Σ((y − m)² − y) / Σ m²``, floored at 0.
    """
    observed = np.isfinite(y) & np.isfinite(e)
    y, e = np.where(observed, y, 0.0), np.where(observed, e, 0.0)
    month = np.ones(y.shape[1])
    for _ in range(20):
        rate = y.sum(axis=1) / np.maximum((e * month).sum(axis=1), 1e-300)
        month = y.sum(axis=0) / np.maximum((e * rate[:, None]).sum(axis=0), 1e-300)
    m = e * rate[:, None] * month[None, :]
    return float(max(0.0, np.sum(((y - m) ** 2 - y)[observed]) / np.sum((m**2)[observed])))


@dataclass(frozen=True, eq=False)
class CampaignPlan(ResultDisplay):
    """Result of :func:`plan_campaign`.

    Attributes
    ----------
    detectable_ratio : float
        The largest rate ratio (smallest fall) detected with probability ``power``; NaN
        when even a fall to :data:`LOWEST_RATIO` is not.
    curve : pandas.DataFrame
        The power curve: columns ``ratio``, ``change_pct``, ``power``, ``mc_se``.
    false_alarm, false_alarm_se : float
        Share of simulations with no effect whose test rejects (two-sided), and its
        Monte Carlo standard error: the test's real size.
    n_units, pilot_units, months_before, months_after : int
        ``n_units`` counts the units simulated: those with baseline events.
    units_without_events : int
        Units of ``data`` with no baseline event, left out (they inform no Poisson DiD).
    design, inference : str
    dispersion : float
        Negative-binomial dispersion of the simulated unit-month counts.
    power : float
        The power asked for.
    target : float or None
        Target rate ratio; with it ``target_power``, ``units_needed`` (pilot units, the
        months as planned) and ``months_needed`` (months after, the pilot units as
        planned), ``None`` when no number up to half the units / 60 months suffices.
    simulations, seed : int
    confidence : float
    outcome : (str, str)
    """

    detectable_ratio: float
    curve: pd.DataFrame
    false_alarm: float
    false_alarm_se: float
    n_units: int
    units_without_events: int
    pilot_units: int
    months_before: int
    months_after: int
    design: str
    inference: str
    dispersion: float
    power: float
    target: float | None
    target_power: float | None
    units_needed: int | None
    months_needed: int | None
    simulations: int
    seed: int
    confidence: float
    outcome: tuple[str, str]

    _title = "下一次活动的评估设计 / Planning the next campaign"

    def to_frame(self) -> pd.DataFrame:
        """The power curve, smallest fall first."""
        return self.curve

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (NaN as ``None``) for the command line."""

        def num(x: float | None) -> float | None:
            return None if x is None or not math.isfinite(x) else float(x)

        return {
            "detectable_ratio": num(self.detectable_ratio),
            "detectable_fall_pct": num((1 - self.detectable_ratio) * 100),
            "power": self.power,
            "false_alarm": self.false_alarm,
            "false_alarm_se": self.false_alarm_se,
            "n_units": self.n_units,
            "units_without_events": self.units_without_events,
            "pilot_units": self.pilot_units,
            "months_before": self.months_before,
            "months_after": self.months_after,
            "design": self.design,
            "inference": self.inference,
            "dispersion": self.dispersion,
            "target": self.target,
            "target_power": self.target_power,
            "units_needed": self.units_needed,
            "months_needed": self.months_needed,
            "simulations": self.simulations,
            "seed": self.seed,
            "confidence": self.confidence,
            "summary_zh": self.summary().split("\n\n")[0],
            "summary_en": self.summary().split("\n\n")[1],
        }

    def summary(self) -> str:
        """What the planned evaluation can detect, in Chinese then English."""
        zh_out, en_out = self.outcome
        inf_zh, inf_en = _INFERENCE_WORDS[self.inference]
        k, after, before = self.pilot_units, self.months_after, self.months_before
        controls = self.n_units - k
        level = percent(self.power, 0)
        if math.isnan(self.detectable_ratio):
            zh = (
                f"以 {k} 个单位试点 {after} 个月，即使{zh_out}率下降 "
                f"{percent(1 - LOWEST_RATIO, 0)} 也不能被可靠地检出（检出把握不足 {level}）。"
            )
            en = (
                f"With {k} pilot units over {after} months, not even a "
                f"{percent(1 - LOWEST_RATIO, 0)} fall in the rate of {en_out} would be "
                f"detected reliably (power below {level})."
            )
        else:
            fall = percent(1 - self.detectable_ratio, 0)
            zh = (
                f"以 {k} 个单位试点 {after} 个月，只有{zh_out}率下降 {fall} 以上才能被可靠地检出"
                f"（检出把握 {level}）。"
            )
            en = (
                f"With {k} pilot units over {after} months, only a fall of {fall} or more in "
                f"the rate of {en_out} would be detected reliably (power {level})."
            )
        zh += (
            f"设计：双重差分，{controls} 个对照单位，开始前 {before} 个月，{inf_zh}；"
            f"由 {number(self.simulations)} 次模拟"
            f"（负二项离散度 {number(self.dispersion, 3)}）得出。"
            f"无效应时的误报率为 {percent(self.false_alarm)}（蒙特卡罗标准误 "
            f"{percent(self.false_alarm_se)}），名义水平 {percent(1 - self.confidence, 0)}。"
        )
        en += (
            f" Design: difference-in-differences, {controls} comparison units, {before} months "
            f"before, {inf_en}; from {number(self.simulations)} simulations (negative-binomial "
            f"dispersion {number(self.dispersion, 3)}). With no effect the test rejects in "
            f"{percent(self.false_alarm)} of simulations (Monte Carlo standard error "
            f"{percent(self.false_alarm_se)}), nominal {percent(1 - self.confidence, 0)}."
        )
        if self.units_without_events:
            zh += (
                f"另有 {number(self.units_without_events)} 个单位基线期没有事件，不含信息，未计入。"
            )
            en += (
                f" {number(self.units_without_events)} more units had no baseline event; "
                "they carry no information and are left out."
            )
        if self.target is not None and self.target_power is not None:
            goal = percent(1 - self.target, 0)
            zh += f"检出下降 {goal} 的把握为 {percent(self.target_power, 0)}；"
            en += f" The power to detect a {goal} fall is {percent(self.target_power, 0)};"
            if self.units_needed is None:
                zh += f"试点 {after} 个月时，试点单位增至一半也达不到 {level}；"
                en += f" over {after} months not even half the units as pilots reach {level};"
            else:
                zh += f"试点 {after} 个月需 {self.units_needed} 个试点单位；"
                en += f" over {after} months it needs {self.units_needed} pilot units;"
            if self.months_needed is None:
                zh += f"以 {k} 个单位试点，{_MAX_MONTHS} 个月内达不到 {level}。"
                en += f" with {k} pilot units, {_MAX_MONTHS} months do not reach {level}."
            else:
                zh += f"以 {k} 个单位试点需 {self.months_needed} 个月。"
                en += f" with {k} pilot units it needs {self.months_needed} months."
        return f"{zh}\n\n{en}"

    def plot(self, ax: Axes | None = None, *, language: str = "zh") -> Axes:
        """Power against the size of the fall, with the Monte Carlo band and the
        detectable fall marked, labelled in ``language``."""
        check_language("CampaignPlan.plot", language)
        ax = new_axes(ax)
        c = self.curve
        fall = -c["change_pct"]
        ax.fill_between(
            fall,
            (c["power"] - 1.96 * c["mc_se"]).clip(0, 1),
            (c["power"] + 1.96 * c["mc_se"]).clip(0, 1),
            color="C0",
            alpha=0.2,
        )
        ax.plot(fall, c["power"], color="C0", label=term("power_curve", language))
        ax.axhline(self.power, color="0.4", ls="--", lw=1)
        ax.axhline(1 - self.confidence, color="0.6", ls=":", lw=1)
        if not math.isnan(self.detectable_ratio):
            ax.axvline(
                (1 - self.detectable_ratio) * 100,
                color="C3",
                lw=1,
                label=term("detectable_fall", language),
            )
        ax.set_xlim(0, (1 - LOWEST_RATIO) * 100)
        ax.set_ylim(0, 1)
        ax.set_xlabel(term("fall_in_rate_pct", language))
        ax.set_ylabel(term("power", language))
        ax.set_title(term("plan_title", language))
        ax.legend(loc="lower right", fontsize="small")
        return ax


class _Simulator:
    """Common random numbers for one planned panel (units, pilots, months)."""

    def __init__(
        self,
        base: _Baseline,
        pilots: int,
        before: int,
        after: int,
        simulations: int,
        seed: int,
        test: Callable[[Panel, int], tuple[float, float]],
    ) -> None:
        n, t = len(base.mean), before + after
        self.base, self.pilots, self.before, self.test = base, pilots, before, test
        labels = [f"u{j:05d}" for j in range(n)]
        table = pd.DataFrame(
            {
                "unit": np.repeat(labels, t),
                "period": np.tile(np.arange(t), n),
                "count": 0,
                "exposure": np.repeat(base.exposure, t),
            }
        )
        self.template = make_panel(
            table,
            count_col="count",
            unit_col="unit",
            period_col="period",
            exposure_col="exposure",
            treated_units=labels[:pilots],
            start=before,
            func="plan_campaign",
        )
        rng = np.random.default_rng([seed, n, pilots, before, after])
        self.order = np.array([rng.permutation(n) for _ in range(simulations)])
        shape = (simulations, n, t)
        alpha = base.dispersion
        self.frailty = rng.gamma(1 / alpha, alpha, shape) if alpha > 0 else np.ones(shape)
        self.uniform = rng.random(shape).clip(1e-12, 1 - 1e-12)

    def run(self, s: int, ratio: float) -> tuple[float, float]:
        mean = self.base.mean[self.order[s]][:, None] * self.frailty[s]
        mean[: self.pilots, self.before :] *= ratio
        counts = stats.poisson.ppf(self.uniform[s], mean)
        return self.test(dataclasses.replace(self.template, counts=counts), s)


def _tester(inference: str, conf: float, n_permutations: int, seed: int) -> Callable:
    def test(panel: Panel, s: int) -> tuple[float, float]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            try:
                if inference == "cluster":
                    fit = fit_did(panel, confidence=conf)
                    return fit.estimate, fit.p_value
                # The DiD estimate without the event study fit_did adds (as the engine's
                # falsification checks compute it).
                estimate = math.exp(float(treatment_fit(panel).beta[0]))
                perm = randomisation_test(
                    panel,
                    design="did",
                    estimate=estimate,
                    n_permutations=n_permutations,
                    confidence=conf,
                    seed=seed + s,
                    invert=False,
                )
            except AssessError:
                # No estimate (e.g. no event in the pilot units after the start): the
                # report could not conclude either, so nothing is detected.
                return math.nan, 1.0
            return estimate, perm.p_value

    return test


def plan_campaign(
    data: pd.DataFrame,
    *,
    unit_col: str,
    count_col: str,
    period_col: str | None = None,
    exposure_col: str | None = None,
    pilot_units: int = 7,
    months_before: int = 12,
    months_after: int = 12,
    design: str = "did",
    inference: str = "auto",
    dispersion: float | None = None,
    target: float | None = None,
    power: float = 0.8,
    confidence: float = 0.95,
    simulations: int = 100,
    n_permutations: int = 99,
    seed: int = 0,
    progress: bool | None = None,
    outcome: str | tuple[str, str] = "event",
) -> CampaignPlan:
    """The smallest fall the planned evaluation could detect, and what a target needs.

    Parameters
    ----------
    data : DataFrame
        The baseline: a tidy table of monthly counts per unit (with ``period_col``), as
        :func:`baseline_panel` gives from the store; or one row per unit whose
        ``count_col`` is the expected events per month (then ``dispersion`` is needed).
    unit_col, count_col : str
        Columns of the unit and the count.
    period_col : str, optional
        Column of the month; rates, exposures and the dispersion are estimated from it.
    exposure_col : str, optional
        Column of the exposure (1 per row when omitted).
    pilot_units : int, default 7
        Units that pilot the campaign (drawn at random in each simulation); the others are
        the comparison group.
    months_before, months_after : int, default 12
        Months observed before the start and after it.
    design : {"did"}, default "did"
        Pilot units against the others with one start (the report's design for it).
    inference : {"auto", "cluster", "randomisation"}, default "auto"
        ``"auto"``: what the report would choose for this panel
        (:func:`~assess.effect.engine.choose_inference`).
    dispersion : float, optional
        Negative-binomial dispersion ``α`` of unit-month counts (variance ``m + α m²``);
        estimated from ``data`` when it has ``period_col``.
    target : float, optional
        A target rate ratio (e.g. 0.8 for −20%): also find the pilot units and the months
        needed to detect it with probability ``power``.
    power : float, default 0.8
    confidence : float, default 0.95
        The test rejects at level ``1 − confidence`` (two-sided), as the report's interval.
    simulations : int, default 100
        Simulated panels (Monte Carlo standard error of a power of 0.8: 0.04 at 100).
    n_permutations : int, default 99
        Re-assignments of the randomisation test in each simulation (≥ 19).
    seed : int, default 0
    progress : bool, optional
        Show a progress bar (default: when standard error is a terminal).
    outcome : str or (str, str), default "event"
        What is counted, for the words: a key of :data:`~assess.effect.verdict.OUTCOMES`
        or a ``(zh, en)`` name.

    Returns
    -------
    CampaignPlan

    Raises
    ------
    ParameterError
        For bad arguments, a missing column, negative counts, exposure ≤ 0, fewer than 3
        units, or pilot units leaving fewer than 1 comparison unit.

    Notes
    -----
    Each simulation draws unit-month counts ``y ~ Poisson(m_i G ρ^D)`` with ``m_i`` the
    unit's baseline events per month, ``G ~ Gamma(1/α, α)`` and ``D`` = 1 for pilot units
    after the start; it then runs :func:`~assess.effect.did.fit_did` (Poisson DiD with
    unit and month effects and the exposure offset) and the chosen inference, and counts
    a detection when the test rejects (``p ≤ 1 − confidence``, the valid rule for a
    randomisation p-value) with an estimate below 1.
    The simulations share their random numbers across ``ρ`` (common random numbers:
    ``y`` is the Poisson quantile of one fixed uniform), so each simulation has one
    largest detected ratio ``ρ*``, found by bisection on ``ln ρ`` in
    ``[ln 0.1, 0]``; the power curve is the share of simulations with ``ρ* ≥ ρ``. The
    dispersion is estimated from the baseline by moments around a unit × month Poisson
    fit. Checked in the tests: the power at no effect equals the test's size (about
    0.05); with many units the power matches the normal approximation
    ``Φ(|ln ρ| / se − z)``, ``se² = (1/(k T m) + α/(k T))`` summed over both groups and
    periods; each simulated p-value equals :func:`~assess.effect.engine.analyse_effect`'s.

    Examples
    --------
    Twelve units with 4 events a month, half of them piloting for 4 months:

    >>> table = pd.DataFrame({"unit": range(12), "count": 4.0})
    >>> plan = plan_campaign(table, unit_col="unit", count_col="count", pilot_units=6,
    ...                      months_before=4, months_after=4, dispersion=0.05,
    ...                      inference="cluster", simulations=10, progress=False)
    >>> plan.summary().split("（")[0]
    '以 6 个单位试点 4 个月，只有事件率下降 59% 以上才能被可靠地检出'

    """
    func = "plan_campaign"
    check_choice(func, "design", design, PLAN_DESIGNS)
    check_choice(func, "inference", inference, PLAN_INFERENCES)
    conf = check_confidence(func, confidence)
    check_seed(func, seed)
    sims = check_int(func, "simulations", simulations, minimum=10)
    perms = check_int(func, "n_permutations", n_permutations, minimum=19)
    before = check_int(func, "months_before", months_before, minimum=1)
    after = check_int(func, "months_after", months_after, minimum=1)
    pilots = check_int(func, "pilot_units", pilot_units, minimum=1)
    want = check_probability(func, "power", power)
    if not 0 < want < 1:
        raise ParameterError(func, "power", "a probability strictly between 0 and 1", power)
    if target is not None and (
        isinstance(target, bool)
        or not isinstance(target, int | float)
        or not LOWEST_RATIO <= target < 1
    ):
        raise ParameterError(func, "target", f"a rate ratio in [{LOWEST_RATIO}, 1)", target)
    show = sys.stderr.isatty() if progress is None else check_bool(func, "progress", progress)
    words = _name(outcome, OUTCOMES, func, "outcome")
    base = _baseline(func, data, unit_col, count_col, period_col, exposure_col, dispersion)
    n = len(base.mean)
    if pilots > n - 1:
        raise ParameterError(func, "pilot_units", f"at most {n - 1} (one comparison unit)", pilots)
    how = choose_inference("did", pilots, n) if inference == "auto" else inference
    test = _tester(how, conf, perms, seed)
    alpha = 1 - conf
    calls = sims * (_STEPS + 1) + (sims * 12 if target is not None else 0)
    bar = tqdm(total=calls, desc="plan", unit="fit", disable=not show, leave=False)

    def detect(sim: _Simulator, s: int, ratio: float) -> tuple[bool, float]:
        estimate, p = sim.run(s, ratio)
        bar.update()
        return bool(p <= alpha and estimate < 1), p

    main = _Simulator(base, pilots, before, after, sims, seed, test)
    thresholds, alarms = np.zeros(sims), np.zeros(sims, dtype=bool)
    for s in range(sims):
        hit, p = detect(main, s, 1.0)
        alarms[s] = p <= alpha
        if hit:
            thresholds[s] = 1.0
            bar.update(_STEPS)
            continue
        low, high = math.log(LOWEST_RATIO), 0.0
        for _ in range(_STEPS):
            mid = 0.5 * (low + high)
            low, high = (mid, high) if detect(main, s, math.exp(mid))[0] else (low, mid)
        # Never detected above the lowest ratio: detected there, or not at all (0).
        if low > math.log(LOWEST_RATIO) or detect(main, s, LOWEST_RATIO)[0]:
            thresholds[s] = math.exp(low)
    ratios = np.r_[np.linspace(LOWEST_RATIO, 0.99, 90), 1.0]
    share = np.array([(thresholds >= r).mean() for r in ratios[:-1]] + [alarms.mean()])
    curve = pd.DataFrame(
        {
            "ratio": ratios,
            "change_pct": (ratios - 1) * 100,
            "power": share,
            "mc_se": np.sqrt(share * (1 - share) / sims),
        }
    )
    ordered = np.sort(thresholds)[::-1]
    rank = math.ceil(want * sims) - 1
    detectable = float(ordered[rank]) if ordered[rank] >= LOWEST_RATIO else math.nan

    target_power = units_needed = months_needed = None
    if target is not None:
        target_power = float((thresholds >= target).mean())

        def power_at(k: int, months: int) -> float:
            sim = _Simulator(base, k, before, months, sims, seed, test)
            return float(np.mean([detect(sim, s, target)[0] for s in range(sims)]))

        half = max(1, n // 2)
        units_needed = _smallest(lambda k: power_at(k, after) >= want, min(pilots, half), half)
        months_needed = _smallest(lambda m: power_at(pilots, m) >= want, after, _MAX_MONTHS)
    bar.close()
    return CampaignPlan(
        detectable_ratio=detectable,
        curve=curve,
        false_alarm=float(alarms.mean()),
        false_alarm_se=float(math.sqrt(alarms.mean() * (1 - alarms.mean()) / sims)),
        n_units=n,
        units_without_events=base.empty,
        pilot_units=pilots,
        months_before=before,
        months_after=after,
        design=design,
        inference=how,
        dispersion=base.dispersion,
        power=want,
        target=None if target is None else float(target),
        target_power=target_power,
        units_needed=units_needed,
        months_needed=months_needed,
        simulations=sims,
        seed=seed,
        confidence=conf,
        outcome=words,
    )


def _smallest(enough: Callable[[int], bool], start: int, high: int) -> int | None:
    """The smallest integer in ``[1, high]`` where ``enough`` holds (assumed monotone),
    searched from ``start``: halving the bracket below it, or doubling above it."""
    if enough(start):
        low, top = 1, start
    else:
        low = start + 1
        top = min(2 * start, high)
        while not enough(top):
            if top >= high:
                return None
            low, top = top + 1, min(2 * top, high)
    while low < top:
        mid = (low + top) // 2
        low, top = (low, mid) if enough(mid) else (mid + 1, top)
    return low
