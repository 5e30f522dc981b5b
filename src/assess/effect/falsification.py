"""Falsification: checks that should find *no* effect, summarised as a pass/warn table.

If the method finds an "effect" where there cannot be one — before the campaign started,
in units that never had it, in an outcome it cannot touch — or if the result hangs on a
single pilot unit, the headline estimate deserves less trust. Each check is run with the
same estimator and inference as the main analysis.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy import stats

from assess.core.display import ResultDisplay
from assess.core.errors import AssessError
from assess.core.formatting import p_value as format_p_value
from assess.core.glossary import check_language, phrase, term
from assess.core.plotting import new_axes
from assess.effect.panel import Panel

__all__ = ["CHECKS", "PURPOSES", "STATUSES", "FalsificationResult", "falsify", "Test", "Point"]

#: Check keys → (Chinese, English) names, in table order.
CHECKS: dict[str, tuple[str, str]] = {
    "pretrend": ("活动前趋势检验", "pre-trend test"),
    "placebo_date": ("安慰剂开始时间", "placebo start date"),
    "placebo_units": ("安慰剂单位", "placebo units"),
    "leave_one_out": ("逐一剔除处理单位", "leave one treated unit out"),
    "negative_control": ("阴性对照结果", "negative-control outcome"),
}

#: Check keys → (Chinese, English) question each check asks, in plain words for reports.
PURPOSES: dict[str, tuple[str, str]] = {
    "pretrend": (
        "活动开始前，开展与未开展活动的单位走势是否一致",
        "before the start, did units with and without the campaign move alike?",
    ),
    "placebo_date": (
        "假装活动提前开始，活动前的数据是否也显示“效果”",
        "pretending the campaign started earlier: do pre-campaign data show an 'effect'?",
    ),
    "placebo_units": (
        "从未开展活动的单位中随机挑选几个当作“开展了”，是否也显示“效果”",
        "picking units without the campaign at random as if they had it: is there an 'effect'?",
    ),
    "leave_one_out": (
        "每次去掉一个开展活动的单位，结论的方向是否改变",
        "dropping one campaign unit at a time: does the direction change?",
    ),
    "negative_control": (
        "活动不应影响的另一类事件，是否也显示“效果”",
        "does an outcome the campaign cannot affect show an 'effect'?",
    ),
}

#: ``status`` values → (Chinese, English) words for reports.
STATUSES: dict[str, tuple[str, str]] = {
    "pass": ("通过", "pass"),
    "warn": ("警示", "WARN"),
    "skipped": ("未做", "skipped"),
}

# What a warning of each check means for the main estimate, for :meth:`reading`.
_WARNING_MEANS: dict[str, tuple[str, str]] = {
    "pretrend": ("活动前已有差异", "the groups differed before the start"),
    "placebo_date": ("活动前就出现了“效果”", "an 'effect' appears before the start"),
    "placebo_units": ("推断可能偏乐观", "the inference may be too optimistic"),
    "leave_one_out": ("结论依赖个别单位", "the result hangs on single units"),
    "negative_control": (
        "活动管不到的事件也“变了”",
        "an outcome the campaign cannot touch 'changed' too",
    ),
}

#: ``test(panel) -> (estimate, ci_low, ci_high, p_value)``: the main estimator and inference.
Test = Callable[[Panel], tuple[float, float, float, float]]
#: ``point(panel) -> estimate``: the main estimator alone.
Point = Callable[[Panel], float]

_COLUMNS = [
    "check",
    "name_zh",
    "name_en",
    "estimate",
    "ci_low",
    "ci_high",
    "p_value",
    "status",
    "detail_zh",
    "detail_en",
]


@dataclass(frozen=True, eq=False)
class FalsificationResult(ResultDisplay):
    """Result of :func:`falsify`.

    Attributes
    ----------
    table : DataFrame
        One row per check (see :data:`CHECKS`): ``check``, ``name_zh``, ``name_en``,
        ``estimate``, ``ci_low``, ``ci_high``, ``p_value``, ``status`` (``"pass"``,
        ``"warn"`` or ``"skipped"``), ``detail_zh``, ``detail_en``.
    confidence : float
    """

    table: pd.DataFrame
    confidence: float

    _title = "证伪检验 / Falsification checks"

    @property
    def passed(self) -> bool:
        """No check warns."""
        return bool((self.table["status"] != "warn").all())

    def to_frame(self) -> pd.DataFrame:
        """The table, indexed by ``check``."""
        return self.table.set_index("check")

    def summary(self) -> str:
        """One line per check, Chinese block then English block."""
        rows = self.table.to_dict("records")
        zh = [f"{r['name_zh']}：{STATUSES[r['status']][0]}。{r['detail_zh']}" for r in rows]
        en = [f"{r['name_en']}: {STATUSES[r['status']][1]}. {r['detail_en']}" for r in rows]
        return "\n".join(zh) + "\n\n" + "\n".join(en)

    def reading(self) -> str:
        """Does any check contradict the main estimate? One sentence, Chinese, a blank line,
        then English.

        Examples
        --------
        >>> table = pd.DataFrame({"check": ["pretrend", "leave_one_out", "placebo_date"],
        ...                       "status": ["pass", "warn", "skipped"]})
        >>> zh, en = FalsificationResult(table, 0.95).reading().split(chr(10) * 2)
        >>> print(zh.replace("：", "：" + chr(10)))
        已做的 2 项证伪检验中有 1 项发出警示：
        逐一剔除处理单位（结论依赖个别单位），主要估计需谨慎看待；另有 1 项未做。
        >>> en.startswith("1 of the 2 falsification checks run warns: leave one treated unit")
        True
        """
        done = self.table[self.table["status"] != "skipped"]
        skipped = len(self.table) - len(done)
        warned = done.loc[done["status"] == "warn", "check"].tolist()
        if done.empty:
            return (
                "各项证伪检验均无法进行，主要估计未经这些检验核对。\n\n"
                "No falsification check could be run, so none confirms or contradicts the "
                "main estimate."
            )
        rest_zh = f"；另有 {skipped} 项未做" if skipped else ""
        rest_en = f"; {skipped} more could not be run" if skipped else ""
        if not warned:
            return (
                f"已做的 {len(done)} 项证伪检验均未发现问题，"
                f"没有一项与主要估计相矛盾{rest_zh}。"
                f"\n\nNo falsification check run ({len(done)} in all) contradicts the "
                f"main estimate{rest_en}."
            )
        which_zh = "；".join(f"{CHECKS[c][0]}（{_WARNING_MEANS[c][0]}）" for c in warned)
        which_en = "; ".join(f"{CHECKS[c][1]} ({_WARNING_MEANS[c][1]})" for c in warned)
        verb = "warns" if len(warned) == 1 else "warn"
        return (
            f"已做的 {len(done)} 项证伪检验中有 {len(warned)} 项发出警示：{which_zh}，"
            f"主要估计需谨慎看待{rest_zh}。\n\n"
            f"{len(warned)} of the {len(done)} falsification checks run {verb}: {which_en}, "
            f"so treat the main estimate with caution{rest_en}."
        )

    def plot(self, ax: Axes | None = None, *, language: str = "zh") -> Axes:
        """The checks' rate ratios with intervals (where they have one) on a log scale,
        labelled in ``language``."""
        check_language("FalsificationResult.plot", language)
        ax = new_axes(ax)
        shown = self.table[np.isfinite(self.table["estimate"].astype(float))]
        y = np.arange(len(shown))[::-1]
        est = shown["estimate"].to_numpy(float)
        low = np.where(np.isfinite(shown["ci_low"].astype(float)), shown["ci_low"], est)
        high = np.where(np.isfinite(shown["ci_high"].astype(float)), shown["ci_high"], est)
        colors = ["C3" if s == "warn" else "C0" for s in shown["status"]]
        for yi, e, lo, hi, colour in zip(y, est, low, high, colors, strict=True):
            ax.errorbar(e, yi, xerr=[[e - lo], [hi - e]], fmt="none", ecolor=colour, capsize=3)
        ax.scatter(est, y, color=colors, zorder=3)
        ax.axvline(1.0, color="0.3", lw=1)
        ax.set_xscale("log")
        ax.set_yticks(y, [phrase(r.name_zh, r.name_en, language) for r in shown.itertuples()])
        ax.set_xlabel(term("rate_ratio", language))
        ax.set_title(term("falsification_checks", language))
        return ax


def _row(
    check: str,
    estimate: float = math.nan,
    ci_low: float = math.nan,
    ci_high: float = math.nan,
    p_value: float = math.nan,
    status: str = "skipped",
    zh: str = "",
    en: str = "",
) -> dict:
    name_zh, name_en = CHECKS[check]
    return {
        "check": check,
        "name_zh": name_zh,
        "name_en": name_en,
        "estimate": estimate,
        "ci_low": ci_low,
        "ci_high": ci_high,
        "p_value": p_value,
        "status": status,
        "detail_zh": zh,
        "detail_en": en,
    }


def _verdict_row(
    check: str, result: tuple[float, float, float, float], alpha: float, what: tuple[str, str]
) -> dict:
    est, low, high, p = result
    status = "warn" if p < alpha else "pass"
    p_text = format_p_value(p, prefix=True)
    if status == "warn":
        zh = f"{what[0]}检出了“效应”（率比 {est:.3g}，{p_text}），主结论需谨慎看待"
        en = (
            f"{what[1]} shows an 'effect' (rate ratio {est:.3g}, {p_text}); treat the main "
            "result with caution"
        )
    else:
        zh = f"{what[0]}未检出效应（率比 {est:.3g}，{p_text}）"
        en = f"{what[1]} shows no effect (rate ratio {est:.3g}, {p_text})"
    return _row(check, est, low, high, p, status, zh, en)


def _placebo_date(panel: Panel, test: Test, alpha: float, min_pre: int) -> dict:
    pre = int(panel.start[panel.treated].min())
    shift = pre // 2
    if shift < 1 or pre < min_pre:
        return _row(
            "placebo_date",
            zh=f"开始前只有 {pre} 期（至少需要 {max(min_pre, 2)} 期），无法设置安慰剂时间",
            en=f"only {pre} periods before the start (at least {max(min_pre, 2)} "
            "needed): no room for a placebo date",
        )
    fake = np.where(panel.treated, panel.start - shift, panel.start)
    placebo = panel.drop_cells(panel.post & panel.observed).with_start(fake)
    what = (
        f"把开始时间提前 {shift} 期、只用活动前数据时",
        f"Moving the start {shift} periods earlier, using pre-campaign data only,",
    )
    try:
        return _verdict_row("placebo_date", test(placebo), alpha, what)
    except AssessError as err:
        return _row("placebo_date", zh=f"无法估计：{err}", en=f"could not be estimated: {err}")


def _placebo_units(panel: Panel, test: Test, alpha: float, draws: int, seed: int) -> dict:
    controls = np.flatnonzero(~panel.treated)
    n_fake = min(int(panel.treated.sum()), len(controls) // 2)
    if n_fake < 1 or len(controls) < 4:
        return _row(
            "placebo_units",
            zh="对照单位太少，无法抽取安慰剂处理组",
            en="too few comparison units to draw placebo treated groups",
        )
    rng = np.random.default_rng(seed)
    sub = panel.select_units(controls)
    starts = panel.start[panel.treated]
    estimates, rejections, done = [], 0, 0
    for _ in range(draws):
        fake = np.full(len(controls), panel.n_periods)
        chosen = rng.choice(len(controls), size=n_fake, replace=False)
        fake[chosen] = rng.choice(starts, size=n_fake, replace=False)
        try:
            est, _, _, p = test(sub.with_start(fake))
        except AssessError:
            continue
        done += 1
        estimates.append(est)
        rejections += p < alpha
    if done == 0:
        return _row(
            "placebo_units",
            zh="安慰剂处理组均无法估计",
            en="no placebo treated group could be estimated",
        )
    binom_p = float(stats.binomtest(rejections, done, alpha, alternative="greater").pvalue)
    status = "warn" if binom_p < 0.05 else "pass"
    median = float(np.median(estimates))
    zh = (
        f"在对照单位中随机指定 {n_fake} 个“处理单位”共 {done} 次，{rejections} 次检出“效应”"
        f"（名义水平下预期约 {alpha * done:.1f} 次；率比中位数 {median:.3g}）"
    )
    en = (
        f"{done} random placebo groups of {n_fake} comparison units: {rejections} show an "
        f"'effect' (about {alpha * done:.1f} expected by chance; median rate ratio "
        f"{median:.3g})"
    )
    if status == "warn":
        zh += "，多于偶然预期，推断可能偏乐观"
        en += "; more than chance would give, so the inference may be too optimistic"
    return _row("placebo_units", median, math.nan, math.nan, binom_p, status, zh, en)


def _leave_one_out(panel: Panel, point: Point, full: float, most: int) -> dict:
    treated = np.flatnonzero(panel.treated)
    if len(treated) < 2:
        return _row("leave_one_out", zh="只有一个处理单位", en="only one treated unit")
    n_treated = len(treated)
    if n_treated > most:
        # Only a unit with many events can move the estimate much: drop those, one at a time.
        events = np.where(panel.observed, panel.counts, 0.0).sum(axis=1)[treated]
        treated = treated[np.argsort(-events, kind="stable")[:most]]
    results = {}
    for i in treated:
        keep = np.ones(panel.n_units, dtype=bool)
        keep[i] = False
        try:
            results[panel.units[i]] = point(panel.select_units(keep))
        except AssessError:
            continue
    if not results:
        return _row("leave_one_out", zh="剔除后均无法估计", en="no leave-one-out estimate")
    values = np.array(list(results.values()))
    flips = [u for u, v in results.items() if (v - 1.0) * (full - 1.0) < 0]
    worst = min(results, key=lambda u: abs(math.log(results[u])))
    status = "warn" if flips else "pass"
    which_zh = f"事件最多的 {len(results)} 个（共 {n_treated} 个）" if n_treated > most else ""
    which_en = f" (the {most} with most events of {n_treated})" if n_treated > most else ""
    zh = (
        f"逐一剔除{which_zh or f' {len(results)} 个'}处理单位后率比在 {values.min():.3g} 至 "
        f"{values.max():.3g} 之间（全部单位为 {full:.3g}）"
    )
    en = (
        f"dropping each of {len(results)} treated units{which_en} gives rate ratios from "
        f"{values.min():.3g} to {values.max():.3g} (all units: {full:.3g})"
    )
    if flips:
        zh += f"；剔除 {'、'.join(map(str, flips[:3]))} 后变化方向相反，结论依赖个别单位"
        en += (
            f"; dropping {', '.join(map(str, flips[:3]))} reverses the direction: the result "
            "hangs on single units"
        )
    return _row(
        "leave_one_out", results[worst], values.min(), values.max(), math.nan, status, zh, en
    )


def falsify(
    panel: Panel,
    *,
    test: Test,
    point: Point,
    estimate: float,
    confidence: float = 0.95,
    pretrend_p: float | None = None,
    pretrend_test: tuple[str, str] = ("按单位聚类的 Wald 检验", "cluster-robust Wald test"),
    negative_control: np.ndarray | None = None,
    placebo_draws: int = 20,
    placebo_min_pre: int = 2,
    leave_out_most: int = 25,
    exact_inference: bool = False,
    seed: int = 0,
) -> FalsificationResult:
    """Run the falsification checks with the main analysis's estimator and inference.

    Parameters
    ----------
    panel : Panel
        The data of the main analysis.
    test : callable
        ``test(panel) -> (estimate, ci_low, ci_high, p_value)``.
    point : callable
        ``point(panel) -> estimate`` (for leave-one-out, where only the estimate matters).
    estimate : float
        The main rate ratio.
    confidence : float, default 0.95
        A check warns when its p-value is below ``1 − confidence``.
    pretrend_p : float, optional
        p-value of the design's joint test of leads.
    pretrend_test : (str, str)
        How that p-value was computed, for the table.
    negative_control : ndarray, shape (N, T), optional
        Counts of an outcome the campaign cannot change, in the panel's layout.
    placebo_draws : int, default 20
        Random placebo treated groups among comparison units.
    placebo_min_pre : int, default 2
        Periods needed before the start for the placebo date (an interrupted time series
        needs a year on each side of the placebo start).
    leave_out_most : int, default 25
        With more treated units than this, leave-one-out drops only the ones with the
        most events (the only ones that can move the estimate much), one at a time; the
        table says how many of how many.
    exact_inference : bool, default False
        ``test`` is a randomisation test that re-assigns treatment the way the placebo
        groups are drawn: its false-alarm rate on placebo groups is at most
        ``1 − confidence`` by construction, so ``placebo_units`` is not run (and says
        why) instead of spending most of the checks' time confirming it.
    seed : int, default 0

    Returns
    -------
    FalsificationResult

    Notes
    -----
    * ``placebo_date``: treated cells removed, every start moved back by half of the
      shortest pre-period; an effect there contradicts parallel trends or reveals
      anticipation.
    * ``placebo_units``: treated units removed; groups of comparison units (as many as
      the treated, at most half the comparison units) get the actual start dates. Warns
      when the number of rejections exceeds ``1 − confidence`` of the draws by a
      one-sided binomial test at 5% (``scipy.stats.binomtest``).
    * ``leave_one_out``: warns when dropping one treated unit moves the estimate to the
      other side of 1 (at most ``leave_out_most`` units, those with most events).
    * ``negative_control``: the same analysis on an outcome the campaign cannot affect
      (Lipsitch, Tchetgen Tchetgen & Cohen 2010, Epidemiology 21:383).

    Examples
    --------
    >>> from assess.effect.panel import Panel
    >>> panel = Panel(units=("a", "b"), periods=("2025-01", "2025-02", "2025-03"),
    ...               freq="month", counts=np.ones((2, 3)), exposure=np.ones((2, 3)),
    ...               start=np.array([2, 3]))
    >>> res = falsify(panel, test=lambda p: (1.0, 0.5, 2.0, 0.9), point=lambda p: 1.0,
    ...               estimate=1.0)
    >>> res.to_frame()["status"].tolist()
    ['skipped', 'pass', 'skipped', 'skipped', 'skipped']
    """
    alpha = 1 - confidence
    rows = []
    if pretrend_p is None or math.isnan(pretrend_p):
        rows.append(
            _row(
                "pretrend",
                zh="本设计没有活动前各期的领先项检验",
                en="no test of leads for this design",
            )
        )
    else:
        status = "warn" if pretrend_p < alpha else "pass"
        pretrend_text = format_p_value(pretrend_p, prefix=True)
        rows.append(
            _row(
                "pretrend",
                p_value=pretrend_p,
                status=status,
                zh=f"活动前各期的联合检验（{pretrend_test[0]}）{pretrend_text}"
                + ("，活动前已有差异，平行趋势假设可疑" if status == "warn" else ""),
                en=f"joint test of the leads ({pretrend_test[1]}) {pretrend_text}"
                + (
                    "; differences before the start make parallel trends doubtful"
                    if status == "warn"
                    else ""
                ),
            )
        )
    rows.append(_placebo_date(panel, test, alpha, placebo_min_pre))
    if panel.n_units > 1:
        if exact_inference:
            rows.append(
                _row(
                    "placebo_units",
                    zh="随机化推断在随机指定的安慰剂处理组上误报率按构造不超过名义水平，无需再检",
                    en="randomisation inference is exact on randomly drawn placebo groups: its "
                    "false-alarm rate there is at most the nominal level by construction",
                )
            )
        else:
            rows.append(_placebo_units(panel, test, alpha, placebo_draws, seed))
        rows.append(_leave_one_out(panel, point, estimate, leave_out_most))
    else:
        rows.append(
            _row(
                "placebo_units",
                zh="单一序列没有对照单位",
                en="a single series has no comparison units",
            )
        )
        rows.append(_row("leave_one_out", zh="只有一个处理单位", en="only one treated unit"))
    if negative_control is None:
        rows.append(
            _row(
                "negative_control", zh="未提供阴性对照结果", en="no negative-control outcome given"
            )
        )
    else:
        what = ("阴性对照结果", "The negative-control outcome")
        try:
            rows.append(
                _verdict_row(
                    "negative_control", test(panel.with_counts(negative_control)), alpha, what
                )
            )
        except AssessError as err:
            rows.append(
                _row("negative_control", zh=f"无法估计：{err}", en=f"could not be estimated: {err}")
            )
    return FalsificationResult(table=pd.DataFrame(rows, columns=_COLUMNS), confidence=confidence)
