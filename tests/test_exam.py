"""Tests of assess.exams: reference values, scoring rules, item analysis, blind spots."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from assess.core.errors import ParameterError
from assess.exams import (
    ALL,
    ExamResult,
    analyse_exam,
    cronbach_alpha,
    exam_totals,
    score_responses,
)

DATA = Path(__file__).parent / "data"
Q = "2026Q3"


# --------------------------------------------------------------------------------------
# Helpers: small synthetic exams
# --------------------------------------------------------------------------------------


def bank(sections: dict[str, int], *, max_score: float = 1.0) -> pd.DataFrame:
    """Single-choice items keyed A: ``{section: number of items}``."""
    rows = [
        {
            "item_id": f"{s}{i:02d}",
            "section": s,
            "item_type": "single",
            "key": "A",
            "max_score": max_score,
        }
        for s, k in sections.items()
        for i in range(k)
    ]
    return pd.DataFrame(rows)


def rasch(
    rng: np.random.Generator,
    items: pd.DataFrame,
    n: int,
    *,
    quarter: str = Q,
    shift: dict[str, float] | None = None,
    prefix: str = "p",
) -> pd.DataFrame:
    """Answers from a Rasch model; ``shift`` makes a section harder (logits).

    Item difficulties repeat -0.6, -0.2, 0.2, 0.6 within each section, so sections are
    equally hard unless shifted.
    """
    theta = rng.normal(1.5, 1.0, size=n)
    position = items.groupby("section").cumcount().to_numpy()
    b = np.array([-0.6, -0.2, 0.2, 0.6])[position % 4]
    b = b + items["section"].map(shift or {}).fillna(0.0).to_numpy()
    prob = 1 / (1 + np.exp(-(theta[:, None] - b[None, :])))
    correct = rng.random(prob.shape) < prob
    wrong = rng.choice(np.array(["B", "C", "D"]), size=prob.shape)
    answer = np.where(correct, "A", wrong)
    persons = [f"{prefix}{i:04d}" for i in range(n)]
    return pd.DataFrame(
        {
            "person_id": np.repeat(persons, len(items)),
            "quarter": quarter,
            "item_id": np.tile(items["item_id"].to_numpy(), n),
            "response": answer.ravel(),
        }
    )


def from_matrix(
    matrix: np.ndarray, *, quarter: str = Q, persons: list[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Items and responses reproducing a 0/1 matrix exactly (1 = answered A, 0 = B)."""
    n, k = matrix.shape
    items = bank({"党史": k})
    persons = persons or [f"p{i:03d}" for i in range(n)]
    responses = pd.DataFrame(
        {
            "person_id": np.repeat(persons, k),
            "quarter": quarter,
            "item_id": np.tile(items["item_id"].to_numpy(), n),
            "response": np.where(matrix.ravel() == 1, "A", "B"),
        }
    )
    return items, responses


def wide_points(result: ExamResult, items: pd.DataFrame, responses: pd.DataFrame) -> pd.DataFrame:
    scored = score_responses(items, responses)
    return scored.pivot(index="person_id", columns="item_id", values="score")[
        result.items["item_id"]
    ]


# --------------------------------------------------------------------------------------
# Cronbach's alpha against pingouin 0.7 / R psych (tests/data/make_exam_reference.py)
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wide_missing() -> pd.DataFrame:
    return pd.read_csv(DATA / "pingouin_cronbach_wide_missing.csv", encoding="utf-8-sig")


def test_alpha_pairwise_matches_psych(wide_missing):
    # R: psych::alpha(data, use = "pairwise"); pingouin 0.7 docstring
    r = cronbach_alpha(wide_missing)
    assert r.estimate == pytest.approx(0.732660835214447, rel=1e-12)
    assert (round(r.ci_low, 3), round(r.ci_high, 3)) == (0.435, 0.909)
    assert (r.n, r.n_items, r.method) == (12, 11, "KR-20")


def test_alpha_listwise_matches_psych(wide_missing):
    # R: psych::alpha(data, use = "complete.obs"); CI with n = 9 as pingouin's later tests
    r = cronbach_alpha(wide_missing, nan_policy="listwise")
    assert r.estimate == pytest.approx(0.8016949152542373, rel=1e-12)
    assert r.n == 9
    assert (round(r.ci_low, 3), round(r.ci_high, 3)) == (0.533, 0.947)


def test_alpha_long_form_matches_psych():
    long = pd.read_csv(DATA / "pingouin_cronbach_alpha.csv")
    wide = long.pivot(index="Subj", columns="Items", values="Scores")
    r = cronbach_alpha(wide)
    assert r.estimate == pytest.approx(0.5917188485995826, rel=1e-12)
    assert (round(r.ci_low, 3), round(r.ci_high, 3)) == (0.195, 0.840)
    assert (r.n, r.n_items, r.method) == (15, 10, "alpha")


def test_feldt_interval_by_hand(wide_missing):
    r = cronbach_alpha(wide_missing, confidence=0.9)
    n, k = 12, 11
    f_hi = stats.f.ppf(0.95, n - 1, (n - 1) * (k - 1))
    f_lo = stats.f.ppf(0.05, n - 1, (n - 1) * (k - 1))
    assert r.ci_low == pytest.approx(1 - (1 - r.estimate) * f_hi, rel=1e-12)
    assert r.ci_high == pytest.approx(1 - (1 - r.estimate) * f_lo, rel=1e-12)
    wider = cronbach_alpha(wide_missing, confidence=0.99)
    assert wider.ci_low < r.ci_low < r.estimate < r.ci_high < wider.ci_high


def test_kr20_equals_alpha_on_binary_items(rng):
    x = pd.DataFrame((rng.random((60, 8)) < np.linspace(0.3, 0.9, 8)).astype(int))
    x = x.add(rng.integers(0, 2, size=(60, 1)), axis=0).clip(upper=1)  # shared factor
    p = x.mean()
    k = x.shape[1]
    kr20 = k / (k - 1) * (1 - (p * (1 - p)).sum() / x.sum(axis=1).var(ddof=0))
    r = cronbach_alpha(x)
    assert r.method == "KR-20"
    assert r.estimate == pytest.approx(kr20, rel=1e-12)


def test_alpha_bad_input(wide_missing):
    with pytest.raises(ParameterError, match="nan_policy"):
        cronbach_alpha(wide_missing, nan_policy="omit")
    with pytest.raises(ParameterError, match="confidence"):
        cronbach_alpha(wide_missing, confidence=95)
    with pytest.raises(ParameterError, match="at least 2 examinees and 2 items"):
        cronbach_alpha(wide_missing[["Q1"]])
    with pytest.raises(ParameterError, match="numeric columns only"):
        cronbach_alpha(wide_missing.assign(Q1="x"))
    with pytest.raises(ParameterError, match="a DataFrame"):
        cronbach_alpha(wide_missing.to_numpy())


# --------------------------------------------------------------------------------------
# Scoring rules
# --------------------------------------------------------------------------------------


def test_scoring_rules():
    items = pd.DataFrame(
        {
            "item_id": ["s", "m", "j", "t", "o"],
            "section": ["党史", "党章", "党规", "党规", "党章"],
            "item_type": ["single", "multiple", "judge", "scored", "judge"],
            "key": ["B", "A,C,D", "正确", None, "A"],
            "max_score": [2.0, 4.0, 1.0, 10.0, 1.0],
        }
    )
    resp = pd.DataFrame(
        {
            "person_id": ["p1"] * 5 + ["p2"] * 5 + ["p3"] * 4,
            "quarter": [Q] * 14,
            "item_id": ["s", "m", "j", "t", "o"] * 2 + ["s", "m", "j", "t"],
            "response": [
                "ｂ",
                "dca",
                "√",
                None,
                "A",
                " B ",
                "AC",
                "错",
                "答案",
                "B",
                None,
                "ACDB",
                "",
                None,
            ],
            "score": [
                None,
                None,
                None,
                7.5,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
            ],
        }
    )
    out = score_responses(items, resp).set_index(["person_id", "item_id"])
    assert out.loc[("p1", "s"), "score"] == 2.0  # full-width letter, lower case
    assert out.loc[("p1", "m"), "score"] == 4.0  # any order
    assert out.loc[("p1", "j"), "score"] == 1.0  # √ reads as 正确
    assert out.loc[("p1", "t"), "score"] == 7.5  # scored item: the given score
    assert out.loc[("p2", "m"), "score"] == 0.0  # subset: all or nothing
    assert out.loc[("p2", "t"), "answered"] == False  # noqa: E712 - scored item, no score
    assert out.loc[("p3", "m"), "score"] == 0.0  # superset
    assert not out.loc[("p3", "s"), "answered"] and out.loc[("p3", "s"), "score"] == 0.0
    half = score_responses(items, resp, multiple_rule="half_for_subset")
    half = half.set_index(["person_id", "item_id"])
    assert half.loc[("p2", "m"), "score"] == 2.0
    assert half.loc[("p3", "m"), "score"] == 0.0  # a wrong option earns nothing
    assert half.loc[("p2", "m"), "credit"] == 0.5


def test_option_letters_are_not_truth_values():
    # A six-option single-choice item keyed F: "F" is a letter here, not 错.
    items = pd.DataFrame(
        {
            "item_id": ["s"],
            "section": ["党史"],
            "item_type": ["single"],
            "key": ["F"],
            "max_score": [1.0],
        }
    )
    resp = pd.DataFrame(
        {"person_id": ["p1", "p2"], "quarter": Q, "item_id": "s", "response": ["F", "错"]}
    )
    assert score_responses(items, resp)["score"].tolist() == [1.0, 0.0]
    options = analyse_exam(items, resp, quarter=Q).distractors["option"].tolist()
    assert options == ["A", "B", "C", "D", "E", "F", "错"]


def test_given_score_overrides_key():
    items = bank({"党史": 1}, max_score=5.0)
    resp = pd.DataFrame(
        {
            "person_id": ["p1"],
            "quarter": [Q],
            "item_id": ["党史00"],
            "response": ["B"],
            "score": [3.0],
        }
    )
    assert score_responses(items, resp)["score"].tolist() == [3.0]


def test_missing_answers_score_zero_and_are_counted():
    items = bank({"党史": 2, "党章": 2}, max_score=25.0)
    resp = pd.DataFrame(
        {
            "person_id": ["p1"] * 4 + ["p2"] * 3,
            "quarter": [Q] * 7,
            "item_id": ["党史00", "党史01", "党章00", "党章01", "党史00", "党史01", "党章00"],
            "response": ["A", "A", None, "A", "A", "", "A"],
        }
    )
    with pytest.warns(UserWarning, match="1 taker × item rows were absent"):
        totals = exam_totals(items, resp)
    assert totals["score"].tolist() == [75.0, 50.0]
    assert totals["n_missing"].tolist() == [1, 2]
    assert totals["n_answered"].tolist() == [3, 2]


# --------------------------------------------------------------------------------------
# Pass rate, participation, units
# --------------------------------------------------------------------------------------


def test_wilson_interval_for_seed_figures():
    # Seed 004: 489 takers, 96.7% scored 80 or more (473 / 489).
    items = bank({"党史": 5, "党章": 5}, max_score=10.0)
    correct = np.array([9] * 473 + [7] * 16)
    matrix = (np.arange(10)[None, :] < correct[:, None]).astype(int)
    _, resp = from_matrix(matrix)
    resp["item_id"] = np.tile(items["item_id"].to_numpy(), 489)
    result = analyse_exam(items, resp, quarter=Q)
    total = result.overview.set_index("unit_code").loc[ALL]
    assert (total["takers"], total["n_pass"]) == (489, 473)
    n, p, z = 489, 473 / 489, stats.norm.ppf(0.975)
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    assert total["pass_ci_low"] == pytest.approx(centre - half, rel=1e-10)
    assert total["pass_ci_high"] == pytest.approx(centre + half, rel=1e-10)
    assert "80 分及以上 473 人，占 96.7%（95% 区间 94.8%–98.0%）" in result.summary()
    bands = result.distribution.set_index("band")["n"]
    assert (bands["[70, 80)"], bands["[90, 100]"]) == (16, 473)
    stricter = analyse_exam(items, resp, quarter=Q, pass_mark=95)
    assert stricter.overview["n_pass"].iat[-1] == 0


@pytest.fixture
def org() -> tuple[pd.DataFrame, pd.DataFrame]:
    units = pd.DataFrame(
        {
            "unit_code": ["P", "C1", "C2", "B11", "B12", "B21"],
            "unit_name": ["省公司", "甲市", "乙市", "甲一支部", "甲二支部", "乙一支部"],
            "level": ["province", "city", "city", "branch", "branch", "branch"],
            "parent_code": [None, "P", "P", "C1", "C1", "C2"],
        }
    )
    branch = ["B11"] * 4 + ["B12"] * 3 + ["B21"] * 5
    staff = pd.DataFrame(
        {
            "person_id": [f"s{i:02d}" for i in range(12)],
            "unit_code": branch,
            "is_party_member": [True] * 10 + [False, True],
            "joined": pd.to_datetime(["2020-01-01"] * 11 + ["2026-10-05"]),
            "left": pd.to_datetime([None] * 8 + ["2026-07-15", "2026-06-30", None, None]),
        }
    )
    return units, staff


def org_exam(staff: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    items = bank({"党史": 2, "党章": 2}, max_score=25.0)
    takers = ["s00", "s01", "s02", "s04", "s05", "s07", "s08", "s10"]
    correct = {"s00": 4, "s01": 3, "s02": 4, "s04": 2, "s05": 4, "s07": 4, "s08": 3, "s10": 4}
    rows = [
        {"person_id": p, "quarter": Q, "item_id": item, "response": "A" if j < correct[p] else "C"}
        for p in takers
        for j, item in enumerate(items["item_id"])
    ]
    return items, pd.DataFrame(rows)


def test_participation_and_units(org):
    units, staff = org
    items, resp = org_exam(staff)
    result = analyse_exam(items, resp, quarter=Q, staff=staff, units=units)
    ov = result.overview.set_index("unit_code")
    assert list(ov.index) == ["C1", "C2", ALL]
    assert ov.loc["C1", "unit_name"] == "甲市" and result.scope == "省公司"
    # Eligible in 2026Q3: members on the books in September, the exam month. s08 left in
    # July (but sat the exam), s09 left 2026-06-30, s11 joined in October; s10 is not a
    # member (a taker, but not eligible).
    assert ov["eligible"].tolist() == [7, 1, 8]
    assert ov["takers"].tolist() == [5, 3, 8]
    assert ov["participation"].tolist() == pytest.approx([5 / 7, 1 / 1, 6 / 8])
    assert ov["n_pass"].tolist() == [3, 2, 5]
    assert "应考 8 人，参考率 75.0%" in result.summary()
    taker = result.takers.set_index("person_id")
    assert taker.loc["s10", "eligible"] == False  # noqa: E712
    assert taker.loc["s05", ["branch_code", "unit_code"]].tolist() == ["B12", "C1"]

    # Eligible by post instead of membership: s10 (not a member) counts, s00 does not.
    chosen = analyse_exam(
        items,
        resp,
        quarter=Q,
        staff=staff,
        units=units,
        eligible=["s01", "s02", "s07", "s10", "s11"],
    )
    assert chosen.overview["eligible"].tolist() == [2, 2, 4]
    assert chosen.overview["participation"].tolist() == [1.0, 1.0, 1.0]

    city = analyse_exam(items, resp, quarter=Q, staff=staff, units=units, unit="C1")
    assert city.overview["unit_code"].tolist() == ["B11", "B12", ALL]
    assert city.overview["takers"].tolist() == [3, 2, 5]
    assert city.scope == "甲市"
    branch = analyse_exam(items, resp, quarter=Q, staff=staff, units=units, unit="B21")
    assert branch.overview["unit_code"].tolist() == ["B21", ALL]
    flat = analyse_exam(items, resp, quarter=Q, staff=staff)
    assert flat.overview["unit_code"].tolist() == ["B11", "B12", "B21", ALL]


def test_takers_missing_from_staff_are_reported(org):
    units, staff = org
    items, resp = org_exam(staff)
    stranger = resp[resp["person_id"] == "s00"].assign(person_id="x99")
    resp = pd.concat([resp, stranger])
    with pytest.warns(
        UserWarning, match="1 takers are not in the staff table and were counted in the total only"
    ):
        result = analyse_exam(items, resp, quarter=Q, staff=staff, units=units)
    assert result.overview["takers"].tolist() == [5, 3, 9]
    with pytest.warns(UserWarning, match="left out"):
        city = analyse_exam(items, resp, quarter=Q, staff=staff, units=units, unit="C1")
    assert city.overview["takers"].iat[-1] == 5


def test_trend_across_quarters(rng):
    items = bank({"党史": 4, "党章": 4})
    resp = pd.concat(
        [
            rasch(rng, items, 40, quarter="2026Q1"),
            rasch(rng, items, 50, quarter="2026Q2"),
            rasch(rng, items, 45, quarter=Q),
            rasch(rng, items, 30, quarter="2026Q4"),
        ]
    )
    result = analyse_exam(items, resp, quarter="2026年第3季度")
    assert result.quarter == Q
    assert result.trend["quarter"].tolist() == ["2026Q1", "2026Q2", Q]
    assert result.trend["takers"].tolist() == [40, 50, 45]
    assert list(result.section_trend["quarter"].unique()) == ["2026Q1", "2026Q2", Q]
    current = result.section_trend[result.section_trend["quarter"] == Q]
    overall = result.sections[result.sections["unit_code"] == ALL]
    assert current["estimate"].tolist() == pytest.approx(overall["estimate"].tolist())


# --------------------------------------------------------------------------------------
# Sections and blind spots
# --------------------------------------------------------------------------------------


def test_blind_spot_test_is_the_paired_t_test(rng):
    items = bank({"党史": 6, "党章": 6, "党规": 6})
    resp = rasch(rng, items, 200, shift={"党规": 1.5})
    result = analyse_exam(items, resp, quarter=Q)
    sec = result.sections.set_index("section")
    assert sec.loc["党规", "blind_spot"] and sec.loc["党规", "significant"]
    assert not sec.loc["党史", "blind_spot"] and not sec.loc["党章", "blind_spot"]
    assert "薄弱板块：党规（掌握率" in result.summary()

    scored = score_responses(items, resp)
    share = scored.pivot_table(
        index="person_id", columns="section", values="credit", aggfunc="mean"
    )
    for s in ("党史", "党章", "党规"):
        rest = share.drop(columns=s).mean(axis=1)  # equal item counts and points
        ref = stats.ttest_rel(share[s], rest, alternative="less")
        assert sec.loc[s, "p_value"] == pytest.approx(ref.pvalue, rel=1e-9)
        lo, hi = stats.t.interval(
            0.95, len(share) - 1, loc=share[s].mean(), scale=stats.sem(share[s])
        )
        assert (sec.loc[s, "ci_low"], sec.loc[s, "ci_high"]) == pytest.approx((lo, hi))
        assert sec.loc[s, "gap"] == pytest.approx((share[s] - rest).mean())
    q = multipletests(sec["p_value"], method="fdr_bh")[1]
    assert sec["q_value"].to_numpy() == pytest.approx(q)


def test_blind_spots_per_unit_with_fdr(rng, org):
    units, _ = org
    items = bank({"党史": 6, "党章": 6, "党规": 6})
    parts = [
        rasch(rng, items, 60, prefix="a", shift={"党规": 2.0}),
        rasch(rng, items, 60, prefix="b"),
    ]
    resp = pd.concat(parts)
    staff = pd.DataFrame({"person_id": resp["person_id"].unique()})
    staff["unit_code"] = np.where(staff["person_id"].str.startswith("a"), "B11", "B21")
    result = analyse_exam(items, resp, quarter=Q, staff=staff, units=units)
    cells = result.sections[result.sections["unit_code"] != ALL]
    assert len(cells) == 6
    q = multipletests(cells["p_value"], method="fdr_bh")[1]
    assert cells["q_value"].to_numpy() == pytest.approx(q)
    spots = cells[cells["blind_spot"]]
    assert spots[["unit_code", "section"]].values.tolist() == [["C1", "党规"]]
    assert result.overview.set_index("unit_code").loc["C1", "weak_sections"] == "党规"
    assert "下属单位中 1 个单位共 1 处板块薄弱" in result.summary()


def test_threshold_blind_spot_without_significance():
    # Every taker scores 50% on each section: no gap, but below the 60% threshold.
    matrix = np.tile([1, 0, 1, 0], (10, 1))
    items, resp = from_matrix(matrix)
    items["section"] = ["党史", "党史", "党章", "党章"]
    result = analyse_exam(items, resp, quarter=Q)
    sec = result.sections
    assert sec["p_value"].isna().all()  # no variation in the gaps: nothing to test
    assert sec["below_threshold"].all() and sec["blind_spot"].all()
    relaxed = analyse_exam(items, resp, quarter=Q, mastery_threshold=0.5)
    assert not relaxed.sections["blind_spot"].any()
    assert "未发现薄弱板块" in relaxed.summary()


# --------------------------------------------------------------------------------------
# Item analysis
# --------------------------------------------------------------------------------------


def test_item_statistics_computed_directly(rng):
    items = bank({"党史": 5, "党章": 5})
    resp = rasch(rng, items, 120)
    result = analyse_exam(items, resp, quarter=Q)
    x = wide_points(result, items, resp)
    total = x.sum(axis=1)
    table = result.items.set_index("item_id")
    for item in x.columns:
        r_drop = np.corrcoef(x[item], total - x[item])[0, 1]
        assert table.loc[item, "r_drop"] == pytest.approx(r_drop, rel=1e-10)
        r_pbis = stats.pointbiserialr(x[item], total).statistic
        assert table.loc[item, "r_pbis"] == pytest.approx(r_pbis, rel=1e-10)
        assert table.loc[item, "difficulty"] == pytest.approx(x[item].mean())
        dropped = cronbach_alpha(x.drop(columns=item)).estimate
        assert table.loc[item, "alpha_if_deleted"] == pytest.approx(dropped, rel=1e-10)
    assert result.reliability.estimate == pytest.approx(cronbach_alpha(x).estimate)
    assert result.reliability.method == "KR-20"
    assert result.reliability.n == 120


def test_d_index_groups_and_tie_rule():
    # Totals 5, 4, 4, 4, 4, 3, 2, 2, 1, 0 over ten takers: round(0.27 * 10) = 3 per group,
    # and the upper cut falls inside the four tied 4s, the lower cut inside the two 2s.
    matrix = np.array(
        [
            [1, 1, 1, 1, 1],
            [1, 1, 1, 1, 0],
            [1, 1, 1, 0, 1],
            [1, 1, 0, 1, 1],
            [1, 0, 1, 1, 1],
            [1, 1, 1, 0, 0],
            [1, 1, 0, 0, 0],
            [0, 0, 0, 1, 1],
            [1, 0, 0, 0, 0],
            [0, 0, 0, 0, 0],
        ]
    )
    persons = [f"m{i}" for i in range(10)]
    items, resp = from_matrix(matrix, persons=persons)
    result = analyse_exam(items, resp, quarter=Q)

    def key(pid: str) -> int:
        return int.from_bytes(hashlib.blake2b(pid.encode(), digest_size=8).digest(), "big")

    total = dict(zip(persons, matrix.sum(axis=1), strict=True))
    ordered = sorted(persons, key=lambda p: (total[p], key(p)))
    lower, upper = ordered[:3], ordered[-3:]
    frame = pd.DataFrame(matrix, index=persons)
    expected_d = frame.loc[upper].mean() - frame.loc[lower].mean()
    assert result.items["d_index"].to_numpy() == pytest.approx(expected_d.to_numpy())
    assert result.items["p_upper"].to_numpy() == pytest.approx(frame.loc[upper].mean())
    # The rule depends on the ids only, not on the order of the rows.
    shuffled = analyse_exam(items, resp.sample(frac=1.0, random_state=3), quarter=Q)
    pd.testing.assert_frame_equal(shuffled.items, result.items)


def test_weak_item_flags(rng):
    items = bank({"党史": 8})
    resp = rasch(rng, items, 300)
    n = 300
    extra = pd.DataFrame(
        {
            "person_id": np.repeat(resp["person_id"].unique(), 3),
            "quarter": Q,
            "item_id": np.tile(["easy", "hard", "noise"], n),
            "response": np.column_stack(
                [
                    np.full(n, "A"),  # everyone right: p = 1
                    np.where(np.arange(n) < 30, "A", "B"),  # p = 0.10
                    rng.choice(["A", "B"], size=n),  # unrelated to ability
                ]
            ).ravel(),
        }
    )
    extra_items = pd.DataFrame(
        {
            "item_id": ["easy", "hard", "noise"],
            "section": "党章",
            "item_type": "single",
            "key": "A",
            "max_score": 1.0,
        }
    )
    result = analyse_exam(pd.concat([items, extra_items]), pd.concat([resp, extra]), quarter=Q)
    table = result.items.set_index("item_id")
    assert table.loc["easy", "too_easy"] and table.loc["easy", "flags"] == "过易 too easy"
    assert np.isnan(table.loc["easy", "r_drop"]) and not table.loc["easy", "low_discrimination"]
    assert table.loc["hard", "too_hard"] and table.loc["hard", "difficulty"] == 0.1
    assert table.loc["noise", "low_discrimination"]
    expected = (
        (table["difficulty"] < 0.30) | (table["difficulty"] > 0.95) | (table["r_drop"] < 0.20)
    )
    assert table["weak"].tolist() == expected.tolist()
    assert {"easy", "hard", "noise"} <= set(table.index[table["weak"]])


def test_distractor_analysis():
    items = pd.DataFrame(
        {
            "item_id": ["s", "m", "ok"],
            "section": ["党史", "党章", "党章"],
            "item_type": ["single", "multiple", "single"],
            "key": ["B", "AC", "A"],
            "max_score": [1.0, 1.0, 1.0],
        }
    )
    single = ["B", "B", "B", "D", "B", "A", "A", "D", "A", "A"]
    multi = ["AC", "AC", "AC", "AC", "A", "AC", "C", "AB", "AC", "A"]
    ok = ["A"] * 6 + ["B"] * 4
    resp = pd.DataFrame(
        {
            "person_id": np.repeat([f"p{i}" for i in range(10)], 3),
            "quarter": Q,
            "item_id": ["s", "m", "ok"] * 10,
            "response": np.column_stack([single, multi, ok]).ravel(),
        }
    )
    result = analyse_exam(items, resp, quarter=Q)
    d = result.distractors.set_index(["item_id", "option"])
    assert list(d.loc["s"].index) == ["A", "B", "C", "D"]  # C: never chosen, still listed
    assert d.loc[("s", "B"), "share"] == 0.4 and d.loc[("s", "B"), "is_key"]
    assert d.loc[("s", "C"), "nonfunctioning"]
    assert d.loc[("m", "A"), "share"] == 0.9 and d.loc[("m", "C"), "share"] == 0.7
    assert list(d.loc["m"].index) == ["A", "B", "C"]
    # Group shares equal the item analysis's upper/lower groups.
    upper = result.items.set_index("item_id").loc["s", "p_upper"]
    assert d.loc[("s", "B"), "share_upper"] == pytest.approx(upper)
    assert d["reversed"].dtype == bool


# --------------------------------------------------------------------------------------
# Result object: text, plots, html
# --------------------------------------------------------------------------------------


def golden_exam() -> tuple[pd.DataFrame, pd.DataFrame]:
    items = pd.DataFrame(
        {
            "item_id": ["q1", "q2", "q3", "q4"],
            "section": ["党史", "党史", "党规", "党规"],
            "item_type": ["single", "judge", "single", "multiple"],
            "key": ["A", "对", "C", "BD"],
            "max_score": [25.0] * 4,
        }
    )
    answers = [
        "A 对 C BD",
        "A 对 A B",
        "A 对 A BD",
        "A 错 C B",
        "A 对 B B",
        "A 对 C BD",
        "B 对 A BD",
        "A 对 C D",
    ]
    resp = pd.DataFrame(
        [
            {"person_id": f"p{i}", "quarter": Q, "item_id": item, "response": r}
            for i, text in enumerate(answers)
            for item, r in zip(items["item_id"], text.split(), strict=True)
        ]
    )
    return items, resp


def test_summary_golden():
    result = analyse_exam(*golden_exam(), quarter=Q)
    # Checked by hand: scores 100, 50, 75, 50, 50, 100, 50, 75 (mean 68.75); Wilson 2/8;
    # 党规 8/16 vs 党史 14/16; paired differences 0, -1, -.5, 0, -1, 0, 0, -.5 give
    # t = -2.39 on 7 df, one-sided p = 0.024, BH over two sections q = 0.048.
    assert result.summary() == (
        "2026Q3 每季一考（全部考生 all takers）：参考 8 人；平均 68.8 分；80 分及以上 2 人，"
        "占 25.0%（95% 区间 7.1%–59.1%）。信度 KR-20 = -0.06（95% 区间 -2.15–0.76）。"
        "薄弱板块：党规（掌握率 50.0%，比其余板块低 37.5个百分点，q = 0.048）。"
        "4 道题需审核（过难 0、过易 0、区分度低 4）：q1、q2、q3、q4。\n\n"
        "2026Q3 quarterly exam (全部考生 all takers): takers 8; mean score 68.8; scoring 80 "
        "or more: 2, 25.0% (95% CI 7.1%–59.1%). Reliability KR-20 = -0.06 (95% CI "
        "-2.15–0.76). Weak sections: 党规 (mastery 50.0%, 37.5 pp below the other "
        "sections, q = 0.048). Items to review: 4 (too hard 0, too easy 0, low "
        "discrimination 4): q1, q2, q3, q4."
    )
    judge = result.distractors[result.distractors["item_id"] == "q2"]
    assert judge["option"].tolist() == ["对", "错"]
    assert judge["share"].tolist() == [0.875, 0.125]


def test_plots_and_html(rng, org):
    units, _ = org
    items = bank({"党史": 4, "党章": 4, "党规": 4})
    resp = rasch(rng, items, 80, shift={"党规": 1.5})
    staff = pd.DataFrame({"person_id": resp["person_id"].unique()})
    staff["unit_code"] = np.where(np.arange(len(staff)) % 2, "B11", "B21")
    result = analyse_exam(items, resp, quarter=Q, staff=staff, units=units)
    ax = result.plot()
    assert ax.get_xlabel() == "分数" and len(ax.patches) == 20
    assert ax.get_title() == f"{Q} 每季一考成绩分布"
    english = result.plot(language="en")
    assert (english.get_xlabel(), english.get_ylabel()) == ("Score", "Takers")
    assert english.get_title() == f"{Q} Score distribution"
    assert result.plot(language="zh-en").get_xlabel() == "分数 Score"
    heat = result.plot(kind="heatmap")
    assert heat.images[0].get_array().shape == (3, 3)  # ALL + two cities × three sections
    assert [t.get_text() for t in heat.get_yticklabels()] == ["省公司", "甲市", "乙市"]
    assert any(t.get_text().endswith("*") for t in heat.texts)
    item_ax = result.plot(kind="items")
    assert item_ax.get_ylabel() == "校正题总相关"
    english = result.plot(kind="items", language="en")
    assert english.get_ylabel() == "Corrected item–total r"
    html = result._repr_html_()
    assert html.startswith("<div class='assess-result'><h4>每季一考 / Quarterly exam</h4>")
    assert "甲市" in html
    assert list(result.tables()) == [
        "汇总",
        "板块",
        "题目",
        "选项",
        "分数段",
        "信度",
        "趋势",
        "板块趋势",
        "考生",
    ]
    one = analyse_exam(items, resp[resp["person_id"] == "p0000"], quarter=Q)
    assert "信度无法估计" in one.summary() and np.isnan(one.reliability.estimate)
    with pytest.raises(ParameterError, match="'kind' must be one of"):
        result.plot(kind="pie")


# --------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"quarter": "2026Q5"}, "parameter 'quarter' must be a quarter such as '2026Q3'"),
        ({"quarter": "2025Q4"}, "2025Q4 没有答卷"),
        ({"pass_mark": 120}, "'pass_mark' must be a number between 0 and 100"),
        ({"confidence": 1.0}, "'confidence' must be a number strictly between 0 and 1"),
        ({"mastery_threshold": -0.1}, "'mastery_threshold' must be a number between 0 and 1"),
        ({"multiple_rule": "partial"}, "'multiple_rule' must be one of"),
        ({"unit": "B11"}, "给定 units 或 unit 时必须同时给定人员表 staff"),
        ({"eligible": ["p1"]}, "给定 eligible 时必须同时给定人员表 staff"),
    ],
)
def test_analyse_exam_bad_options(change, match):
    items, resp = golden_exam()
    with pytest.raises(ParameterError, match=match):
        analyse_exam(items, resp, **{"quarter": Q, **change})


def test_analyse_exam_bad_unit(org):
    units, staff = org
    items, resp = org_exam(staff)
    with pytest.raises(ParameterError, match="'unit' must be a unit_code of the units table"):
        analyse_exam(items, resp, quarter=Q, staff=staff, units=units, unit="Z9")
    with pytest.raises(ParameterError, match="is_party_member 列应为布尔值"):
        analyse_exam(items, resp, quarter=Q, staff=staff.assign(is_party_member="是"))
    lonely = pd.concat(
        [
            units,
            pd.DataFrame(
                {
                    "unit_code": ["B13"],
                    "unit_name": ["空支部"],
                    "level": ["branch"],
                    "parent_code": ["C1"],
                }
            ),
        ]
    )
    with pytest.raises(ParameterError, match="单位 B13 在 2026Q3 没有考生"):
        analyse_exam(items, resp, quarter=Q, staff=staff, units=lonely, unit="B13")


def test_bad_tables():
    items, resp = golden_exam()
    with pytest.raises(ParameterError, match="表 'responses' 缺少列 item_id"):
        score_responses(items, resp.drop(columns="item_id"))
    with pytest.raises(ParameterError, match="答卷中的题目不在题库中：\\['q9'\\]"):
        score_responses(items, pd.concat([resp, resp.head(1).assign(item_id="q9")]))
    with pytest.raises(ParameterError, match="答卷有 1 行重复"):
        score_responses(items, pd.concat([resp, resp.head(1)]))
    with pytest.raises(ParameterError, match="客观题缺少标准答案：\\['q1'\\]"):
        score_responses(items.assign(key=[None, "对", "C", "BD"]), resp)
    with pytest.raises(ParameterError, match="item_type in single"):
        score_responses(items.assign(item_type="essay"), resp)
    with pytest.raises(ParameterError, match="题目满分必须大于 0"):
        score_responses(items.assign(max_score=0.0), resp)
    with pytest.raises(ParameterError, match="得分超出 0～满分"):
        score_responses(items, resp.assign(score=30.0))
    with pytest.raises(ParameterError, match="答卷中的季度无法识别"):
        score_responses(items, resp.assign(quarter="第三季度"))
    with pytest.raises(ParameterError, match="题库中题目编号重复"):
        score_responses(pd.concat([items, items.head(1)]), resp)


# --------------------------------------------------------------------------------------
# The demo data: the planted weak section and weak items are found
# --------------------------------------------------------------------------------------


def read_demo(folder: Path, name: str) -> pd.DataFrame:
    # Read directly rather than through assess.io.validation: this test is about the exam.
    return pd.read_csv(
        folder / f"{name}.csv",
        dtype=str,
        encoding="utf-8-sig",
        keep_default_na=False,
        na_values=[""],
    )


def test_demo_weak_section_and_items_found(tmp_path):
    from assess.io import demo

    folder = tmp_path / "demo"
    demo.generate(folder, size="small", seed=2026, progress=False)
    truth = json.loads((folder / "ground_truth.json").read_text(encoding="utf-8"))
    items = read_demo(folder, "exam_items").astype({"max_score": float})
    resp = read_demo(folder, "exam_responses").astype({"score": float})
    staff = read_demo(folder, "staff")
    staff["is_party_member"] = staff["is_party_member"] == "是"
    units = read_demo(folder, "units")
    posts = staff.loc[staff["post"].isin(truth["exam"]["eligible_posts"]), "person_id"]
    quarter = max(resp["quarter"])
    result = analyse_exam(items, resp, quarter=quarter, staff=staff, units=units, eligible=posts)
    overall = result.sections[result.sections["unit_code"] == ALL].set_index("section")
    weak_section = truth["exam"]["weak_section"]
    assert weak_section == "党规"
    assert overall.loc[weak_section, "blind_spot"]
    assert overall["estimate"].idxmin() == weak_section
    table = result.items.set_index("item_id")
    for item in truth["exam"]["too_easy_items"]:
        assert table.loc[item, "too_easy"]
    for item in truth["exam"]["wrong_key_items"]:  # keyed to a distractor
        assert table.loc[item, "weak"] and table.loc[item, "difficulty"] < 0.30
    planted = truth["provinces"][0]["exam_participation"]
    trend = result.trend[result.trend["unit_code"] == ALL].set_index("quarter")
    assert {
        q: [int(trend.loc[q, "eligible"]), int(trend.loc[q, "takers"])] for q in trend.index
    } == {q: [v["eligible"], v["takers"]] for q, v in planted.items()}
