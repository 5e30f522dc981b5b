"""Poisson pseudo-maximum likelihood with unit and period fixed effects, without dummies.

The unit effects are concentrated out exactly: for fixed slopes ``β`` and period effects
``γ`` the unit effect that maximises the Poisson likelihood is
``α_i = log Σ_t y_it − log Σ_t exp(x_it'β + γ_t + o_it)``, and the profile likelihood
is the multinomial (conditional) likelihood of Hausman, Hall and Griliches (1984). Its
maximiser is *identical* to the Poisson GLM with one dummy per unit and per period; it
is found by Newton's method on ``k + T − 1`` parameters instead of ``k + T + N``.

Arrays are laid out as a balanced panel ``(N units, T periods)`` with a boolean mask of
the cells in the estimation sample; every function also accepts a leading batch axis so
that the randomisation test can refit hundreds of permuted assignments at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assess.core.errors import ParameterError

__all__ = [
    "FEPoissonFit",
    "BatchFit",
    "fit_fe_poisson",
    "fit_fe_poisson_batch",
    "SE_CONVENTION",
    "SMALL_SAMPLE",
    "se_convention",
]

#: Small-sample factors of the cluster-robust covariance, by name: ``"stata"``
#: ``G/(G−1)`` (Stata's ``poisson``/``ppmlhdfe vce(cluster)``, the default);
#: ``"pyfixest"`` ``G/(G−1) · (N−1)/(N−k)`` with ``N`` the cells and ``k`` the slopes plus
#: the periods (the unit effects, nested in the clusters, are not counted: pyfixest 0.60
#: ``fepois(..., vcov={"CRV1": unit})`` with its default ``ssc``); ``"none"`` the plain
#: sandwich.
SMALL_SAMPLE: tuple[str, ...] = ("stata", "pyfixest", "none")

_SMALL_SAMPLE_TEXT = {
    "stata": "sandwich × G/(G−1) (Stata's convention for poisson/ppmlhdfe vce(cluster))",
    "pyfixest": "sandwich × G/(G−1)·(N−1)/(N−k), k the slopes and periods (pyfixest's default)",
    "none": "plain sandwich, no small-sample factor",
}


def se_convention(small_sample: str = "stata") -> str:
    """How the cluster-robust covariance is scaled, quoted beside every standard error.

    Examples
    --------
    >>> se_convention("none").split(";")[0]
    'CR0 cluster-robust by unit: plain sandwich, no small-sample factor'
    """
    name = "CR0" if small_sample == "none" else "CR1"
    return (
        f"{name} cluster-robust by unit: {_SMALL_SAMPLE_TEXT[small_sample]}; tests and "
        "intervals use t with G−1 df"
    )


#: The default convention (:func:`se_convention` of ``"stata"``).
SE_CONVENTION = se_convention("stata")

_STEP_HALVINGS = 40


@dataclass(frozen=True, eq=False)
class FEPoissonFit:
    """A Poisson fixed-effects fit: slopes, effects, fitted means and CR1 covariance.

    Attributes
    ----------
    beta : ndarray, shape (k,)
        Slopes; ``-inf`` for a dummy whose cells have no events (separated), ``nan`` for
        a column with no cell in the sample.
    gamma : ndarray, shape (T,)
        Period effects, 0 at the first period in the sample; ``nan`` for periods not in it.
    alpha : ndarray, shape (N,)
        Unit effects; ``-inf`` for units without events (they carry no information).
    mu : ndarray, shape (N, T)
        Fitted means on the estimation sample, 0 elsewhere.
    mask : ndarray of bool, shape (N, T)
        The estimation sample after dropping units and periods without events and
        separated cells.
    cov : ndarray, shape (p, p)
        CR1 covariance (see :data:`SE_CONVENTION`) of ``θ = (beta[beta_index],
        gamma[gamma_index])``.
    info : ndarray, shape (p, p)
        Negative Hessian of the concentrated log-likelihood at the optimum.
    beta_index, gamma_index : ndarray of int
        Which slopes and period effects are free parameters, in the order of ``θ``.
    n_obs, n_clusters, n_iter : int
        Cells in the sample, units with events (clusters ``G``), Newton iterations.
    y, offset, X : ndarray
        The data the fit was computed from (kept for counterfactual sums).
    """

    beta: np.ndarray
    gamma: np.ndarray
    alpha: np.ndarray
    mu: np.ndarray
    mask: np.ndarray
    cov: np.ndarray
    info: np.ndarray
    beta_index: np.ndarray
    gamma_index: np.ndarray
    n_obs: int
    n_clusters: int
    n_iter: int
    y: np.ndarray
    offset: np.ndarray
    X: np.ndarray

    @property
    def cov_beta(self) -> np.ndarray:
        """CR1 covariance of the free slopes ``beta[beta_index]``."""
        k = len(self.beta_index)
        return self.cov[:k, :k]

    @property
    def se_beta(self) -> np.ndarray:
        """CR1 standard errors of all slopes (``nan`` where not estimated)."""
        se = np.full(self.beta.shape, np.nan)
        se[self.beta_index] = np.sqrt(np.diag(self.cov_beta))
        return se

    def _z_sum(self, weights: np.ndarray) -> np.ndarray:
        """``Σ_t w_it z_it`` per unit, with ``z_it = (x_it[beta_index], e_t[gamma_index])``."""
        slopes = np.einsum("nt,ntk->nk", weights, self.X[:, :, self.beta_index])
        return np.concatenate([slopes, weights[:, self.gamma_index]], axis=1)

    def influence(self) -> np.ndarray:
        """Per-unit influence on ``θ``: row ``i`` is ``info⁻¹ s_i`` (s_i the unit's score).

        ``cov == c · Σ_i ψ_i ψ_iᵀ`` with ψ these rows and c the small-sample factor.
        """
        scores = self._z_sum(np.where(self.mask, self.y - self.mu, 0.0))
        return np.linalg.solve(self.info, scores.T).T

    def log_total(self, cells: np.ndarray, *, effects: bool) -> tuple[float, np.ndarray]:
        """Log of the summed expected counts over ``cells`` and its gradient in ``θ``.

        Parameters
        ----------
        cells : ndarray of bool, shape (N, T)
            The cells to sum over.
        effects : bool
            With the slopes (the fitted means) or without them (the counterfactual
            without treatment: ``exp(α_i + γ_t + o_it)``). Without effects, cells outside
            the estimation sample count as long as their unit and period have effects.

        Returns
        -------
        (float, ndarray)
            ``log Σ μ`` and its gradient, with ``α_i = α_i(θ)`` concentrated: the delta
            method with :attr:`cov` then equals the full dummy-variable sandwich.
        """
        alpha = np.where(np.isfinite(self.alpha), self.alpha, -np.inf)[:, None]
        gamma = np.where(np.isfinite(self.gamma), self.gamma, -np.inf)[None, :]
        eta = alpha + gamma + self.offset
        if effects:
            idx = self.beta_index
            eta = eta + np.einsum("ntk,k->nt", self.X[:, :, idx], self.beta[idx])
            use = cells & self.mask
        else:
            use = cells & np.isfinite(eta)
        w = np.where(use, np.exp(np.where(use, eta, 0.0)), 0.0)
        total = w.sum()
        if total <= 0:
            return -np.inf, np.zeros(len(self.cov))
        direct = self._z_sum(w).sum(axis=0)
        if not effects:
            direct[: len(self.beta_index)] = 0.0
        share = np.where(self.mask, self.mu, 0.0)
        share = share / np.maximum(share.sum(axis=1, keepdims=True), 1e-300)
        # α_i(θ) moves with θ: ∂α_i/∂θ = −Σ_t share_it z_it.
        grad = (direct - w.sum(axis=1) @ self._z_sum(share)) / total
        return float(np.log(total)), grad


def _prune(
    y: np.ndarray, mask: np.ndarray, X: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Drop what has no finite maximum likelihood: units or periods without events, and
    cells of a non-negative regressor whose cells hold no events (separation).

    Returns the mask, the boolean of kept columns and of separated (``-inf``) columns.
    The separation rule is exact for 0/1 dummies, the only regressors the designs use
    (Correia, Guimarães & Zylkin 2019 discuss the general case).
    """
    mask = mask.copy()
    k = X.shape[-1]
    separated = np.zeros(k, dtype=bool)
    while True:
        before = mask.sum()
        ym = np.where(mask, y, 0.0)
        mask &= (ym.sum(axis=1) > 0)[:, None]
        mask &= (ym.sum(axis=0) > 0)[None, :]
        for j in range(k):
            on = mask & (X[:, :, j] != 0)
            if on.any() and (X[:, :, j][mask] >= 0).all() and y[on].sum() == 0:
                separated[j] = True
                mask &= ~on
        if mask.sum() == before:
            break
    present = np.array([(mask & (X[:, :, j] != 0)).any() for j in range(k)], dtype=bool)
    return mask, present, separated


def _profile(
    eta: np.ndarray, ym: np.ndarray, m: np.ndarray, ysum: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Concentrated log-likelihood per batch (up to a constant) and the fitted means
    ``μ_it = Y_i · exp(η_it) / Σ_s exp(η_is)`` (the unit effects concentrated out)."""
    eta_m = np.where(m, eta, -np.inf)
    top = eta_m.max(axis=2, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    w = np.exp(eta_m - top)
    denom = w.sum(axis=2)
    with np.errstate(divide="ignore"):
        log_m = np.where(ysum > 0, np.log(denom) + top[..., 0], 0.0)
    ll = (ym * np.where(m, eta, 0.0)).sum(axis=(1, 2)) - (ysum * log_m).sum(axis=1)
    mu = w * (ysum / np.where(denom > 0, denom, 1.0))[..., None]
    return ll, mu


def _newton(
    y: np.ndarray,
    off: np.ndarray,
    m: np.ndarray,
    X: np.ndarray,
    free: np.ndarray,
    *,
    tol: float,
    max_iter: int,
    theta0: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
    """Maximise the concentrated likelihood for a batch of panels.

    ``y, off, m``: (B, N, T); ``X``: (B, N, T, k); ``free``: (B, k + T) bool, the
    parameters estimated (the others stay 0); ``theta0`` a warm start. Returns
    ``θ = (β, γ)`` as (B, k + T), the fitted means (B, N, T), the iteration count and
    the information (B, k + T, k + T).
    """
    nb, _, nt = y.shape
    k = X.shape[-1]
    ym = np.where(m, y, 0.0)
    ysum = ym.sum(axis=2)
    inv_y = np.where(ysum > 0, 1.0 / np.where(ysum > 0, ysum, 1.0), 0.0)
    if theta0 is None:
        # Period effects fitted to the period totals with all slopes at zero.
        col = np.where(m, np.exp(off), 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            unit_rate = ysum / col.sum(axis=2)
            expected = (col * np.nan_to_num(unit_rate)[..., None]).sum(axis=1)
            gamma0 = np.log(ym.sum(axis=1) / expected)
        theta0 = np.concatenate([np.zeros((nb, k)), gamma0], axis=1)
    theta = np.where(free & np.isfinite(theta0), theta0, 0.0)
    flat = X.reshape(nb, y.shape[1] * nt, k)

    def eta_of(th: np.ndarray) -> np.ndarray:
        eta = off + th[:, None, k:]
        if k == 1:
            eta = eta + X[..., 0] * th[:, :1, None]
        elif k:
            eta = eta + np.matmul(flat, th[:, :k, None]).reshape(off.shape)
        return eta

    eta = eta_of(theta)
    ll, mu = _profile(eta, ym, m, ysum)
    pin = ~free
    diag = np.arange(k + nt)
    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        resid = ym - mu
        mu_y = mu * inv_y[..., None]
        # Explicit matmul: BLAS, much faster than einsum's batched path here.
        info_gg = -np.matmul(np.swapaxes(mu_y, 1, 2), mu)
        info_gg[:, np.arange(nt), np.arange(nt)] += mu.sum(axis=1)
        if k:
            grad_b = np.matmul(resid.reshape(nb, 1, -1), flat)[:, 0]
            ux = np.einsum("bnt,bntk->bnk", mu, X)
            info_bb = np.matmul(np.swapaxes(flat * mu.reshape(nb, -1, 1), 1, 2), flat) - np.matmul(
                np.swapaxes(ux * inv_y[..., None], 1, 2), ux
            )
            info_bg = np.einsum("bnt,bntk->bkt", mu, X) - np.matmul(np.swapaxes(ux, 1, 2), mu_y)
            info = np.block([[info_bb, info_bg], [np.swapaxes(info_bg, 1, 2), info_gg]])
            grad = np.concatenate([grad_b, resid.sum(axis=1)], axis=1)
        else:
            info, grad = info_gg, resid.sum(axis=1)
        # Pinned parameters: identity rows so that the solve leaves them where they are.
        solve_info = np.where(pin[:, :, None] | pin[:, None, :], 0.0, info)
        solve_info[:, diag, diag] += pin
        try:
            step = np.linalg.solve(solve_info, np.where(free, grad, 0.0)[..., None])[..., 0]
        except np.linalg.LinAlgError as err:
            raise ParameterError(
                "fit_fe_poisson",
                "X",
                "regressors the data identify (no dummy confounded with the fixed effects)",
                "a singular information matrix",
                zh="fit_fe_poisson：回归变量与固定效应共线或被数据完全分离，无法估计；"
                "请合并期间或单位后再分析",
            ) from err
        scale = np.ones(nb)
        for _ in range(_STEP_HALVINGS):
            trial = theta + scale[:, None] * step
            eta_t = eta_of(trial)
            ll_t, mu_t = _profile(eta_t, ym, m, ysum)
            worse = ~(ll_t >= ll - 1e-12 * np.abs(ll))
            if not worse.any():
                break
            scale = np.where(worse, scale / 2.0, scale)
        theta, eta, ll, mu = trial, eta_t, ll_t, mu_t
        if np.max(np.abs(scale[:, None] * step)) < tol:
            break
    return theta, mu, n_iter, info


def fit_fe_poisson(
    y: np.ndarray,
    *,
    offset: np.ndarray | None = None,
    X: np.ndarray | None = None,
    mask: np.ndarray | None = None,
    tol: float = 1e-10,
    max_iter: int = 100,
    small_sample: str = "stata",
) -> FEPoissonFit:
    """Fit a Poisson model with unit and period fixed effects and an exposure offset.

    ``log E[y_it] = α_i + γ_t + x_it'β + o_it`` by Poisson pseudo-maximum likelihood.

    Parameters
    ----------
    y : ndarray, shape (N, T)
        Counts (any non-negative numbers are accepted: pseudo-ML).
    offset : ndarray, shape (N, T), optional
        ``log(exposure)``; zero when omitted.
    X : ndarray, shape (N, T, k), optional
        Regressors (the designs use 0/1 treatment dummies).
    mask : ndarray of bool, shape (N, T), optional
        Cells in the sample; all finite cells when omitted.
    tol : float, default 1e-10
        Newton stops when no parameter moves by more than this.
    max_iter : int, default 100
        Newton iterations at most.
    small_sample : {"stata", "pyfixest", "none"}, default "stata"
        Factor of the cluster-robust covariance (:data:`SMALL_SAMPLE`).

    Returns
    -------
    FEPoissonFit
        Slopes, effects, fitted means and the CR1 covariance clustered by unit.

    Raises
    ------
    ParameterError
        When the information matrix is singular (a regressor confounded with the fixed
        effects, or a separation the 0/1-dummy rule below does not catch).

    Notes
    -----
    Units and periods without events have effects at ``-inf`` and are dropped, as are
    cells of a dummy whose cells hold no events (its slope is ``-inf``), as ppmlhdfe
    does. The cluster-robust covariance of ``θ = (β, γ)`` is
    ``G/(G−1) · I⁻¹ (Σ_i s_i s_iᵀ) I⁻¹`` with ``I`` the information of the concentrated
    likelihood and ``s_i`` unit ``i``'s score; because the unit effects' own scores are
    zero at the optimum this equals the ``(β, γ)`` block of the sandwich of the model
    with unit dummies (checked against statsmodels ``GLM(Poisson)`` with dummies and
    ``cov_type="cluster"``, ``use_correction=False``, times ``G/(G−1)``; equal to 1e-8).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> unit = rng.gamma(2.0, 1.0, size=(40, 1))
    >>> treated = np.zeros((40, 12, 1))
    >>> treated[:20, 6:, 0] = 1
    >>> y = rng.poisson(3 * unit * np.exp(-0.3 * treated[..., 0]))
    >>> fit = fit_fe_poisson(y, X=treated)
    >>> round(float(fit.beta[0]), 3), round(float(fit.se_beta[0]), 3)
    (-0.394, 0.107)
    """
    y = np.asarray(y, dtype=float)
    n_units, n_periods = y.shape
    offset = np.zeros_like(y) if offset is None else np.asarray(offset, dtype=float)
    X = np.zeros((n_units, n_periods, 0)) if X is None else np.asarray(X, dtype=float)
    mask = np.isfinite(y) & np.isfinite(offset) if mask is None else np.asarray(mask, bool)
    mask = mask & np.isfinite(y) & np.isfinite(offset) & np.isfinite(X).all(axis=2)
    mask, present, separated = _prune(y, mask, X)
    keep = present & ~separated
    beta_index = np.flatnonzero(keep)
    periods_in = mask.any(axis=0)
    gamma_index = np.flatnonzero(periods_in)[1:]
    free = np.zeros(len(beta_index) + n_periods, dtype=bool)
    free[: len(beta_index)] = True
    free[len(beta_index) + gamma_index] = True
    yz = np.where(mask, y, 0.0)
    offz = np.where(mask, offset, 0.0)
    Xk = np.where(mask[..., None], X[:, :, beta_index], 0.0)
    theta, mu, n_iter, info_full = _newton(
        yz[None], offz[None], mask[None], Xk[None], free[None], tol=tol, max_iter=max_iter
    )
    theta, mu = theta[0], mu[0]
    k = len(beta_index)
    params = np.concatenate([np.arange(k), k + gamma_index])
    info = info_full[0][np.ix_(params, params)]
    beta = np.full(X.shape[-1], np.nan)
    beta[beta_index] = theta[:k]
    beta[separated] = -np.inf
    gamma = np.where(periods_in, theta[k:], np.nan)
    ysum = yz.sum(axis=1)
    eta = offset + gamma[None, :] + np.einsum("ntk,k->nt", X[:, :, beta_index], theta[:k])
    # log Σ_t exp(η_it) shifted by the row maximum: no overflow when a nearly separated
    # fit pushes η to hundreds.
    eta_m = np.where(mask, eta, -np.inf)
    top = eta_m.max(axis=1)
    top = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_m = np.log(np.exp(eta_m - top[:, None]).sum(axis=1)) + top
        alpha = np.where(ysum > 0, np.log(ysum) - log_m, -np.inf)
    n_clusters = int((ysum > 0).sum())
    fit = FEPoissonFit(
        beta=beta,
        gamma=gamma,
        alpha=alpha,
        mu=np.where(mask, mu, 0.0),
        mask=mask,
        cov=np.zeros_like(info),
        info=info,
        beta_index=beta_index,
        gamma_index=gamma_index,
        n_obs=int(mask.sum()),
        n_clusters=n_clusters,
        n_iter=n_iter,
        y=y,
        offset=offset,
        X=X,
    )
    psi = fit.influence()
    factor = n_clusters / (n_clusters - 1.0) if n_clusters > 1 else np.nan
    if small_sample == "pyfixest":
        n_obs, k = int(mask.sum()), len(beta_index) + len(gamma_index) + 1
        factor *= (n_obs - 1.0) / (n_obs - k) if n_obs > k else np.nan
    elif small_sample == "none":
        factor = 1.0 if n_clusters > 1 else np.nan
    cov = psi.T @ psi * factor
    object.__setattr__(fit, "cov", cov)
    return fit


@dataclass(frozen=True, eq=False)
class BatchFit:
    """Many fixed-effects fits at once (see :func:`fit_fe_poisson_batch`).

    Attributes
    ----------
    beta : ndarray, shape (B,)
        The dummy's slope (``-inf`` when its cells have no events; ``nan`` without one).
    alpha : ndarray, shape (B, N)
        Unit effects, ``-inf`` for units without events in the sample.
    gamma : ndarray, shape (B, T)
        Period effects, ``-inf`` for periods without events in the sample.
    theta : ndarray, shape (B, k + T)
        The Newton parameters, a warm start for a neighbouring problem.
    """

    beta: np.ndarray
    alpha: np.ndarray
    gamma: np.ndarray
    theta: np.ndarray


def fit_fe_poisson_batch(
    y: np.ndarray,
    offset: np.ndarray,
    mask: np.ndarray,
    d: np.ndarray | None = None,
    *,
    theta0: np.ndarray | None = None,
    tol: float = 1e-6,
    max_iter: int = 60,
) -> BatchFit:
    """Fit many panels at once: fixed effects and at most one 0/1 dummy, no covariance.

    Parameters
    ----------
    y, offset : ndarray, shape (B, N, T)
        Counts and offsets of each panel (anything broadcasting to it is fine).
    mask : ndarray of bool, shape (B, N, T)
        Cells in each panel's sample.
    d : ndarray, shape (B, N, T), optional
        The dummy; ``None`` for fixed effects only.
    theta0 : ndarray, shape (B, k + T), optional
        Warm start (``BatchFit.theta`` of a neighbouring problem).
    tol, max_iter : float, int
        Newton stops after a step smaller than ``tol`` (the error is then of order
        ``tol²``: Newton converges quadratically).

    Returns
    -------
    BatchFit
    """
    arrays = [np.asarray(y, float), np.asarray(offset, float), np.asarray(mask, bool)]
    if d is not None:
        arrays.append(np.asarray(d, float))
    y, offset, mask, *rest = np.broadcast_arrays(*arrays)
    mask = mask.copy()
    nb, _, nt = y.shape
    ym = np.where(mask, y, 0.0)
    mask &= (ym.sum(axis=2) > 0)[..., None]
    mask &= (ym.sum(axis=1) > 0)[:, None, :]
    dead_periods = ~mask.any(axis=1)
    if d is None:
        X = np.zeros((nb, *y.shape[1:], 0))
        sep = np.zeros(nb, dtype=bool)
    else:
        d = rest[0]
        sep = np.where(mask, d * y, 0.0).sum(axis=(1, 2)) == 0
        mask &= ~(sep[:, None, None] & (d != 0))
        X = np.where(sep[:, None, None], 0.0, d)[..., None]
    k = X.shape[-1]
    periods_in = mask.any(axis=1)
    free = np.concatenate([np.broadcast_to(~sep[:, None], (nb, k)), periods_in], axis=1)
    free[np.arange(nb), k + periods_in.argmax(axis=1)] = False
    theta, _, _, _ = _newton(
        np.where(mask, y, 0.0),
        np.where(mask, offset, 0.0),
        mask,
        X,
        free,
        tol=tol,
        max_iter=max_iter,
        theta0=theta0,
    )
    beta = np.where(sep, -np.inf, theta[:, 0]) if k else np.full(nb, np.nan)
    gamma = np.where(dead_periods, -np.inf, theta[:, k:])
    eta = offset + gamma[:, None, :]
    if k:
        eta = eta + X[..., 0] * theta[:, 0, None, None]
    ysum = np.where(mask, y, 0.0).sum(axis=2)
    eta_m = np.where(mask, eta, -np.inf)
    top = eta_m.max(axis=2)
    top = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_denom = np.log(np.exp(eta_m - top[..., None]).sum(axis=2)) + top
        alpha = np.where(ysum > 0, np.log(ysum) - log_denom, -np.inf)
    return BatchFit(beta=beta, alpha=alpha, gamma=gamma, theta=theta)
