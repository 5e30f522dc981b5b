"""Quarterly exam analytics (每季一考): scores, pass rate, section mastery, item analysis.

Flow: :func:`score_responses` marks every answer against the item bank;
:func:`analyse_exam` builds the taker × item score matrix of one quarter and computes
participation, the score distribution, the pass rate with a Wilson interval, section
mastery with blind-spot tests, classical item analysis and reliability, plus trends over
earlier quarters. :func:`cronbach_alpha` is the reliability coefficient on its own.

Scoring rules
-------------
* ``single`` and ``judge`` items: the normalised answer must equal the key. Answers are
  compared after Unicode NFKC folding (full-width Ａ → A), upper-casing and removing
  spaces and separators (``, ，、;；/|``). For judge items keyed in a true/false form,
  对/正确/√/T/Y are read as 对 and 错/错误/×/F/N as 错.
* ``multiple`` items: the set of letters chosen must equal the key's set
  (all-or-nothing). With ``multiple_rule="half_for_subset"`` a non-empty proper subset of
  the key earns half the points (the common 少选得一半、错选不得分 rule).
* ``scored`` items: the ``score`` given is the answer; an empty score is not answered.
* A ``score`` given for a choice item overrides the key (a manual re-mark).
* An empty answer scores 0 and is counted in ``n_missing``. The exam form of a quarter
  is every item anyone answered that quarter; a taker without a row for a form item gets
  0 for it as well, with a warning naming how many rows were filled.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy import stats
from statsmodels.stats.multitest import multipletests

from assess.core.checks import check_confidence, require_columns
from assess.core.display import ResultDisplay
from assess.core.errors import ParameterError, bilingual, check_choice
from assess.core.intervals import wilson_rate
from assess.core.periods import parse_dates, parse_quarter, quarter_bounds, quarter_index
from assess.core.plotting import label, new_axes
from assess.core.schema import ITEM_TYPES

__all__ = [
    "NAN_POLICIES",
    "MULTIPLE_RULES",
    "PLOT_KINDS",
    "Reliability",
    "ExamResult",
    "cronbach_alpha",
    "score_responses",
    "exam_totals",
    "analyse_exam",
    "exam_of_quarter",
]

NAN_POLICIES: tuple[str, ...] = ("pairwise", "listwise")
MULTIPLE_RULES: tuple[str, ...] = ("all_or_nothing", "half_for_subset")
PLOT_KINDS: tuple[str, ...] = ("histogram", "heatmap", "items")

#: Weak-item rules: difficulty below/above these, or corrected item–total r below.
WEAK_DIFFICULTY_LOW = 0.30
WEAK_DIFFICULTY_HIGH = 0.95
WEAK_R_DROP = 0.20
#: Share of takers in each of the upper and lower groups of the D index (Kelley 1939).
GROUP_FRACTION = 0.27
#: Label of the whole-scope row in per-unit tables.
ALL = "ALL"

_CHOICE_TYPES = ("single", "multiple", "judge")
_SEPARATORS = re.compile(r"[\s,，、;；/|]+")
_TRUE = frozenset({"T", "TRUE", "Y", "YES", "对", "正确", "是", "√", "✓"})
_FALSE = frozenset({"F", "FALSE", "N", "NO", "错", "错误", "否", "×", "✗", "X"})
_BANDS = ((0.0, 60.0), (60.0, 70.0), (70.0, 80.0), (80.0, 90.0), (90.0, 100.0))
# Scores are sums of fractional points; compare with the pass mark after rounding so
# that 79.99999999 from floating-point sums counts as 80.
_DECIMALS = 9


# ---------------------------------------------------------------------------------------
# Reliability
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reliability(ResultDisplay):
    """Cronbach's α with its Feldt interval.

    Attributes
    ----------
    estimate, ci_low, ci_high : float
        α and its two-sided Feldt interval.
    n : int
        Examinees used (rows with any answer; complete rows under ``"listwise"``).
    n_items : int
        Items (columns).
    method : str
        ``"KR-20"`` when every item is scored 0/1 (α then equals KR-20), else ``"alpha"``.
    nan_policy : str
        How missing entries were handled.
    confidence : float
        Confidence level of the interval.
    """

    estimate: float
    ci_low: float
    ci_high: float
    n: int
    n_items: int
    method: str
    nan_policy: str
    confidence: float

    _title = "信度 / Reliability"

    def to_frame(self) -> pd.DataFrame:
        """One row: ``method, estimate, ci_low, ci_high, n, n_items, confidence``."""
        return pd.DataFrame(
            [
                {
                    "method": self.method,
                    "estimate": self.estimate,
                    "ci_low": self.ci_low,
                    "ci_high": self.ci_high,
                    "n": self.n,
                    "n_items": self.n_items,
                    "confidence": self.confidence,
                }
            ]
        )

    def summary(self) -> str:
        """One line in Chinese, one in English."""
        name = "KR-20" if self.method == "KR-20" else "Cronbach α"
        ci = f"{self.ci_low:.3f}–{self.ci_high:.3f}"
        level = f"{self.confidence:.0%}"
        return (
            f"{name} = {self.estimate:.3f}（{level} 区间 {ci}；{self.n} 人，{self.n_items} 题）\n\n"
            f"{name} = {self.estimate:.3f} ({level} CI {ci}; {self.n} examinees, "
            f"{self.n_items} items)"
        )


def _alpha_from_cov(cov: np.ndarray) -> float:
    k = cov.shape[0]
    total_var = cov.sum()
    if k < 2 or not np.isfinite(total_var) or total_var <= 0:
        return float("nan")
    return float(k / (k - 1) * (1.0 - np.trace(cov) / total_var))


def _feldt(alpha: float, n: int, k: int, confidence: float) -> tuple[float, float]:
    if not np.isfinite(alpha) or n < 2 or k < 2:
        return float("nan"), float("nan")
    tail = (1.0 - confidence) / 2.0
    df1, df2 = n - 1, (n - 1) * (k - 1)
    low = 1.0 - (1.0 - alpha) * stats.f.isf(tail, df1, df2)
    high = 1.0 - (1.0 - alpha) * stats.f.isf(1.0 - tail, df1, df2)
    return float(low), float(high)


def cronbach_alpha(
    scores_wide: pd.DataFrame,
    *,
    nan_policy: Literal["pairwise", "listwise"] = "pairwise",
    confidence: float = 0.95,
) -> Reliability:
    """Cronbach's α of a persons × items score table, with a Feldt interval.

    Parameters
    ----------
    scores_wide : DataFrame
        One row per examinee, one numeric column per item; missing entries allowed.
    nan_policy : {"pairwise", "listwise"}, default "pairwise"
        ``"pairwise"`` computes each covariance from the rows where both items are present
        (R ``psych::alpha(x, use="pairwise")``); ``"listwise"`` first drops every row with
        a missing entry (``use="complete.obs"``).
    confidence : float, default 0.95
        Confidence level of the interval.

    Returns
    -------
    Reliability
        ``estimate``, ``ci_low``, ``ci_high``, ``n``, ``n_items``, ``method``.

    Raises
    ------
    ParameterError
        Fewer than 2 items or 2 examinees, non-numeric columns, a bad option.

    Notes
    -----
    α = k/(k−1) · (1 − Σᵢ σᵢ² / σ²ₓ) with σ²ₓ the sum of the item covariance matrix
    (Cronbach 1951); on 0/1 items it is KR-20 (Kuder & Richardson 1937). The interval is
    Feldt's (Feldt, Woodruff & Salih 1987): 1 − (1 − α)·F with F the upper and lower
    quantiles of F(n − 1, (n − 1)(k − 1)). ``n`` counts rows with any answer, or the
    complete rows under ``"listwise"``. Checked against pingouin 0.7's datasets, whose
    values R ``psych::alpha`` reproduces (``tests/data/make_exam_reference.py``).

    Examples
    --------
    >>> x = pd.DataFrame({"q1": [1, 1, 0, 1, 0], "q2": [1, 0, 0, 1, 0], "q3": [1, 1, 0, 1, 1]})
    >>> r = cronbach_alpha(x)
    >>> round(r.estimate, 4), r.n, r.method
    (0.7941, 5, 'KR-20')
    """
    func = "cronbach_alpha"
    check_choice(func, "nan_policy", nan_policy, NAN_POLICIES)
    check_confidence(func, confidence)
    if not isinstance(scores_wide, pd.DataFrame):
        raise ParameterError(func, "scores_wide", "a DataFrame", type(scores_wide).__name__)
    bad = [c for c in scores_wide.columns if not pd.api.types.is_numeric_dtype(scores_wide[c])]
    if bad:
        raise ParameterError(func, "scores_wide", "numeric columns only", bad)
    data = scores_wide.astype(float).dropna(how="all")
    if nan_policy == "listwise":
        data = data.dropna()
    n, k = data.shape
    if k < 2 or n < 2:
        raise ParameterError(func, "scores_wide", "at least 2 examinees and 2 items", f"{n} × {k}")
    alpha = _alpha_from_cov(data.cov().to_numpy())
    low, high = _feldt(alpha, n, k, confidence)
    values = data.to_numpy()
    binary = bool(np.isin(values[~np.isnan(values)], (0.0, 1.0)).all())
    return Reliability(
        alpha,
        low,
        high,
        int(n),
        int(k),
        "KR-20" if binary else "alpha",
        nan_policy,
        float(confidence),
    )


# ---------------------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------------------


def _clean(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", str(value)).upper())


def _canonical(item_type: str, text: str, truth_scale: bool) -> str:
    if item_type == "multiple":
        return "".join(sorted(set(text)))
    if item_type == "judge" and truth_scale:
        if text in _TRUE:
            return "对"
        if text in _FALSE:
            return "错"
    return text


def _credit(item_type: str, answer: str, key: str, rule: str) -> float:
    if not answer:
        return 0.0
    if answer == key:
        return 1.0
    if item_type == "multiple" and rule == "half_for_subset" and set(answer) < set(key):
        return 0.5
    return 0.0


def _check_items(func: str, items: pd.DataFrame) -> pd.DataFrame:
    require_columns(func, "items", items, ("item_id", "section", "item_type", "max_score"))
    bank = items.copy()
    bank["item_id"] = bank["item_id"].astype(str)
    if "key" not in bank.columns:
        bank["key"] = None
    dup = bank["item_id"][bank["item_id"].duplicated()].unique().tolist()
    if dup:
        raise ParameterError(
            func,
            "items",
            "unique item_id values",
            f"duplicated {dup[:5]}",
            zh=f"{func}：题库中题目编号重复：{dup[:5]}",
        )
    bad_type = sorted(set(bank["item_type"].astype(str)) - set(ITEM_TYPES))
    if bad_type:
        raise ParameterError(func, "items", f"item_type in {', '.join(ITEM_TYPES)}", bad_type)
    bank["max_score"] = pd.to_numeric(bank["max_score"], errors="coerce").astype(float)
    bad_max = bank.loc[~(bank["max_score"] > 0), "item_id"].tolist()
    if bad_max:
        raise ParameterError(
            func,
            "items",
            "max_score > 0 for every item",
            f"items {bad_max[:5]}",
            zh=f"{func}：题目满分必须大于 0：{bad_max[:5]}",
        )
    bank["key_clean"] = bank["key"].map(_clean)
    no_key = bank.loc[
        bank["item_type"].isin(_CHOICE_TYPES) & (bank["key_clean"] == ""), "item_id"
    ].tolist()
    if no_key:
        raise ParameterError(
            func,
            "items",
            "a key for every single/multiple/judge item",
            f"no key for {no_key[:5]}",
            zh=f"{func}：客观题缺少标准答案：{no_key[:5]}",
        )
    # Only judge items read 对/√/T… as one answer; "F" may be an option letter elsewhere.
    bank["truth_scale"] = (bank["item_type"] == "judge") & bank["key_clean"].isin(_TRUE | _FALSE)
    bank["key_norm"] = [
        _canonical(t, k, s)
        for t, k, s in zip(bank["item_type"], bank["key_clean"], bank["truth_scale"], strict=True)
    ]
    return bank


@dataclass(frozen=True)
class _Marks:
    """Marked responses as integer codes, one entry per response row.

    Millions of rows are routine (a province, several quarters), so strings are factorised
    once and every later step works on codes.
    """

    persons: pd.Index  # distinct person ids, sorted
    person: np.ndarray  # code into persons
    quarters: list[str]  # distinct canonical quarters
    quarter: np.ndarray  # code into quarters
    item: np.ndarray  # row of the item bank
    vocab: np.ndarray  # distinct normalised answers; vocab[0] == "" (no answer)
    answer: np.ndarray  # code into vocab
    answered: np.ndarray  # bool
    score: np.ndarray  # points


def _mark(func: str, bank: pd.DataFrame, responses: pd.DataFrame, rule: str) -> _Marks:
    require_columns(func, "responses", responses, ("person_id", "quarter", "item_id"))
    n_rows = len(responses)
    # Factorise first, convert the few distinct values: millions of rows are routine.
    i_codes, i_uniques = pd.factorize(responses["item_id"], use_na_sentinel=False)
    i_text = pd.Index(i_uniques, dtype=object).astype(str)
    known = pd.Index(bank["item_id"]).get_indexer(i_text)
    if (known < 0).any():
        unknown = sorted(i_text[known < 0])
        raise ParameterError(
            func,
            "responses",
            "item_id values found in the item bank",
            unknown[:5],
            zh=f"{func}：答卷中的题目不在题库中：{unknown[:5]}",
        )
    item_pos = known[i_codes]
    raw_q, raw_quarters = pd.factorize(responses["quarter"])
    parsed = [parse_quarter(str(q)) for q in raw_quarters]
    if (raw_q < 0).any() or None in parsed:
        bad = [q for q, v in zip(raw_quarters, parsed, strict=True) if v is None][:5]
        raise ParameterError(
            func,
            "responses",
            "quarters such as 2026Q3",
            bad or [None],
            zh=f"{func}：答卷中的季度无法识别：{bad or [None]}",
        )
    canon_codes, quarters = pd.factorize(np.asarray(parsed, dtype=object))
    quarter = canon_codes[raw_q] if n_rows else raw_q
    p_codes, p_uniques = pd.factorize(responses["person_id"], use_na_sentinel=False)
    p_text, persons = pd.factorize(pd.Index(p_uniques, dtype=object).astype(str), sort=True)
    person = p_text[p_codes]
    persons = pd.Index(persons, dtype=object)
    row_key = (person.astype(np.int64) * len(quarters) + quarter) * len(bank) + item_pos
    dup = pd.Series(row_key).duplicated().to_numpy()
    if dup.any():
        at = int(np.argmax(dup))
        first = [persons[person[at]], quarters[quarter[at]], bank["item_id"].iat[item_pos[at]]]
        raise ParameterError(
            func,
            "responses",
            "one row per person, quarter and item",
            f"{int(dup.sum())} duplicated rows, e.g. {first}",
            zh=f"{func}：答卷有 {int(dup.sum())} 行重复（同一人、季度、题目），如 {first}",
        )
    item_type = bank["item_type"].to_numpy()[item_pos]
    max_score = bank["max_score"].to_numpy()[item_pos]
    given = (
        pd.to_numeric(responses["score"], errors="coerce").to_numpy(dtype=float)
        if "score" in responses.columns
        else np.full(n_rows, np.nan)
    )
    has_score = ~np.isnan(given)
    out_of_range = has_score & ((given < 0) | (given > max_score + 1e-9))
    if out_of_range.any():
        at = int(np.argmax(out_of_range))
        item = bank["item_id"].iat[item_pos[at]]
        raise ParameterError(
            func,
            "responses",
            "scores between 0 and the item's max_score",
            f"{int(out_of_range.sum())} rows, e.g. {given[at]:g} for item {item}",
            zh=f"{func}：{int(out_of_range.sum())} 行得分超出 0～满分，如题目 {item} "
            f"得分 {given[at]:g}",
        )
    # Mark each distinct (item, raw answer) pair once; there are few of them.
    raw = (
        responses["response"]
        if "response" in responses.columns
        else pd.Series([None] * n_rows, dtype=object)
    )
    r_codes, r_uniques = pd.factorize(raw)
    width = len(r_uniques) + 1
    pair_codes, pairs = pd.factorize(item_pos.astype(np.int64) * width + (r_codes + 1))
    answers, credits = [], []
    for code in pairs:
        row = bank.iloc[int(code // width)]
        r = int(code % width) - 1
        text = "" if r < 0 or row["item_type"] == "scored" else _clean(r_uniques[r])
        answer = _canonical(row["item_type"], text, row["truth_scale"])
        answers.append(answer)
        credits.append(_credit(row["item_type"], answer, row["key_norm"], rule))
    vocab_codes, vocab = pd.factorize(np.asarray(["", *answers], dtype=object))
    answer_code = vocab_codes[1:][pair_codes]
    key_credit = np.asarray(credits, dtype=float)[pair_codes]
    is_scored = item_type == "scored"
    answered = np.where(is_scored, has_score, (answer_code != 0) | has_score)
    points = np.where(has_score, given, np.where(is_scored, 0.0, key_credit * max_score))
    return _Marks(
        persons,
        person,
        list(quarters),
        quarter,
        item_pos,
        np.asarray(vocab, dtype=object),
        answer_code,
        answered.astype(bool),
        points.astype(float),
    )


def score_responses(
    items: pd.DataFrame,
    responses: pd.DataFrame,
    *,
    multiple_rule: Literal["all_or_nothing", "half_for_subset"] = "all_or_nothing",
) -> pd.DataFrame:
    """Mark every response against the item bank (one row per examinee, quarter and item).

    Parameters
    ----------
    items : DataFrame
        The ``exam_items`` table: ``item_id, section, item_type, key, max_score``.
    responses : DataFrame
        The ``exam_responses`` table: ``person_id, quarter, item_id, response, score``
        (``response`` and ``score`` may be absent or empty).
    multiple_rule : {"all_or_nothing", "half_for_subset"}, default "all_or_nothing"
        Credit for multiple-answer items (see the module notes).

    Returns
    -------
    DataFrame
        ``person_id, quarter, item_id, section, item_type, max_score, answer`` (the
        normalised answer, ``""`` when empty), ``answered`` (bool), ``score`` (points) and
        ``credit`` (score / max_score, 0–1), in the order of ``responses``.

    Raises
    ------
    ParameterError
        Missing columns, duplicated rows, unknown items, items without a key, quarters
        that cannot be read, scores outside 0 … max_score.

    Examples
    --------
    >>> items = pd.DataFrame({"item_id": ["a", "b"], "section": ["党章", "党规"],
    ...                       "item_type": ["multiple", "judge"], "key": ["ACD", "对"],
    ...                       "max_score": [2.0, 1.0]})
    >>> resp = pd.DataFrame({"person_id": ["p1"] * 2, "quarter": ["2026Q3"] * 2,
    ...                      "item_id": ["a", "b"], "response": ["d,a,c", "√"]})
    >>> score_responses(items, resp)["score"].tolist()
    [2.0, 1.0]
    """
    func = "score_responses"
    check_choice(func, "multiple_rule", multiple_rule, MULTIPLE_RULES)
    bank = _check_items(func, items)
    m = _mark(func, bank, responses, multiple_rule)
    max_score = bank["max_score"].to_numpy()[m.item]
    return pd.DataFrame(
        {
            "person_id": m.persons.take(m.person),
            "quarter": pd.Index(m.quarters).take(m.quarter),
            "item_id": pd.Index(bank["item_id"]).take(m.item),
            "section": pd.Index(bank["section"]).take(m.item),
            "item_type": pd.Index(bank["item_type"]).take(m.item),
            "max_score": max_score,
            "answer": pd.Index(m.vocab).take(m.answer),
            "answered": m.answered,
            "score": m.score,
            "credit": m.score / max_score,
        }
    )


@dataclass(frozen=True)
class _Paper:
    """The marked exam of one quarter as taker × item matrices (rows sorted by person)."""

    points: pd.DataFrame  # persons × items, points
    answered: pd.DataFrame  # persons × items, bool
    answers: np.ndarray  # persons × items, codes into vocab
    vocab: np.ndarray
    bank: pd.DataFrame  # form items in bank order: section, item_type, max_score, key_norm
    filled: int  # absent rows filled with 0

    def subset(self, keep: np.ndarray) -> _Paper:
        return _Paper(
            self.points[keep],
            self.answered[keep],
            self.answers[keep],
            self.vocab,
            self.bank,
            self.filled,
        )


def _paper(marks: _Marks, quarter: str, bank: pd.DataFrame) -> _Paper:
    rows = marks.quarter == marks.quarters.index(quarter)
    taker_codes, row_taker = np.unique(marks.person[rows], return_inverse=True)
    on_form = np.zeros(len(bank), dtype=bool)
    on_form[marks.item[rows]] = True
    column = np.cumsum(on_form) - 1
    row_item = column[marks.item[rows]]
    shape = (len(taker_codes), int(on_form.sum()))
    points = np.full(shape, np.nan)
    points[row_taker, row_item] = marks.score[rows]
    answers = np.zeros(shape, dtype=np.intp)
    answers[row_taker, row_item] = marks.answer[rows]
    answered = np.zeros(shape, dtype=bool)
    answered[row_taker, row_item] = marks.answered[rows]
    form = bank[on_form].set_index("item_id")
    index = pd.Index(marks.persons.take(taker_codes), name="person_id")

    def frame(values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(values, index=index, columns=form.index)

    return _Paper(
        frame(np.nan_to_num(points, nan=0.0)),
        frame(answered),
        answers,
        marks.vocab,
        form,
        int(np.isnan(points).sum()),
    )


def _totals(paper: _Paper) -> pd.DataFrame:
    max_points = float(paper.bank["max_score"].sum())
    points = paper.points.sum(axis=1)
    answered = paper.answered.sum(axis=1)
    return pd.DataFrame(
        {
            "points": points,
            "max_points": max_points,
            "score": (100.0 * points / max_points).round(_DECIMALS),
            "n_items": paper.points.shape[1],
            "n_answered": answered.astype(int),
            "n_missing": (paper.points.shape[1] - answered).astype(int),
        }
    )


def _warn_filled(filled: int) -> None:
    if filled:
        warnings.warn(
            bilingual(
                f"有 {filled} 个考生×题目组合没有答卷行，已按未作答计 0 分",
                f"{filled} taker × item rows were absent and were scored 0 as unanswered",
            ),
            UserWarning,
            stacklevel=3,
        )


def exam_totals(
    items: pd.DataFrame,
    responses: pd.DataFrame,
    *,
    multiple_rule: Literal["all_or_nothing", "half_for_subset"] = "all_or_nothing",
) -> pd.DataFrame:
    """Each taker's total per quarter on a 100-point scale (the exam indicator of the scheme).

    Parameters
    ----------
    items, responses : DataFrame
        The ``exam_items`` and ``exam_responses`` tables (see :func:`score_responses`).
    multiple_rule : {"all_or_nothing", "half_for_subset"}, default "all_or_nothing"
        Credit for multiple-answer items.

    Returns
    -------
    DataFrame
        ``person_id, quarter, points, max_points, score`` (100 · points / max_points),
        ``n_items, n_answered, n_missing``; one row per taker and quarter.

    Raises
    ------
    ParameterError
        As :func:`score_responses`.

    Warns
    -----
    UserWarning
        When takers lack rows for items of their quarter's form (scored 0).

    Examples
    --------
    >>> items = pd.DataFrame({"item_id": ["a", "b"], "section": ["党史", "党章"],
    ...                       "item_type": ["single", "single"], "key": ["A", "B"],
    ...                       "max_score": [60.0, 40.0]})
    >>> resp = pd.DataFrame({"person_id": ["p1", "p1"], "quarter": ["2026Q3"] * 2,
    ...                      "item_id": ["a", "b"], "response": ["A", None]})
    >>> exam_totals(items, resp)[["score", "n_missing"]].to_numpy().tolist()
    [[60.0, 1.0]]
    """
    func = "exam_totals"
    check_choice(func, "multiple_rule", multiple_rule, MULTIPLE_RULES)
    bank = _check_items(func, items)
    marks = _mark(func, bank, responses, multiple_rule)
    frames, filled = [], 0
    for quarter in sorted(marks.quarters, key=quarter_index):
        paper = _paper(marks, quarter, bank)
        filled += paper.filled
        frames.append(_totals(paper).assign(quarter=quarter))
    _warn_filled(filled)
    columns = [
        "person_id",
        "quarter",
        "points",
        "max_points",
        "score",
        "n_items",
        "n_answered",
        "n_missing",
    ]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames).reset_index()[columns]


# ---------------------------------------------------------------------------------------
# Scope: which takers belong to which reporting unit, and who was eligible
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scope:
    code: str | None  # the unit analysed; None = everyone
    name: str
    rows: tuple[str, ...]  # reporting units: the children of `code`
    names: dict[str, str]
    staff: pd.DataFrame | None  # person_id (index), group, member, joined, left; in scope only
    known: pd.Index  # every person_id of the staff table
    whole: bool  # no unit was asked for: takers missing from staff still count in the total

    def group_of(self, persons: pd.Index) -> pd.Series:
        """Reporting unit of each person; NaN outside the scope or not in the staff table."""
        if self.staff is None:
            return pd.Series(np.nan, index=persons, dtype=object)
        return self.staff["group"].reindex(persons)

    def in_scope(self, persons: pd.Index) -> np.ndarray:
        if self.staff is None:
            return np.ones(len(persons), dtype=bool)
        inside = persons.isin(self.staff.index)
        if self.whole:
            inside |= ~persons.isin(self.known)
        return np.asarray(inside)

    def eligible(self, quarter: str, ids: pd.Index | None) -> pd.Series | None:
        """Reporting unit of each person expected to sit the exam of ``quarter``.

        Those are the people of ``ids`` (default: the party members) on the books in the
        quarter's last month, when the exam is sat.
        """
        if self.staff is None:
            return None
        last = pd.Timestamp(quarter_bounds(quarter)[1])
        month_start = last.replace(day=1)
        s = self.staff
        on_books = (s["joined"].isna() | (s["joined"] <= last)) & (
            s["left"].isna() | (s["left"] >= month_start)
        )
        expected = s["member"] if ids is None else s.index.isin(ids)
        return s.loc[expected & on_books, "group"]


def _scope(
    func: str, staff: pd.DataFrame | None, units: pd.DataFrame | None, unit: str | None
) -> _Scope:
    if staff is None:
        if units is not None or unit is not None:
            raise ParameterError(
                func,
                "staff",
                "the staff table when units or unit is given",
                None,
                zh=f"{func}：给定 units 或 unit 时必须同时给定人员表 staff",
            )
        return _Scope(None, "全部考生 all takers", (), {}, None, pd.Index([]), True)
    require_columns(func, "staff", staff, ("person_id", "unit_code"))
    member = staff["is_party_member"] if "is_party_member" in staff.columns else None
    if member is not None and not pd.api.types.is_bool_dtype(member):
        raise ParameterError(
            func,
            "staff",
            "is_party_member as booleans (a validated table)",
            str(member.dtype),
            zh=f"{func}：人员表的 is_party_member 列应为布尔值（请先校验数据），"
            f"实际类型为 {member.dtype}",
        )
    people = pd.DataFrame(
        {
            "person_id": staff["person_id"].astype(str).to_numpy(),
            "branch": staff["unit_code"].astype(str).to_numpy(),
            "member": member.fillna(False).to_numpy(dtype=bool) if member is not None else True,
        }
    )
    for col in ("joined", "left"):
        people[col] = (
            parse_dates(staff[col].reset_index(drop=True)) if col in staff.columns else pd.NaT
        )
    people = people.set_index("person_id")
    if units is None:
        branches = sorted(people["branch"].unique())
        if unit is not None and unit not in branches:
            raise ParameterError(func, "unit", "a unit_code of the staff table", unit)
        rows = (unit,) if unit is not None else tuple(branches)
        names = {code: code for code in rows}
        code, name, ancestor = unit, (unit or "全部 all"), {b: b for b in rows}
    else:
        code, name, rows, names, ancestor = _tree(func, units, unit, set(people["branch"]))
    people["group"] = people["branch"].map(ancestor)
    inside = people[people["group"].notna()]
    return _Scope(code, name, rows, names, inside, people.index, unit is None)


def _tree(
    func: str, units: pd.DataFrame, unit: str | None, branches: set[str]
) -> tuple[str | None, str, tuple[str, ...], dict[str, str], dict[str, str]]:
    require_columns(func, "units", units, ("unit_code", "unit_name", "parent_code"))
    codes = units["unit_code"].astype(str).tolist()
    parent = {
        c: (None if pd.isna(p) or str(p) == "" else str(p))
        for c, p in zip(codes, units["parent_code"], strict=True)
    }
    names = dict(zip(codes, units["unit_name"].astype(str), strict=True))
    if unit is None:
        roots = [c for c in codes if parent[c] is None]
        unit = roots[0] if len(roots) == 1 else None
    elif unit not in parent:
        raise ParameterError(func, "unit", "a unit_code of the units table", unit)
    if unit is None:
        rows = tuple(c for c in codes if parent[c] is None)
        name = "全部 all"
    else:
        rows = tuple(c for c in codes if parent[c] == unit) or (unit,)
        name = names[unit]
    wanted = set(rows)
    ancestor: dict[str, str] = {}
    for branch in branches:
        node: str | None = branch
        steps = 0
        while node is not None and node not in wanted and steps <= len(codes):
            node, steps = parent.get(node), steps + 1
        if node is not None and node in wanted:
            ancestor[branch] = node
    return unit, name, rows, {c: names[c] for c in rows}, ancestor


# ---------------------------------------------------------------------------------------
# Per-unit summaries, sections and items
# ---------------------------------------------------------------------------------------


def _unit_summary(
    totals: pd.DataFrame,
    group: pd.Series,
    eligible: pd.Series | None,
    scope: _Scope,
    pass_mark: float,
    confidence: float,
) -> pd.DataFrame:
    """One row per reporting unit, then the whole-scope row ``ALL``."""
    frame = totals.assign(group=group, passed=totals["score"] >= pass_mark)
    order = [*scope.rows, ALL]
    everyone = frame.assign(group=ALL)
    stacked = pd.concat([frame[frame["group"].notna()], everyone])
    agg = (
        stacked.groupby("group")
        .agg(
            takers=("score", "size"),
            score_mean=("score", "mean"),
            score_sd=("score", "std"),
            score_median=("score", "median"),
            score_min=("score", "min"),
            score_max=("score", "max"),
            n_pass=("passed", "sum"),
            n_missing=("n_missing", "sum"),
        )
        .reindex(order)
    )
    agg["takers"] = agg["takers"].fillna(0).astype(int)
    agg["n_pass"] = agg["n_pass"].fillna(0).astype(int)
    agg["n_missing"] = agg["n_missing"].fillna(0).astype(int)
    rates = wilson_rate(agg["n_pass"], agg["takers"], confidence)
    agg["pass_rate"], agg["pass_ci_low"], agg["pass_ci_high"] = (
        rates["rate"],
        rates["ci_low"],
        rates["ci_high"],
    )
    if eligible is None:
        agg["eligible"] = pd.array([pd.NA] * len(order), dtype="Int64")
        agg["participation"] = np.nan
    else:
        # Each eligible member counts for their unit and for ALL.
        labels = pd.concat([eligible, pd.Series(ALL, index=eligible.index)])
        took = labels.index.isin(totals.index)
        agg["eligible"] = labels.value_counts().reindex(order).fillna(0).astype("Int64")
        sat = labels[took].value_counts().reindex(order).fillna(0)
        agg["participation"] = sat / agg["eligible"].astype(float).where(agg["eligible"] > 0)
    agg.insert(0, "unit_name", [scope.names.get(c, scope.name) for c in order])
    out = agg.rename_axis("unit_code").reset_index()
    return out[
        [
            "unit_code",
            "unit_name",
            "eligible",
            "takers",
            "participation",
            "score_mean",
            "score_sd",
            "score_median",
            "score_min",
            "score_max",
            "n_pass",
            "pass_rate",
            "pass_ci_low",
            "pass_ci_high",
            "n_missing",
        ]
    ]


def _section_shares(paper: _Paper) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per taker: share of each section's points earned, and share earned on the rest."""
    sections = list(pd.unique(paper.bank["section"]))
    by_section = paper.bank["section"]
    earned = paper.points.T.groupby(by_section, sort=False).sum().T[sections]
    possible = paper.bank.groupby("section", sort=False)["max_score"].sum()[sections]
    total_earned = paper.points.sum(axis=1)
    total_possible = float(paper.bank["max_score"].sum())
    share = earned / possible
    rest_possible = total_possible - possible
    rest = (-earned).add(total_earned, axis=0) / rest_possible.where(rest_possible > 0)
    return share, rest


def _section_table(
    share: pd.DataFrame,
    rest: pd.DataFrame,
    group: pd.Series,
    scope: _Scope,
    confidence: float,
    threshold: float,
    min_gap: float,
) -> pd.DataFrame:
    long = pd.DataFrame(
        {
            "share": share.stack(),
            "rest": rest.stack(),
            "diff": (share - rest).stack(),
        }
    )
    persons = long.index.get_level_values(0)
    long["section"] = long.index.get_level_values(1)
    units = long.assign(unit_code=group.reindex(persons).to_numpy()).dropna(subset=["unit_code"])
    both = pd.concat([long.assign(unit_code=ALL), units], ignore_index=True)
    g = both.groupby(["unit_code", "section"], sort=False)
    tab = g.agg(
        n=("share", "size"),
        estimate=("share", "mean"),
        sd=("share", "std"),
        rest=("rest", "mean"),
        gap=("diff", "mean"),
        sd_gap=("diff", "std"),
    )
    tab = tab.reset_index()
    n = tab["n"].to_numpy(dtype=float)
    df = np.where(n > 1, n - 1, np.nan)
    crit = stats.t.ppf(0.5 + confidence / 2, df)
    half = crit * tab["sd"].to_numpy() / np.sqrt(n)
    # Mastery is a share of points: the t interval is cut to [0, 1] near the ceiling.
    tab["ci_low"] = np.clip(tab["estimate"] - half, 0.0, 1.0)
    tab["ci_high"] = np.clip(tab["estimate"] + half, 0.0, 1.0)
    se_gap = tab["sd_gap"].to_numpy() / np.sqrt(n)
    testable = (n > 1) & (se_gap > 0) & np.isfinite(se_gap)
    tstat = np.divide(tab["gap"].to_numpy(), se_gap, out=np.full(len(tab), np.nan), where=testable)
    tab["p_value"] = np.where(testable, stats.t.cdf(tstat, df), np.nan)
    tab["q_value"] = np.nan
    level = 1.0 - confidence
    for family in (tab["unit_code"] == ALL, tab["unit_code"] != ALL):
        pick = family & tab["p_value"].notna()
        if pick.any():
            tab.loc[pick, "q_value"] = multipletests(
                tab.loc[pick, "p_value"], alpha=level, method="fdr_bh"
            )[1]
    tab["significant"] = tab["q_value"] < level
    tab["below_threshold"] = tab["estimate"] < threshold
    tab["blind_spot"] = (tab["significant"] & (tab["gap"] <= -min_gap)) | tab["below_threshold"]
    tab.insert(1, "unit_name", [scope.names.get(c, scope.name) for c in tab["unit_code"]])
    order = {c: i for i, c in enumerate([ALL, *scope.rows])}
    tab = tab.sort_values("unit_code", key=lambda s: s.map(order), kind="stable")
    return tab[
        [
            "unit_code",
            "unit_name",
            "section",
            "n",
            "estimate",
            "ci_low",
            "ci_high",
            "rest",
            "gap",
            "p_value",
            "q_value",
            "significant",
            "below_threshold",
            "blind_spot",
        ]
    ].reset_index(drop=True)


def _tie_key(persons: pd.Index) -> np.ndarray:
    return np.array(
        [
            int.from_bytes(hashlib.blake2b(p.encode(), digest_size=8).digest(), "big")
            for p in persons
        ],
        dtype=np.uint64,
    )


def _extreme_groups(total: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the lower and upper 27 % groups (see :func:`analyse_exam` Notes)."""
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


def _distribution(scores: pd.Series) -> pd.DataFrame:
    rows = []
    for low, high in _BANDS:
        last = high == _BANDS[-1][1]
        inside = (scores >= low) & ((scores <= high) if last else (scores < high))
        rows.append(
            {
                "band": f"[{low:g}, {high:g}{']' if last else ')'}",
                "lower": low,
                "upper": high,
                "n": int(inside.sum()),
            }
        )
    out = pd.DataFrame(rows)
    out["share"] = out["n"] / len(scores) if len(scores) else np.nan
    return out


# ---------------------------------------------------------------------------------------
# The result and the entry point
# ---------------------------------------------------------------------------------------


def _pct(x: Any) -> str:
    return "—" if pd.isna(x) else f"{x:.1%}"


def _q_text(q: float) -> str:
    return "q < 0.001" if q < 0.001 else f"q = {q:.3f}"


@dataclass(frozen=True, eq=False)
class ExamResult(ResultDisplay):
    """Quarterly exam analytics of one quarter and scope (see :func:`analyse_exam`).

    Attributes
    ----------
    quarter : str
        The quarter analysed, e.g. ``"2026Q3"``.
    unit_code : str or None
        The unit analysed (its reporting units are its direct subunits); None = everyone.
    scope : str
        Name of that unit.
    pass_mark, confidence : float
        The pass mark on the 100-point scale and the confidence level of every interval.
    overview : DataFrame
        One row per reporting unit, then the whole scope (``unit_code == "ALL"``):
        ``unit_code, unit_name, eligible, takers, participation, score_mean, score_sd,
        score_median, score_min, score_max, n_pass, pass_rate, pass_ci_low, pass_ci_high``
        (Wilson), ``n_missing`` (unanswered items), ``weak_sections`` (blind spots, 、-joined).
    takers : DataFrame
        One row per taker in scope: ``person_id, branch_code, unit_code, points, max_points,
        score, n_items, n_answered, n_missing, passed, eligible``.
    sections : DataFrame
        Section mastery, the whole scope first, then per unit: ``unit_code, unit_name,
        section, n, estimate`` (mean share of the section's points earned), ``ci_low,
        ci_high`` (t interval cut to [0, 1]), ``rest`` (share earned on the other sections),
        ``gap`` (mean of the per-taker difference), ``p_value`` (one-sided paired t test
        that the section is below the rest), ``q_value`` (Benjamini–Hochberg, the
        whole-scope rows and the unit rows as two families), ``significant``,
        ``below_threshold``, ``blind_spot``.
    items : DataFrame
        Item analysis: ``item_id, section, item_type, max_score, n, n_missing, difficulty``
        (mean share of the points), ``r_drop`` (corrected item–total r), ``r_pbis``
        (point-biserial item–total r), ``p_upper, p_lower, d_index`` (27 % groups),
        ``alpha_if_deleted, too_hard, too_easy, low_discrimination, weak, flags``.
    distractors : DataFrame
        Choice items, one row per option: ``item_id, section, item_type, option, is_key,
        share, share_upper, share_lower, nonfunctioning`` (distractor chosen by < 5 %),
        ``reversed`` (a distractor the upper group prefers, or a key the lower group does).
    distribution : DataFrame
        Takers per score band: ``band, lower, upper, n, share``.
    reliability : Reliability
        Cronbach's α (KR-20 on 0/1 items) of the total score with a Feldt interval.
    trend : DataFrame
        The ``overview`` columns (without ``weak_sections``) for this and every earlier
        quarter with takers in scope, with a leading ``quarter`` column.
    section_trend : DataFrame
        Whole-scope section mastery per quarter: ``quarter, section, n, estimate, ci_low,
        ci_high``.
    """

    quarter: str
    unit_code: str | None
    scope: str
    pass_mark: float
    confidence: float
    overview: pd.DataFrame
    takers: pd.DataFrame
    sections: pd.DataFrame
    items: pd.DataFrame
    distractors: pd.DataFrame
    distribution: pd.DataFrame
    reliability: Reliability
    trend: pd.DataFrame
    section_trend: pd.DataFrame

    _title = "每季一考 / Quarterly exam"

    def to_frame(self) -> pd.DataFrame:
        """The per-unit summary with the whole-scope row last (:attr:`overview`)."""
        return self.overview

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by a sheet name (Chinese, then English) for an Excel workbook."""
        return {
            "汇总 summary": self.overview,
            "板块 sections": self.sections,
            "题目 items": self.items,
            "选项 options": self.distractors,
            "分数段 bands": self.distribution,
            "信度 reliability": self.reliability.to_frame(),
            "趋势 trend": self.trend,
            "板块趋势 section trend": self.section_trend,
            "考生 takers": self.takers,
        }

    def summary(self) -> str:
        """The findings in Chinese, then in English."""
        total = self.overview[self.overview["unit_code"] == ALL].iloc[0]
        level = f"{self.confidence:.0%}"
        ci = f"{_pct(total['pass_ci_low'])}–{_pct(total['pass_ci_high'])}"
        mark = f"{self.pass_mark:g}"
        part_zh = part_en = ""
        if not pd.isna(total["eligible"]):
            part_zh = f"，应考 {total['eligible']:,} 人，参考率 {_pct(total['participation'])}"
            part_en = (
                f" of {total['eligible']:,} eligible (participation {_pct(total['participation'])})"
            )
        rel = self.reliability
        rel_name = "KR-20" if rel.method == "KR-20" else "Cronbach α"
        if np.isfinite(rel.estimate):
            rel_ci = f"{rel.ci_low:.2f}–{rel.ci_high:.2f}"
            rel_zh = f"信度 {rel_name} = {rel.estimate:.2f}（{level} 区间 {rel_ci}）。"
            rel_en = f"Reliability {rel_name} = {rel.estimate:.2f} ({level} CI {rel_ci})."
        else:
            rel_zh = "信度无法估计（考生或题目过少，或总分无差异）。"
            rel_en = (
                "Reliability cannot be estimated (too few takers or items, or no spread in totals)."
            )
        zh = [
            f"{self.quarter} 每季一考（{self.scope}）：参考 {total['takers']:,} 人{part_zh}；"
            f"平均 {total['score_mean']:.1f} 分；{mark} 分及以上 {total['n_pass']:,} 人，"
            f"占 {_pct(total['pass_rate'])}（{level} 区间 {ci}）。{rel_zh}"
        ]
        en = [
            f"{self.quarter} quarterly exam ({self.scope}): takers {total['takers']:,}{part_en}; "
            f"mean score {total['score_mean']:.1f}; scoring {mark} or more: "
            f"{total['n_pass']:,}, {_pct(total['pass_rate'])} ({level} CI {ci}). {rel_en}"
        ]
        weak = self.sections[(self.sections["unit_code"] == ALL) & self.sections["blind_spot"]]
        weak = weak.sort_values("estimate")
        if len(weak):
            zh_parts, en_parts = [], []
            for row in weak.to_dict("records"):
                q, gap = float(row["q_value"]), float(row["gap"])
                test = "" if np.isnan(q) else f"，{_q_text(q)}"
                zh_parts.append(
                    f"{row['section']}（掌握率 {_pct(row['estimate'])}，比其余板块"
                    f"{'低' if gap < 0 else '高'} {abs(gap) * 100:.1f} 个百分点"
                    f"{test}）"
                )
                test_en = "" if np.isnan(q) else f", {_q_text(q)}"
                en_parts.append(
                    f"{row['section']} (mastery {_pct(row['estimate'])}, "
                    f"{abs(gap) * 100:.1f} points "
                    f"{'below' if gap < 0 else 'above'} the other sections"
                    f"{test_en})"
                )
            zh.append("薄弱板块：" + "；".join(zh_parts) + "。")
            en.append("Weak sections: " + "; ".join(en_parts) + ".")
        else:
            zh.append("未发现薄弱板块。")
            en.append("No weak section found.")
        unit_spots = self.sections[
            (self.sections["unit_code"] != ALL) & self.sections["blind_spot"]
        ]
        if len(unit_spots):
            m, c = unit_spots["unit_code"].nunique(), len(unit_spots)
            zh.append(f"下属单位中 {m} 个单位共 {c} 处板块薄弱（多重比较已控制错误发现率）。")
            en.append(
                f"Weak unit × section cells among the subunits (false discovery rate "
                f"controlled): {c}, in {m} units."
            )
        items = self.items
        weak_items = items[items["weak"]]
        if len(weak_items):
            ids = "、".join(weak_items["item_id"].head(8))
            more = " 等" if len(weak_items) > 8 else ""
            counts = [int(items[f].sum()) for f in _FLAG_TEXT]
            zh.append(
                f"{len(weak_items)} 道题需审核（过难 {counts[0]}、过易 {counts[1]}、"
                f"区分度低 {counts[2]}）：{ids}{more}。"
            )
            en.append(
                f"Items to review: {len(weak_items)} (too hard {counts[0]}, too easy "
                f"{counts[1]}, low discrimination {counts[2]}): "
                f"{', '.join(weak_items['item_id'].head(8))}{' …' if more else ''}."
            )
        return "".join(zh) + "\n\n" + " ".join(en)

    def plot(
        self,
        ax: Axes | None = None,
        *,
        kind: Literal["histogram", "heatmap", "items"] = "histogram",
    ) -> Axes:
        """Draw the score histogram, the units × sections mastery heat map or the item map.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; a new figure when omitted.
        kind : {"histogram", "heatmap", "items"}, default "histogram"
            ``"histogram"``: takers' scores with the pass mark; ``"heatmap"``: mastery per
            unit and section, blind spots starred; ``"items"``: difficulty against r.drop
            with the weak-item limits, weak items labelled.

        Returns
        -------
        matplotlib Axes
        """
        check_choice("ExamResult.plot", "kind", kind, PLOT_KINDS)
        if kind == "histogram":
            return self._plot_histogram(ax)
        if kind == "heatmap":
            return self._plot_heatmap(ax)
        return self._plot_items(ax)

    def _plot_histogram(self, ax: Axes | None) -> Axes:
        ax = new_axes(ax)
        ax.hist(
            self.takers["score"], bins=list(range(0, 105, 5)), color="#4C72B0", edgecolor="white"
        )
        ax.axvline(
            self.pass_mark,
            color="#C44E52",
            linestyle="--",
            label=label(f"及格线 {self.pass_mark:g}", f"pass mark {self.pass_mark:g}"),
        )
        ax.set_xlabel(label("分数", "score"))
        ax.set_ylabel(label("人数", "takers"))
        ax.set_title(label(f"{self.quarter} 每季一考成绩分布", "score distribution"))
        ax.legend()
        return ax

    def _plot_heatmap(self, ax: Axes | None) -> Axes:
        tab = self.sections
        rows = list(dict.fromkeys(tab["unit_code"]))
        sections = list(dict.fromkeys(tab["section"]))
        est = tab.pivot(index="unit_code", columns="section", values="estimate")
        spot = tab.pivot(index="unit_code", columns="section", values="blind_spot")
        est, spot = (
            est.reindex(index=rows, columns=sections),
            spot.reindex(index=rows, columns=sections),
        )
        size = (1.5 + 0.9 * len(sections), 1.2 + 0.3 * min(len(rows), 60))
        ax = new_axes(ax, figsize=size)
        values = est.to_numpy(dtype=float)
        low = min(0.5, float(np.nanmin(values))) if np.isfinite(values).any() else 0.5
        image = ax.imshow(values, cmap="RdYlGn", vmin=low, vmax=1.0, aspect="auto")
        if values.size <= 600:
            for (i, j), v in np.ndenumerate(values):
                if np.isfinite(v):
                    star = "*" if bool(spot.iat[i, j]) else ""
                    ax.text(j, i, f"{v:.0%}{star}", ha="center", va="center", fontsize=8)
        names = dict(zip(tab["unit_code"], tab["unit_name"], strict=False))
        ax.set_yticks(range(len(rows)), [names[r] for r in rows])
        ax.set_xticks(range(len(sections)), sections)
        ax.set_xlabel(label("板块", "section"))
        ax.set_title(label(f"{self.quarter} 板块掌握率（* 薄弱）", "section mastery (* weak)"))
        ax.figure.colorbar(image, ax=ax, label=label("掌握率", "mastery"))
        return ax

    def _plot_items(self, ax: Axes | None) -> Axes:
        ax = new_axes(ax)
        items = self.items
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
        ax.set_xlabel(label("难度（得分率）", "difficulty (share of points)"))
        ax.set_ylabel(label("校正题总相关", "corrected item–total r"))
        ax.set_title(label(f"{self.quarter} 题目分析图", "item map"))
        return ax


def _check_fraction(func: str, name: str, value: float, *, upper: float = 1.0) -> float:
    if (
        not isinstance(value, float | int)
        or isinstance(value, bool)
        or not (0.0 <= float(value) <= upper)
    ):
        raise ParameterError(func, name, f"a number between 0 and {upper:g}", value)
    return float(value)


def analyse_exam(
    items: pd.DataFrame,
    responses: pd.DataFrame,
    *,
    quarter: str,
    staff: pd.DataFrame | None = None,
    units: pd.DataFrame | None = None,
    unit: str | None = None,
    eligible: Iterable[str] | None = None,
    pass_mark: float = 80,
    confidence: float = 0.95,
    mastery_threshold: float = 0.6,
    min_gap: float = 0.05,
    multiple_rule: Literal["all_or_nothing", "half_for_subset"] = "all_or_nothing",
) -> ExamResult:
    """Analyse one quarter's exam: participation, pass rate, section blind spots, items.

    Parameters
    ----------
    items : DataFrame
        The item bank (``exam_items``): ``item_id, section, item_type, key, max_score``.
    responses : DataFrame
        The answers (``exam_responses``): ``person_id, quarter, item_id, response, score``;
        every quarter up to ``quarter`` feeds the trend.
    quarter : str
        The quarter to analyse, e.g. ``"2026Q3"`` or ``"2026年第3季度"``.
    staff : DataFrame, optional
        The ``staff`` table (``person_id, unit_code``; optional ``is_party_member, joined,
        left``). Gives each taker's unit and who was eligible. Without it there are no
        per-unit rows and no participation.
    units : DataFrame, optional
        The ``units`` tree (``unit_code, unit_name, parent_code``); needs ``staff``. Takers
        are reported by the direct subunits of ``unit`` (of the root when ``unit`` is None).
        Without it, by the branch of ``staff``.
    unit : str, optional
        Restrict to this unit and everything under it.
    eligible : iterable of str, optional
        Person ids expected to sit the exam (e.g. the staff in party-affairs posts); needs
        ``staff``. Default: the party members. Either way only those on the books in the
        quarter's last month, when the exam is sat, count as eligible.
    pass_mark : float, default 80
        Pass mark on the 100-point scale; a taker passes with ``score >= pass_mark``.
    confidence : float, default 0.95
        Confidence level of every interval; 1 − confidence is the FDR level.
    mastery_threshold : float, default 0.6
        A section whose mean share of points earned is below this is a blind spot.
    min_gap : float, default 0.05
        A section significantly below the other sections is a blind spot when the mean gap
        is at least this many (0–1) points, so that trivially small but significant gaps
        in large units are not flagged.
    multiple_rule : {"all_or_nothing", "half_for_subset"}, default "all_or_nothing"
        Credit for multiple-answer items (module notes).

    Returns
    -------
    ExamResult
        Tables ``overview, takers, sections, items, distractors, distribution, trend,
        section_trend`` and ``reliability``; ``summary()``, ``plot()``, ``tables()``.

    Raises
    ------
    ParameterError
        Bad options, malformed tables (see :func:`score_responses`), an unknown ``unit``,
        or no takers for ``quarter`` in scope.

    Warns
    -----
    UserWarning
        Absent taker × item rows scored 0; takers missing from ``staff`` (counted in the
        total only, or left out when ``unit`` is given).

    Notes
    -----
    *Scores.* Each taker's score is 100 × points / points possible on the quarter's form;
    unanswered items score 0.

    *Pass rate.* ``n_pass / takers`` with the Wilson score interval (Wilson 1927; statsmodels
    ``proportion_confint(method="wilson")``). Participation = eligible takers / eligible.

    *Blind spots.* For each taker, section share s = section points / section maximum, and
    r = the same share over all other sections. A section is tested with a one-sided paired
    t test of mean(s − r) < 0 (taker-level differences, so items answered by the same person
    are not treated as independent); p-values are adjusted by Benjamini–Hochberg, the
    whole-scope sections and the unit × section cells as two families. A blind spot is
    ``q < 1 − confidence`` with ``gap <= −min_gap``, or ``estimate < mastery_threshold``.

    *Items.* Difficulty p = mean share of the item's points. r.drop = Pearson r of the item
    with the total of the other items (R ``psych::alpha`` ``r.drop``); r_pbis = the
    point-biserial r with the total (Pearson r of the item with the total, all items at once;
    tested equal to ``scipy.stats.pointbiserialr``). D = p(upper) −
    p(lower) in the upper and lower 27 % by total score, each of round(0.27·n) takers.
    **Ties at the cut:** takers are ordered by total, then by an 8-byte BLAKE2b hash of
    ``person_id``; the hash is stable across runs and input order and unrelated to how ids
    are issued. α if item deleted is α of the covariance matrix without that item. Weak
    items: p < 0.30, p > 0.95 or r.drop < 0.20. Distractors: share of each option in all,
    upper and lower groups (Haladyna & Downing 1993 for the 5 % rule).

    Examples
    --------
    >>> items = pd.DataFrame({"item_id": ["q1", "q2", "q3"], "section": ["党史", "党章", "党规"],
    ...                       "item_type": ["single", "multiple", "judge"],
    ...                       "key": ["A", "BD", "对"], "max_score": [40.0, 40.0, 20.0]})
    >>> answers = {"p1": "A BD 对", "p2": "A B 对", "p3": "C BD 错", "p4": "A BD 错"}
    >>> responses = pd.DataFrame([
    ...     {"person_id": p, "quarter": "2026Q3", "item_id": i, "response": r}
    ...     for p, text in answers.items() for i, r in zip(["q1", "q2", "q3"], text.split())])
    >>> result = analyse_exam(items, responses, quarter="2026Q3")
    >>> result.takers["score"].tolist()
    [100.0, 60.0, 40.0, 80.0]
    >>> result.overview[["takers", "n_pass"]].to_numpy().tolist()
    [[4, 2]]
    """
    func = "analyse_exam"
    current = parse_quarter(quarter) if isinstance(quarter, str) else None
    if current is None:
        raise ParameterError(func, "quarter", "a quarter such as 2026Q3", quarter)
    pass_mark = _check_fraction(func, "pass_mark", pass_mark, upper=100.0)
    check_confidence(func, confidence)
    mastery_threshold = _check_fraction(func, "mastery_threshold", mastery_threshold)
    min_gap = _check_fraction(func, "min_gap", min_gap)
    check_choice(func, "multiple_rule", multiple_rule, MULTIPLE_RULES)
    bank = _check_items(func, items)
    scope = _scope(func, staff, units, unit)
    expected = None
    if eligible is not None:
        if scope.staff is None:
            raise ParameterError(
                func,
                "staff",
                "the staff table when eligible is given",
                None,
                zh=f"{func}：给定 eligible 时必须同时给定人员表 staff",
            )
        expected = pd.Index(
            [eligible] if isinstance(eligible, str) else list(eligible), dtype=object
        ).astype(str)
    marks = _mark(func, bank, responses, multiple_rule)
    quarters = sorted(
        (q for q in marks.quarters if quarter_index(q) <= quarter_index(current)), key=quarter_index
    )
    if current not in quarters:
        raise ParameterError(
            func, "quarter", "a quarter with responses", current, zh=f"{func}：{current} 没有答卷"
        )

    trend, section_trend, filled, unknown = [], [], 0, set()
    for q in quarters:
        paper = _paper(marks, q, bank)
        filled += paper.filled
        persons = paper.points.index
        if scope.staff is not None:
            unknown |= set(persons[~persons.isin(scope.known)])
        paper = paper.subset(scope.in_scope(persons))
        if paper.points.empty:
            continue
        totals = _totals(paper)
        group = scope.group_of(totals.index)
        sitting = scope.eligible(q, expected)
        summary = _unit_summary(totals, group, sitting, scope, pass_mark, confidence)
        trend.append(summary.assign(quarter=q))
        share, rest = _section_shares(paper)
        overall = _section_table(
            share,
            rest,
            pd.Series(np.nan, index=totals.index, dtype=object),
            scope,
            confidence,
            mastery_threshold,
            min_gap,
        )
        section_trend.append(overall.assign(quarter=q))
        if q == current:
            now = (paper, totals, group, sitting, summary, share, rest)
    _warn_filled(filled)
    if unknown:
        action = (
            ("已仅计入合计", "counted in the total only")
            if scope.whole
            else ("未纳入分析", "left out")
        )
        warnings.warn(
            bilingual(
                f"{len(unknown)} 名考生不在人员表中，{action[0]}",
                f"{len(unknown)} takers are not in the staff table and were {action[1]}",
            ),
            UserWarning,
            stacklevel=2,
        )
    if not trend or trend[-1]["quarter"].iat[0] != current:
        raise ParameterError(
            func,
            "unit",
            f"a unit with takers in {current}",
            unit,
            zh=f"{func}：单位 {unit} 在 {current} 没有考生",
        )
    paper, totals, group, sitting, overview, share, rest = now
    sections = _section_table(share, rest, group, scope, confidence, mastery_threshold, min_gap)
    item_table, reliability = _item_table(paper, confidence)
    weak = (
        sections[sections["blind_spot"]]
        .groupby("unit_code", sort=False)["section"]
        .agg("、".join)
        .to_dict()
    )
    overview = overview.assign(weak_sections=[weak.get(c, "") for c in overview["unit_code"]])
    takers = (
        totals.assign(
            branch_code=(
                scope.staff["branch"].reindex(totals.index) if scope.staff is not None else np.nan
            ),
            unit_code=group,
            passed=totals["score"] >= pass_mark,
            eligible=(totals.index.isin(sitting.index) if sitting is not None else np.nan),
        )
        .rename_axis("person_id")
        .reset_index()
    )
    trend_cols = ["quarter", *[c for c in trend[0].columns if c != "quarter"]]
    st = pd.concat(section_trend, ignore_index=True)
    return ExamResult(
        quarter=current,
        unit_code=scope.code,
        scope=scope.name,
        pass_mark=pass_mark,
        confidence=float(confidence),
        overview=overview,
        takers=takers[
            [
                "person_id",
                "branch_code",
                "unit_code",
                "points",
                "max_points",
                "score",
                "n_items",
                "n_answered",
                "n_missing",
                "passed",
                "eligible",
            ]
        ],
        sections=sections,
        items=item_table,
        distractors=_distractors(paper),
        distribution=_distribution(totals["score"]),
        reliability=reliability,
        trend=pd.concat(trend, ignore_index=True)[trend_cols],
        section_trend=st[["quarter", "section", "n", "estimate", "ci_low", "ci_high"]],
    )


def exam_of_quarter(
    dataset: Any, *, quarter: str, unit: str | None = None, scheme: Any = None
) -> ExamResult:
    """:func:`analyse_exam` on a :class:`~assess.core.dataset.Dataset` with the scheme's exam rule.

    Those who must sit the exam are the staff in the scheme's ``[exam] eligible_posts``
    (every party member when the list is empty); the pass mark is the scheme's.
    """
    from assess.core.scheme import load_scheme

    rule = (scheme or load_scheme()).exam
    staff = dataset.staff
    eligible = None
    if rule.eligible_posts:
        eligible = staff.loc[staff["post"].isin(rule.eligible_posts), "person_id"]
    return analyse_exam(
        dataset.exam_items,
        dataset.exam_responses,
        quarter=quarter,
        staff=staff,
        units=dataset.units,
        unit=unit,
        eligible=eligible,
        pass_mark=rule.pass_mark,
    )
