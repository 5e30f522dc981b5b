"""Grades under forced-distribution quotas (强制分布): caps and minimums per grade, exact decimals.

A quota says what share of a group may (at most) or must (at least) receive a grade. The
member counts are computed in exact decimal arithmetic from the text of the share, with the
rounding rule stated in the result; equal scores never receive different grades; caps are
never exceeded unless the ``"favour"`` tie policy was chosen on purpose.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from assess.appraisal.ranking import align, group_codes, order_keys, sorted_blocks
from assess.core.checks import check_choice, check_int
from assess.core.display import ResultDisplay
from assess.core.errors import ParameterError
from assess.core.glossary import check_language, term
from assess.core.plotting import new_axes

__all__ = [
    "ROUNDINGS",
    "TIE_POLICIES",
    "VETO_EFFECTS",
    "POOLED",
    "Quota",
    "quota_count",
    "parse_quotas",
    "GradeResult",
    "assign_grades",
]

#: How a share times a headcount becomes a whole number of members.
ROUNDINGS: tuple[str, ...] = ("half-up", "floor", "ceil")
#: What happens to tied members straddling a cap (see :func:`assign_grades`).
TIE_POLICIES: tuple[str, ...] = ("strict", "favour")
#: Declared effects of a veto (一票否决); ``cap:<grade>`` names the best grade allowed.
VETO_EFFECTS: tuple[str, ...] = ("exclude-top", "cap:<grade>", "zero")
#: Group label in the compliance table when quotas are pooled over everybody.
POOLED = "全部"

_MODES = {"half-up": ROUND_HALF_UP, "floor": ROUND_FLOOR, "ceil": ROUND_CEILING}
_ROUNDING_WORDS = {
    "half-up": ("四舍五入取整", "rounded half up"),
    "floor": ("向下取整（不超过）", "rounded down (floor, 'not more than')"),
    "ceil": ("向上取整", "rounded up (ceiling)"),
}
_TIE_WORDS = {
    "strict": (
        "严格——同分者不拆分，若整体计入会超出上限，则整体降入下一等次",
        "strict — tied members are never split; if taking all of them would exceed the cap, "
        "all of them go to the next grade",
    ),
    "favour": (
        "从宽——跨越上限的同分者整体计入较高等次，上限可能因此被突破（见配额检查）",
        "favour — tied members straddling a cap all receive the higher grade, which may "
        "exceed the cap (see the compliance check)",
    ),
}


def _to_share(value: Any, field: str) -> Decimal:
    """A share in [0, 1] as an exact Decimal, read from its text."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ParameterError(
            "Quota", field, "a share such as '0.2', '20%' or Decimal('0.2')", value
        )
    if isinstance(value, float):
        # repr() is the shortest text that round-trips: 0.07 -> '0.07', never the binary
        # expansion 0.07000000000000000666 that Decimal(0.07) would give.
        value = repr(value)
    try:
        if isinstance(value, str):
            text = value.strip()
            share = (
                Decimal(text[:-1].strip()) / 100 if text.endswith(("%", "％")) else Decimal(text)
            )
        else:
            share = Decimal(value)
    except InvalidOperation:
        raise ParameterError("Quota", field, "a share such as '0.2' or '20%'", value) from None
    if not share.is_finite() or not Decimal(0) <= share <= Decimal(1):
        raise ParameterError("Quota", field, "a share between 0 and 1 (0% to 100%)", value)
    return share


@dataclass(frozen=True)
class Quota:
    """One grade and its quota: at most ``max_share`` and at least ``min_share`` of a group.

    Shares are given as text (``"0.2"``, ``"20%"``), ``Decimal`` or a number; floats are
    read from their shortest text (``0.07`` is exactly ``Decimal("0.07")``).

    Examples
    --------
    >>> Quota("优秀", "20%", en="excellent")
    Quota(name='优秀', max_share=Decimal('0.2'), min_share=Decimal('0'), en='excellent')
    """

    name: str
    max_share: Decimal | None = None
    min_share: Decimal = Decimal(0)
    en: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ParameterError("Quota", "name", "a non-empty grade name", self.name)
        if self.max_share is not None:
            object.__setattr__(self, "max_share", _to_share(self.max_share, "max_share"))
        min_share = Decimal(0) if self.min_share is None else self.min_share
        object.__setattr__(self, "min_share", _to_share(min_share, "min_share"))
        if self.max_share is not None and self.min_share > self.max_share:
            raise ParameterError(
                "Quota", "min_share", f"at most max_share ({self.max_share})", self.min_share
            )
        object.__setattr__(self, "en", self.en or self.name)


def quota_count(share: Decimal | str, n: int, *, rounding: str = "half-up") -> int:
    """The whole number of members a share of ``n`` allows, in exact decimal arithmetic.

    Parameters
    ----------
    share : Decimal or str
        The share, e.g. ``"0.15"`` or ``"15%"``.
    n : int
        Group size.
    rounding : {"half-up", "floor", "ceil"}, default "half-up"
        ``half-up`` (四舍五入); ``floor`` for "不超过" caps; ``ceil`` for "不少于" minimums.

    Returns
    -------
    int

    Notes
    -----
    ``share × n`` is computed with :class:`decimal.Decimal`, so ``0.07 × 100`` is exactly 7
    (in binary floating point it is 7.000000000000001, which a ceiling would turn into 8).

    Examples
    --------
    >>> quota_count("0.15", 30)
    5
    >>> quota_count("0.15", 30, rounding="floor")
    4
    >>> quota_count("0.07", 100, rounding="ceil")
    7
    """
    check_choice("quota_count", "rounding", rounding, ROUNDINGS)
    check_int("quota_count", "n", n, minimum=0)
    exact = _to_share(share, "share") * int(n)
    return int(exact.to_integral_value(rounding=_MODES[rounding]))


def parse_quotas(quotas: Any) -> tuple[Quota, ...]:
    """Quotas, ordered from the top grade to the bottom grade, checked as a whole.

    Parameters
    ----------
    quotas : sequence or mapping
        A sequence of :class:`Quota` (or of objects with ``name``, ``max_share``,
        ``min_share`` and optionally ``en``, such as the scheme's grade levels), or a
        mapping from grade name to its maximum share, ``None`` (no cap), or a mapping with
        keys ``max``, ``min`` and ``en``.

    Returns
    -------
    tuple of Quota

    Raises
    ------
    ParameterError
        If a share is not in [0, 1], grade names repeat, the minimums add up to more than
        100%, or the bottom grade has a cap below 100% (it must take the members left over).

    Examples
    --------
    >>> [q.max_share for q in parse_quotas({"优秀": "20%", "良好": "0.3", "合格": None})]
    [Decimal('0.2'), Decimal('0.3'), None]
    """
    func = "parse_quotas"
    if isinstance(quotas, Mapping):
        items = [_quota_from_mapping(name, spec) for name, spec in quotas.items()]
    elif isinstance(quotas, Sequence) and not isinstance(quotas, str):
        items = [
            q
            if isinstance(q, Quota)
            else Quota(
                getattr(q, "name", ""),
                getattr(q, "max_share", None),
                getattr(q, "min_share", None) or Decimal(0),
                getattr(q, "en", "") or "",
            )
            for q in quotas
        ]
    else:
        raise ParameterError(
            func, "quotas", "a sequence of Quota or a mapping grade -> share", type(quotas).__name__
        )
    if not items:
        raise ParameterError(func, "quotas", "at least one grade", quotas)
    names = [q.name for q in items]
    if len(set(names)) != len(names):
        raise ParameterError(func, "quotas", "distinct grade names", names)
    if sum(q.min_share for q in items) > 1:
        raise ParameterError(
            func,
            "quotas",
            "minimum shares adding up to at most 100%",
            [str(q.min_share) for q in items],
        )
    bottom = items[-1]
    if bottom.max_share is not None and bottom.max_share < 1:
        raise ParameterError(
            func,
            "quotas",
            "no cap on the bottom grade (it takes the members left over)",
            f"{bottom.name}: {bottom.max_share}",
            zh=f"{func}：最低等次 {bottom.name!r} 不能设上限（它接收其余全部人员），"
            f"实际为 {bottom.max_share}",
        )
    return tuple(items)


def _quota_from_mapping(name: str, spec: Any) -> Quota:
    if isinstance(spec, Mapping):
        unknown = set(spec) - {"max", "min", "en"}
        if unknown:
            raise ParameterError(
                "parse_quotas", f"quotas[{name!r}]", "keys 'max', 'min', 'en'", sorted(unknown)
            )
        return Quota(name, spec.get("max"), spec.get("min") or Decimal(0), spec.get("en", "") or "")
    return Quota(name, spec)


@dataclass(frozen=True)
class GradeResult(ResultDisplay):
    """Grades of every member with the quota-compliance check and the borderline list.

    Attributes
    ----------
    grades : pandas.Series
        Categorical grade per member (categories top to bottom); missing for members
        without a score.
    scores : pandas.Series
        The scores graded (vetoed members' scores are 0 under ``veto_effect="zero"``).
    vetoed : pandas.Series
        Boolean veto flag per member.
    groups : pandas.DataFrame or None
        Group key columns per member; ``None`` when quotas were pooled.
    compliance : pandas.DataFrame
        One row per group and grade: group keys (or ``group`` = ``POOLED``), ``grade``,
        ``n`` (members graded in the group), ``max_share``, ``cap`` (missing: no cap),
        ``min_share``, ``min``, ``count``, ``share`` (count / n), ``tied_at_cap`` (size of
        the block of tied members that straddled the cap and went down whole under
        ``strict``, or up whole under ``favour``; 0 if none), ``ok``.
    borderline : pandas.DataFrame
        Members within ``epsilon`` of a grade boundary: group keys, ``member``, ``score``,
        ``grade``, ``vetoed``, ``upper_grade``, ``lower_grade``, ``cutoff`` (lowest score
        admitted to the upper grade) and ``distance`` (score − cutoff).
    quotas : tuple of Quota
    rounding, min_rounding, tie_policy, veto_effect : str
        The rules used (``veto_effect`` is ``"per member"`` when given as a Series).
    epsilon : float
    """

    grades: pd.Series
    scores: pd.Series
    vetoed: pd.Series
    groups: pd.DataFrame | None
    compliance: pd.DataFrame
    borderline: pd.DataFrame
    quotas: tuple[Quota, ...]
    rounding: str
    min_rounding: str
    tie_policy: str
    veto_effect: str
    epsilon: float

    _title = "强制分布等次评定 / Forced-distribution grades"

    @property
    def ok(self) -> bool:
        """Whether every group meets every cap and minimum."""
        return bool(self.compliance["ok"].all())

    @property
    def rule_zh(self) -> str:
        """The counting rules in Chinese."""
        return (
            f"名额上限 = 比例 × 组内人数，{_ROUNDING_WORDS[self.rounding][0]}；"
            f"名额下限 = 比例 × 组内人数，{_ROUNDING_WORDS[self.min_rounding][0]}；"
            f"以十进制精确计算。同分处理：{_TIE_WORDS[self.tie_policy][0]}。"
        )

    @property
    def rule_en(self) -> str:
        """The counting rules in English."""
        return (
            f"Cap = share × group size, {_ROUNDING_WORDS[self.rounding][1]}; "
            f"minimum = share × group size, {_ROUNDING_WORDS[self.min_rounding][1]}; "
            f"computed in exact decimal arithmetic. Ties: {_TIE_WORDS[self.tie_policy][1]}."
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per member: group keys, ``score``, ``vetoed``, ``grade``."""
        parts = [] if self.groups is None else [self.groups]
        return pd.concat(
            [
                *parts,
                self.scores.rename("score"),
                self.vetoed.rename("vetoed"),
                self.grades.rename("grade"),
            ],
            axis=1,
        )

    def _totals(self) -> pd.DataFrame:
        names = [q.name for q in self.quotas]
        tab = self.compliance.groupby("grade", sort=False, observed=True).agg(
            count=("count", "sum"),
            cap=("cap", "sum"),
            min=("min", "sum"),
            capped=("cap", "count"),
        )
        tab = tab.reindex(names)
        tab[["count", "min"]] = tab[["count", "min"]].fillna(0)
        tab["cap"] = tab["cap"].where(tab["capped"] > 0)
        return tab.drop(columns="capped")

    def summary(self) -> str:
        """What was graded, how, the counts against the quotas, and what failed (zh, en)."""
        n = int(self.grades.notna().sum())
        n_groups = (
            1
            if self.groups is None
            else int(self.compliance.drop_duplicates(list(self.groups.columns)).shape[0])
        )
        n_veto = int(self.vetoed.sum())
        scope_zh = (
            "全体合并计算名额"
            if self.groups is None
            else f"按 {'、'.join(self.groups.columns)} 分 {n_groups} 组分别计算名额"
        )
        scope_en = (
            "quotas pooled over everybody"
            if self.groups is None
            else f"quotas per group of {', '.join(self.groups.columns)} ({n_groups} groups)"
        )
        tab = self._totals()
        cap_word = ("上限合计", "caps total") if self.groups is not None else ("上限", "cap")
        counts_zh, counts_en = [], []
        for q, (count, cap, minimum) in zip(self.quotas, tab.itertuples(index=False), strict=True):
            bound_zh: list[str] = [] if pd.isna(cap) else [f"{cap_word[0]} {int(cap)}"]
            bound_en: list[str] = [] if pd.isna(cap) else [f"{cap_word[1]} {int(cap)}"]
            if minimum > 0:
                bound_zh.append(f"下限 {int(minimum)}")
                bound_en.append(f"minimum {int(minimum)}")
            counts_zh.append(
                f"{q.name} {int(count)} 人" + (f"（{'，'.join(bound_zh)}）" if bound_zh else "")
            )
            counts_en.append(
                f"{q.en} {int(count)}" + (f" ({', '.join(bound_en)})" if bound_en else "")
            )
        bad = self.compliance.loc[~self.compliance["ok"]]
        if bad.empty:
            check_zh, check_en = "全部符合", "all quotas met"
        else:
            keys = ["group"] if self.groups is None else list(self.groups.columns)
            items = [
                (
                    "/".join(str(r[k]) for k in keys),
                    r["grade"],
                    int(r["count"]),
                    r["cap"],
                    int(r["min"]),
                )
                for _, r in bad.head(5).iterrows()
            ]
            check_zh = f"{len(bad)} 项不符合：" + "；".join(
                f"{g} {gr} {c} 人（上限 {'无' if pd.isna(cap) else int(cap)}，下限 {m}）"
                for g, gr, c, cap, m in items
            )
            check_en = f"{len(bad)} not met: " + "; ".join(
                f"{g} {gr} {c} (cap {'none' if pd.isna(cap) else int(cap)}, minimum {m})"
                for g, gr, c, cap, m in items
            )
        tied = int(self.compliance["tied_at_cap"].sum())
        tie_zh = tie_en = ""
        if tied:
            moved = (
                ("整体降入下一等次", "went down whole")
                if self.tie_policy == "strict"
                else ("整体计入较高等次", "went up whole")
            )
            tie_zh = f"{tied} 名同分人员跨越上限，{moved[0]}。"
            tie_en = f"{tied} tied members straddled a cap and {moved[1]}. "
        veto_zh, veto_en = _veto_words(self.veto_effect)
        n_border = self.borderline["member"].nunique()
        zh = (
            f"强制分布等次评定：{n} 人，{scope_zh}。{self.rule_zh}"
            f"一票否决 {n_veto} 人：{veto_zh}。\n"
            f"各等次人数：{'；'.join(counts_zh)}。{tie_zh}配额检查：{check_zh}。"
            f"距等次分数线 ±{self.epsilon:g} 分以内 {n_border} 人。"
        )
        en = (
            f"Forced-distribution grades: {n} members, {scope_en}. {self.rule_en} "
            f"Vetoed: {n_veto} ({veto_en}).\n"
            f"Counts: {'; '.join(counts_en)}. {tie_en}Compliance: {check_en}. "
            f"Within ±{self.epsilon:g} points of a grade cut-off: {n_border} members."
        )
        return f"{zh}\n\n{en}"

    def plot(self, ax: Axes | None = None, *, language: str = "zh") -> Axes:
        """Bar chart of members per grade (all groups together) against caps and minimums,
        labelled in ``language``."""
        check_language("GradeResult.plot", language)
        ax = new_axes(ax)
        tab = self._totals()
        x = np.arange(len(tab))
        bars = ax.bar(x, tab["count"], color="#4C72B0", label=term("members_axis", language))
        ax.bar_label(bars, padding=2)
        cap_word = "cap_total" if self.groups is not None else "cap_axis"
        if tab["cap"].notna().any():
            ax.scatter(
                x,
                tab["cap"],
                marker="_",
                s=900,
                linewidths=3,
                color="#C44E52",
                label=term(cap_word, language),
                zorder=3,
            )
        if (tab["min"] > 0).any():
            ax.scatter(
                x,
                tab["min"].where(tab["min"] > 0),
                marker="_",
                s=900,
                linewidths=3,
                color="#55A868",
                label=term("minimum", language),
                zorder=3,
            )
        ax.set_xticks(x, [f"{q.name}\n{q.en}" if q.en != q.name else q.name for q in self.quotas])
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(term("members_axis", language))
        ax.set_title(term("grade_quota_title", language))
        ax.legend()
        return ax


def _veto_words(effect: str) -> tuple[str, str]:
    if effect == "exclude-top":
        return "不得评为最高等次", "never the top grade"
    if effect == "zero":
        return "得分记为 0，且不得评为最高等次", "score set to 0 and never the top grade"
    if effect.startswith("cap:"):
        return f"最高只能评为 {effect[4:]}", f"no better than {effect[4:]}"
    return "按各自声明的效力", "each member's declared effect"


def _veto_best(effect: Any, names: list[str], func: str) -> tuple[int, bool]:
    """Best grade index a vetoed member may receive, and whether the score becomes 0."""
    if effect == "exclude-top":
        return 1, False
    if effect == "zero":
        return 1, True
    if isinstance(effect, str) and effect.startswith("cap:") and effect[4:] in names[1:]:
        return names.index(effect[4:]), False
    raise ParameterError(
        func,
        "veto_effect",
        "'exclude-top', 'zero' or 'cap:<grade>' naming a grade below the top "
        f"({', '.join(names[1:])})",
        effect,
    )


def assign_grades(
    scores: pd.Series,
    *,
    quotas: Any,
    groups: pd.Series | pd.DataFrame | None = None,
    rounding: str = "half-up",
    min_rounding: str | None = None,
    tie_policy: str = "strict",
    tie_break: Sequence[pd.Series] | pd.DataFrame | None = None,
    tie_break_ascending: bool | Sequence[bool] | None = None,
    vetoed: pd.Series | None = None,
    veto_effect: str | pd.Series = "exclude-top",
    epsilon: float = 0.5,
) -> GradeResult:
    """Grade members by score under forced-distribution quotas, per group or pooled.

    Parameters
    ----------
    scores : pandas.Series
        Scores (higher is better) with a unique member index. Members with a missing score
        are not graded and do not count in their group's size.
    quotas : sequence of Quota or mapping
        Grades from top to bottom with their maximum and minimum shares (see
        :func:`parse_quotas`); the bottom grade takes the members left over.
    groups : pandas.Series or pandas.DataFrame, optional
        Group per member (e.g. branch): quotas are applied within each group. ``None`` pools
        everybody into one group.
    rounding : {"half-up", "floor", "ceil"}, default "half-up"
        Rule turning ``max_share × n`` into a cap; ``"floor"`` for "不超过" rules.
    min_rounding : {"half-up", "floor", "ceil"}, optional
        Rule for ``min_share × n``; ``None`` uses ``rounding``. ``"ceil"`` reads a minimum
        as "不少于".
    tie_policy : {"strict", "favour"}, default "strict"
        Tied members (equal score and tie-break keys) are never split between grades.
        ``"strict"``: when taking a whole block of tied members would exceed a cap, the
        whole block goes to the next grade — a cap is never exceeded. ``"favour"``
        (同分并列、名额顺延): the whole block gets the higher grade, exceeding the cap;
        the compliance check then shows ``ok=False``. A third way out of a tie is a
        ``tie_break`` key that tells the members apart.
    tie_break : sequence of pandas.Series or pandas.DataFrame, optional
        Keys compared, in order, when scores are equal (as in
        :func:`assess.appraisal.ranking.rank`).
    tie_break_ascending : bool or sequence of bool, optional
        Direction of the tie-break keys; ``None``: higher is better.
    vetoed : pandas.Series of bool, optional
        Members under a veto (一票否决). They count in their group's size.
    veto_effect : str or pandas.Series, default "exclude-top"
        ``"exclude-top"``: never the top grade; ``"cap:<grade>"``: no better than that
        grade; ``"zero"``: score set to 0 and never the top grade. A Series gives each
        vetoed member its own effect. Under ``"zero"`` a vetoed member is graded at 0 even
        when its score is missing.
    epsilon : float, default 0.5
        Half-width, in score points, of the band around each cut-off score for the
        borderline list.

    Returns
    -------
    GradeResult
        ``grades``, ``compliance`` (per group and grade: cap, min, count, share, ok) and
        ``borderline``, with the rules used.

    Raises
    ------
    ParameterError
        For quotas that cannot work (see :func:`parse_quotas`), unknown options, scores
        that are not numbers, a vetoed flag that is missing, or an effect naming no grade.

    Notes
    -----
    Grades are filled from the top. In each group of ``n`` graded members, grade ``k``
    takes the best remaining members eligible for it, as many whole blocks of tied members
    as its cap allows, while leaving at least the minimums of the grades below; the bottom
    grade takes the rest. Caps and minimums are ``share × n`` rounded as stated, in exact
    decimal arithmetic (:func:`quota_count`). A vetoed member is not eligible for the grades
    above its allowed best, so it takes no place there and the next eligible member moves
    up. When a minimum cannot be met without splitting a tie or exceeding a cap, it is left
    unmet and the compliance check shows it.

    Examples
    --------
    >>> s = pd.Series([95, 91, 91, 88, 80, 75, 70, 60, 55, 50],
    ...               index=[f"m{i}" for i in range(10)])
    >>> res = assign_grades(s, quotas={"优秀": "20%", "良好": "30%", "合格": None})
    >>> res.grades.tolist()
    ['优秀', '良好', '良好', '良好', '合格', '合格', '合格', '合格', '合格', '合格']
    >>> res.compliance.set_index("grade")[["cap", "count", "tied_at_cap"]].loc["优秀"].tolist()
    [2, 1, 2]
    """
    func = "assign_grades"
    check_choice(func, "rounding", rounding, ROUNDINGS)
    min_rounding = rounding if min_rounding is None else min_rounding
    check_choice(func, "min_rounding", min_rounding, ROUNDINGS)
    check_choice(func, "tie_policy", tie_policy, TIE_POLICIES)
    if isinstance(epsilon, bool) or not isinstance(epsilon, int | float) or not epsilon >= 0:
        raise ParameterError(func, "epsilon", "a number >= 0", epsilon)
    if not isinstance(scores, pd.Series) or not (
        pd.api.types.is_numeric_dtype(scores) and not pd.api.types.is_bool_dtype(scores)
    ):
        raise ParameterError(
            func,
            "scores",
            "a pandas Series of numbers",
            getattr(scores, "dtype", type(scores).__name__),
        )
    if not scores.index.is_unique:
        raise ParameterError(
            func,
            "scores",
            "a Series with a unique index (one row per member)",
            list(scores.index[scores.index.duplicated()][:5]),
        )
    qs = parse_quotas(quotas)
    names = [q.name for q in qs]
    index = scores.index
    flags = _veto_flags(vetoed, index, func)
    best, zero, effect_label = _veto_rules(flags, veto_effect, names, index, func)
    score_arr = np.where(zero, 0.0, scores.to_numpy(dtype="float64", na_value=np.nan))
    graded = pd.Series(score_arr, index=index, name="score")
    codes, group_frame = group_codes(groups, index, func)
    keys = order_keys(graded, tie_break, False, tie_break_ascending, func)
    sel = np.flatnonzero(graded.notna().to_numpy())
    order, new_group, new_block = sorted_blocks(codes[sel], [k[sel] for k in keys])
    members = sel[order]
    blocks = np.cumsum(new_block)
    starts = np.flatnonzero(new_group)
    sizes = np.diff(np.append(starts, len(members))).astype(np.int64)
    counts = {n: _counts(qs, int(n), rounding, min_rounding) for n in np.unique(sizes)}
    got = np.empty(len(members), dtype=np.int64)  # grade codes in sorted order
    straddled = np.zeros((len(starts), len(qs)), dtype=np.int64)
    for g, (a, n) in enumerate(zip(starts, sizes, strict=True)):
        caps, mins = counts[n]
        got[a : a + n], straddled[g] = _fill(
            blocks[a : a + n], best[members[a : a + n]], caps, mins, tie_policy
        )
    grade_codes = np.full(len(index), -1, dtype=np.int64)
    grade_codes[members] = got
    group_of = np.repeat(np.arange(len(starts)), sizes)
    keys_frame = (
        pd.DataFrame({"group": [POOLED] * len(starts)})
        if group_frame is None
        else group_frame.iloc[members[starts]].reset_index(drop=True)
    )
    comp = _compliance_table(keys_frame, qs, sizes, counts, got, group_of, straddled)
    border = _borderline_table(
        keys_frame,
        names,
        index.to_numpy(dtype=object)[members],
        score_arr[members],
        got,
        flags[members],
        group_of,
        epsilon,
    )
    grades = pd.Series(
        pd.Categorical.from_codes(grade_codes, categories=pd.Index(names)),
        index=index,
        name="grade",
    )
    return GradeResult(
        grades=grades,
        scores=graded,
        vetoed=pd.Series(flags, index=index, name="vetoed"),
        groups=group_frame,
        compliance=comp,
        borderline=border,
        quotas=qs,
        rounding=rounding,
        min_rounding=min_rounding,
        tie_policy=tie_policy,
        veto_effect=effect_label,
        epsilon=float(epsilon),
    )


def _veto_flags(vetoed: pd.Series | None, index: pd.Index, func: str) -> np.ndarray:
    if vetoed is None:
        return np.zeros(len(index), dtype=bool)
    flags = align(vetoed, index, func, "vetoed")
    if flags.isna().any() or not pd.api.types.is_bool_dtype(flags):
        raise ParameterError(func, "vetoed", "a boolean Series with no missing values", flags.dtype)
    return flags.to_numpy(dtype=bool)


def _veto_rules(
    flags: np.ndarray,
    veto_effect: str | pd.Series,
    names: list[str],
    index: pd.Index,
    func: str,
) -> tuple[np.ndarray, np.ndarray, str]:
    """Per member: best grade index allowed, whether the score becomes 0, and a label."""
    best = np.zeros(len(index), dtype=np.int64)
    zero = np.zeros(len(index), dtype=bool)
    if len(names) < 2 and flags.any():
        raise ParameterError(func, "quotas", "at least two grades when members are vetoed", names)
    if not isinstance(veto_effect, pd.Series):
        best[flags], zero[flags] = _veto_best(veto_effect, names, func)
        return best, zero, veto_effect
    effects = align(veto_effect, index, func, "veto_effect").to_numpy(dtype=object)
    for effect in pd.unique(effects[flags]):
        hit = flags & (effects == effect)
        best[hit], zero[hit] = _veto_best(effect, names, func)
    return best, zero, "per member"


def _fill(
    blocks: np.ndarray,
    best: np.ndarray,
    caps: list[int | None],
    mins: list[int],
    tie_policy: str,
) -> tuple[np.ndarray, list[int]]:
    """Grade codes for one group's members, given in best-first order with tie-block ids.

    Also returns, per grade, the size of the block of tied members that straddled its cap
    and so went down whole (``strict``) or up whole (``favour``); 0 when none did.
    """
    n = len(blocks)
    got = np.full(n, len(caps) - 1, dtype=np.int64)
    straddled = [0] * len(caps)
    remaining = np.ones(n, dtype=bool)
    for k in range(len(caps) - 1):
        pool = np.flatnonzero(remaining & (best <= k))
        if pool.size == 0:
            continue
        # Where whole blocks of tied members end (0 and the pool size included): the only
        # cut points that never split a tie. Block ids are never -1.
        cuts = np.flatnonzero(np.diff(blocks[pool], prepend=-1, append=-1))
        room = int(remaining.sum()) - sum(mins[k + 1 :])
        take = int(cuts[np.searchsorted(cuts, room, side="right") - 1]) if room >= 0 else 0
        cap = caps[k]
        if cap is not None:
            at = np.searchsorted(cuts, cap, side="left")
            above = int(cuts[at]) if at < cuts.size else pool.size
            below = above if above == cap else int(cuts[at - 1])
            if below < cap < above <= take:
                straddled[k] = int(above - below)
            take = min(take, below if tie_policy == "strict" else above)
        chosen = pool[:take]
        got[chosen] = k
        remaining[chosen] = False
    return got, straddled


def _counts(
    qs: tuple[Quota, ...], n: int, rounding: str, min_rounding: str
) -> tuple[list[int | None], list[int]]:
    """Caps (None: no cap) and minimums of every grade for a group of ``n``."""
    caps = [
        None if q.max_share is None else quota_count(q.max_share, n, rounding=rounding) for q in qs
    ]
    return caps, [quota_count(q.min_share, n, rounding=min_rounding) for q in qs]


def _compliance_table(
    keys: pd.DataFrame,
    qs: tuple[Quota, ...],
    sizes: np.ndarray,
    counts: dict[Any, tuple[list[int | None], list[int]]],
    got: np.ndarray,
    group_of: np.ndarray,
    straddled: np.ndarray,
) -> pd.DataFrame:
    """One row per group and grade: cap, minimum, count, share, tied members, ok."""
    n_groups, k = len(sizes), len(qs)
    count = np.bincount(group_of * k + got, minlength=n_groups * k).reshape(n_groups, k)
    caps = np.array(
        [[np.nan if c is None else c for c in counts[n][0]] for n in sizes], dtype=float
    ).reshape(n_groups, k)
    mins = np.array([counts[n][1] for n in sizes], dtype=np.int64).reshape(n_groups, k)
    table = keys.iloc[np.repeat(np.arange(n_groups), k)].reset_index(drop=True)
    with np.errstate(invalid="ignore"):
        ok = (count >= mins) & (np.isnan(caps) | (count <= caps))
    table = table.assign(
        grade=np.tile([q.name for q in qs], n_groups),
        n=np.repeat(sizes, k),
        max_share=np.tile(
            [np.nan if q.max_share is None else float(q.max_share) for q in qs], n_groups
        ),
        cap=pd.array(caps.ravel(), dtype="Float64").astype("Int64"),
        min_share=np.tile([float(q.min_share) for q in qs], n_groups),
        min=mins.ravel(),
        count=count.ravel(),
        share=(count / np.maximum(sizes, 1)[:, None]).ravel(),
        tied_at_cap=straddled.ravel(),
        ok=ok.ravel(),
    )
    return table


def _borderline_table(
    keys: pd.DataFrame,
    names: list[str],
    members: np.ndarray,
    scores: np.ndarray,
    got: np.ndarray,
    flags: np.ndarray,
    group_of: np.ndarray,
    epsilon: float,
) -> pd.DataFrame:
    """Members of grade k or below whose score lies within ``epsilon`` of grade k's cut-off.

    All arrays are in sorted order (group, then best first); the cut-off of grade k in a
    group is the lowest score admitted to it there.
    """
    n_groups, k_last = len(keys), len(names) - 1
    picked, boundary, cutoffs, lowers = [], [], [], []
    for k in range(k_last):
        cutoff = np.full(n_groups, np.inf)
        np.minimum.at(cutoff, group_of[got == k], scores[got == k])
        lower = np.full(n_groups, k_last + 1)
        np.minimum.at(lower, group_of[got > k], got[got > k])
        member_cut = cutoff[group_of]
        near = np.flatnonzero((got >= k) & (np.abs(scores - member_cut) <= epsilon))
        picked.append(near)
        boundary.append(np.full(near.size, k))
        cutoffs.append(member_cut[near])
        lowers.append(lower[group_of[near]])
    pos, kk = np.concatenate(picked).astype(np.int64), np.concatenate(boundary).astype(np.int64)
    cut, low = np.concatenate(cutoffs), np.concatenate(lowers).astype(np.int64)
    order = np.lexsort((pos, kk, group_of[pos]))
    pos, kk, cut, low = pos[order], kk[order], cut[order], low[order]
    grade_names = np.asarray([*names, None], dtype=object)
    return (
        keys.iloc[group_of[pos]]
        .reset_index(drop=True)
        .assign(
            member=members[pos],
            score=scores[pos],
            grade=grade_names[got[pos]],
            vetoed=flags[pos],
            upper_grade=grade_names[kk],
            lower_grade=grade_names[low],
            cutoff=cut,
            distance=scores[pos] - cut,
        )
    )
