"""The binomial–logit-normal model behind :func:`~assess.effect.shrinkage.shrink_rate_ratios`.

Two Poisson counts ``b ~ Poisson(E_b λ)`` and ``a ~ Poisson(E_a λ r)`` of one unit, given
their total ``n = a + b``, leave ``a | n ~ Binomial(n, p)`` with
``logit p = θ + o``, ``θ = ln r`` and the offset ``o = ln(E_a / E_b)``: the unit's own
rate ``λ`` drops out. Between units ``θ_i ~ N(μ, τ²)``. A unit with ``n = 0`` has a
likelihood of exactly 1 and so says nothing about ``μ`` or ``τ²``.

The marginal likelihood of one unit, ``∫ Binom(a | n, expit(θ + o)) φ(θ; μ, τ²) dθ``, is
computed by adaptive Gauss–Hermite quadrature (centred at the posterior mode, scaled by
its curvature; the method of R's ``lme4`` with ``nAGQ > 1``), and maximised over
``(μ, τ)`` with ``scipy.optimize.minimize`` (L-BFGS-B, ``τ ≥ 0``). Posteriors of ``θ_i``
are evaluated on a grid around each mode (the log posterior is concave).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

__all__ = ["LogitNormalFit", "fit_logit_normal", "log_marginal", "posterior_grid"]

_NODES, _WEIGHTS = np.polynomial.hermite.hermgauss(30)
# Largest τ searched: a between-unit SD of 5 on the log scale (a factor e^10 spread).
_TAU_MAX = 5.0
# Below this τ is 0: the prior is a point mass at μ.
_TAU_ZERO = 1e-7
# Posterior grid: ±12 Laplace standard deviations around the mode, in this many points.
_GRID = np.linspace(-12.0, 12.0, 2401)


def _mode(
    mu: float | np.ndarray, tau2: float, a: np.ndarray, n: np.ndarray, o: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Mode of ``a(θ+o) − n log(1+e^{θ+o}) − (θ−μ)²/(2τ²)`` and the Laplace SD there."""
    theta = np.broadcast_to(np.asarray(mu, dtype=float), a.shape).copy()
    for _ in range(50):
        p = special.expit(theta + o)
        grad = a - n * p - (theta - mu) / tau2
        hess = -n * p * (1 - p) - 1.0 / tau2
        step = grad / hess
        theta -= step
        if np.max(np.abs(step)) < 1e-12:
            break
    p = special.expit(theta + o)
    return theta, 1.0 / np.sqrt(n * p * (1 - p) + 1.0 / tau2)


def _log_joint(
    theta: np.ndarray,
    mu: float | np.ndarray,
    tau2: float,
    a: np.ndarray,
    n: np.ndarray,
    o: np.ndarray,
) -> np.ndarray:
    """``log Binom(a | n, expit(θ + o)) + log φ(θ; μ, τ²)`` without the binomial coefficient."""
    eta = theta + o
    return (
        a * eta
        - n * np.logaddexp(0.0, eta)
        - 0.5 * (theta - mu) ** 2 / tau2
        - 0.5 * math.log(2 * math.pi * tau2)
    )


def log_marginal(mu: float, tau: float, a: np.ndarray, n: np.ndarray, o: np.ndarray) -> np.ndarray:
    """Per-unit log marginal likelihood ``log ∫ Binom(a | n, expit(θ+o)) φ(θ; μ, τ²) dθ``.

    The binomial coefficient is included, so the values are log probabilities.
    """
    a, n, o = (np.asarray(x, dtype=float) for x in (a, n, o))
    log_choose = special.gammaln(n + 1) - special.gammaln(a + 1) - special.gammaln(n - a + 1)
    if tau < _TAU_ZERO:
        eta = mu + o
        return log_choose + a * eta - n * np.logaddexp(0.0, eta)
    tau2 = tau * tau
    mode, sd = _mode(mu, tau2, a, n, o)
    theta = mode[:, None] + math.sqrt(2.0) * sd[:, None] * _NODES[None, :]
    g = _log_joint(theta, mu, tau2, a[:, None], n[:, None], o[:, None]) + _NODES[None, :] ** 2
    top = g.max(axis=1, keepdims=True)
    total = np.log(np.exp(g - top) @ _WEIGHTS) + top[:, 0]
    # A unit with no events has a likelihood of exactly 1, whatever μ and τ.
    return np.where(n > 0, log_choose + total + np.log(math.sqrt(2.0) * sd), 0.0)


@dataclass(frozen=True)
class LogitNormalFit:
    """Maximum marginal-likelihood estimates: ``mu``, ``tau`` (≥ 0), the standard error of
    ``mu`` at ``tau`` (observed information), the maximised log likelihood and whether the
    optimiser converged."""

    mu: float
    tau: float
    se_mu: float
    loglik: float
    converged: bool


def fit_logit_normal(a: np.ndarray, n: np.ndarray, o: np.ndarray) -> LogitNormalFit:
    """Maximise the marginal likelihood over ``(μ, τ)``; units with ``n = 0`` add nothing."""
    keep = n > 0
    a, n, o = (np.asarray(x, dtype=float)[keep] for x in (a, n, o))
    # Start at the common-ratio estimate (τ = 0: a logistic regression with an offset only).
    share = np.clip(a.sum() / n.sum(), 1e-6, 1 - 1e-6)
    mu0 = float(special.logit(share) - np.average(o, weights=n))

    def negloglik(params: np.ndarray) -> float:
        return -float(log_marginal(params[0], params[1], a, n, o).sum())

    fits = [
        optimize.minimize(
            negloglik,
            x0=[mu0, tau0],
            method="L-BFGS-B",
            bounds=[(None, None), (0.0, _TAU_MAX)],
            options={"ftol": 1e-13, "gtol": 1e-9, "maxiter": 500},
        )
        for tau0 in (0.05, 0.3, 1.0)
    ]
    best = min(fits, key=lambda fit: float(fit.fun))
    mu, tau = float(best.x[0]), float(best.x[1])
    # Observed information for μ at τ̂ by a central second difference.
    h = 1e-4
    curvature = (
        negloglik(np.array([mu + h, tau])) - 2 * best.fun + negloglik(np.array([mu - h, tau]))
    ) / h**2
    se = 1.0 / math.sqrt(curvature) if curvature > 0 else math.inf
    return LogitNormalFit(
        mu=mu, tau=tau, se_mu=se, loglik=-float(best.fun), converged=bool(best.success)
    )


def posterior_grid(
    mu: float, tau2: float, a: np.ndarray, n: np.ndarray, o: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each unit's posterior of ``θ`` under the prior ``N(μ, τ²)`` (``τ² > 0``) on a grid.

    Returns ``(theta, cdf)``, both of shape ``(units, grid)``: grid points and the
    posterior distribution function there (trapezoid rule, normalised to end at 1).
    """
    a, n, o = (np.asarray(x, dtype=float) for x in (a, n, o))
    mode, sd = _mode(mu, tau2, a, n, o)
    theta = mode[:, None] + sd[:, None] * _GRID[None, :]
    log_density = _log_joint(theta, mu, tau2, a[:, None], n[:, None], o[:, None])
    density = np.exp(log_density - log_density.max(axis=1, keepdims=True))
    steps = 0.5 * (density[:, 1:] + density[:, :-1]) * np.diff(theta, axis=1)
    cdf = np.concatenate([np.zeros((len(a), 1)), np.cumsum(steps, axis=1)], axis=1)
    return theta, cdf / cdf[:, -1:]
