"""Tables ``exam_items`` and ``exam_responses``: the 每季一考 item bank and its answers.

Answers follow a three-parameter logistic model; one section is weak and two items are
planted bad (one too easy, one with a wrong key), on every quarter's paper.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from assess.io.demo.config import _QUARTER_OF_MONTH, _quarters, _rng, _SizeConfig
from assess.io.demo.org import _Org, _People

# The seven sections of the 每季一考 item bank (seed 004), with id prefixes.
_SECTIONS = (
    ("党史", "DS"),
    ("党章", "DZ"),
    ("党规", "DG"),
    ("习近平新时代中国特色社会主义思想", "SX"),
    ("上级党建工作要求", "YQ"),
    ("党务实务", "DW"),
    ("廉洁从业", "LJ"),
)
_SECTION_SIZES = (15, 14, 14, 15, 14, 14, 14)
_WEAK_SECTION = "党规"
_WEAK_SECTION_SHIFT = 1.2  # extra IRT difficulty of every item in the weak section


@dataclass(frozen=True)
class _ItemType:
    options: int
    guess: float  # IRT lower asymptote c
    difficulty: tuple[float, float]  # mean and sd of the IRT difficulty b
    points: float
    per_paper: int


_ITEM_TYPES = {
    "single": _ItemType(4, 0.25, (-1.0, 0.5), 2.0, 25),
    "multiple": _ItemType(5, 0.05, (-0.5, 0.4), 3.0, 10),
    "judge": _ItemType(2, 0.5, (-0.6, 0.5), 2.0, 10),
}
_TOO_EASY_DIFFICULTY = -4.5
_ABILITY = (0.8, 0.8)  # mean and sd of the examinees' ability
_ABILITY_DRIFT = 0.25  # sd of a quarter's deviation from a person's ability
_MISSING_ANSWER = 0.015
_ATTRACTIVE = 0.6  # share of wrong single-choice answers that pick the attractive distractor
_LETTERS = "ABCDE"
_MASK_TEXT = np.array(
    ["".join(_LETTERS[i] for i in range(5) if m >> i & 1) for m in range(32)], dtype=object
)


@dataclass
class _ItemBank:
    frame: pd.DataFrame  # the exam_items table
    truth: pd.DataFrame  # item parameters, true answer, planted flags


def _exam_items(seed: int) -> _ItemBank:
    """Table ``exam_items``: 100 items in 7 sections with IRT parameters and two bad items."""
    rng = _rng(seed, "exam_items")
    rows = []
    for (section, code), n in zip(_SECTIONS, _SECTION_SIZES, strict=True):
        n_single, n_multiple = round(0.55 * n), round(0.25 * n)
        types = ["single"] * n_single + ["multiple"] * n_multiple
        types += ["judge"] * (n - len(types))
        for k, item_type in enumerate(types):
            spec = _ITEM_TYPES[item_type]
            options = spec.options
            b = rng.normal(*spec.difficulty) + (
                _WEAK_SECTION_SHIFT if section == _WEAK_SECTION else 0
            )
            if item_type == "multiple":
                size = int(rng.integers(2, 5))
                answer = int(np.sum(1 << rng.choice(options, size, replace=False)))
                distractor = -1
            else:
                answer = 1 << int(rng.integers(options))
                distractor = 1 << int(rng.choice([i for i in range(options) if 1 << i != answer]))
            rows.append(
                {
                    "item_id": f"{code}{k + 1:03d}",
                    "section": section,
                    "item_type": item_type,
                    "a": round(float(rng.uniform(0.8, 2.0)), 3),
                    "b": round(float(b), 3),
                    "c": spec.guess,
                    "answer": answer,
                    "distractor": distractor,
                    "max_score": spec.points,
                    "flag": "",
                }
            )
    truth = pd.DataFrame(rows)
    easy = truth.index[truth["item_id"] == "DS001"][0]
    truth.loc[easy, "b"] = _TOO_EASY_DIFFICULTY
    truth.loc[easy, "flag"] = "too_easy"
    wrong = truth.index[truth["item_id"] == "DG002"][0]
    truth.loc[wrong, "flag"] = "wrong_key"
    key_mask = np.where(truth["flag"] == "wrong_key", truth["distractor"], truth["answer"])
    truth["key"] = _MASK_TEXT[key_mask]
    truth["true_answer"] = _MASK_TEXT[truth["answer"].to_numpy()]
    truth["p_expected"] = _expected_p(truth)
    frame = truth[["item_id", "section", "item_type", "key", "max_score"]].copy()
    return _ItemBank(frame, truth)


def _correct_probability(truth: pd.DataFrame, theta: np.ndarray) -> np.ndarray:
    """P(true answer) for every examinee (rows) and item (columns): 3-parameter logistic."""
    a, b, c = (truth[k].to_numpy(float) for k in ("a", "b", "c"))
    return c + (1 - c) / (1 + np.exp(-a * (theta[:, None] - b)))


def _expected_p(truth: pd.DataFrame) -> np.ndarray:
    """Population proportion scoring the key, by Gauss–Hermite quadrature over ability."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(40)
    theta = _ABILITY[0] + np.hypot(_ABILITY[1], _ABILITY_DRIFT) * nodes
    p = weights @ _correct_probability(truth, theta) / weights.sum()
    wrong = (truth["flag"] == "wrong_key").to_numpy()
    p[wrong] = (1 - p[wrong]) * _ATTRACTIVE
    return np.round(p, 4)


def _exam_responses(
    cfg: _SizeConfig, seed: int, p: int, org: _Org, people: _People, bank: _ItemBank
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Table ``exam_responses``: each quarter's paper answered by the party-affairs staff."""
    rng = _rng(seed, p, "exam_responses")
    truth = bank.truth
    takers = np.flatnonzero(people.officer)
    company = org.branch_company[people.branch[takers]]
    n_companies = len(org.company_code)
    # Most companies send everyone; a fifth (at least one) send only some of their staff.
    willing = np.ones(n_companies)
    reluctant = rng.choice(n_companies, max(1, round(0.2 * n_companies)), replace=False)
    willing[reluctant] = rng.uniform(0.6, 0.9, len(reluctant))
    ability = rng.normal(*_ABILITY, len(takers))
    forced = np.flatnonzero(truth["flag"] != "")
    frames, participation = [], {}
    for quarter in _quarters(cfg):
        month = np.flatnonzero(_QUARTER_OF_MONTH == quarter)[-1]
        eligible = (people.first[takers] <= month) & (people.last[takers] >= month)
        sits = eligible & (rng.random(len(takers)) < willing[company])
        participation[quarter] = [int(eligible.sum()), int(sits.sum())]
        # Every paper holds the planted bad items, so each quarter's analysis can find them.
        paper = [forced]
        for item_type, spec in _ITEM_TYPES.items():
            of_type = np.flatnonzero(truth["item_type"] == item_type)
            need = spec.per_paper - np.isin(forced, of_type).sum()
            paper.append(rng.choice(np.setdiff1d(of_type, forced), need, replace=False))
        items = np.sort(np.concatenate(paper))
        who = takers[sits]
        theta = ability[sits] + rng.normal(0, _ABILITY_DRIFT, len(who))
        sub = truth.iloc[items]
        right = rng.random((len(who), len(items))) < _correct_probability(sub, theta)
        chosen = np.empty(right.shape, dtype=int)
        for j, (_, item) in enumerate(sub.iterrows()):
            chosen[:, j] = _wrong_answers(rng, item, len(who))
        chosen = np.where(right, sub["answer"].to_numpy()[None, :], chosen)
        response = _MASK_TEXT[chosen]
        response[rng.random(right.shape) < _MISSING_ANSWER] = ""
        frames.append(
            pd.DataFrame(
                {
                    "person_id": np.repeat(people.person_id[who], len(items)),
                    "quarter": quarter,
                    "item_id": np.tile(sub["item_id"].to_numpy(object), len(who)),
                    "response": response.ravel(),
                    "score": np.nan,
                }
            )
        )
    return pd.concat(frames, ignore_index=True), participation


def _wrong_answers(rng: np.random.Generator, item: pd.Series, n: int) -> np.ndarray:
    """Option masks chosen by examinees who miss ``item``."""
    options = _ITEM_TYPES[item["item_type"]].options
    answer = int(item["answer"])
    if item["item_type"] == "multiple":
        inside = [1 << i for i in range(options) if answer >> i & 1]
        outside = [1 << i for i in range(options) if not answer >> i & 1]
        drop = rng.random(n) < 0.6
        return np.where(drop, answer - rng.choice(inside, n), answer + rng.choice(outside, n))
    others = [1 << i for i in range(options) if 1 << i not in (answer, item["distractor"])]
    if not others:
        return np.full(n, item["distractor"])
    return np.where(rng.random(n) < _ATTRACTIVE, item["distractor"], rng.choice(others, n))
