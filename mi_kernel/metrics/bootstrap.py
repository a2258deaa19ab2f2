"""Stationary-bootstrap confidence intervals of performance statistics (Politis & Romano 1994).

Returns are resampled in blocks of random (geometric) length so that serial dependence
survives the resampling; the mean block length defaults to the Politis & White (2004)
optimum (with the Patton, Politis & White 2009 correction) as computed by
:func:`arch.bootstrap.optimal_block_length`. The bootstrap itself is
:class:`arch.bootstrap.StationaryBootstrap`; ``arch`` is imported on first use only.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from mi_kernel.errors import ConfigError
from mi_kernel.metrics import _kernels as k
from mi_kernel.metrics.performance import Returns, as_array, resolve_periods

#: Fewest observations a bootstrap interval is computed from.
MIN_OBSERVATIONS = 20
#: Fewest bootstrap replications accepted (percentile tails need a few hundred).
MIN_REPS = 100

Array = NDArray[Any]
Statistic = Callable[[Array], float]
Method = Literal["percentile", "basic", "norm"]


def _annual_mean(r: Array, ppy: float) -> float:
    return float(np.mean(r) * ppy)


def _max_drawdown(r: Array, ppy: float) -> float:
    return k.max_drawdown(r)


#: Registry of named statistics: ``name -> (kernel(r, ppy), needs periods_per_year)``.
#: ``sharpe`` is annualised (mean / std x sqrt(ppy)), ``mean`` the annualised arithmetic mean
#: return (mean x ppy), ``volatility`` the annualised std, ``sortino`` annualised,
#: ``max_drawdown`` a negative fraction of compounded wealth (path statistic: the block
#: bootstrap keeps short-range ordering only, so treat its interval as approximate).
STATISTICS: dict[str, tuple[Callable[[Array, float], float], bool]] = {
    "sharpe": (k.sharpe, True),
    "mean": (_annual_mean, True),
    "volatility": (k.annual_volatility, True),
    "sortino": (k.sortino, True),
    "max_drawdown": (_max_drawdown, False),
}


def optimal_block(returns: Returns) -> int:
    """Return the optimal mean block length of the stationary bootstrap, rounded up, >= 1.

    Parameters
    ----------
    returns : Series or array of float, shape (n,)
        Per-period returns (NaNs dropped), at least :data:`MIN_OBSERVATIONS` of them.

    Returns
    -------
    int
        ``ceil`` of the "stationary" column of :func:`arch.bootstrap.optimal_block_length`.
    """
    from arch.bootstrap import optimal_block_length

    r = _checked(returns)
    return _ceil_block(float(optimal_block_length(r)["stationary"].iloc[0]))


def _ceil_block(value: float) -> int:
    return max(1, math.ceil(value)) if math.isfinite(value) else 1


def _checked(returns: Returns) -> Array:
    r = as_array(returns)
    if r.size < MIN_OBSERVATIONS:
        raise ConfigError(
            f"a bootstrap needs at least {MIN_OBSERVATIONS} returns, got {r.size}; "
            "use a longer sample"
        )
    return r


def _resolve_stat(
    stat: str | Statistic, returns: Returns, periods_per_year: float | None
) -> Statistic:
    if callable(stat):
        return stat
    if stat not in STATISTICS:
        raise ConfigError(
            f"unknown bootstrap statistic {stat!r}; use one of {sorted(STATISTICS)} or a callable"
        )
    kernel, needs_ppy = STATISTICS[stat]
    ppy = resolve_periods(returns, periods_per_year) if needs_ppy else 1.0
    return lambda r: kernel(r, ppy)


def _validate(level: float, reps: int, block: int | None) -> None:
    if not 0.0 < level < 1.0:
        raise ConfigError(f"level must be strictly between 0 and 1 (e.g. 0.95), got {level}")
    if reps < MIN_REPS:
        raise ConfigError(f"reps must be at least {MIN_REPS}, got {reps}")
    if block is not None and block < 1:
        raise ConfigError(f"block must be a mean block length >= 1, got {block}")


def bootstrap_ci(
    returns: Returns,
    stat: str | Statistic = "sharpe",
    level: float = 0.95,
    reps: int = 1000,
    block: int | None = None,
    seed: int = 0,
    periods_per_year: float | None = None,
    method: Method = "percentile",
) -> dict[str, Any]:
    """Compute a stationary-bootstrap confidence interval of a performance statistic.

    Parameters
    ----------
    returns : Series or array of float, shape (n,)
        Simple per-period returns, oldest first; NaNs are dropped; n >= 20.
    stat : str or callable, default "sharpe"
        A key of :data:`STATISTICS` ("sharpe", "mean", "volatility", "sortino",
        "max_drawdown"), or a function of a 1-D float array of per-period returns returning
        a float.
    level : float, default 0.95
        Two-sided coverage of the interval, in (0, 1).
    reps : int, default 1000
        Number of bootstrap replications (>= 100).
    block : int, optional
        Mean block length in periods; :func:`optimal_block` of the returns when omitted.
        ``block=1`` is the i.i.d. bootstrap.
    seed : int, default 0
        Seed of the resampling; the same seed gives the same interval.
    periods_per_year : float, optional
        Annualisation factor for the annualised statistics; inferred from the index of a
        Series when omitted.
    method : {"percentile", "basic", "norm"}, default "percentile"
        Interval construction of :meth:`arch.bootstrap.StationaryBootstrap.conf_int`.

    Returns
    -------
    dict
        ``estimate`` (the statistic on the sample), ``low``, ``high``, ``level``, ``block``
        (the mean block length used), ``reps``, ``n_obs`` and ``method``.

    Raises
    ------
    ConfigError
        If the series is shorter than 20 returns, ``level`` is not in (0, 1), ``reps`` < 100,
        ``block`` < 1, the statistic is unknown, or it is undefined on the sample (e.g. the
        Sharpe ratio of constant returns).
    """
    from arch.bootstrap import StationaryBootstrap

    _validate(level, reps, block)
    r = _checked(returns)
    func = _resolve_stat(stat, returns, periods_per_year)
    estimate = float(func(r))
    if not math.isfinite(estimate):
        raise ConfigError(
            f"the statistic {stat!r} is undefined on these {r.size} returns "
            "(constant or degenerate series); nothing to bootstrap"
        )
    used_block = block if block is not None else optimal_block(r)
    bs = StationaryBootstrap(used_block, r, seed=seed)
    ci = bs.conf_int(lambda x: np.array([func(x)]), reps=reps, method=method, size=level)
    if not np.all(np.isfinite(ci)):
        raise ConfigError(
            f"the statistic {stat!r} is undefined on some resamples of these {r.size} returns "
            "(too many identical values); use a longer sample or another statistic"
        )
    return {
        "estimate": estimate,
        "low": float(ci[0, 0]),
        "high": float(ci[1, 0]),
        "level": float(level),
        "block": int(used_block),
        "reps": int(reps),
        "n_obs": int(r.size),
        "method": method,
    }
