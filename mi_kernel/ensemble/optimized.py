"""TurnoverAwareBlender: blend weights that trade IC against turnover and weight changes.

For long-only weights ``w`` on the simplex and standardised predictions ``X``, the blended
score is ``s = X w`` and the blender maximises

    IC(w) - turnover_penalty * TO(w) - stability_penalty * ||w - prior_weights||^2

- ``IC(w)``: mean over dates of the Pearson correlation of ``s`` and the label;
- ``TO(w)``: mean over consecutive dates of ``1 - corr(s_t, s_{t-1})`` on the symbols
  present on both, the usual autocorrelation proxy of a score-weighted portfolio's
  turnover (0 for a frozen ranking, 1 for a fresh one);
- the stability term penalises moving away from the previous refit's weights.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np
from scipy.optimize import minimize

from mi_kernel.ensemble._panel import FloatArray, date_slices, demean, simplex_normalise
from mi_kernel.ensemble.blenders import LinearBlender
from mi_kernel.errors import ConfigError

_EPS = 1e-12


def _ic_terms(X: FloatArray, y: FloatArray, dates: Any) -> tuple[FloatArray, FloatArray]:
    """Per date: a = Xc' yc / |yc| (n_dates, M) and C = Xc' Xc (n_dates, M, M)."""
    a, c = [], []
    for rows in date_slices(dates, len(y)):
        xc, yc = demean(X[rows]), y[rows] - y[rows].mean()
        norm = float(np.sqrt(yc @ yc))
        if len(rows) > 1 and norm > _EPS:
            a.append(xc.T @ yc / norm)
            c.append(xc.T @ xc)
    m = X.shape[1]
    return np.reshape(a, (-1, m)), np.reshape(c, (-1, m, m))


def _turnover_terms(X: FloatArray, dates: Any, symbols: Any) -> tuple[FloatArray, ...]:
    """Per pair of consecutive dates: cross and own second moments of the matched rows."""
    cross, own_now, own_before = [], [], []
    slices = date_slices(dates, len(X))
    for before, now in pairwise(slices):
        _, i, j = np.intersect1d(symbols[before], symbols[now], return_indices=True)
        if len(i) < 2:
            continue
        u, v = demean(X[now[j]]), demean(X[before[i]])
        cross.append(u.T @ v)
        own_now.append(u.T @ u)
        own_before.append(v.T @ v)
    m = X.shape[1]
    return tuple(np.reshape(t, (-1, m, m)) for t in (cross, own_now, own_before))


def _quad(c: FloatArray, w: FloatArray) -> FloatArray:
    return np.einsum("tij,i,j->t", c, w, w)


def mean_ic(w: FloatArray, a: FloatArray, c: FloatArray) -> float:
    """Mean daily Pearson IC of ``X w`` from the terms of :func:`_ic_terms` (NaN if none)."""
    if len(a) == 0:
        return float("nan")
    return float(np.mean(a @ w / np.sqrt(np.maximum(_quad(c, w), _EPS))))


def mean_turnover(w: FloatArray, terms: tuple[FloatArray, ...]) -> float:
    """Mean ``1 - corr(s_t, s_{t-1})`` of ``X w`` from :func:`_turnover_terms` (NaN if none)."""
    cross, own_now, own_before = terms
    if len(cross) == 0:
        return float("nan")
    denom = np.sqrt(np.maximum(_quad(own_now, w) * _quad(own_before, w), _EPS))
    return float(np.mean(1.0 - _quad(cross, w) / denom))


class TurnoverAwareBlender(LinearBlender):
    """Long-only blend maximising IC less turnover and weight-change penalties.

    Parameters
    ----------
    turnover_penalty : float, default 0.0
        Price of one unit of ``1 - autocorrelation`` of the blended score, in IC units;
        > 0 needs ``X`` with ``"ts"`` and ``"symbol"`` index levels (or columns).
    stability_penalty : float, default 0.0
        Price of the squared distance of the weights from ``prior_weights``.
    prior_weights : array-like of shape (n_models,), optional
        The previous refit's weights (normalised); also the optimiser's start. None: no
        stability term, start from equal weights. :func:`walk_forward_blend` sets it.

    Attributes
    ----------
    weights_ : ndarray, shape (n_models,)
        Non-negative, summing to 1.
    intercept_ : float
        Always 0.
    ic_ : float
        In-sample mean daily IC of the blend.
    turnover_ : float
        In-sample mean ``1 - autocorrelation`` of the blend (NaN without dates/symbols).
    """

    def __init__(
        self,
        turnover_penalty: float = 0.0,
        stability_penalty: float = 0.0,
        prior_weights: Any = None,
    ) -> None:
        self.turnover_penalty = turnover_penalty
        self.stability_penalty = stability_penalty
        self.prior_weights = prior_weights

    def _prior(self, m: int) -> FloatArray | None:
        if self.prior_weights is None:
            return None
        w = np.asarray(self.prior_weights, dtype="float64").ravel()
        if w.shape != (m,) or not np.all(np.isfinite(w)) or (w < 0).any() or w.sum() <= 0:
            raise ConfigError(
                f"prior_weights must be {m} finite non-negative numbers with a positive sum, "
                f"got {self.prior_weights!r}"
            )
        return simplex_normalise(w)

    def _fit_weights(
        self, X: FloatArray, y: FloatArray, dates: Any, symbols: Any
    ) -> tuple[FloatArray, float]:
        lam_to, lam_st = float(self.turnover_penalty), float(self.stability_penalty)
        if not (lam_to >= 0 and lam_st >= 0):
            raise ConfigError(
                f"penalties must be >= 0, got turnover_penalty={self.turnover_penalty!r}, "
                f"stability_penalty={self.stability_penalty!r}"
            )
        if lam_to > 0 and (dates is None or symbols is None):
            raise ConfigError(
                "turnover_penalty > 0 needs X with 'ts' and 'symbol' index levels to match "
                "each symbol's score from one date to the next"
            )
        m = X.shape[1]
        prior = self._prior(m)
        a, c = _ic_terms(X, y, dates)
        empty = np.empty((0, m, m))
        terms = (
            _turnover_terms(X, dates, symbols)
            if dates is not None and symbols is not None
            else (empty, empty, empty)
        )

        def loss(w: FloatArray) -> float:
            out = -np.nan_to_num(mean_ic(w, a, c))
            if lam_to > 0:
                out += lam_to * np.nan_to_num(mean_turnover(w, terms))
            if prior is not None and lam_st > 0:
                out += lam_st * float(np.sum((w - prior) ** 2))
            return float(out)

        start = np.full(m, 1.0 / m) if prior is None else prior
        result = minimize(
            loss,
            start,
            method="SLSQP",
            bounds=[(0.0, 1.0)] * m,
            constraints=[{"type": "eq", "fun": lambda w: float(np.sum(w) - 1.0)}],
        )
        w = simplex_normalise(np.clip(result.x, 0.0, None))
        if not w.any():
            w = start
        self.ic_ = mean_ic(w, a, c)
        self.turnover_ = mean_turnover(w, terms)
        return w, 0.0
