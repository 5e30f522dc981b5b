"""Marking answers against the item bank, and each taker's total per quarter.

:func:`score_responses` marks every answer; :func:`exam_totals` sums a taker's points on
the quarter's form to a 100-point score. The taker × item matrices of one quarter
(``_Paper``) feed the section, item and whole-exam analyses.

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

import re
import unicodedata
import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from assess.core.checks import check_choice, require_columns
from assess.core.errors import ParameterError, bilingual
from assess.core.periods import parse_quarter, quarter_index
from assess.core.schema import ITEM_TYPES

__all__ = [
    "MULTIPLE_RULES",
    "score_responses",
    "exam_totals",
]

MULTIPLE_RULES: tuple[str, ...] = ("all_or_nothing", "half_for_subset")

_CHOICE_TYPES = ("single", "multiple", "judge")
_SEPARATORS = re.compile(r"[\s,，、;；/|]+")
_TRUE = frozenset({"T", "TRUE", "Y", "YES", "对", "正确", "是", "√", "✓"})
_FALSE = frozenset({"F", "FALSE", "N", "NO", "错", "错误", "否", "×", "✗", "X"})
# Scores are sums of fractional points; compare with the pass mark after rounding so
# that 79.99999999 from floating-point sums counts as 80.
_DECIMALS = 9


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
