"""Expected returns: historical mean, market equilibrium, signals, and the Black-Litterman overlay.

All returns are per period (the units of the return window: daily returns give daily
expected returns).

* :func:`historical_mean` — the window's sample mean.
* :func:`equilibrium_returns` — reverse optimisation ``π = δ Σ w_b`` from benchmark weights.
* :func:`signal_expected_returns` — Grinold's calibration ``μ_i = IC × σ_i × z_i``: the
  cross-sectional z-score of the signal's scores, times each name's volatility, times the
  signal's information coefficient (its out-of-sample rank IC). A signal with IC 0 expects 0.
* :func:`black_litterman` — a prior (e.g. equilibrium) updated by absolute views (e.g. the
  signal-implied returns) with confidences in [0, 1]; ``Ω = diag(τ (1/c − 1) P Σ Pᵀ)``
  (Idzorek's confidence, as in skfolio and PyPortfolioOpt).
* :func:`ic_confidence` — a view confidence from the out-of-sample IC and its t-statistic,
  ``2 Φ(t) − 1`` for ``t > 0`` else 0: no evidence, no confidence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.portfolio.moments import check_returns


def historical_mean(returns: pd.DataFrame) -> pd.Series:
    """Return the sample mean of each column of ``returns`` (per period)."""
    return check_returns(returns).mean(axis=0).rename("expected_return")


def aligned(values: pd.Series | dict[str, float], names: pd.Index, what: str) -> np.ndarray:
    """Return ``values`` in the order of ``names`` (DataError naming ``what`` if one is missing)."""
    s = pd.Series(values, dtype="float64")
    missing = [str(n) for n in names if n not in s.index]
    if missing:
        raise DataError(f"{what} has no value for {missing[:10]}; give one for every asset")
    out = s.reindex(names).to_numpy(dtype="float64")
    if not np.isfinite(out).all():
        raise DataError(f"{what} holds NaN or inf; give a finite value for every asset")
    return out


def equilibrium_returns(
    cov: pd.DataFrame, weights: pd.Series | dict[str, float], risk_aversion: float = 1.0
) -> pd.Series:
    """Return the implied equilibrium returns ``risk_aversion × cov @ weights``.

    Parameters
    ----------
    cov : DataFrame, shape (n_assets, n_assets)
        Covariance per period.
    weights : Series or mapping
        Benchmark (market) weights of every asset of ``cov``.
    risk_aversion : float, default 1.0
        The market's risk aversion δ (> 0).
    """
    if not risk_aversion > 0:
        raise ConfigError(f"risk_aversion must be positive, got {risk_aversion}")
    w = aligned(weights, cov.index, "benchmark weights")
    if abs(float(w.sum()) - 1.0) > 1e-6:
        raise DataError(
            f"benchmark weights sum to {float(w.sum()):.6g}; market weights must sum to 1 — "
            "normalise them (w / w.sum())"
        )
    pi = risk_aversion * cov.to_numpy() @ w
    return pd.Series(pi, index=cov.index.copy(), name="expected_return")


def signal_expected_returns(scores: pd.Series, volatility: pd.Series, ic: float) -> pd.Series:
    """Turn scores into expected returns with ``IC × volatility × z-score``.

    Parameters
    ----------
    scores : Series
        Score per symbol (one date); NaN scores are left out of the z-score and get 0.
    volatility : Series
        Per-period volatility per symbol (same units as the returns optimised).
    ic : float
        Information coefficient of the signal (e.g. its out-of-sample rank IC), in [-1, 1].

    Returns
    -------
    Series
        Expected return per symbol of ``scores`` (0 where the score is NaN or the
        cross-section has no dispersion).
    """
    if not (math.isfinite(ic) and -1.0 <= ic <= 1.0):
        raise ConfigError(f"ic must be a number in [-1, 1], got {ic}")
    s = pd.to_numeric(scores, errors="coerce").astype("float64")
    sd = float(s.std(ddof=1)) if s.notna().sum() > 1 else 0.0
    z = (s - s.mean()) / sd if sd > 0 else s * 0.0
    vol = aligned(volatility, s.index, "volatility")
    if (vol < 0).any():
        raise DataError("volatility must be non-negative")
    mu = ic * vol * z.fillna(0.0).to_numpy()
    return pd.Series(mu, index=s.index.copy(), name="expected_return")


def ic_confidence(ic: float, t_stat: float) -> float:
    """Return a Black-Litterman view confidence in [0, 1]: ``2 Φ(t) − 1`` if ic, t > 0, else 0."""
    if not (math.isfinite(ic) and math.isfinite(t_stat)) or ic <= 0 or t_stat <= 0:
        return 0.0
    return float(2.0 * norm.cdf(t_stat) - 1.0)


@dataclass(frozen=True)
class BlackLittermanResult:
    """Prior and posterior moments of a Black-Litterman update (per period)."""

    prior: pd.Series
    posterior: pd.Series
    views: pd.Series
    confidence: pd.Series
    covariance: pd.DataFrame

    def table(self) -> pd.DataFrame:
        """Return prior, view, confidence and posterior side by side, one row per asset."""
        return pd.DataFrame(
            {
                "prior": self.prior,
                "view": self.views.reindex(self.prior.index),
                "confidence": self.confidence.reindex(self.prior.index),
                "posterior": self.posterior,
            }
        )


def black_litterman(
    cov: pd.DataFrame,
    prior: pd.Series,
    views: pd.Series,
    confidence: float | pd.Series = 0.5,
    tau: float = 0.05,
) -> BlackLittermanResult:
    """Update ``prior`` expected returns with absolute ``views`` (Black & Litterman, 1991).

    Parameters
    ----------
    cov : DataFrame, shape (n_assets, n_assets)
        Prior covariance per period.
    prior : Series
        Prior expected return of every asset of ``cov`` (e.g. :func:`equilibrium_returns`).
    views : Series
        Absolute view "asset i returns q_i" for some assets (NaN views are dropped).
    confidence : float or Series, default 0.5
        Confidence of each view in [0, 1] (0 = ignored, 1 = taken as certain; 0.5 gives
        ``Ω = diag(τ P Σ Pᵀ)``).
    tau : float, default 0.05
        Scale of the prior's uncertainty.

    Returns
    -------
    BlackLittermanResult
        ``posterior = π + τΣPᵀ(PτΣPᵀ + Ω)⁻¹(q − Pπ)`` and
        ``covariance = Σ + τΣ − τΣPᵀ(PτΣPᵀ + Ω)⁻¹PτΣ``.
    """
    if not tau > 0:
        raise ConfigError(f"tau must be positive, got {tau}")
    names = cov.index
    sigma = cov.to_numpy(dtype="float64")
    pi = aligned(prior, names, "prior")
    q = pd.Series(views, dtype="float64").dropna()
    unknown = sorted(set(map(str, q.index)) - set(map(str, names)))
    if unknown:
        raise DataError(f"views name assets without a covariance: {unknown[:10]}")
    conf = (
        pd.Series(float(confidence), index=q.index)
        if isinstance(confidence, int | float)
        else pd.Series(confidence, dtype="float64").reindex(q.index)
    )
    if conf.isna().any() or ((conf < 0) | (conf > 1)).any():
        raise ConfigError("confidence must be in [0, 1] for every view")
    keep = conf > 0  # a view held with no confidence is no view
    q, conf = q[keep], conf[keep]
    if q.empty:
        zero = pd.Series(dtype="float64")
        return BlackLittermanResult(
            pd.Series(pi, index=names), pd.Series(pi, index=names), zero, zero, cov.copy()
        )
    p = (names.to_numpy()[None, :] == q.index.to_numpy()[:, None]).astype("float64")
    alphas = np.where(conf.to_numpy() >= 1.0, 0.0, 1.0 / conf.to_numpy() - 1.0)
    omega = np.diag(tau * alphas * np.diag(p @ sigma @ p.T))
    v = tau * sigma @ p.T
    a = p @ v + omega
    post = pi + v @ np.linalg.solve(a, q.to_numpy() - p @ pi)
    post_cov = sigma + tau * sigma - v @ np.linalg.solve(a, v.T)
    return BlackLittermanResult(
        prior=pd.Series(pi, index=names.copy(), name="prior"),
        posterior=pd.Series(post, index=names.copy(), name="posterior"),
        views=q.rename("view"),
        confidence=conf.rename("confidence"),
        covariance=pd.DataFrame((post_cov + post_cov.T) / 2, index=names, columns=names),
    )
