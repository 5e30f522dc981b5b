"""The fast Poisson fixed-effects estimator against statsmodels GLM with dummy variables."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from assess.effect._poisson import fit_fe_poisson, fit_fe_poisson_batch


def _panel(rng, n=30, t=12, k=2):
    alpha = rng.normal(0, 0.7, n)
    gamma = rng.normal(0, 0.3, t)
    expo = rng.uniform(5, 50, (n, t))
    X = np.zeros((n, t, k))
    X[:10, t // 2 :, 0] = 1
    if k > 1:
        X[5:15, 3:, 1] = 1
    beta = np.array([-0.3, 0.2])[:k]
    mu = np.exp(alpha[:, None] + gamma[None] + np.log(expo) - 3 + X @ beta)
    return rng.poisson(mu).astype(float), expo, X


def _glm(y, expo, X, mask):
    """statsmodels GLM(Poisson) with unit and period dummies on the cells in ``mask``."""
    n, t, k = X.shape
    units = np.repeat(np.arange(n), t)[mask.ravel()]
    periods = np.tile(np.arange(t), n)[mask.ravel()]
    keep_p = np.unique(periods)
    design = np.column_stack(
        [
            X.reshape(-1, k)[mask.ravel()],
            (units[:, None] == np.unique(units)[None]).astype(float),
            (periods[:, None] == keep_p[None, 1:]).astype(float),
        ]
    )
    model = sm.GLM(
        y.ravel()[mask.ravel()],
        design,
        family=sm.families.Poisson(),
        offset=np.log(expo).ravel()[mask.ravel()],
    )
    return model.fit(
        tol=1e-13, cov_type="cluster", cov_kwds={"groups": units, "use_correction": False}
    ), len(np.unique(units))


def test_coefficients_and_cluster_covariance_equal_glm_with_dummies(rng):
    y, expo, X = _panel(rng)
    fit = fit_fe_poisson(y, offset=np.log(expo), X=X)
    ref, clusters = _glm(y, expo, X, np.ones(y.shape, bool))
    np.testing.assert_allclose(fit.beta, ref.params[:2], rtol=0, atol=1e-8)
    np.testing.assert_allclose(fit.gamma[1:], ref.params[2 + clusters :], rtol=0, atol=1e-8)
    # CR1 = statsmodels' cluster sandwich without its correction, times G/(G−1).
    scale = clusters / (clusters - 1)
    np.testing.assert_allclose(
        fit.cov_beta, ref.cov_params()[:2, :2] * scale, rtol=1e-7, atol=1e-12
    )
    assert fit.n_clusters == 30 and fit.n_obs == y.size


def test_missing_cells_zero_units_and_separated_dummy(rng):
    y, expo, X = _panel(rng, k=1)
    mask = rng.random(y.shape) > 0.1
    y[3] = 0.0  # a unit without events carries no information
    sep = np.zeros_like(X)
    sep[20:22, -2:, 0] = 1.0
    y[20:22, -2:] = 0.0  # its dummy's cells have no events: slope −inf, cells dropped
    both = np.concatenate([X, sep], axis=2)
    fit = fit_fe_poisson(y, offset=np.log(expo), X=both, mask=mask)
    assert fit.beta[1] == -np.inf
    assert not fit.mask[3].any() and not fit.mask[20:22, -2:].any()
    ref, _ = _glm(y, expo, X, fit.mask)
    np.testing.assert_allclose(fit.beta[0], ref.params[0], rtol=0, atol=1e-8)
    assert fit.alpha[3] == -np.inf


def test_log_total_delta_method_equals_dummy_sandwich(rng):
    y, expo, X = _panel(rng)
    fit = fit_fe_poisson(y, offset=np.log(expo), X=X)
    ref, n = _glm(y, expo, X, np.ones(y.shape, bool))
    cells = X[:, :, 0] > 0
    value, grad = fit.log_total(cells, effects=False)
    p = ref.params
    w = np.exp(p[2 : 2 + n])[:, None] * np.exp(np.r_[0, p[2 + n :]])[None] * expo * cells
    assert value == pytest.approx(np.log(w.sum()), abs=1e-9)
    full = np.zeros(len(p))
    full[2 : 2 + n] = w.sum(1)
    full[2 + n :] = w.sum(0)[1:]
    full /= w.sum()
    cov = ref.cov_params() * n / (n - 1)
    assert grad @ fit.cov @ grad == pytest.approx(full @ cov @ full, rel=1e-7)


def test_batch_fits_equal_single_fits(rng):
    y, expo, X = _panel(rng, k=1)
    d = np.stack([X[:, :, 0], np.roll(X[:, :, 0], 5, axis=0)])
    batch = fit_fe_poisson_batch(y[None], np.log(expo)[None], np.ones((1, *y.shape), bool), d)
    for b in range(2):
        single = fit_fe_poisson(y, offset=np.log(expo), X=d[b][:, :, None])
        assert batch.beta[b] == pytest.approx(single.beta[0], abs=1e-9)
        np.testing.assert_allclose(batch.alpha[b], single.alpha, atol=1e-8)
