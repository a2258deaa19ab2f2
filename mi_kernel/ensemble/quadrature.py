"""The HierarchicalIC posterior by one-dimensional quadrature instead of sampling.

Signals share no parameter, so each signal's posterior is separate. Given ``tau`` the model is
Gaussian and conjugate: ``mu | tau, y`` is Normal and ``theta_g | tau, y`` is Normal, in
closed form (the eight-schools algebra of Gelman et al., *Bayesian Data Analysis*, 5.4). Only
``tau`` is left to integrate, and its marginal posterior ``p(tau | y)`` is known up to a
constant::

    v_g(tau) = se_g^2 + tau^2                   y_g | mu, tau ~ Normal(mu, v_g)
    P = 1 / s^2 + sum_g 1 / v_g, V = 1 / P      s = prior_scale
    m = V * sum_g y_g / v_g                     mu | tau, y ~ Normal(m, V)
    B_g = se_g^2 / v_g                          theta_g | tau, y ~ Normal(B_g m + (1 - B_g) y_g,
                                                                     (1 - B_g) se_g^2 + B_g^2 V)
    log p(tau | y) = log HalfNormal(tau; s / 2) - 1/2 sum_g log v_g + 1/2 log V
                     - 1/2 (sum_g y_g^2 / v_g - m^2 P) + const

On a grid of ``tau`` (Simpson weights, refined to where the posterior has mass) every
posterior is a finite mixture of Normals: its mean and sd are exact sums and its quantiles
come from bisection on the mixture's CDF. The answers are the model's posterior to the grid's
precision (about 1e-6 of an IC), where NUTS gives them to its Monte-Carlo error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.special import logsumexp, ndtr

Array = NDArray[np.float64]
N_COARSE, N_FINE, LOG_FLOOR, BISECTIONS = 401, 2001, 40.0, 80


def posterior(
    y: Array, se: Array, s_idx: NDArray[np.intp], n_signals: int, scale: float, credible: float
) -> tuple[pd.DataFrame, pd.DataFrame, Array]:
    """Return the summaries of theta (per cell) and mu (per signal), and E[tau] per signal.

    Parameters
    ----------
    y, se : ndarray, shape (n_cells,)
        Mean daily IC of each (signal, group) cell and its standard error (> 0).
    s_idx : ndarray of int, shape (n_cells,)
        Signal of each cell, in ``range(n_signals)``.
    n_signals : int
    scale : float
        ``prior_scale`` (prior sd of mu; tau's half-normal has sd ``scale / 2``).
    credible : float
        Mass of the equal-tailed intervals.

    Returns
    -------
    theta, mu : DataFrame
        Columns mean, sd, lower, upper, covers_zero; rows in cell / signal order.
    spread : ndarray, shape (n_signals,)
        Posterior mean of tau.
    """
    n_cells = len(y)
    t_mean, t_var = np.empty(n_cells), np.empty(n_cells)
    t_lo, t_hi = np.empty(n_cells), np.empty(n_cells)
    m_rows, spread = [], np.empty(n_signals)
    probs = np.array([(1 - credible) / 2, (1 + credible) / 2])
    for s in range(n_signals):
        cells = np.flatnonzero(s_idx == s)
        tau, w = _tau_grid(y[cells], se[cells], scale)
        m, v, a, b = _conditionals(tau, y[cells], se[cells], scale)
        spread[s] = float(w @ tau)
        m_rows.append([x[0] for x in _mixture_summary(w, m[None, :], v[None, :], probs)])
        mean, var, lo, hi = _mixture_summary(w, a, b, probs)
        t_mean[cells], t_var[cells], t_lo[cells], t_hi[cells] = mean, var, lo, hi
    mu = np.array(m_rows)
    return (
        _frame(t_mean, t_var, t_lo, t_hi),
        _frame(mu[:, 0], mu[:, 1], mu[:, 2], mu[:, 3]),
        spread,
    )


def _log_marginal(tau: Array, y: Array, se: Array, scale: float) -> Array:
    """Return ``log p(tau | y)`` up to a constant, one value per ``tau``."""
    v = se[None, :] ** 2 + tau[:, None] ** 2
    precision = 1.0 / scale**2 + (1.0 / v).sum(axis=1)
    m = (y[None, :] / v).sum(axis=1) / precision
    fit = (y[None, :] ** 2 / v).sum(axis=1) - m**2 * precision
    log_prior = -0.5 * (tau / (scale / 2)) ** 2
    return log_prior - 0.5 * np.log(v).sum(axis=1) - 0.5 * np.log(precision) - 0.5 * fit


def _tau_grid(y: Array, se: Array, scale: float) -> tuple[Array, Array]:
    """Return a grid of tau where its posterior has mass and normalised quadrature weights."""
    spread = float(np.ptp(y)) if len(y) else 0.0
    top = max(5.0 * scale, 3.0 * (spread + float(se.max())))
    coarse = np.linspace(0.0, top, N_COARSE)
    logp = _log_marginal(coarse, y, se, scale)
    keep = np.flatnonzero(logp >= logp.max() - LOG_FLOOR)
    lo = coarse[max(keep[0] - 1, 0)]
    hi = coarse[min(keep[-1] + 1, N_COARSE - 1)]
    tau = np.linspace(lo, hi, N_FINE)
    simpson = np.ones(N_FINE)
    simpson[1:-1:2], simpson[2:-1:2] = 4.0, 2.0
    logw = _log_marginal(tau, y, se, scale) + np.log(simpson)
    return tau, np.exp(logw - logsumexp(logw))


def _conditionals(
    tau: Array, y: Array, se: Array, scale: float
) -> tuple[Array, Array, Array, Array]:
    """Return mu's mean and variance given each tau, (k,), and theta's, (cells, k)."""
    v = se[None, :] ** 2 + tau[:, None] ** 2
    precision = 1.0 / scale**2 + (1.0 / v).sum(axis=1)
    var_mu = 1.0 / precision
    m = var_mu * (y[None, :] / v).sum(axis=1)
    shrink = se[None, :] ** 2 / v  # B_g: 1 at tau = 0 (theta = mu), toward 0 as tau grows
    a = shrink * m[:, None] + (1.0 - shrink) * y[None, :]
    b = (1.0 - shrink) * se[None, :] ** 2 + shrink**2 * var_mu[:, None]
    return m, var_mu, a.T, b.T


def _mixture_summary(
    w: Array, a: Array, b: Array, probs: Array
) -> tuple[Array, Array, Array, Array]:
    """Mean, variance and two quantiles of each row's mixture sum_k w_k Normal(a_k, b_k)."""
    mean = a @ w
    var = (b + a**2) @ w - mean**2
    sd = np.sqrt(b)
    quantiles = []
    for p in probs:
        lo = (a - 12.0 * sd).min(axis=1)
        hi = (a + 12.0 * sd).max(axis=1)
        for _ in range(BISECTIONS):
            mid = 0.5 * (lo + hi)
            below = ndtr((mid[:, None] - a) / sd) @ w < p
            lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
        quantiles.append(0.5 * (lo + hi))
    return mean, np.maximum(var, 0.0), quantiles[0], quantiles[1]


def _frame(mean: Array, var: Array, lower: Array, upper: Array) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "mean": mean,
            "sd": np.sqrt(var),
            "lower": lower,
            "upper": upper,
            "covers_zero": (lower <= 0) & (upper >= 0),
        }
    )
