"""The quarterly appraisal: Pioneer Index (先锋指数) per member, ranks, grades, 同比/环比,
watch list and five-star branches, with every step kept so an auditor can recompute it.

The index of a member in a quarter is

    index = base + (ceiling − base) × Σⱼ wⱼ · nⱼ − deductions,   clipped to [0, ceiling]

where nⱼ is indicator j's capped points after the scheme's normalisation (for the
default ``goalpost`` normalisation nⱼ = pointsⱼ / quarter_capⱼ), wⱼ the scheme's
weights, and deductions the capped event points. A veto with effect ``zero`` sets the
index to 0; the other veto effects act on the grade.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from assess.appraisal.ahp import AHPResult, ahp_weights
from assess.appraisal.branch_metrics import branch_metrics
from assess.appraisal.change import compare_periods
from assess.appraisal.grading import GradeResult, Quota, assign_grades
from assess.appraisal.ledger import build_ledger, capped_points, event_points, member_panel
from assess.appraisal.normalise import aggregate, normalise
from assess.appraisal.ranking import rank
from assess.appraisal.robustness import RobustnessResult, rank_robustness
from assess.appraisal.stars import StarResult, rate_branches
from assess.appraisal.watchlist import watch_list
from assess.appraisal.weights import (
    WeightResult,
    combine_weights,
    critic_weights,
    entropy_weights,
    given_weights,
)
from assess.appraisal.workbook import appraisal_about, appraisal_sheets
from assess.core.checks import check_bool, check_path, check_quarter, check_unit
from assess.core.dataset import Dataset
from assess.core.display import ResultDisplay
from assess.core.errors import ParameterError
from assess.core.excel import write_workbook
from assess.core.glossary import check_language, term
from assess.core.periods import shift_quarter
from assess.core.plotting import new_axes
from assess.core.scheme import GradeLevel, Scheme, load_scheme
from assess.core.units import unit_paths, units_under

__all__ = ["Appraisal", "score_quarter", "index_panel"]


@dataclass(frozen=True)
class _QuarterScores:
    index: pd.DataFrame
    weights: WeightResult
    ahp: AHPResult | None
    normalisation: pd.DataFrame
    notes: tuple[str, ...]


def _weights(matrix: pd.DataFrame, scheme: Scheme) -> tuple[WeightResult, AHPResult | None]:
    directions = {i.code: i.direction for i in scheme.indicators}
    ahp = None
    if scheme.ahp_matrix is not None:
        ahp = ahp_weights(
            pd.DataFrame(
                scheme.ahp_matrix, index=scheme.indicator_codes, columns=scheme.indicator_codes
            )
        )
    if scheme.weighting == "given":
        return given_weights({i.code: float(i.weight or 0.0) for i in scheme.indicators}), None
    if scheme.weighting == "ahp" and ahp is not None:
        return ahp, ahp
    if scheme.weighting == "critic":
        return critic_weights(matrix, directions=directions), None
    entropy = entropy_weights(matrix, directions=directions)
    if scheme.weighting == "entropy" or ahp is None:
        return entropy, None
    return combine_weights(ahp, entropy, subjective_share=scheme.subjective_share), ahp


def _score_one_quarter(
    matrix: pd.DataFrame, deductions: pd.Series, zeroed: pd.Series, scheme: Scheme
) -> _QuarterScores:
    directions = {i.code: i.direction for i in scheme.indicators}
    goalposts = {i.code: (0.0, i.quarter_cap) for i in scheme.indicators}
    norm = normalise(
        matrix,
        method=scheme.normalisation,
        directions=directions,
        goalposts=goalposts if scheme.normalisation == "goalpost" else None,
    )
    with warnings.catch_warnings(record=True) as caught:
        # Constant indicators get weight 0 with a warning; the appraisal reports it.
        warnings.simplefilter("always")
        weights, ahp = _weights(matrix, scheme)
    notes = tuple(dict.fromkeys(str(w.message) for w in caught))
    agg = aggregate(
        norm,
        weights.weights,
        method=scheme.aggregation,
        zero_guard="zero" if scheme.aggregation == "geometric" else "error",
    )
    span = scheme.ceiling - scheme.base
    before_veto = (scheme.base + span * agg.scores - deductions).clip(0.0, scheme.ceiling)
    index = before_veto.where(~zeroed, 0.0)
    frame = pd.DataFrame(
        {
            "weighted": agg.scores,
            "deductions": deductions,
            "index_before_veto": before_veto,
            "index": index,
        }
    )
    return _QuarterScores(frame, weights, ahp, norm.parameters, notes)


def index_panel(
    data: Dataset, *, quarters: list[str], scheme: Scheme
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, _QuarterScores]]:
    """Score every member in each of ``quarters`` in one vectorised pass.

    Returns
    -------
    scored : DataFrame
        One row per member and quarter (the member panel) with the capped points of
        every indicator, ``weighted``, ``deductions``, ``index_before_veto`` and ``index``.
    events : DataFrame
        The deduction and veto rows of the ledger for all these quarters.
    per_quarter : dict
        Weights, normalisation parameters and notes of each quarter.
    """
    panel = member_panel(data.staff, quarters)
    points = pd.DataFrame(
        capped_points(data.points, panel, scheme),
        columns=scheme.indicator_codes,
        index=panel.index,
    )
    event_rows = event_points(data.events, panel, scheme)
    rows = pd.MultiIndex.from_frame(panel[["person_id", "quarter"]])
    keyed = event_rows.set_index(["person_id", "quarter"])
    deductions = -(
        keyed.loc[keyed["kind"] == "deduct", "points"]
        .groupby(level=[0, 1])
        .sum()
        .reindex(rows, fill_value=0.0)
        .to_numpy()
    )
    zero_codes = {v.code for v in scheme.vetoes if v.effect == "zero"}
    zeroed = rows.isin(keyed.loc[keyed["rule"].isin(zero_codes)].index.unique())
    per_quarter: dict[str, _QuarterScores] = {}
    parts = []
    quarter_of_row = panel["quarter"].to_numpy()
    for quarter in quarters:
        mask = quarter_of_row == quarter
        scores = _score_one_quarter(
            points.loc[mask],
            pd.Series(deductions[mask], index=points.index[mask]),
            pd.Series(zeroed[mask], index=points.index[mask]),
            scheme,
        )
        per_quarter[quarter] = scores
        parts.append(scores.index)
    scored = pd.concat([panel, points, pd.concat(parts)], axis=1)
    return scored, event_rows, per_quarter


@dataclass(frozen=True)
class Appraisal(ResultDisplay):
    """The quarterly appraisal of one quarter (see :func:`score_quarter`).

    Attributes
    ----------
    quarter : str
    scheme : Scheme
    members : DataFrame
        One row per member: ``person_id``, ``name``, ``unit_code`` (branch), ``city``,
        ``county``, the capped points of each indicator, ``weighted`` (Σ w·n),
        ``deductions``, ``index_before_veto``, ``vetoes`` (codes), ``index``, ranks
        ``rank_branch``, ``rank_county``, ``rank_city``, ``rank_overall`` (competition
        ranking, 1-2-2-4), ``grade``, ``borderline``, and ``index_yoy``/``index_qoq``
        (display strings of the 同比/环比 change).
    ledger : DataFrame
        The points ledger with its reason trail (see :func:`assess.appraisal.ledger.build_ledger`).
    calculation : DataFrame
        计算过程: per member and indicator the points, cap, normalised value, weight and
        contribution, so ``index`` can be recomputed by hand.
    weights : WeightResult
    ahp : AHPResult or None
    grades : GradeResult
    changes : DataFrame
        同比/环比 of each member's index (Chinese statistical conventions, see
        :func:`assess.appraisal.change.compare_periods`), with display strings.
    branch_changes : DataFrame
        同比/环比 of each branch's mean index and mean points of every indicator
        (``measure`` names which), on a comparable basis — members present in both
        quarters — when ``score_quarter(comparable=True)``.
    watch : DataFrame
        谈心谈话 watch list.
    stars : StarResult
        Five-star branch rating with gaps.
    notes : tuple of str
        What the computation had to decide on its own (e.g. an indicator that did not
        vary this quarter got entropy weight 0), bilingual.
    unit : str or None
        The unit of a slice (:meth:`for_unit`) of the whole organisation's appraisal;
        ``None`` for the appraisal as scored.
    """

    quarter: str
    scheme: Scheme
    members: pd.DataFrame
    ledger: pd.DataFrame
    calculation: pd.DataFrame
    weights: WeightResult
    ahp: AHPResult | None
    grades: GradeResult
    changes: pd.DataFrame
    branch_changes: pd.DataFrame
    watch: pd.DataFrame
    stars: StarResult
    notes: tuple[str, ...] = ()
    unit: str | None = None
    _indicators: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    _title = "季度考评 / Quarterly appraisal"

    def to_frame(self) -> pd.DataFrame:
        """The per-member table."""
        return self.members

    def summary(self) -> str:
        """Key figures in Chinese, then English."""
        m = self.members
        n = len(m)
        grade_counts = (
            m["grade"].value_counts().reindex([g.name for g in self.scheme.grades], fill_value=0)
        )
        zh_grades = "、".join(f"{g} {c:,} 人" for g, c in grade_counts.items())
        en_grades = ", ".join(f"{lv.en} {grade_counts[lv.name]:,}" for lv in self.scheme.grades)
        q = self.quarter
        mean, median = m["index"].mean(), m["index"].median()
        n_watch, n_veto = len(self.watch), int((m["vetoes"] != "").sum())
        compliance_ok = bool(self.grades.compliance["ok"].all())
        zh = (
            f"{q} 共 {n:,} 名党员参评，先锋指数均值 {mean:.1f}、中位数 {median:.1f}。"
            f"等次：{zh_grades}。一票否决 {n_veto:,} 人；谈心谈话名单 {n_watch:,} 人。"
            + (
                "各支部等次比例均符合限额。"
                if compliance_ok
                else "有支部等次比例未达要求，见合规表。"
            )
        )
        en = (
            f"{q}: {n:,} members appraised; mean Pioneer Index {mean:.1f}, median {median:.1f}. "
            f"Grades: {en_grades}. Vetoed: {n_veto:,}; watch list: {n_watch:,}. "
            + (
                "Every branch is within its grade quotas."
                if compliance_ok
                else "Some branches miss a grade quota; see the compliance table."
            )
        )
        if self.unit is not None:
            # A slice: ranks and grades are the whole organisation's published ones.
            zh += "（先锋指数、名次和等次为全单位统一考评、统一发布的结果，此处按本单位摘取。）"
            en += (
                " (Index, ranks and grades are those of the one appraisal published for the"
                " whole organisation, taken for this unit.)"
            )
        return f"{zh}\n\n{en}"

    def plot(self, ax: Axes | None = None, *, language: str = "zh") -> Axes:
        """Histogram of the index, stacked by grade, labelled in ``language``."""
        check_language("Appraisal.plot", language)
        ax = new_axes(ax)
        names = [g.name for g in self.scheme.grades]
        data = [self.members.loc[self.members["grade"] == g, "index"] for g in names]
        colours = ["#c0392b", "#e67e22", "#95a5a6", "#34495e", "#7f8c8d"][: len(names)]
        ax.hist(data, bins=30, stacked=True, label=names, color=colours)
        ax.set_xlabel(term("pioneer_index", language))
        ax.set_ylabel(term("members_axis", language))
        ax.set_title(f"{self.quarter} {term('index_distribution', language)}")
        # A fixed place: "best" searches the bars and warns when that is slow.
        ax.legend(title=term("grade", language), loc="upper left")
        return ax

    def to_excel(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Write the appraisal workbook (说明 first, Chinese headers, number formats,
        计算过程); the sheets are :func:`assess.appraisal.workbook.appraisal_sheets`."""
        check_path("Appraisal.to_excel", "path", path)
        check_bool("Appraisal.to_excel", "overwrite", overwrite)
        sheets, notes = appraisal_sheets(
            self.scheme,
            self.quarter,
            members=self.members,
            stars=self.stars,
            grades=self.grades,
            watch=self.watch,
            ledger=self.ledger,
            weights=self.weights,
            ahp=self.ahp,
            calculation=self.calculation,
            notes=self.notes,
        )
        about = appraisal_about(self.scheme, self.quarter, self.unit)
        return write_workbook(path, sheets, overwrite=overwrite, notes=notes, about=about)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables saved to the store as this quarter's published appraisal.

        Everything a report shows is in them, so :meth:`from_tables` rebuilds the
        appraisal a report reads (the points ledger and the 计算过程 are in the workbook).
        """
        weights = self.weights.weights.rename("weight").rename_axis("indicator").reset_index()
        details = self.weights.details.rename_axis("indicator").reset_index()
        meta = pd.DataFrame(
            {
                "key": ["quarter", "method", "convention_zh", "convention_en"]
                + ["note"] * len(self.notes),
                "value": [
                    self.quarter,
                    self.weights.method,
                    self.weights.convention_zh,
                    self.weights.convention_en,
                    *self.notes,
                ],
            }
        )
        return {
            "members": self.members,
            "branches": self.stars.table.reset_index(),
            "gaps": self.stars.gaps,
            "compliance": self.grades.compliance,
            "watch": self.watch,
            "weights": weights,
            "weight_details": details,
            "borderline": self.grades.borderline,
            "changes": self.changes,
            "branch_changes": self.branch_changes,
            "meta": meta,
        }

    @classmethod
    def from_tables(cls, tables: Mapping[str, pd.DataFrame], *, scheme: Scheme) -> Appraisal:
        """The appraisal rebuilt from its published tables (:meth:`tables`), unchanged.

        Every index, rank and grade is the published one: nothing is scored again.
        The points ledger and the 计算过程 are not published (they are in the workbook):
        ``ledger`` and ``calculation`` are empty.

        Parameters
        ----------
        tables : mapping of str to DataFrame
            ``Store.published("appraisal", quarter)``.
        scheme : Scheme
            The scheme the result was published under (its SHA-256 is in the
            publication's params).

        Raises
        ------
        ParameterError
            A table of :meth:`tables` is missing.

        Examples
        --------
        >>> import tempfile
        >>> from assess.io.demo import generate
        >>> from assess.io.validation import load_inputs
        >>> folder = tempfile.mkdtemp()
        >>> _ = generate(folder + "/demo", size="small", seed=1, progress=False)
        >>> scored = score_quarter(load_inputs(folder + "/demo"), quarter="2026Q3")
        >>> back = Appraisal.from_tables(scored.tables(), scheme=scored.scheme)
        >>> back.members["grade"].equals(scored.members["grade"])
        True
        """
        needed = (
            *("members", "branches", "gaps", "compliance", "watch", "weights"),
            *("weight_details", "borderline", "changes", "branch_changes", "meta"),
        )
        missing = [n for n in needed if n not in tables]
        if missing:
            raise ParameterError(
                "Appraisal.from_tables",
                "tables",
                f"the tables of Appraisal.tables() ({', '.join(needed)})",
                ", ".join(missing),
                zh=f"发布的考评结果缺少表：{'、'.join(missing)}（请用新版本重新运行 assess score）",
            )
        members = tables["members"].reset_index(drop=True)
        meta = tables["meta"]
        value = dict(zip(meta["key"], meta["value"], strict=True))
        notes = tuple(meta.loc[meta["key"] == "note", "value"].astype(str))
        codes = scheme.indicator_codes
        weights = WeightResult(
            weights=tables["weights"].set_index("indicator")["weight"].rename(None),
            method=str(value["method"]),
            convention_zh=str(value["convention_zh"]),
            convention_en=str(value["convention_en"]),
            details=tables["weight_details"].set_index("indicator"),
        )
        ahp = None
        if scheme.ahp_matrix is not None:
            ahp = ahp_weights(pd.DataFrame(scheme.ahp_matrix, index=codes, columns=codes))
        ids = members.set_index("person_id")
        names = [g.name for g in scheme.grades]
        grades = GradeResult(
            grades=pd.Series(pd.Categorical(ids["grade"], categories=names), index=ids.index),
            scores=ids["index"],
            vetoed=ids["vetoes"] != "",
            groups=ids[["unit_code"]] if scheme.quota_scope == "branch" else None,
            compliance=tables["compliance"],
            borderline=tables["borderline"],
            quotas=tuple(_quota(g) for g in scheme.grades),
            rounding=scheme.rounding,
            min_rounding=scheme.rounding,
            tie_policy=scheme.tie_policy,
            veto_effect="per member",
            epsilon=scheme.borderline,
        )
        return cls(
            quarter=str(value["quarter"]),
            scheme=scheme,
            members=members,
            ledger=pd.DataFrame(),
            calculation=pd.DataFrame(),
            weights=weights,
            ahp=ahp,
            grades=grades,
            changes=tables["changes"],
            branch_changes=tables["branch_changes"],
            watch=tables["watch"],
            stars=StarResult(
                table=tables["branches"].set_index("unit_code"),
                gaps=tables["gaps"],
                rules=scheme.stars,
            ),
            notes=notes,
            _indicators=ids[codes],
        )

    def for_unit(self, unit: str, units: pd.DataFrame) -> Appraisal:
        """The published appraisal of the members of branches under ``unit`` (any level).

        A slice, not a new appraisal: indexes, ranks and grades stay those of the whole
        organisation, and :meth:`summary` says so. Quotas are checked in the groups the
        scheme counts them in: per branch, the slice's branches; pooled, the whole
        organisation's one group (the slice alone is not a quota group).

        Examples
        --------
        >>> import tempfile
        >>> from assess.io.demo import generate
        >>> from assess.io.validation import load_inputs
        >>> folder = tempfile.mkdtemp()
        >>> _ = generate(folder + "/demo", size="small", seed=1, progress=False)
        >>> data = load_inputs(folder + "/demo")
        >>> whole = score_quarter(data, quarter="2026Q3")
        >>> city = whole.for_unit("01", data.units)
        >>> bool(city.members["grade"].isin(whole.members["grade"]).all()), city.unit
        (True, '01')
        """
        check_unit("Appraisal.for_unit", unit, units)
        branches = set(units_under(units, unit))
        inside = self.members["unit_code"].isin(branches)
        members = self.members.loc[inside].reset_index(drop=True)
        people = pd.Index(members["person_id"])
        g = self.grades
        comp = g.compliance
        if g.groups is not None and "unit_code" in comp:
            comp = comp.loc[comp["unit_code"].isin(branches)].reset_index(drop=True)
        border = g.borderline
        border = border.loc[border["member"].isin(people)].reset_index(drop=True)
        grades = replace(
            g,
            grades=g.grades.reindex(people),
            scores=g.scores.reindex(people),
            vetoed=g.vetoed.reindex(people),
            groups=None if g.groups is None else g.groups.reindex(people),
            compliance=comp,
            borderline=border,
        )
        table = self.stars.table
        stars = replace(
            self.stars,
            table=table.loc[table.index.isin(branches)],
            gaps=self.stars.gaps.loc[self.stars.gaps["unit_code"].isin(branches)].reset_index(
                drop=True
            ),
        )
        bc = self.branch_changes
        return replace(
            self,
            members=members,
            ledger=self.ledger.loc[self.ledger["person_id"].isin(people)]
            if "person_id" in self.ledger
            else self.ledger,
            calculation=self.calculation.loc[self.calculation["person_id"].isin(people)]
            if "person_id" in self.calculation
            else self.calculation,
            grades=grades,
            changes=self.changes.loc[self.changes["person_id"].isin(people)].reset_index(drop=True),
            branch_changes=bc.loc[bc["unit_code"].isin(branches)].reset_index(drop=True),
            watch=self.watch.loc[self.watch["unit_code"].isin(branches)].reset_index(drop=True),
            stars=stars,
            unit=unit,
            _indicators=self._indicators.loc[self._indicators.index.isin(people)],
        )

    def params(self) -> dict[str, str]:
        """What produced this appraisal, saved with the published revision."""
        return {
            "quarter": self.quarter,
            "scheme": self.scheme.name,
            "scheme_sha256": self.scheme.sha256,
        }

    def robustness(
        self, *, draws: int = 1000, seed: int = 0, groups: str | None = None
    ) -> RobustnessResult:
        """How stable each member's rank and grade are when weights and methods change.

        Dirichlet draws around the scheme's weights, with every normalisation and
        aggregation alternative (see :func:`assess.appraisal.robustness.rank_robustness`).
        """
        matrix = self._indicators
        # Capped grades take their maximum share; the first uncapped grade takes the rest.
        shares: dict[str, float] = {}
        for g in self.scheme.grades:
            if g.max_share is not None:
                shares[g.name] = float(g.max_share)
            else:
                shares[g.name] = 1.0 - sum(shares.values())
                break
        goalposts = {i.code: (0.0, i.quarter_cap) for i in self.scheme.indicators}
        return rank_robustness(
            matrix,
            weights=self.weights.weights,
            directions={i.code: i.direction for i in self.scheme.indicators},
            draws=draws,
            seed=seed,
            grade_shares=shares,
            normalisations=tuple(
                dict.fromkeys((self.scheme.normalisation, "minmax", "zscore", "rank"))
            ),
            goalposts=goalposts,
            groups=None if groups is None else self.members.set_index("person_id")[groups],
        )


def _veto_table(ledger: pd.DataFrame, scheme: Scheme) -> tuple[pd.Series, pd.Series]:
    """Per member: the veto codes that fired, and the grade effect for assign_grades."""
    vetoes = ledger.loc[ledger["kind"] == "veto"]
    codes = vetoes.groupby("person_id")["rule"].agg(lambda s: ";".join(sorted(s)))
    rank_of = {g.name: i for i, g in enumerate(scheme.grades)}
    by_code = {v.code: v for v in scheme.vetoes}
    effects = {}
    for person, rules in vetoes.groupby("person_id")["rule"]:
        # Several vetoes: the strictest wins (zero, then the lowest capped grade).
        applied = [by_code[r] for r in rules]
        if any(v.effect == "zero" for v in applied):
            effects[person] = "zero"
            continue
        caps = [v.cap_grade for v in applied if v.effect == "cap" and v.cap_grade]
        if caps:
            effects[person] = "cap:" + max(caps, key=lambda g: rank_of[g])
        else:
            effects[person] = "exclude-top"
    # As text also when no veto fired (an empty aggregate is float).
    return codes.astype("str"), pd.Series(effects, dtype=object)


def score_quarter(
    data: Dataset,
    *,
    quarter: str,
    scheme: Scheme | None = None,
    unit: str | None = None,
    comparable: bool = False,
) -> Appraisal:
    """Score every member in ``quarter``: index, ranks, grades, changes, watch list, stars.

    Parameters
    ----------
    data : Dataset
        Inputs with history (``assess.read_store(...)``): the quarter and, for 同比/环比,
        the quarter before and the same quarter a year earlier when present.
    quarter : str
        E.g. ``"2026Q3"`` or ``"2026年第3季度"``.
    scheme : Scheme, optional
        Defaults to the shipped illustrative scheme (:func:`assess.core.scheme.load_scheme`).
    unit : str, optional
        Restrict to members of branches under this unit (any level). Weights, grades and
        ranks are then computed within that scope.
    comparable : bool, default False
        Compare branch means on a comparable basis (可比口径): only members present in
        both quarters.

    Returns
    -------
    Appraisal

    Examples
    --------
    >>> import tempfile, assess
    >>> from assess.io.demo import generate
    >>> from assess.io.validation import load_inputs
    >>> folder = tempfile.mkdtemp()
    >>> _ = generate(folder + "/demo", size="small", seed=1, progress=False)
    >>> appraisal = score_quarter(load_inputs(folder + "/demo"), quarter="2026Q3")
    >>> bool(appraisal.members["index"].between(0, 100).all())
    True
    """
    quarter = check_quarter("score_quarter", quarter)
    check_bool("score_quarter", "comparable", comparable)
    if unit is not None:
        check_unit("score_quarter", unit, data.units)
    scheme = scheme or load_scheme()
    staff = data.staff
    if unit is not None:
        staff = staff.loc[staff["unit_code"].isin(units_under(data.units, unit))]
    quarters = sorted({quarter, shift_quarter(quarter, -1), shift_quarter(quarter, -4)})
    available = set(data.points["quarter"].unique())
    if quarter not in available:
        raise ParameterError(
            "score_quarter",
            "quarter",
            "a quarter present in the points table",
            quarter,
            zh=f"指标积分表中没有 {quarter} 的数据，请先导入该季度",
        )
    quarters = [q for q in quarters if q in available]
    sub = replace(data, staff=staff)
    scored, _, per_quarter = index_panel(sub, quarters=quarters, scheme=scheme)
    now = scored.loc[scored["quarter"] == quarter].reset_index(drop=True)
    # The reason trail with evidence ids is built for the appraised quarter only.
    q_ledger = build_ledger(sub.points, sub.events, now[["person_id", "quarter"]], scheme)
    parts = per_quarter[quarter]
    members = _member_table(now, sub, scheme)
    veto_codes, veto_effects = _veto_table(q_ledger, scheme)
    members["vetoes"] = veto_codes.reindex(members["person_id"], fill_value="").to_numpy()
    ids = members.set_index("person_id")
    vetoed = ids["vetoes"] != ""
    effects = veto_effects.reindex(ids.index).fillna("exclude-top")
    grades = assign_grades(
        ids["index"],
        quotas=[_quota(g) for g in scheme.grades],
        groups=ids["unit_code"] if scheme.quota_scope == "branch" else None,
        rounding=scheme.rounding,
        tie_policy=scheme.tie_policy,
        vetoed=vetoed,
        veto_effect=effects,
        epsilon=scheme.borderline,
    )
    members["grade"] = grades.grades.reindex(ids.index).astype(str).to_numpy()
    # get_indexer rather than isin: isin of a text column against half a million ids (at
    # national size) loops over them in Python.
    borderline = pd.Index(grades.borderline["member"]).unique()
    members["borderline"] = borderline.get_indexer(members["person_id"]) >= 0
    for level in ("branch", "county", "city"):
        key = ids["unit_code" if level == "branch" else level]
        # A member of a branch directly under a city has no county: no rank within one
        # (members without the level are not one fake county ranked together).
        members[f"rank_{level}"] = rank(
            ids["index"].where(key.notna()), groups=key.fillna("")
        ).array
    members["rank_overall"] = rank(ids["index"]).to_numpy()
    changes = _changes(scored, quarter)
    branch_changes = _branch_changes(
        scored, ["index", *scheme.indicator_codes], quarter, comparable=comparable
    )
    # Three quarters of every member are not needed any more: at national size, memory
    # for the calculation table built below.
    del scored
    index_changes = changes.set_index(["person_id", "kind"])
    for kind in ("yoy", "qoq"):
        text = (
            index_changes.xs(kind, level="kind")["display_zh"]
            if kind in index_changes.index.get_level_values("kind")
            else pd.Series(dtype=object)
        )
        members[f"index_{kind}"] = members["person_id"].map(text).fillna("—")
    matrix = now.set_index("person_id")[scheme.indicator_codes]
    watch = watch_list(sub.events, members, scheme.watch, quarter=quarter)
    metrics = branch_metrics(sub, members, quarter=quarter)
    branch_veto_types = set(scheme.stars.veto_event_types)
    vetoed_branches = _vetoed_branches(sub.events, branch_veto_types, quarter, metrics.index)
    stars = rate_branches(metrics, scheme.stars, vetoed=vetoed_branches)
    calculation = _calculation(members, matrix, parts, scheme)
    return Appraisal(
        quarter=quarter,
        scheme=scheme,
        members=members,
        ledger=q_ledger,
        calculation=calculation,
        weights=parts.weights,
        ahp=parts.ahp,
        grades=grades,
        changes=changes,
        branch_changes=branch_changes,
        watch=watch,
        stars=stars,
        notes=parts.notes,
        _indicators=matrix,
    )


def _quota(grade: GradeLevel) -> Quota:
    # The scheme keeps shares as the exact text of the TOML file; quotas count in Decimal.
    top = None if grade.max_share is None else Decimal(grade.max_share)
    return Quota(grade.name, top, Decimal(grade.min_share or "0"), en=grade.en)


def _member_table(now: pd.DataFrame, data: Dataset, scheme: Scheme) -> pd.DataFrame:
    paths = unit_paths(data.units)
    table = now[["person_id", "name", "unit_code"]].copy()
    table["branch_name"] = table["unit_code"].map(paths["unit_name"])
    table["county"] = table["unit_code"].map(paths["county"])
    table["city"] = table["unit_code"].map(paths["city"])
    columns = [*scheme.indicator_codes, "weighted", "deductions", "index_before_veto", "index"]
    return pd.concat([table, now[columns]], axis=1)


def _changes(scored: pd.DataFrame, quarter: str) -> pd.DataFrame:
    from assess.appraisal.change import format_changes

    out = compare_periods(
        scored[["person_id", "quarter", "index"]],
        value_col="index",
        by="person_id",
        kind="both",
        at=quarter,
    )
    out["display_zh"] = format_changes(out, language="zh")
    out["display_en"] = format_changes(out, language="en")
    return out


def _branch_changes(
    scored: pd.DataFrame, measures: list[str], quarter: str, *, comparable: bool
) -> pd.DataFrame:
    """同比/环比 of each branch's mean of every measure (``measure`` names which).

    Per indicator the changes are per branch: per member they would be ten times the rows
    of the member table (30 million at national size) for little use. One measure at a
    time, for the same reason: a long table of every measure would hold 30 million rows.
    """
    # Branches and members as integer codes (branches numbered in sorted order, so that
    # the result sorts as by text): grouping ten times on text would cost more.
    branch, branches = pd.factorize(scored["unit_code"], sort=True, use_na_sentinel=False)
    codes = pd.DataFrame(
        {
            "person": pd.factorize(scored["person_id"], use_na_sentinel=False)[0],
            "branch": branch,
            "quarter": scored["quarter"],
        }
    )
    parts = {}
    for measure in measures:
        part = compare_periods(
            codes.assign(value=scored[measure].to_numpy()),
            value_col="value",
            by="branch",
            kind="both",
            at=quarter,
            agg="mean",
            entity_col="person",
            comparable=comparable,
        )
        part.insert(0, "unit_code", branches.take(part.pop("branch").to_numpy()))
        parts[measure] = part
    # The order of compare_periods with by=["measure", "unit_code"]: by comparison, then
    # measure, branch and quarter.
    out = pd.concat(
        [
            part.loc[part["kind"] == kind].assign(measure=measure)
            for kind in ("yoy", "qoq")
            for measure, part in sorted(parts.items())
        ],
        ignore_index=True,
    )
    return out[["measure", *out.columns[:-1]]]


def _vetoed_branches(
    events: pd.DataFrame, types: set[str], quarter: str, branches: pd.Index
) -> pd.Series:
    from assess.appraisal.ledger import quarter_events

    evts = quarter_events(events, quarter)
    hit = set(evts.loc[evts["type"].isin(types), "unit_code"])
    return pd.Series(branches.isin(list(hit)), index=branches)


def _calculation(
    members: pd.DataFrame, matrix: pd.DataFrame, parts: _QuarterScores, scheme: Scheme
) -> pd.DataFrame:
    """计算过程: one row per member and indicator, plus the totals, to recompute by hand."""
    weights = parts.weights.weights
    params = parts.normalisation
    span = scheme.ceiling - scheme.base
    codes = pd.Index(matrix.columns)
    n = len(codes)

    def per_indicator(values: pd.Series) -> np.ndarray:
        return np.tile(values.reindex(codes).to_numpy(dtype=float), len(matrix))

    # Built column by column (member-major, indicators in scheme order), not by stack and
    # join: at national size the table has 9 million rows.
    long = pd.DataFrame(
        {
            "person_id": matrix.index.repeat(n),
            "indicator": codes[np.tile(np.arange(n), len(matrix))],
            "points": matrix.to_numpy(dtype=float).ravel(),
        }
    )
    loc, scale = per_indicator(params["location"]), per_indicator(params["scale"])
    long["location"], long["scale"] = loc, scale
    normalised = (long["points"] - loc) / scale
    if scheme.normalisation == "goalpost":
        normalised = normalised.clip(0.0, 1.0)
    long["normalised"] = normalised
    long["weight"] = per_indicator(weights)
    long["contribution"] = span * long["weight"] * long["normalised"]
    totals = members.set_index("person_id").reindex(matrix.index)
    for column in ("deductions", "index_before_veto", "vetoes", "index"):
        long[column] = totals[column].repeat(n).to_numpy()
    long["base"] = scheme.base
    return long
