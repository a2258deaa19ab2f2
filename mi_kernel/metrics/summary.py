"""One dictionary of every performance metric, with alpha / beta / IR against a benchmark."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mi_kernel.errors import ConfigError
from mi_kernel.metrics import _kernels as k
from mi_kernel.metrics.performance import resolve_periods
from mi_kernel.metrics.sharpe_stats import psr_from_stats


def relative_metrics(
    returns: pd.Series, benchmark: pd.Series, periods_per_year: float
) -> dict[str, float]:
    """Compute alpha, beta, correlation, tracking error and information ratio.

    Both series are aligned on their common index (NaNs dropped). ``alpha`` is the annualised
    intercept of the OLS regression r = alpha + beta b (per-period alpha x periods_per_year);
    ``information_ratio`` is the annualised mean active return over its volatility.
    """
    both = pd.concat([returns, benchmark], axis=1, join="inner").dropna()
    if len(both) < 3:
        raise ConfigError(
            f"returns and benchmark share {len(both)} dates; align them on a common index "
            "(at least three shared dates are needed for alpha and beta)"
        )
    r, b = both.iloc[:, 0].to_numpy(float), both.iloc[:, 1].to_numpy(float)
    var_b = float(np.var(b, ddof=1))
    beta = float(np.cov(r, b, ddof=1)[0, 1] / var_b) if var_b > 0 else float("nan")
    alpha = float((np.mean(r) - beta * np.mean(b)) * periods_per_year)
    active = r - b
    te = float(np.std(active, ddof=1) * np.sqrt(periods_per_year))
    ir = float(np.mean(active) * periods_per_year / te) if te > 0 else float("nan")
    corr = float(np.corrcoef(r, b)[0, 1]) if var_b > 0 and np.std(r) > 0 else float("nan")
    return {
        "alpha": alpha,
        "beta": beta,
        "correlation": corr,
        "tracking_error": te,
        "information_ratio": ir,
        "benchmark_annual_return": k.annual_return(b, periods_per_year),
        "benchmark_sharpe": k.sharpe(b, periods_per_year),
        "benchmark_max_drawdown": k.max_drawdown(b),
    }


def summary(
    returns: pd.Series,
    benchmark: pd.Series | None = None,
    periods_per_year: float | None = None,
) -> dict[str, float]:
    """Compute every performance metric of a return series.

    Parameters
    ----------
    returns : Series of float, shape (n,)
        Simple per-period returns with a DatetimeIndex (or give ``periods_per_year``).
    benchmark : Series of float, optional
        Benchmark per-period returns; adds alpha, beta, correlation, tracking error,
        information ratio and the benchmark's own CAGR, Sharpe and max drawdown.
    periods_per_year : float, optional
        Annualisation factor; inferred from the index of ``returns`` when omitted.

    Returns
    -------
    dict of str to float
        Keys: periods_per_year, n_periods, total_return, annual_return, annual_volatility,
        sharpe, sortino, max_drawdown, calmar, hit_rate, skew, kurtosis, psr (PSR vs 0),
        plus the relative keys when a benchmark is given.
    """
    ppy = resolve_periods(returns, periods_per_year)
    r = returns.dropna().to_numpy(dtype="float64")
    n = int(r.size)
    out: dict[str, float] = {
        "periods_per_year": ppy,
        "n_periods": float(n),
        "total_return": float(np.prod(1.0 + r) - 1.0) if n else float("nan"),
        "annual_return": k.annual_return(r, ppy),
        "annual_volatility": k.annual_volatility(r, ppy),
        "sharpe": k.sharpe(r, ppy),
        "sortino": k.sortino(r, ppy),
        "max_drawdown": k.max_drawdown(r),
        "calmar": k.calmar(r, ppy),
        "hit_rate": k.hit_rate(r),
        "skew": k.skew(r) if n else float("nan"),
        "kurtosis": k.kurtosis(r) if n else float("nan"),
        "psr": psr_from_stats(k.sharpe(r, 1.0), n, k.skew(r), k.kurtosis(r)) if n >= 2 else 0.0,
    }
    if benchmark is not None:
        out.update(relative_metrics(returns, benchmark, ppy))
    return out
