"""Performance metrics on a return series: pure functions, periods-per-year explicit or inferred.

Every function takes simple per-period returns (a pandas Series with a DatetimeIndex, or a
1-D array together with ``periods_per_year``); NaNs are dropped. Annualised figures use
``periods_per_year`` given explicitly or inferred from the index by
:func:`infer_periods_per_year`, never an implicit 252.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from mi_kernel.errors import ConfigError
from mi_kernel.metrics import _kernels as k
from mi_kernel.metrics.periods import infer_periods_per_year

Returns = pd.Series | np.ndarray | Sequence[float]


def as_array(returns: Returns) -> np.ndarray:
    """Return ``returns`` as a 1-D float64 array without NaNs."""
    arr = np.asarray(returns, dtype="float64")
    if arr.ndim != 1:
        raise ConfigError(f"returns must be one-dimensional, got shape {arr.shape}")
    return arr[~np.isnan(arr)]


def resolve_periods(returns: Returns, periods_per_year: float | None) -> float:
    """Return ``periods_per_year`` if given, else infer it from the index of ``returns``."""
    if periods_per_year is not None:
        if periods_per_year <= 0:
            raise ConfigError(f"periods_per_year must be positive, got {periods_per_year}")
        return float(periods_per_year)
    if isinstance(returns, pd.Series):
        return infer_periods_per_year(returns.dropna().index)
    raise ConfigError(
        "periods_per_year is needed for a plain array of returns; pass it explicitly "
        "or pass a pandas Series with a DatetimeIndex"
    )


def sharpe(
    returns: Returns, periods_per_year: float | None = None, risk_free: float = 0.0
) -> float:
    """Compute the annualised Sharpe ratio.

    Parameters
    ----------
    returns : Series or array of float, shape (n,)
        Simple per-period returns.
    periods_per_year : float, optional
        Annualisation factor; inferred from the index when omitted.
    risk_free : float, default 0.0
        Risk-free return per period, subtracted from every return.

    Returns
    -------
    float
        mean(r - rf) / std(r - rf, ddof=1) x sqrt(periods_per_year); nan if undefined.
    """
    ppy = resolve_periods(returns, periods_per_year)
    return k.sharpe(as_array(returns) - risk_free, ppy)


def sortino(
    returns: Returns, periods_per_year: float | None = None, risk_free: float = 0.0
) -> float:
    """Compute the annualised Sortino ratio: mean excess return over downside deviation."""
    ppy = resolve_periods(returns, periods_per_year)
    return k.sortino(as_array(returns) - risk_free, ppy)


def max_drawdown(returns: Returns) -> float:
    """Compute the maximum drawdown of compounded wealth as a negative fraction (e.g. -0.25)."""
    return k.max_drawdown(as_array(returns))


def drawdown(returns: pd.Series) -> pd.Series:
    """Compute the drawdown series (wealth / running peak - 1, <= 0) on the returns' index."""
    clean = returns.dropna().astype("float64")
    return pd.Series(k.drawdown(clean.to_numpy()), index=clean.index, name="drawdown")


def annual_return(returns: Returns, periods_per_year: float | None = None) -> float:
    """Compute the compound annual growth rate (CAGR) over the observed periods."""
    ppy = resolve_periods(returns, periods_per_year)
    return k.annual_return(as_array(returns), ppy)


def annual_volatility(returns: Returns, periods_per_year: float | None = None) -> float:
    """Compute the annualised standard deviation of returns (ddof=1)."""
    ppy = resolve_periods(returns, periods_per_year)
    return k.annual_volatility(as_array(returns), ppy)


def calmar(returns: Returns, periods_per_year: float | None = None) -> float:
    """Compute CAGR divided by the absolute maximum drawdown (nan without a drawdown)."""
    ppy = resolve_periods(returns, periods_per_year)
    return k.calmar(as_array(returns), ppy)


def hit_rate(returns: Returns) -> float:
    """Compute the share of positive-return periods among the periods with a nonzero return."""
    return k.hit_rate(as_array(returns))


def turnover_from_weights(weights: pd.DataFrame) -> pd.Series:
    """Compute per-period turnover sum_i |w_i,t - w_i,t-1| of a wide weights table.

    Parameters
    ----------
    weights : DataFrame, shape (n_periods, n_assets)
        Wide target weights (index = timestamps, columns = symbols); missing means 0.
        The first row counts as traded from an empty book.

    Returns
    -------
    Series
        Two-way turnover per period (traded notional / equity); 2.0 means a full switch
        from one fully invested book to another. Drift between rows is ignored.
    """
    w = weights.fillna(0.0).astype("float64")
    return w.diff().fillna(w).abs().sum(axis=1).rename("turnover")


def annual_turnover(turnover: pd.Series, periods_per_year: float | None = None) -> float:
    """Compute the annualised turnover: mean per-period turnover x periods per year."""
    ppy = resolve_periods(turnover, periods_per_year)
    values = as_array(turnover)
    return float(np.mean(values) * ppy) if values.size else float("nan")
