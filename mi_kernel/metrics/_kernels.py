"""NumPy kernels of the performance metrics: 1-D float arrays in, floats out.

Array convention: ``r`` is a 1-D array of simple (not log) per-period returns without NaN,
oldest first; ``ppy`` is the number of periods per year. Every kernel returns ``nan`` when
the statistic is undefined (too few observations, zero dispersion).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[Any]


def sharpe(r: Array, ppy: float) -> float:
    """Return the annualised Sharpe ratio: mean / sample std (ddof=1) x sqrt(ppy)."""
    if r.size < 2:
        return float("nan")
    sd = float(np.std(r, ddof=1))
    return float(np.mean(r) / sd * np.sqrt(ppy)) if sd > 0 else float("nan")


def sortino(r: Array, ppy: float) -> float:
    """Return mean / downside deviation x sqrt(ppy); downside deviation = sqrt(mean(min(r,0)^2))."""
    if r.size < 2:
        return float("nan")
    dd = float(np.sqrt(np.mean(np.minimum(r, 0.0) ** 2)))
    return float(np.mean(r) / dd * np.sqrt(ppy)) if dd > 0 else float("nan")


def wealth(r: Array) -> Array:
    """Return compounded wealth per unit invested, starting from 1 before the first return."""
    return np.concatenate([[1.0], np.cumprod(1.0 + r)])


def drawdown(r: Array) -> Array:
    """Return the drawdown after each period: wealth / running peak - 1 (<= 0), length r.size."""
    w = wealth(r)
    return (w / np.maximum.accumulate(w) - 1.0)[1:]


def max_drawdown(r: Array) -> float:
    """Return the largest peak-to-trough loss as a negative fraction (0 if never below a peak)."""
    return float(np.min(drawdown(r))) if r.size else float("nan")


def annual_return(r: Array, ppy: float) -> float:
    """Return the compound annual growth rate: prod(1+r)^(ppy/n) - 1."""
    if r.size == 0:
        return float("nan")
    total = float(np.prod(1.0 + r))
    if total <= 0:
        return -1.0
    return float(total ** (ppy / r.size) - 1.0)


def annual_volatility(r: Array, ppy: float) -> float:
    """Return the sample standard deviation (ddof=1) x sqrt(ppy)."""
    return float(np.std(r, ddof=1) * np.sqrt(ppy)) if r.size >= 2 else float("nan")


def calmar(r: Array, ppy: float) -> float:
    """Return CAGR / |max drawdown| (nan when there was no drawdown)."""
    mdd = max_drawdown(r)
    return annual_return(r, ppy) / abs(mdd) if mdd < 0 else float("nan")


def hit_rate(r: Array) -> float:
    """Return the share of positive returns among the nonzero ones."""
    nonzero = r[r != 0]
    return float(np.mean(nonzero > 0)) if nonzero.size else float("nan")


def skew(r: Array) -> float:
    """Return the (population, moment-based) skewness."""
    m = r - np.mean(r)
    s2 = float(np.mean(m**2))
    return float(np.mean(m**3) / s2**1.5) if s2 > 0 else float("nan")


def kurtosis(r: Array) -> float:
    """Return the (population, moment-based) kurtosis, not excess: 3 for a normal law."""
    m = r - np.mean(r)
    s2 = float(np.mean(m**2))
    return float(np.mean(m**4) / s2**2) if s2 > 0 else float("nan")
