"""The year-on-year claim audit: two counts with exposures, compared as a rate ratio.

"Complaints −78.59% YoY" is a ratio of two Poisson counts. :func:`rate_ratio_test`
gives the rate ratio after/before with exact-conditional and score intervals and
p-values (``statsmodels.stats.rates``), the smallest change this count level could
detect, and the bilingual verdict. :func:`compare_rates` is the same comparison for any
two groups (members / non-members) as a table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.axes import Axes
from scipy import optimize, stats
from statsmodels.stats import rates as sm_rates
from statsmodels.stats.proportion import proportion_confint

from assess.core.checks import check_choice, check_confidence
from assess.core.display import ResultDisplay
from assess.core.errors import ParameterError
from assess.core.formatting import number, percent
from assess.core.glossary import check_language, phrase, term
from assess.core.plotting import new_axes
from assess.effect._checks import (
    SM_ALTERNATIVE,
    check_alternative,
    check_count,
    check_exposure,
)
from assess.effect.verdict import Verdict, classify, write_verdict

__all__ = [
    "METHODS",
    "P_METHODS",
    "RateComparison",
    "rate_ratio_test",
    "compare_rates",
    "detectable_ratio",
]

#: Interval/test pairs for a ratio of two Poisson rates. Each pair is consistent: the
#: interval is the set of ratios the test does not reject.
#:
#: ``"exact-cond"``  test: statsmodels ``test_poisson_2indep(method="exact-cond")`` with the
#:                  two-sided p-value by :data:`P_METHODS` (by default twice the smaller
#:                  one-sided p-value, central); interval: Clopper–Pearson on the
#:                  conditional binomial, mapped to the ratio scale (statsmodels has no
#:                  exact-conditional interval).
#: ``"score"``       test: statsmodels ``method="score"`` (Gu et al. 2008, W2A); interval: the
#:                  closed-form inversion of that test (equal to statsmodels
#:                  ``confint_poisson_2indep(method="score")``, which fails at zero counts).
#: ``"wald-log"``    test and interval: statsmodels ``method="wald-log"`` (W3A); undefined
#:                  (NaN) when a count is zero.
METHODS: tuple[str, ...] = ("exact-cond", "score", "wald-log")
#: Two-sided p-value of the exact-conditional test (one-sided tests are the same).
#:
#: ``"central"``  twice the smaller one-sided p-value, capped at 1 (the default): the test
#:               that the Clopper–Pearson interval inverts, so the p-value is below
#:               ``1 − confidence`` exactly when the interval excludes 1.
#: ``"minlike"``  the minimum-likelihood rule of R's ``poisson.test`` and ``binom.test``
#:               (and ``scipy.stats.binomtest``): the null probability of every outcome no
#:               more likely than the one observed (relative tolerance ``1e-7``, as R).
#:               Never larger than ``"central"``; R reports it beside the same
#:               Clopper–Pearson interval, so near the boundary the two can disagree.
P_METHODS: tuple[str, ...] = ("central", "minlike")
_R_RELATIVE_ERROR = 1 + 1e-7

_METHOD_NAMES = {
    "exact-cond": ("精确条件法", "exact conditional"),
    "score": ("得分法", "score"),
    "wald-log": ("对数 Wald 法", "log Wald"),
}
_POWER = 0.8


def log_ratio_axis(ax: Axes) -> None:
    """Put rate ratios on a log x-axis with plain tick labels (0.5, 1, 2, not 5×10⁻¹)."""
    ax.set_xscale("log")
    plain = ticker.FuncFormatter(lambda value, _: f"{value:g}")
    ax.xaxis.set_major_formatter(plain)
    ax.xaxis.set_minor_formatter(plain)
    ax.tick_params(axis="x", which="minor", labelsize="x-small")


_YOY_ASSUMPTIONS: tuple[tuple[str, str], ...] = (
    (
        "两期事件数服从泊松分布（事件相互独立、无过度离散）；若事件成串发生，区间偏窄",
        "the counts are Poisson (independent events, no over-dispersion); if events come in "
        "clusters the interval is too narrow",
    ),
    ("两期的暴露量与统计口径一致", "exposure and recording rules are the same in both periods"),
    (
        "两期之间没有趋势、季节差异或向均值回归等其他原因造成变化；两期对比本身无法区分这些原因",
        "nothing else (trend, season, regression to the mean) moved the rate between the two "
        "periods; a two-period comparison cannot tell these apart",
    ),
)


def _minlike(x: int, n: int, p: float) -> float:
    """Two-sided binomial p-value by R's ``binom.test`` rule (minimum likelihood).

    ``d = dbinom(x, n, p)``; add the far tail of outcomes ``i`` with
    ``dbinom(i, n, p) <= d (1 + 1e-7)`` to the near tail ``P(X <= x)`` (or ``P(X >= x)``).
    """
    d = stats.binom.pmf(x, n, p)
    m = n * p
    if x == m:
        return 1.0
    if x < m:
        far = np.arange(math.ceil(m), n + 1)
        y = int(np.sum(stats.binom.pmf(far, n, p) <= d * _R_RELATIVE_ERROR))
        value = stats.binom.cdf(x, n, p) + stats.binom.sf(n - y, n, p)
    else:
        far = np.arange(0, math.floor(m) + 1)
        y = int(np.sum(stats.binom.pmf(far, n, p) <= d * _R_RELATIVE_ERROR))
        value = stats.binom.cdf(y - 1, n, p) + stats.binom.sf(x - 1, n, p)
    return float(min(1.0, value))


def _exact_cond(
    y1: int,
    n1: float,
    y2: int,
    n2: float,
    alpha: float,
    alternative: str,
    p_method: str = "central",
) -> tuple[float, float, float]:
    # Conditional on the total, y1 ~ Binomial(y1 + y2, r n1 / (r n1 + n2)); the odds of
    # that proportion times n2 / n1 is the rate ratio r.
    def ratio(p: float) -> float:
        return math.inf if p >= 1.0 else p / (1.0 - p) * n2 / n1

    one_sided_alpha = alpha if alternative == "two-sided" else 2 * alpha
    p_low, p_high = proportion_confint(y1, y1 + y2, alpha=one_sided_alpha, method="beta")
    low, high = ratio(float(p_low)), ratio(float(p_high))
    tails = {
        alt: float(
            sm_rates.test_poisson_2indep(
                y1, n1, y2, n2, method="exact-cond", alternative=SM_ALTERNATIVE[alt]
            ).pvalue
        )
        for alt in ("less", "greater")
    }
    if alternative == "two-sided":
        if p_method == "minlike":
            return low, high, _minlike(y1, y1 + y2, n1 / (n1 + n2))
        # Twice the smaller tail (capped at 1) is the p-value that Clopper–Pearson inverts;
        # the minimum-likelihood value is not the inverse of this interval.
        return low, high, min(1.0, 2.0 * min(tails.values()))
    if alternative == "less":
        return 0.0, high, tails["less"]
    return low, math.inf, tails["greater"]


def _score(
    y1: int, n1: float, y2: int, n2: float, alpha: float, alternative: str
) -> tuple[float, float, float]:
    # The score statistic (y1 − y2 x) / sqrt((y1 + y2) x), x = r n1 / n2, equals ±z at the
    # roots of y2² x² − (2 y1 y2 + z² (y1 + y2)) x + y1² = 0.
    z = stats.norm.isf(alpha / 2 if alternative == "two-sided" else alpha)
    b = 2.0 * y1 * y2 + z * z * (y1 + y2)
    if y2 == 0:
        x_low, x_high = y1 * y1 / b, math.inf
    else:
        x_high = (b + math.sqrt(b * b - 4.0 * (y1 * y2) ** 2)) / (2.0 * y2 * y2)
        x_low = y1 * y1 / (y2 * y2 * x_high)
    low, high = x_low * n2 / n1, x_high * n2 / n1
    p = float(
        sm_rates.test_poisson_2indep(
            y1, n1, y2, n2, method="score", alternative=SM_ALTERNATIVE[alternative]
        ).pvalue
    )
    if alternative == "less":
        low = 0.0
    elif alternative == "greater":
        high = math.inf
    return low, high, p


def _wald_log(
    y1: int, n1: float, y2: int, n2: float, alpha: float, alternative: str
) -> tuple[float, float, float]:
    if y1 == 0 or y2 == 0:
        return math.nan, math.nan, math.nan
    one_sided_alpha = alpha if alternative == "two-sided" else 2 * alpha
    low, high = sm_rates.confint_poisson_2indep(
        y1, n1, y2, n2, method="wald-log", alpha=one_sided_alpha
    )
    p = float(
        sm_rates.test_poisson_2indep(
            y1, n1, y2, n2, method="wald-log", alternative=SM_ALTERNATIVE[alternative]
        ).pvalue
    )
    if alternative == "less":
        return 0.0, float(high), p
    if alternative == "greater":
        return float(low), math.inf, p
    return float(low), float(high), p


_COMPUTE = {"exact-cond": _exact_cond, "score": _score, "wald-log": _wald_log}


def _check_methods(func: str, methods: Any) -> tuple[str, ...]:
    chosen = (methods,) if isinstance(methods, str) else tuple(methods)
    if not chosen or any(m not in METHODS for m in chosen) or len(set(chosen)) != len(chosen):
        raise ParameterError(
            func,
            "methods",
            "a non-empty sequence of distinct names from " + ", ".join(repr(m) for m in METHODS),
            methods,
        )
    return chosen


def compare_rates(
    count1: int,
    exposure1: float,
    count2: int,
    exposure2: float,
    *,
    confidence: float = 0.95,
    alternative: str = "two-sided",
    methods: Sequence[str] = ("exact-cond", "score"),
    p_method: str = "central",
) -> pd.DataFrame:
    """Rate ratio ``(count1 / exposure1) / (count2 / exposure2)`` with one row per method.

    Parameters
    ----------
    count1 : int
        Event count of the compared group (after, members).
    exposure1 : float
        Its exposure (person-months, work tickets, customers), > 0.
    count2 : int
        Event count of the reference group (before, non-members), > 0.
    exposure2 : float
        Its exposure, > 0.
    confidence : float, default 0.95
        Confidence level of the intervals.
    alternative : {"two-sided", "less", "greater"}
        Alternative hypothesis about the rate ratio versus 1; one-sided alternatives give
        one-sided intervals (lower limit 0 or upper limit ``inf``).
    methods : sequence of str, default ("exact-cond", "score")
        Names from :data:`METHODS`.
    p_method : {"central", "minlike"}, default "central"
        Two-sided p-value of the exact-conditional test, see :data:`P_METHODS`:
        ``"central"`` agrees with the interval, ``"minlike"`` is R's ``poisson.test``.

    Returns
    -------
    pandas.DataFrame
        Index ``method``; columns ``estimate`` (the maximum-likelihood rate ratio, the same
        in every row), ``ci_low``, ``ci_high``, ``p_value`` (test of ratio 1) and ``n``
        (``count1 + count2``).

    Raises
    ------
    ParameterError
        For negative or fractional counts, a zero reference count, non-positive exposure,
        or unknown methods.

    Notes
    -----
    See :data:`METHODS` for the test/interval pairs. The exact-conditional pair is checked
    in the tests against ``scipy.stats.binomtest`` on ``count1 | count1 + count2`` with
    ``p0 = exposure1 / (exposure1 + exposure2)`` (Clopper–Pearson interval), and its
    ``"minlike"`` p-value against R's ``poisson.test`` (``poisson.test(c(31, 56),
    c(11800, 12000))``: p = 0.009894753674) and ``scipy.stats.binomtest``; the score
    interval against ``statsmodels`` ``confint_poisson_2indep(method="score")``.
    Reference: Gu, Ng, Tang & Schucany (2008), Biometrical Journal 50(2).

    Examples
    --------
    >>> compare_rates(108, 1.0, 120, 1.0).reset_index().round(3)
           method  estimate  ci_low  ci_high  p_value    n
    0  exact-cond       0.9   0.687    1.177    0.466  228
    1       score       0.9   0.694    1.166    0.427  228
    """
    func = "compare_rates"
    y1, y2 = check_count(func, "count1", count1), check_count(func, "count2", count2)
    n1, n2 = (
        check_exposure(func, "exposure1", exposure1),
        check_exposure(func, "exposure2", exposure2),
    )
    conf = check_confidence(func, confidence)
    alt = check_alternative(func, alternative)
    chosen = _check_methods(func, methods)
    check_choice(func, "p_method", p_method, P_METHODS)
    if y2 == 0:
        raise ParameterError(
            func,
            "count2",
            "> 0 (the reference count)",
            y2,
            zh=f"{func}：基准组事件数为 0，率比无定义；请比较两组的率及其精确泊松区间",
        )
    rows = []
    for m in chosen:
        if m == "exact-cond":
            rows.append((m, *_exact_cond(y1, n1, y2, n2, 1.0 - conf, alt, p_method)))
        else:
            rows.append((m, *_COMPUTE[m](y1, n1, y2, n2, 1.0 - conf, alt)))
    frame = pd.DataFrame(rows, columns=["method", "ci_low", "ci_high", "p_value"])
    frame.insert(1, "estimate", (y1 / n1) / (y2 / n2))
    frame["n"] = y1 + y2
    return frame.set_index("method")


class _RejectProbability:
    """Probability that the central exact-conditional test at level ``alpha`` rejects.

    The before count is Poisson(``mu_before``), the after count Poisson(``ratio ×
    mu_before × E_a / E_b``); ``share0 = E_a / (E_a + E_b)`` is the null share of the total.
    The rejection limits depend only on the total ``n``; they are cached because the
    binomial quantile search dominates the cost.
    """

    def __init__(self, mu_before: float, share0: float, alpha: float) -> None:
        self.mu_before, self.share0, self.alpha = mu_before, share0, alpha
        self.first = 0
        self.lo = np.empty(0)
        self.hi = np.empty(0)

    def _limits(self, totals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # For each total n the test rejects x ≤ lo(n) or x ≥ hi(n), each tail of null
        # probability ≤ alpha / 2.
        tail = self.alpha / 2
        lo = stats.binom.ppf(tail, totals, self.share0)
        lo = np.where(stats.binom.cdf(lo, totals, self.share0) <= tail, lo, lo - 1)
        return lo, stats.binom.isf(tail, totals, self.share0) + 1

    def _cover(self, first: int, last: int) -> None:
        stop = self.first + len(self.lo)
        if len(self.lo) == 0:
            self.first, stop = first, first
        if first < self.first:
            lo, hi = self._limits(np.arange(first, self.first))
            self.lo, self.hi = np.concatenate([lo, self.lo]), np.concatenate([hi, self.hi])
            self.first = first
        if last >= stop:
            lo, hi = self._limits(np.arange(stop, last + 1))
            self.lo, self.hi = np.concatenate([self.lo, lo]), np.concatenate([self.hi, hi])

    def __call__(self, ratio: float) -> float:
        mu_after = ratio * self.mu_before * self.share0 / (1.0 - self.share0)
        mu = self.mu_before + mu_after
        first, last = int(stats.poisson.ppf(1e-12, mu)), int(stats.poisson.isf(1e-12, mu))
        self._cover(first, last)
        window = slice(first - self.first, last + 1 - self.first)
        totals = np.arange(first, last + 1)
        share = mu_after / mu
        reject = stats.binom.cdf(self.lo[window], totals, share) + stats.binom.sf(
            self.hi[window] - 1, totals, share
        )
        return float(np.sum(stats.poisson.pmf(totals, mu) * reject))


def detectable_ratio(
    count_before: int,
    *,
    exposure_before: float = 1.0,
    exposure_after: float = 1.0,
    confidence: float = 0.95,
    power: float = 0.8,
    direction: str = "fall",
) -> float:
    """Smallest change (as a rate ratio) the exact test detects with the given power.

    Parameters
    ----------
    count_before : int
        Events in the before period, taken as the expected before count.
    exposure_before, exposure_after : float, default 1.0
        Exposures of the two periods.
    confidence : float, default 0.95
        The test is two-sided at level ``1 − confidence``.
    power : float, default 0.8
        Required probability of rejecting rate ratio 1.
    direction : {"fall", "rise"}
        Look for a ratio below 1 or above 1.

    Returns
    -------
    float
        The rate ratio closest to 1 whose rejection probability reaches ``power``; NaN when
        no ratio does (too few events, e.g. a fall from 3 events cannot be detected).

    Notes
    -----
    Exact computation, not a normal approximation: for each total ``n`` of the two
    Poisson counts the rejection region of the central exact-conditional test (the
    ``"exact-cond"`` method of :func:`compare_rates`) is found from the null binomial, and
    the rejection probability is summed over the Poisson distribution of ``n``. The ratio
    is then bracketed on a log grid from 1 outwards and refined with Brent's method; the
    first crossing is returned, since for few events the probability first rises and then
    falls again as the ratio moves away from 1.
    Checked in the tests against Monte-Carlo rejection rates and, for large counts,
    against ``statsmodels.stats.rates.power_poisson_ratio_2indep``.

    Examples
    --------
    >>> round(detectable_ratio(467), 3), round(detectable_ratio(120), 3)
    (0.823, 0.663)
    >>> detectable_ratio(3)
    nan
    """
    func = "detectable_ratio"
    mu_before = float(check_count(func, "count_before", count_before))
    e_before = check_exposure(func, "exposure_before", exposure_before)
    e_after = check_exposure(func, "exposure_after", exposure_after)
    alpha = 1.0 - check_confidence(func, confidence)
    if isinstance(power, bool) or not isinstance(power, int | float) or not alpha < power < 1.0:
        raise ParameterError(func, "power", f"a number between {alpha:g} and 1", power)
    if direction not in ("fall", "rise"):
        raise ParameterError(func, "direction", "'fall' or 'rise'", direction)
    if mu_before == 0:
        return math.nan
    reject = _RejectProbability(mu_before, e_after / (e_after + e_before), alpha)
    sign = -1.0 if direction == "fall" else 1.0

    def gap(log_ratio: float) -> float:
        return reject(math.exp(sign * log_ratio)) - power

    # Scan log ratios outwards from 0, starting near the normal-approximation answer
    # (|log r| ≈ (z_alpha/2 + z_power) × sd of the log ratio), so large counts need few steps.
    k = e_after / e_before
    guess = (stats.norm.isf(alpha / 2) + stats.norm.ppf(power)) * math.sqrt(
        (1.0 + 1.0 / k) / mu_before
    )
    grid = np.concatenate([[0.0], np.geomspace(guess / 20.0, max(12.0, 2.0 * guess), 80)])
    previous = grid[0]
    for point in grid[1:]:
        if gap(point) >= 0:
            root = optimize.brentq(gap, previous, point, xtol=1e-10)
            return math.exp(sign * root)
        previous = point
    return math.nan


@dataclass(frozen=True, eq=False)
class RateComparison(ResultDisplay):
    """Result of :func:`rate_ratio_test`: the audit of one year-on-year claim.

    Attributes
    ----------
    count_before, count_after : int
        The two counts.
    exposure_before, exposure_after : float
        Their exposures.
    confidence : float
        Confidence level of every interval.
    alternative : str
        ``"two-sided"``, ``"less"`` or ``"greater"``.
    p_method : str
        The two-sided exact-conditional p-value convention (:data:`P_METHODS`).
    methods : pandas.DataFrame
        One row per method (index ``method``): ``estimate``, ``ci_low``, ``ci_high``,
        ``p_value``, ``n``.
    method : str
        The method that drives the verdict (the first one asked for).
    estimate, ci_low, ci_high, p_value : float
        Rate ratio after/before, its interval and p-value by ``method``.
    n : int
        ``count_before + count_after``.
    naive_ratio : float
        ``count_after / count_before``, the bare year-on-year ratio.
    detectable_fall, detectable_rise : float
        Rate ratios below/above 1 that the exact test would detect with probability
        ``power`` at this count level (NaN when none, or not asked by ``alternative``).
    power : float
        The power used for the detectable ratios.
    verdict : Verdict
        The bilingual verdict.
    """

    count_before: int
    count_after: int
    exposure_before: float
    exposure_after: float
    confidence: float
    alternative: str
    p_method: str
    methods: pd.DataFrame
    method: str
    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    n: int
    naive_ratio: float
    detectable_fall: float
    detectable_rise: float
    power: float
    verdict: Verdict

    _title = "同比核查 / Year-on-year audit"

    @property
    def percent_change(self) -> float:
        """``(estimate − 1) × 100``: the exposure-adjusted change in per cent."""
        return (self.estimate - 1.0) * 100.0

    @property
    def naive_percent_change(self) -> float:
        """``(naive_ratio − 1) × 100``: the bare year-on-year figure in per cent."""
        return (self.naive_ratio - 1.0) * 100.0

    def to_frame(self) -> pd.DataFrame:
        """One row per method: the ratio, interval, p-value and the same as per-cent change.

        Columns ``estimate``, ``ci_low``, ``ci_high``, ``p_value``, ``n``,
        ``change_pct``, ``change_pct_low``, ``change_pct_high`` and ``design`` (``"yoy"``).
        """
        frame = self.methods.copy()
        for column, source in (
            ("change_pct", "estimate"),
            ("change_pct_low", "ci_low"),
            ("change_pct_high", "ci_high"),
        ):
            frame[column] = (frame[source] - 1.0) * 100.0
        frame["design"] = "yoy"
        return frame

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (non-finite numbers as ``None``); ``methods`` lists, per method,
        ``method``, ``estimate``, ``ci_low``, ``ci_high`` and ``p_value``."""

        def num(x: float) -> float | None:
            return float(x) if math.isfinite(x) else None

        return {
            "count_before": self.count_before,
            "count_after": self.count_after,
            "exposure_before": self.exposure_before,
            "exposure_after": self.exposure_after,
            "confidence": self.confidence,
            "alternative": self.alternative,
            "p_method": self.p_method,
            "naive_change_pct": num(self.naive_percent_change),
            "estimate": num(self.estimate),
            "change_pct": num(self.percent_change),
            "method": self.method,
            "ci_low": num(self.ci_low),
            "ci_high": num(self.ci_high),
            "p_value": num(self.p_value),
            "methods": [
                {
                    "method": m,
                    "estimate": num(r.estimate),
                    "ci_low": num(r.ci_low),
                    "ci_high": num(r.ci_high),
                    "p_value": num(r.p_value),
                }
                for m, r in self.methods.iterrows()
            ],
            "power": self.power,
            "detectable_fall": num(self.detectable_fall),
            "detectable_rise": num(self.detectable_rise),
            "evidence": self.verdict.evidence,
            "verdict_zh": self.verdict.zh,
            "verdict_en": self.verdict.en,
        }

    def summary(self) -> str:
        """The verdict: Chinese paragraph, then English."""
        return self.verdict.text

    def plot(self, ax: Axes | None = None, *, language: str = "zh") -> Axes:
        """Each method's rate ratio and interval on a log scale, with the naive ratio,
        the no-change line and the detectable ratios, labelled in ``language``."""
        check_language("RateComparison.plot", language)
        ax = new_axes(ax)
        frame = self.methods
        y = np.arange(len(frame))[::-1]
        high = frame["ci_high"].where(np.isfinite(frame["ci_high"]), frame["estimate"] * 10)
        ax.errorbar(
            frame["estimate"],
            y,
            xerr=[frame["estimate"] - frame["ci_low"].clip(lower=1e-3), high - frame["estimate"]],
            fmt="o",
            color="C0",
            capsize=4,
            label=f"{term('rate_ratio', language)} "
            f"({percent(self.confidence, 0)} {term('level_interval', language)})",
        )
        ax.axvline(1.0, color="0.3", lw=1)
        ax.axvline(
            self.naive_ratio,
            color="C3",
            ls="--",
            lw=1,
            label=term("naive_yoy", language),
        )
        detectable = [r for r in (self.detectable_fall, self.detectable_rise) if math.isfinite(r)]
        for i, ratio in enumerate(detectable):
            ax.axvline(
                ratio,
                color="0.5",
                ls=":",
                lw=1,
                label=None
                if i
                else f"{percent(self.power, 0)} {term('detectable_change', language)}",
            )
        log_ratio_axis(ax)
        ax.set_yticks(y, [phrase(*_METHOD_NAMES[m], language) for m in frame.index])
        ax.set_xlabel(term("rate_ratio_after_before", language))
        ax.set_title(
            f"{term('yoy_audit', language)}: {number(self.count_before)} → "
            f"{number(self.count_after)}"
        )
        ax.legend(loc="best", fontsize="small")
        return ax


def _would_change(evidence: str, fall: float, rise: float, power: float) -> tuple[str, str]:
    pct = percent(power, 0)
    if evidence == "inconclusive":
        reach_zh, reach_en = [], []
        if math.isfinite(fall):
            reach_zh.append(f"下降至少 {(1 - fall) * 100:.1f}%")
            reach_en.append(f"a fall of at least {(1 - fall) * 100:.1f}%")
        if math.isfinite(rise):
            reach_zh.append(f"上升至少 {(rise - 1) * 100:.1f}%")
            reach_en.append(f"a rise of at least {(rise - 1) * 100:.1f}%")
        if reach_zh:
            zh = f"在当前计数水平下，只有{'或'.join(reach_zh)}才有 {pct} 的把握被检出；"
            en = (
                f"At this count level only {' or '.join(reach_en)} would be detected with "
                f"{pct} probability; "
            )
        else:
            zh = f"在当前计数水平下，任何幅度的变化都达不到 {pct} 的检出把握；"
            en = (
                f"At this count level no change, however large, is detected with {pct} "
                "probability; "
            )
        return (
            zh + "更长的观察期、更多单位或设立对照组能缩窄区间。",
            en + "a longer period, more units or a comparison group would narrow the interval.",
        )
    return (
        "两期对比无法排除趋势、季节和向均值回归（活动前恰逢高发期）；若设立对照组（双重差分）"
        "或用更长的序列（中断时间序列）后区间包含 1，则结论不成立。",
        "A two-period comparison cannot rule out trend, season and regression to the mean "
        "(a campaign started after a bad period); if a comparison group "
        "(difference-in-differences) or a longer series (interrupted time series) gives "
        "an interval containing 1, the conclusion does not hold.",
    )


def rate_ratio_test(
    count_before: int,
    exposure_before: float,
    count_after: int,
    exposure_after: float,
    *,
    confidence: float = 0.95,
    alternative: str = "two-sided",
    methods: Sequence[str] = ("exact-cond", "score"),
    outcome: str | tuple[str, str] = "event",
    power: float = _POWER,
    p_method: str = "central",
) -> RateComparison:
    """Audit a year-on-year claim: rate ratio after/before with intervals and a verdict.

    Parameters
    ----------
    count_before : int
        Events in the before period (e.g. the same quarter last year); a whole number
        > 0.
    exposure_before : float
        Exposure of the before period (headcount × months, work tickets, customers);
        1.0 makes the rates the counts.
    count_after : int
        Events in the after period; a whole number ≥ 0.
    exposure_after : float
        Exposure of the after period.
    confidence : float, default 0.95
        Confidence level of the intervals.
    alternative : {"two-sided", "less", "greater"}
        Alternative about the rate ratio after/before versus 1.
    methods : sequence of str, default ("exact-cond", "score")
        Names from :data:`METHODS`; the first one drives the verdict.
    outcome : str or (str, str), default "event"
        What is counted, for the verdict: a key of :data:`assess.effect.verdict.OUTCOMES`
        or a ``(zh, en)`` name.
    power : float, default 0.8
        Power for the detectable change (:func:`detectable_ratio`).
    p_method : {"central", "minlike"}, default "central"
        Two-sided p-value of the exact-conditional test (:data:`P_METHODS`): the default
        agrees with the interval; ``"minlike"`` gives R's ``poisson.test`` value.

    Returns
    -------
    RateComparison
        The rate ratio, per-method intervals and p-values, the naive ratio, the
        detectable changes and the verdict.

    Raises
    ------
    ParameterError
        For negative or fractional counts, ``count_before == 0``, exposure ≤ 0, or
        unknown options.

    Notes
    -----
    Rate ratio ``(count_after / exposure_after) / (count_before / exposure_before)``; the
    per-cent change is ``(ratio − 1) × 100``. Intervals and tests: see :data:`METHODS`
    and :func:`compare_rates`. The exact-conditional p-value and interval are checked
    against ``scipy.stats.binomtest`` and, for ``p_method="minlike"``, against R's
    ``poisson.test`` to 1e-10; the detectable change (always for the central test)
    against Monte-Carlo simulation.

    Examples
    --------
    >>> res = rate_ratio_test(120, 1.0, 108, 1.0)
    >>> round(res.estimate, 3), round(res.ci_low, 3), round(res.ci_high, 3)
    (0.9, 0.687, 1.177)
    >>> round(res.p_value, 2), res.verdict.evidence
    (0.47, 'inconclusive')
    >>> round(rate_ratio_test(56, 12000, 31, 11800, p_method="minlike").p_value, 12)
    0.009894753674
    """
    func = "rate_ratio_test"
    before = check_count(func, "count_before", count_before)
    after = check_count(func, "count_after", count_after)
    if before == 0:
        raise ParameterError(
            func,
            "count_before",
            "> 0 (the ratio to a zero count is undefined)",
            before,
            zh=f"{func}：基期事件数为 0，同比变化无定义；请改为比较两期的率及其精确泊松区间",
        )
    e_before = check_exposure(func, "exposure_before", exposure_before)
    e_after = check_exposure(func, "exposure_after", exposure_after)
    conf = check_confidence(func, confidence)
    alt = check_alternative(func, alternative)
    chosen = _check_methods(func, methods)
    check_choice(func, "p_method", p_method, P_METHODS)
    table = compare_rates(
        after,
        e_after,
        before,
        e_before,
        confidence=conf,
        alternative=alt,
        methods=chosen,
        p_method=p_method,
    )
    # A one-sided test at level alpha rejects in its tail exactly when the central test at
    # level 2 alpha does, so the detectable change uses confidence 2 × conf − 1 then.
    kw = {
        "exposure_before": e_before,
        "exposure_after": e_after,
        "power": power,
        "confidence": conf if alt == "two-sided" else 2.0 * conf - 1.0,
    }
    fall = detectable_ratio(before, direction="fall", **kw) if alt != "greater" else math.nan
    rise = detectable_ratio(before, direction="rise", **kw) if alt != "less" else math.nan
    estimate, low, high, p = (
        float(x)
        for x in table.loc[chosen[0], ["estimate", "ci_low", "ci_high", "p_value"]].to_numpy(
            dtype=float
        )
    )
    evidence = classify(low, high)
    verdict = write_verdict(
        estimate,
        low,
        high,
        p_value=p,
        confidence=conf,
        naive_ratio=after / before,
        design="yoy",
        outcome=outcome,
        assumptions=_YOY_ASSUMPTIONS,
        would_change=_would_change(evidence, fall, rise, float(power)),
    )
    return RateComparison(
        count_before=before,
        count_after=after,
        exposure_before=e_before,
        exposure_after=e_after,
        confidence=conf,
        alternative=alt,
        p_method=p_method,
        methods=table,
        method=chosen[0],
        estimate=estimate,
        ci_low=low,
        ci_high=high,
        p_value=p,
        n=before + after,
        naive_ratio=after / before,
        detectable_fall=fall,
        detectable_rise=rise,
        power=float(power),
        verdict=verdict,
    )
