"""Every public function rejects bad common parameters with the package's ParameterError.

In the style of scikit-learn's ``sklearn/tests/test_public_functions.py``: ``CASES`` holds,
for every callable in ``assess.__all__`` that takes parameters, minimal valid arguments and
bad values of the common parameters it takes (confidence, quarter, seed, language, method,
design, draws, warn_days, overwrite, unit, level, ...). Each bad value must raise
:class:`assess.ParameterError` whose message names the parameter in its Chinese part and in
its English part — never a bare ValueError, TypeError or KeyError from deep inside.
``test_cases_cover_every_public_callable`` fails when a new public name is not in the table.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import assess
from assess.core.scheme import WatchRule, load_scheme

#: Public names that take parameters but are not called with common parameters by users:
#: the package builds these objects itself, or they are exceptions.
NOT_CALLED_BY_USERS: dict[str, str] = {
    "Dataset": "built by load_inputs/read_store; its fields are tables, not options",
    "ValidationReport": "built by validate",
    "ValidationResult": "built by check_inputs",
    "ImportSummary": "built by Store.import_dataset",
    "Appraisal": "built by score_quarter",
    "Scheme": "built by load_scheme from a checked TOML file",
    "DataValidationError": "an exception",
    "ParameterError": "an exception",
    # Parsers answer None for an unreadable value, on purpose: validation collects them.
    "parse_date": "a parser: None for unreadable values",
    "parse_month": "a parser: None for unreadable values",
    "parse_quarter": "a parser: None for unreadable values",
}

#: Parameter names that mean the same everywhere; every function taking one has bad values
#: for it in CASES (checked by test_every_common_parameter_has_bad_values).
COMMON = frozenset(
    {
        "confidence",
        "significance",
        "subjective_share",
        "quarter",
        "quarters",
        "periods",
        "seed",
        "language",
        "method",
        "methods",
        "alternative",
        "design",
        "inference",
        "draws",
        "n_permutations",
        "warn_days",
        "notice_days",
        "overwrite",
        "replace",
        "progress",
        "unit",
        "level",
        "outcome",
        "outcomes",
        "as_of",
        "rounding",
        "falsification",
        "comparable",
    }
)

BAD_CONFIDENCE = (0.0, 1.0, 1.5, -0.1, "0.95", True, None, float("nan"))
BAD_QUARTER = ("2026Q5", "2026-13", "", 2026, None)
BAD_SEED = (-1, 1.5, "7", True, None)
BAD_FLAG = ("yes", 1, None)
BAD_DAYS = (-1, 1.5, "7", True)
BAD_CHOICE = ("nonsense", None, 3)
BAD_PERIODS: tuple[Any, ...] = ("2026Q5", "", 2026, [], ["2026Q1", "2026Q9"])
BAD_PATH = (5, None)


@dataclass(frozen=True)
class Inputs:
    """Small valid inputs, built once per module."""

    folder: Path
    raw: Any
    data: assess.Dataset
    store: Path
    opened: assess.Store
    appraisal: assess.Appraisal
    tmp: Path


@dataclass(frozen=True)
class Case:
    """How to call one public function validly, and its bad common parameter values."""

    valid: Callable[[Inputs], tuple[tuple[Any, ...], dict[str, Any]]]
    bad: dict[str, tuple[Any, ...]] = field(default_factory=dict)


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"a": [1.0, 2.0, 3.0, 5.0], "b": [4.0, 1.0, 2.0, 3.0]})


def _quarters() -> pd.DataFrame:
    return pd.DataFrame({"quarter": ["2026Q1", "2026Q2", "2026Q3"], "v": [1.0, 2.0, 4.0]})


def _effect_panel() -> pd.DataFrame:
    months = pd.period_range("2024-01", periods=12, freq="M").strftime("%Y-%m")
    rng = np.random.default_rng(1)
    rows = [(u, m, rng.poisson(20)) for u in range(8) for m in months]
    return pd.DataFrame(rows, columns=["branch", "month", "complaints"])


def _star_metrics() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "member_index_mean": [76.0, 72.0],
            "exam_participation": [1.0, 0.9],
            "duty_completion": [1.0, 0.9],
            "violations_per_1000_tickets": [1.0, 4.0],
            "complaints_per_10000_customers": [0.1, 0.5],
            "project_completion": [1.0, 0.7],
        },
        index=pd.Index(["b1", "b2"], name="unit_code"),
    )


def _watch_events() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "event_id": ["e1", "e2"],
            "person_id": ["p1", "p1"],
            "date": pd.to_datetime(["2026-07-02", "2026-08-09"]),
            "unit_code": ["b1", "b1"],
            "type": ["violation", "complaint"],
            "severity": ["1", "2"],
        }
    )


MATRIX = [[1.0, 3.0], [1 / 3, 1.0]]
AS_OF = "2026-09-30"

CASES: dict[str, Case] = {
    "shift_quarter": Case(
        lambda i: (("2026Q1", 1), {}),
        {"quarter": BAD_QUARTER, "n": (1.5, "1", None, True)},
    ),
    "read_inputs": Case(lambda i: ((i.folder,), {}), {"path": BAD_PATH, "progress": BAD_FLAG}),
    "check_inputs": Case(
        lambda i: ((i.folder,), {}), {"periods": BAD_PERIODS, "progress": BAD_FLAG}
    ),
    "load_inputs": Case(
        lambda i: ((i.folder,), {}), {"periods": BAD_PERIODS, "progress": BAD_FLAG}
    ),
    "validate": Case(lambda i: ((i.raw,), {}), {"periods": BAD_PERIODS, "progress": BAD_FLAG}),
    "read_store": Case(
        lambda i: ((i.store, "units"), {}),
        {"quarters": (["2026Q5"], "2026Q3x", 5), "tables": ("nonsense", 5)},
    ),
    "Appraisal.to_excel": Case(
        lambda i: ((i.appraisal, i.tmp / "never-written.xlsx"), {}),
        {"path": BAD_PATH, "overwrite": BAD_FLAG},
    ),
    "Store.open": Case(
        lambda i: ((i.store,), {"read_only": True}),
        {"path": BAD_PATH[:1], "create": BAD_FLAG, "read_only": BAD_FLAG},
    ),
    "Store.read": Case(
        lambda i: ((i.opened, "units"), {}),
        {"quarters": (["2026Q5"], 5)},
    ),
    "Store.import_dataset": Case(
        lambda i: ((i.opened, i.data), {}),
        {"replace": BAD_FLAG},
    ),
    "Store.publish": Case(
        lambda i: (
            (i.opened, "appraisal", "2026Q3", {}),
            {"params": {}},
        ),
        {"quarter": BAD_QUARTER, "replace": BAD_FLAG},
    ),
    "Store.published": Case(
        lambda i: ((i.opened, "appraisal", "2026Q3"), {}),
        {"quarter": BAD_QUARTER},
    ),
    "generate_demo": Case(
        lambda i: ((i.tmp / "never-written",), {"size": "small", "progress": False}),
        {
            "out": BAD_PATH,
            "size": BAD_CHOICE,
            "seed": BAD_SEED,
            "fmt": BAD_CHOICE,
            "overwrite": BAD_FLAG,
            "progress": BAD_FLAG,
        },
    ),
    "unit_paths": Case(lambda i: ((i.data.units,), {}), {"units": ("units", None)}),
    "units_under": Case(
        lambda i: ((i.data.units, "01"), {}),
        {"level": ("nonsense", 3), "code": ("9999", None)},
    ),
    "load_scheme": Case(lambda i: ((), {}), {"path": BAD_PATH[:1]}),
    "score_quarter": Case(
        lambda i: ((i.data,), {"quarter": "2026Q3"}),
        {"quarter": BAD_QUARTER, "unit": ("9999", 1), "comparable": BAD_FLAG},
    ),
    "normalise": Case(
        lambda i: ((_frame(),), {"directions": "positive"}),
        {"method": BAD_CHOICE, "directions": BAD_CHOICE},
    ),
    "aggregate": Case(
        lambda i: (
            (assess.normalise(_frame(), directions="positive"), {"a": 0.5, "b": 0.5}),
            # zero_guard matters for the geometric mean only.
            {"method": "geometric", "zero_guard": "zero"},
        ),
        {"method": BAD_CHOICE, "zero_guard": ("nonsense", None)},
    ),
    "ahp_weights": Case(
        lambda i: ((MATRIX,), {}),
        {"method": BAD_CHOICE, "ri_table": BAD_CHOICE, "allow_inconsistent": BAD_FLAG},
    ),
    "ahp_group": Case(lambda i: (([MATRIX, MATRIX],), {}), {"weights": ([1.0], [-1.0, 2.0])}),
    "entropy_weights": Case(
        lambda i: ((_frame(),), {"directions": "positive"}), {"directions": BAD_CHOICE}
    ),
    "critic_weights": Case(
        lambda i: ((_frame(),), {"directions": "positive"}), {"directions": BAD_CHOICE}
    ),
    "combine_weights": Case(
        lambda i: (({"a": 0.5, "b": 0.5}, {"a": 0.4, "b": 0.6}), {"subjective_share": 0.5}),
        {"subjective_share": (1.5, -0.1, "0.5", True), "method": BAD_CHOICE},
    ),
    "given_weights": Case(lambda i: (({"a": 0.5, "b": 0.5},), {}), {"weights": ({"a": -1},)}),
    "random_index": Case(lambda i: ((3,), {}), {"n": (0, 1.5, "3"), "table": BAD_CHOICE}),
    "rank": Case(
        lambda i: ((pd.Series([3.0, 1.0, 2.0]),), {}),
        {"method": BAD_CHOICE, "ascending": BAD_FLAG},
    ),
    "assign_grades": Case(
        lambda i: (
            (pd.Series([95.0, 90.0, 80.0, 70.0]),),
            {"quotas": {"优秀": "25%", "合格": None}},
        ),
        {"rounding": BAD_CHOICE, "tie_policy": BAD_CHOICE, "veto_effect": BAD_CHOICE},
    ),
    "Quota": Case(
        lambda i: (("优秀",), {"max_share": Decimal("0.2")}),
        {"max_share": ("150%", -1), "min_share": ("-5%", "x")},
    ),
    "quota_count": Case(
        lambda i: (("0.15", 30), {}),
        {"share": ("1.5", "x"), "n": (-1, 1.5, "30"), "rounding": BAD_CHOICE},
    ),
    "compare_periods": Case(
        lambda i: ((_quarters(),), {"value_col": "v"}),
        {
            "kind": BAD_CHOICE,
            "comparable": BAD_FLAG,
            "is_rate": BAD_FLAG,
        },
    ),
    "format_change": Case(
        lambda i: ((assess.compare_periods(_quarters(), value_col="v").iloc[-1],), {}),
        {"language": ("fr", None, "ZH"), "decimals": (-1, 1.5, "1")},
    ),
    "average_growth": Case(lambda i: (([1.0, 2.0, 4.0],), {}), {"periods": (0, 1.5, "2")}),
    "rank_robustness": Case(
        lambda i: (
            (_frame(),),
            {"weights": {"a": 0.5, "b": 0.5}, "directions": "positive", "draws": 20},
        ),
        {
            "draws": (0, 1.5, "20", True),
            "seed": BAD_SEED,
            "weight_scheme": BAD_CHOICE,
            "spread": (1.0, -0.1, "0.2"),
        },
    ),
    "rate_branches": Case(
        lambda i: ((_star_metrics(), load_scheme().stars), {}),
        {"rules": ("five stars", None)},
    ),
    "watch_list": Case(
        lambda i: (
            (
                _watch_events(),
                pd.DataFrame({"person_id": ["p1"], "name": ["张三"], "unit_code": ["b1"]}),
                WatchRule(("violation", "complaint"), 2, 3),
            ),
            {"quarter": "2026Q3"},
        ),
        {"quarter": BAD_QUARTER},
    ),
    "analyse_exam": Case(
        lambda i: (
            (i.data.exam_items, i.data.exam_responses),
            {"quarter": "2026Q3", "staff": i.data.staff, "units": i.data.units},
        ),
        {
            "quarter": BAD_QUARTER,
            "confidence": BAD_CONFIDENCE,
            "pass_mark": (120, -1, "80"),
            "mastery_threshold": (1.5, "0.6"),
            "multiple_rule": BAD_CHOICE,
            "unit": ("9999",),
        },
    ),
    "exam_of_quarter": Case(
        lambda i: ((i.data,), {"quarter": "2026Q3"}),
        {"quarter": BAD_QUARTER, "unit": ("9999", 1)},
    ),
    "cronbach_alpha": Case(
        lambda i: ((pd.DataFrame(np.arange(12.0).reshape(4, 3) % 5),), {}),
        {"nan_policy": BAD_CHOICE, "confidence": BAD_CONFIDENCE},
    ),
    "rag_status": Case(
        lambda i: (
            (pd.Series(pd.to_datetime(["2026-09-01", "2026-10-05"])), pd.Series([pd.NaT] * 2)),
            {"as_of": AS_OF, "warn_days": 7},
        ),
        {"as_of": ("someday", None), "warn_days": BAD_DAYS, "notice_days": BAD_DAYS},
    ),
    "track_projects": Case(
        lambda i: ((i.data.projects, i.data.milestones), {"as_of": AS_OF}),
        {"as_of": ("someday", None), "warn_days": BAD_DAYS, "confidence": BAD_CONFIDENCE},
    ),
    "track_problems": Case(
        lambda i: ((i.data.problems,), {"as_of": AS_OF}),
        {"as_of": ("someday", None), "warn_days": BAD_DAYS, "confidence": BAD_CONFIDENCE},
    ),
    "track_duties": Case(
        lambda i: ((i.data.duties,), {"as_of": AS_OF}),
        {
            "as_of": ("someday", None),
            "warn_days": BAD_DAYS,
            "notice_days": BAD_DAYS,
            "confidence": BAD_CONFIDENCE,
        },
    ),
    "rate_ratio_test": Case(
        lambda i: ((10, 100.0, 5, 100.0), {}),
        {
            "count_before": (-1, 2.5, "10"),
            "exposure_after": (0.0, -1.0, "x"),
            "confidence": BAD_CONFIDENCE,
            "alternative": BAD_CHOICE,
            "methods": ("nonsense", ["nonsense"], []),
            "outcome": (5,),
            "power": (1.0, 0.0, "0.8"),
            "p_method": BAD_CHOICE,
        },
    ),
    "write_verdict": Case(
        lambda i: ((0.9, 0.7, 1.1), {"p_value": 0.4}),
        {
            "confidence": BAD_CONFIDENCE,
            "p_value": (1.5, -0.1),
            "design": (5, ("同比", "")),
            "outcome": (5, ("事件",)),
        },
    ),
    "adjust_pvalues": Case(
        lambda i: (([0.01, 0.2, 0.04],), {}),
        {"method": BAD_CHOICE, "significance": (0.0, 1.0, 1.5, "0.05", True)},
    ),
    "member_rates": Case(
        lambda i: ((i.data.events, i.data.exposure, i.data.staff), {}),
        {"outcome": BAD_CHOICE, "confidence": BAD_CONFIDENCE},
    ),
    "shrink_rates": Case(
        lambda i: (([1, 2, 3], [10.0, 10.0, 10.0]), {}),
        {"method": BAD_CHOICE, "confidence": BAD_CONFIDENCE},
    ),
    "shrink_rate_ratios": Case(
        lambda i: (([1, 2, 3], [10.0, 10.0, 10.0], [2, 1, 3], [10.0, 10.0, 10.0]), {}),
        {"confidence": BAD_CONFIDENCE, "seed": BAD_SEED, "names": (5, "names")},
    ),
    "funnel": Case(
        lambda i: (([1, 2, 3], [10.0, 10.0, 10.0]), {}),
        {"confidence": ((0.95, 1.2), (0.95,), 0.95, (0.998, 0.95), "0.95"), "target": (-1.0,)},
    ),
    "analyse_effect": Case(
        lambda i: (
            (_effect_panel(),),
            {
                "unit_col": "branch",
                "period_col": "month",
                "count_col": "complaints",
                "treated_units": range(4),
                "start": "2024-07",
                "falsification": False,
            },
        ),
        {
            "design": BAD_CHOICE,
            "inference": BAD_CHOICE,
            "small_sample": BAD_CHOICE,
            "confidence": BAD_CONFIDENCE,
            "seed": BAD_SEED,
            "n_permutations": (0, 18, 1.5, "999", True),
            "falsification": BAD_FLAG,
            "outcome": (5, ("事件",)),
        },
    ),
    "analyse_campaign": Case(
        lambda i: ((i.data,), {}),
        {
            "outcomes": ("complaint", ["nonsense"], []),
            "level": BAD_CHOICE,
            "design": BAD_CHOICE,
            "inference": BAD_CHOICE,
            "confidence": BAD_CONFIDENCE,
            "seed": BAD_SEED,
            "falsification": BAD_FLAG,
        },
    ),
    "plan_campaign": Case(
        lambda i: (
            (pd.DataFrame({"unit": range(6), "count": 3.0}),),
            {
                "unit_col": "unit",
                "count_col": "count",
                "pilot_units": 3,
                "dispersion": 0.1,
                "simulations": 10,
                "progress": False,
            },
        ),
        {
            "design": BAD_CHOICE,
            "inference": ("wild", *BAD_CHOICE),
            "confidence": BAD_CONFIDENCE,
            "seed": BAD_SEED,
            "progress": ("yes", 1),
            "outcome": (5, ("事件",)),
            "simulations": (0, 9, 1.5, "100"),
            "pilot_units": (0, 6, 2.5),
            "months_before": (0, "12"),
            "months_after": (0, 1.5),
            "target": (1.0, 0.0, "0.8", True),
            "power": (0.0, 1.0, "0.8"),
            "dispersion": (-0.1, "0.1", float("nan")),
            "n_permutations": (18, 1.5),
            "count_col": ("nope",),
        },
    ),
}


def _target(key: str) -> Callable[..., Any]:
    """The public callable a CASES key names: ``"funnel"`` or ``"Store.publish"``."""
    owner, _, attr = key.partition(".")
    obj = getattr(assess, owner)
    return getattr(obj, attr) if attr else obj


def _takes_parameters(obj: Any) -> bool:
    try:
        return bool(inspect.signature(obj).parameters)
    except (TypeError, ValueError):  # builtins such as AssessError's Exception.__init__
        return False


def _message_pattern(name: str) -> str:
    """The shape of a ParameterError naming ``name``: ``中文…'name'… / …parameter 'name'…``."""
    quoted = re.escape(repr(name))
    return rf"[\u4e00-\u9fff].*{quoted}.* / .*parameter {quoted}"


@pytest.fixture(scope="module")
def inputs(small_demo, small_dataset, tmp_path_factory) -> Iterator[Inputs]:
    tmp = tmp_path_factory.mktemp("public_api")
    store = tmp / "store.duckdb"
    with assess.Store.open(store) as writable:
        writable.import_dataset(small_dataset)
    opened = assess.Store.open(store, read_only=True)
    appraisal = assess.score_quarter(small_dataset, quarter="2026Q3")
    raw = assess.read_inputs(small_demo)
    yield Inputs(small_demo, raw, small_dataset, store, opened, appraisal, tmp)
    opened.close()


BAD_CALLS = [
    pytest.param(key, name, value, id=f"{key}-{name}={value!r}")
    for key, case in CASES.items()
    for name, values in case.bad.items()
    for value in values
]


@pytest.mark.parametrize(("key", "name", "value"), BAD_CALLS)
def test_bad_parameter_raises_parameter_error(inputs, key, name, value):
    func = _target(key)
    args, kwargs = CASES[key].valid(inputs)
    bound = inspect.signature(func).bind_partial(*args, **kwargs)
    bound.arguments[name] = value
    with pytest.raises(assess.ParameterError, match=_message_pattern(name)) as caught:
        func(*bound.args, **bound.kwargs)
    assert caught.value.name == name


def test_cases_cover_every_public_callable():
    takes = {
        name
        for name in assess.__all__
        if callable(getattr(assess, name)) and _takes_parameters(getattr(assess, name))
    }
    covered = {key.partition(".")[0] for key in CASES} | set(NOT_CALLED_BY_USERS)
    assert sorted(takes - covered) == [], "add these public names to CASES"
    assert sorted(covered - takes) == [], "CASES names what is no longer public"


@pytest.mark.parametrize("key", sorted(CASES))
def test_every_common_parameter_has_bad_values(key):
    params = set(inspect.signature(_target(key)).parameters)
    untested = sorted((params & COMMON) - set(CASES[key].bad))
    assert untested == [], f"{key} takes {untested}; add bad values to CASES[{key!r}]"
    unknown = sorted(set(CASES[key].bad) - params)
    assert unknown == [], f"CASES[{key!r}] has bad values for parameters it lacks"
