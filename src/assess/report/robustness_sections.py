"""Rank robustness in the quarterly appraisal report: whether grades hold when the weights
vary (:func:`check_robustness`, :func:`grade_stability`, :func:`robustness_text`,
:func:`plot_grade_stability`), naming nobody.

Tables are shown by :func:`assess.report.appraisal_sections.section_table`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from assess.appraisal.robustness import STABLE_PROBABILITY, RobustnessResult
from assess.appraisal.scoring import Appraisal
from assess.core.formatting import percent
from assess.core.glossary import check_language, term
from assess.core.plotting import new_axes

__all__ = [
    "ROBUSTNESS_CELLS",
    "robustness_draws",
    "check_robustness",
    "grade_stability",
    "robustness_text",
    "plot_grade_stability",
]

#: Member × draw cells of the rank-robustness check in a report: the number of draws
#: is this divided by the members, between 100 and 1,000 (see :func:`robustness_draws`).
ROBUSTNESS_CELLS = 1_000_000


def robustness_draws(members: int) -> int:
    """Draws of the rank-robustness check for ``members`` members: about
    :data:`ROBUSTNESS_CELLS` member-draws, at least 100 and at most 1,000.

    Examples
    --------
    >>> robustness_draws(137), robustness_draws(2_000), robustness_draws(25_000)
    (1000, 500, 100)
    """
    return int(min(1_000, max(100, ROBUSTNESS_CELLS // max(int(members), 1))))


def check_robustness(appraisal: Appraisal, *, seed: int = 0) -> RobustnessResult:
    """:meth:`Appraisal.robustness` with :func:`robustness_draws` draws, ranks and grades
    within the groups the scheme counts quotas in (branches, or everybody pooled)."""
    groups = "unit_code" if appraisal.scheme.quota_scope == "branch" else None
    return appraisal.robustness(
        draws=robustness_draws(len(appraisal.members)), seed=seed, groups=groups
    )


def grade_stability(result: RobustnessResult) -> pd.DataFrame:
    """Per grade (as the base weights give it): members whose grade holds in at least
    :data:`~assess.appraisal.robustness.STABLE_PROBABILITY` of the draws, the others, and the
    width of their rank bands.

    Returns
    -------
    DataFrame
        ``base_grade, members, stable, unstable, stable_share, band_median`` (text),
        ``band_max``.
    """
    t = result.table
    grades = [g for g, _ in result.grade_shares]
    stable = t["p_base_grade"] >= STABLE_PROBABILITY
    per = t.assign(stable=stable).groupby("base_grade", sort=False)
    out = (
        pd.DataFrame(
            {
                "members": per.size(),
                "stable": per["stable"].sum(),
                "band_median": per["band_width"].median(),
                "band_max": per["band_width"].max(),
            }
        )
        .reindex(grades)
        .dropna(subset=["members"])
    )
    out = out.astype({"members": int, "stable": int, "band_max": int})
    out.insert(2, "unstable", out["members"] - out["stable"])
    out.insert(3, "stable_share", out["stable"] / out["members"])
    # A median of ranks may end in .5: shown as 2.5, and 3 rather than 3.00.
    out["band_median"] = out["band_median"].map(lambda v: f"{v:g}")
    return out.rename_axis("base_grade").reset_index()


def _baseline_words(result: RobustnessResult, appraisal: Appraisal | None) -> tuple[str, str]:
    """Why the check's base grades may differ from the published ones, with the count."""
    if appraisal is None:
        return "", ""
    published = appraisal.members.set_index("person_id")["grade"]
    base = result.table["base_grade"]
    same = int((base == published.reindex(base.index)).sum())
    differ = len(base) - same
    if differ == 0:
        return (
            "抽样的基准等次与第四部分公布的等次完全一致。",
            " The check's base grades are the published grades of section 4.",
        )
    return (
        f"抽样的基准等次按方案权重只用加分指标重新划分，不计扣分与一票否决，"
        f"因此与第四部分公布的等次有 {differ:,} 人不同（{same:,} 人相同）；"
        "公布的等次以第四部分为准，本节只看权重变化对加分排序的影响。",
        f" The check's base grades rank the add items alone under the scheme's weights, "
        f"without deductions and vetoes, so {differ:,} differ from the grades published "
        f"in section 4 ({same:,} agree); the published grades stand, and this section "
        "shows only how the weights move the ranking of the add items.",
    )


def robustness_text(result: RobustnessResult, appraisal: Appraisal | None = None) -> str:
    """The robustness check in a few sentences (Chinese, then English), naming nobody.

    :meth:`RobustnessResult.summary` names the members with the widest bands by id; a
    report read above branch level must not. With ``appraisal`` (the published one the
    check was run on), the text says how many base grades of the check differ from the
    published grades, and why.
    """
    t = result.table
    n, draws = len(t), len(result.draw_weights)
    stable = int((t["p_base_grade"] >= STABLE_PROBABILITY).sum())
    band = float(t["band_width"].median())
    within = "group" in t
    base_zh, base_en = _baseline_words(result, appraisal)
    spread, share = percent(result.spread, 0), percent(stable / n)
    holds = percent(STABLE_PROBABILITY, 0)
    zh = (
        f"让各项加分指标的权重在方案权重附近随机变化（平均幅度约 {spread}），"
        f"并轮换 {len(result.combinations)} 种标准化与合成方法，共抽样 {draws:,} 次"
        f"（随机种子 {result.seed}，结果可重现）"
        + ("，名次与等次按支部内计算" if within else "")
        + f"。{n:,} 名党员中，{stable:,} 人（{share}）在 {holds} "
        f"以上的抽样中等次不变；其余 {n - stable:,} 人的等次会随权重变化。"
        f"名次 5%–95% 区间的宽度中位数为 {band:g} 名。扣分与一票否决不随权重变化，不在此列。"
        "把等次与绩效挂钩前，宜复核等次不稳定的人员。" + base_zh
    )
    en = (
        f"The weights of the add items were varied at random around the scheme's weights "
        f"(by about {spread}), rotating {len(result.combinations)} normalisation "
        f"and aggregation methods, in {draws:,} draws (seed {result.seed}, reproducible)"
        + (", ranks and grades within branches" if within else "")
        + f". Of {n:,} members, {stable:,} ({share}) keep their grade in at least "
        f"{holds} of the draws; the grade of the other {n - stable:,} "
        f"changes with the weights. The median width of the 5–95% rank band is {band:g}. "
        "Deductions and vetoes do not depend on the weights and are left out. Review the "
        "unstable grades before tying pay to them." + base_en
    )
    return f"{zh}\n\n{en}"


def plot_grade_stability(
    result: RobustnessResult, ax: Axes | None = None, *, language: str = "zh"
) -> Axes:
    """Horizontal bars per grade: members whose grade holds under varied weights, and the
    others; labelled in ``language`` ("zh", "en" or "zh-en")."""
    check_language("plot_grade_stability", language)
    frame = grade_stability(result).set_index("base_grade")
    ax = new_axes(ax, figsize=(7.0, 1.6 + 0.45 * len(frame)))
    y = np.arange(len(frame))
    ax.barh(y, frame["stable"], color="#55A868", label=term("grade_holds", language))
    ax.barh(
        y,
        frame["unstable"],
        left=frame["stable"],
        color="#E8B53A",
        label=term("grade_changes", language),
    )
    ax.set_yticks(y, [str(g) for g in frame.index])
    ax.invert_yaxis()
    ax.set_xlabel(term("members_axis", language))
    ax.set_title(term("grade_stability_title", language))
    ax.legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=2, fontsize="small", frameon=False
    )
    return ax
