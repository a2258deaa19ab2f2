"""Probabilistic and deflated Sharpe ratios (Bailey & López de Prado 2012, 2014).

Conventions: the ``*_from_stats`` functions work in per-period (not annualised) units; the
functions taking returns accept benchmark Sharpe ratios, trials' Sharpe ratios and their
variance in *annualised* units (the units of :func:`mi_kernel.metrics.sharpe`) and convert
them with ``periods_per_year``: SR_period = SR_annual / sqrt(ppy), Var_period = Var_annual / ppy.
Skewness and kurtosis are moment-based; kurtosis is *not* excess (3 for a normal law).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

import numpy as np

from mi_kernel.errors import ConfigError
from mi_kernel.metrics import _kernels as k
from mi_kernel.metrics.performance import Returns, as_array, resolve_periods

_NORMAL = NormalDist()

#: The Euler–Mascheroni constant used by the expected-maximum formula.
EULER_MASCHERONI = 0.5772156649015329


def psr_from_stats(
    sr: float, n_obs: int, skew: float, kurtosis: float, sr_benchmark: float = 0.0
) -> float:
    """Compute the probabilistic Sharpe ratio from summary statistics (per-period units).

    PSR = Phi[(SR - SR*) sqrt(T - 1) / sqrt(1 - g3 SR + (g4 - 1) / 4 SR^2)]
    (Bailey & López de Prado 2012, eq. 11), with g3 the skewness and g4 the kurtosis.

    Parameters
    ----------
    sr : float
        Observed per-period Sharpe ratio.
    n_obs : int
        Number of return observations T (>= 2).
    skew, kurtosis : float
        Skewness and (non-excess) kurtosis of the returns.
    sr_benchmark : float, default 0.0
        Per-period benchmark Sharpe ratio SR*.

    Returns
    -------
    float
        Probability that the true Sharpe ratio exceeds ``sr_benchmark``; nan if undefined.
    """
    if n_obs < 2:
        raise ConfigError(f"n_obs must be at least 2 for a PSR, got {n_obs}")
    var = 1.0 - skew * sr + (kurtosis - 1.0) / 4.0 * sr**2
    if not np.isfinite(var) or var <= 0 or not np.isfinite(sr):
        return float("nan")
    return float(_NORMAL.cdf((sr - sr_benchmark) * np.sqrt(n_obs - 1.0) / np.sqrt(var)))


def expected_max_sharpe(n_trials: int, sr_variance: float, sr_mean: float = 0.0) -> float:
    """Compute the expected maximum Sharpe ratio of ``n_trials`` independent trials.

    E[max SR] = mean + sqrt(V) [(1 - gamma) Phi^-1(1 - 1/N) + gamma Phi^-1(1 - 1/(N e))]
    with gamma the Euler–Mascheroni constant (Bailey & López de Prado 2014, eq. 2). The result
    is in the units of ``sr_mean`` and ``sqrt(sr_variance)``. One trial means no selection:
    the result is ``sr_mean``.
    """
    if n_trials < 1:
        raise ConfigError(f"n_trials must be at least 1, got {n_trials}")
    if sr_variance < 0:
        raise ConfigError(f"sr_variance must be non-negative, got {sr_variance}")
    if n_trials == 1:
        return float(sr_mean)
    z = (1.0 - EULER_MASCHERONI) * _NORMAL.inv_cdf(
        1.0 - 1.0 / n_trials
    ) + EULER_MASCHERONI * _NORMAL.inv_cdf(1.0 - 1.0 / (n_trials * math.e))
    return float(sr_mean + np.sqrt(sr_variance) * z)


def dsr_from_stats(
    sr: float, n_obs: int, skew: float, kurtosis: float, n_trials: int, sr_variance: float
) -> float:
    """Compute the deflated Sharpe ratio from summary statistics (per-period units).

    DSR = PSR(SR0) with SR0 = :func:`expected_max_sharpe` (``n_trials``, ``sr_variance``):
    the probability that the true Sharpe ratio beats the best of ``n_trials`` skill-less trials.
    """
    sr0 = expected_max_sharpe(n_trials, sr_variance)
    return psr_from_stats(sr, n_obs, skew, kurtosis, sr_benchmark=sr0)


def probabilistic_sharpe_ratio(
    returns: Returns, sr_benchmark: float = 0.0, periods_per_year: float | None = None
) -> float:
    """Compute the probabilistic Sharpe ratio of a return series.

    Parameters
    ----------
    returns : Series or array of float, shape (n,)
        Simple per-period returns.
    sr_benchmark : float, default 0.0
        Annualised benchmark Sharpe ratio; ``periods_per_year`` (given or inferred) is needed
        to convert it unless it is 0.
    periods_per_year : float, optional
        Annualisation factor; inferred from the index when omitted.

    Returns
    -------
    float
        Probability that the true Sharpe ratio exceeds ``sr_benchmark``.
    """
    r = as_array(returns)
    sr_star = 0.0
    if sr_benchmark != 0.0:
        sr_star = sr_benchmark / np.sqrt(resolve_periods(returns, periods_per_year))
    return psr_from_stats(k.sharpe(r, 1.0), r.size, k.skew(r), k.kurtosis(r), sr_star)


def deflated_sharpe_ratio(
    returns: Returns,
    n_trials: int,
    sr_variance: float | None = None,
    *,
    trial_sharpes: Sequence[float] | np.ndarray | None = None,
    periods_per_year: float | None = None,
) -> float:
    """Compute the deflated Sharpe ratio of the selected strategy's returns.

    Parameters
    ----------
    returns : Series or array of float, shape (n,)
        Per-period returns of the strategy that was selected among the trials.
    n_trials : int
        Number of independent trials (strategies, parameter sets) tried, >= 1.
    sr_variance : float, optional
        Variance of the trials' *annualised* Sharpe ratios.
    trial_sharpes : sequence of float, optional
        The trials' annualised Sharpe ratios; their variance (ddof=1) is used when
        ``sr_variance`` is not given. Exactly one of the two must be given.
    periods_per_year : float, optional
        Annualisation factor; inferred from the index when omitted.

    Returns
    -------
    float
        Probability that the true Sharpe ratio exceeds the expected maximum Sharpe ratio
        of ``n_trials`` skill-less trials (DSR > 0.95 rejects "luck" at 5 %).
    """
    if (sr_variance is None) == (trial_sharpes is None):
        raise ConfigError("give exactly one of sr_variance or trial_sharpes")
    if trial_sharpes is not None:
        trials = as_array(trial_sharpes)
        if trials.size < 2:
            raise ConfigError(f"trial_sharpes needs at least 2 values, got {trials.size}")
        sr_variance = float(np.var(trials, ddof=1))
    assert sr_variance is not None
    ppy = resolve_periods(returns, periods_per_year)
    r = as_array(returns)
    return dsr_from_stats(
        k.sharpe(r, 1.0), r.size, k.skew(r), k.kurtosis(r), n_trials, sr_variance / ppy
    )
