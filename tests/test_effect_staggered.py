"""Staggered rollout: the imputation estimator against an independent statsmodels route."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from assess.effect.did import treatment_fit
from assess.effect.panel import Panel
from assess.effect.staggered import fit_staggered


def _rollout(rng, never=8, effects=(0.6, 0.9), t=24):
    start = np.array([8] * 6 + [14] * 6 + [t] * never)
    n = len(start)
    rate = 8 * rng.gamma(4, 0.25, size=(n, 1)) * np.ones((n, t))
    times = np.arange(t)[None, :]
    rate[:6] *= np.where(times >= 8, effects[0], 1.0)[0]
    rate[6:12] *= np.where(times >= 14, effects[1], 1.0)[0]
    periods = tuple(pd.period_range("2024-01", periods=t, freq="M").strftime("%Y-%m"))
    return Panel(
        units=tuple(f"u{i:02d}" for i in range(n)),
        periods=periods,
        freq="month",
        counts=rng.poisson(rate).astype(float),
        exposure=rng.uniform(1, 2, (n, t)),
        start=start,
    )


def test_imputation_equals_glm_on_untreated_cells(rng):
    panel = _rollout(rng)
    res = fit_staggered(panel)
    n, t = panel.counts.shape
    untreated = (~panel.post).ravel()
    units = np.repeat(np.arange(n), t)
    periods = np.tile(np.arange(t), n)
    design = np.column_stack([np.eye(n)[units], np.eye(t)[periods][:, 1:]])
    ref = sm.GLM(
        panel.counts.ravel()[untreated],
        design[untreated],
        family=sm.families.Poisson(),
        offset=panel.offset.ravel()[untreated],
    ).fit(tol=1e-13)
    mu0 = np.exp(design @ ref.params + panel.offset.ravel())
    treated = panel.post.ravel()
    expected = panel.counts.ravel()[treated].sum() / mu0[treated].sum()
    assert res.estimate == pytest.approx(expected, rel=1e-8)
    cohort = (panel.start == 8).repeat(t) & treated
    assert res.cohorts.loc["2024-09", "estimate"] == pytest.approx(
        panel.counts.ravel()[cohort].sum() / mu0[cohort].sum(), rel=1e-8
    )


def test_heterogeneous_cohorts_and_twfe_for_comparison(rng):
    res = fit_staggered(_rollout(rng))
    assert res.cohorts.loc["2024-09", "ci_low"] < 0.6 < res.cohorts.loc["2024-09", "ci_high"]
    assert res.cohorts.loc["2025-03", "ci_low"] < 0.9 < res.cohorts.loc["2025-03", "ci_high"]
    assert res.twfe.loc["twfe", "estimate"] == pytest.approx(
        np.exp(treatment_fit(_rollout(np.random.default_rng(20261121))).beta[0]), rel=1e-9
    )
    frame = res.to_frame()
    assert list(frame.index) == ["staggered", "cohort_2024-09", "cohort_2025-03", "twfe"]
    assert set(frame.loc["twfe", ["design"]]) == {"twfe"}
    lags = res.event_study.set_index("rel_period")
    assert lags.index.min() == -6 and lags.index.max() == 15


def test_last_cohort_is_the_comparison_group_without_never_treated(rng):
    panel = _rollout(rng, never=0)
    with pytest.warns(UserWarning, match="last cohort"):
        res = fit_staggered(panel)
    assert res.cohorts.index.tolist() == ["2024-09"]
    # Periods from the last cohort's start on are left out for everyone.
    assert res.counterfactual["period"].max() == "2025-02"


def test_treated_unit_without_events_before_start_is_left_out(rng):
    panel = _rollout(rng)
    counts = panel.counts.copy()
    counts[0, :8] = 0.0
    with pytest.warns(UserWarning, match="no events before their start"):
        res = fit_staggered(panel.with_counts(counts))
    assert res.observed_post == pytest.approx(counts[1:12][panel.post[1:12]].sum())


def test_plots(rng):
    res = fit_staggered(_rollout(rng))
    assert "分批推行" in res.plot().get_title()
    assert res.plot_event_study().get_yscale() == "log"
