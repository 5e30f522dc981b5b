"""Meta-test over panel shapes at the edges: the effect API raises nothing but the
package's own errors (``AssessError``) and otherwise returns a result (issue 12)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from assess.core.errors import AssessError
from assess.effect.engine import analyse_effect

MONTHS = list(pd.period_range("2024-01", periods=18, freq="M").strftime("%Y-%m"))
ARGS = {"unit_col": "unit", "period_col": "month", "count_col": "y", "exposure_col": "e"}


def _table(seed: int, n: int, n_treated: int, start: int, shape: str) -> tuple:
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(n):
        size = rng.gamma(2.0, 0.5)
        for t, month in enumerate(MONTHS):
            mu = 3.0 * size * (0.7 if u < n_treated and t >= start else 1.0)
            rows.append((f"u{u:02d}", month, int(rng.poisson(rng.gamma(4.0, mu / 4.0))), 100.0))
    table = pd.DataFrame(rows, columns=["unit", "month", "y", "e"])
    if shape == "zero_count_units":
        table.loc[table["unit"].isin(["u05", "u06"]), "y"] = 0
    elif shape == "zero_count_treated":
        table.loc[table["unit"] == "u00", "y"] = 0
    elif shape == "zero_exposure":
        table.loc[3, "e"] = 0.0
    elif shape == "rare_events":
        table["y"] = (table["y"] > 5).astype(int)
    elif shape == "missing_cells":
        table = table.drop(index=[1, 2, 40]).reset_index(drop=True)
    return table, [f"u{u:02d}" for u in range(n_treated)], MONTHS[start]


SHAPES = (
    "plain",
    "zero_count_units",
    "zero_count_treated",
    "zero_exposure",
    "rare_events",
    "missing_cells",
)
CASES = [
    (seed, n, k, start, shape)
    for seed, (n, k) in enumerate([(24, 1), (24, 2), (12, 1), (12, 2), (6, 1), (3, 2)])
    for start in (0, 1, 9)
    for shape in SHAPES
]


@pytest.mark.parametrize(("seed", "n", "n_treated", "start", "shape"), CASES)
def test_effect_api_raises_only_its_own_errors(seed, n, n_treated, start, shape):
    table, treated, start_month = _table(seed, n, n_treated, start, shape)
    kwargs = {**ARGS, "treated_units": treated, "start": start_month, "n_permutations": 19}
    for extra in ({"falsification": False}, {"design": "did", "falsification": False}):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            try:
                res = analyse_effect(table, **kwargs, **extra)
            except AssessError as err:
                assert " / " in str(err)  # the package's bilingual message
                continue
        assert res.design in ("did", "synthetic", "its", "yoy")
        assert math.isnan(res.p_value) or 0.0 <= res.p_value <= 1.0
        assert res.verdict.zh and res.verdict.en


@pytest.mark.parametrize("n_treated", [1, 2])
def test_default_analysis_with_falsification_of_one_or_two_pilots(n_treated):
    """The crash of issue 12: defaults, falsification on, one or two treated units."""
    table, treated, start_month = _table(7, 22, n_treated, 12, "plain")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        res = analyse_effect(
            table, **ARGS, treated_units=treated, start=start_month, n_permutations=19
        )
    assert res.design == "synthetic" and res.inference == "placebo"
    assert res.falsification is not None and "弱证据" in res.summary()
