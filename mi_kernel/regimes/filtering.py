"""The forward algorithm in log space: filtered state probabilities P(s_t | x_1..x_t).

Smoothed posteriors (hmmlearn's ``predict_proba``) condition on the whole sample, future
included; the filtered ones computed here use only observations up to t, so they can be
used at t without look-ahead.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


def _logsumexp(a: Array, axis: int) -> Array:
    """Return ``log(sum(exp(a), axis))``, keeping ``axis``, shifted by the max for stability.

    scipy's ``logsumexp`` computes the same numbers (to rounding) but costs ~50 us a call on
    arrays of a few states, and the recursion calls it twice per row.
    """
    top = a.max(axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)  # an all -inf slice sums to log(0) = -inf
    with np.errstate(divide="ignore"):
        return np.log(np.exp(a - top).sum(axis=axis, keepdims=True)) + top


def safe_log(p: Array) -> Array:
    """Return ``log(p)`` with ``log(0) = -inf`` and no divide-by-zero warning."""
    with np.errstate(divide="ignore"):
        return np.log(np.asarray(p, dtype="float64"))


def forward_filter(
    log_startprob: Array, log_transmat: Array, log_lik: Array
) -> tuple[Array, Array]:
    """Run the normalised forward recursion in log space.

    ``log alpha_0 = log pi + log b_0`` and, for t >= 1,
    ``log alpha_t(j) = logsumexp_i(log alpha_{t-1}(i) + log A(i, j)) + log b_t(j)``,
    each normalised so that ``alpha_t`` is the filtered distribution of the state at t.

    Parameters
    ----------
    log_startprob : ndarray, shape (n_states,) or (n_models, n_states)
        Log initial state distribution(s).
    log_transmat : ndarray, shape (n_states, n_states) or (n_models, n_states, n_states)
        Log transition matrix(ces), row i = from state i.
    log_lik : ndarray, shape (n_samples, n_states) or (n_samples, n_models, n_states)
        Log emission density of each observation under each state (and model). A batch of
        models is filtered over the same observations in one pass.

    Returns
    -------
    log_filtered : ndarray, shape like ``log_lik``
        ``log P(s_t = k | x_0..x_t)``; each row (per model) log-sums to 0.
    log_evidence : ndarray, shape () or (n_models,)
        ``log P(x_0..x_{n-1})`` of the whole sample under each model.
    """
    log_lik = np.asarray(log_lik, dtype="float64")
    out = np.empty_like(log_lik)
    if len(log_lik) == 0:
        return out, np.zeros(log_lik.shape[1:-1])
    a = np.asarray(log_startprob, dtype="float64") + log_lik[0]
    norm = _logsumexp(a, axis=-1)
    out[0] = a - norm
    evidence = norm[..., 0].copy()
    trans = np.asarray(log_transmat, dtype="float64")
    for t in range(1, len(log_lik)):
        predicted = _logsumexp(out[t - 1][..., :, None] + trans, axis=-2)[..., 0, :]
        a = predicted + log_lik[t]
        norm = _logsumexp(a, axis=-1)
        out[t] = a - norm
        evidence += norm[..., 0]
    return out, evidence
