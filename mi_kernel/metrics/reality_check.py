"""Data-snooping tests across the strategies of a sweep: White's Reality Check, Hansen's SPA.

The question both answer: "is the *best* of these k strategies better than the benchmark,
given that it was picked as the best of k?" The loss of a strategy is minus its return, so the
loss differential against the benchmark is the excess return d_k,t = r_k,t - b_t; the null
is max_k E[d_k] <= 0. Both tests resample the T x k excess returns jointly with
:class:`arch.bootstrap.StationaryBootstrap` (through :class:`arch.bootstrap.RealityCheck` and
:class:`arch.bootstrap.SPA`), so cross-strategy correlation is kept.

- White (2000): statistic max_k mean(d_k); p-value from the bootstrap with every strategy
  re-centred at its own mean (the least favourable null) = arch's "upper" p-value.
- Hansen (2005): the same with each d_k studentised by its long-run standard deviation, and
  strategies far below the benchmark not re-centred ("consistent" p-value), so adding poor or
  noisy strategies does not dilute the test. arch 8.0 computes but does not apply the
  studentisation in ``SPA.compute``, so the differentials are studentised here, with
  Hansen's (2005, eq. 7) stationary-bootstrap kernel estimator, before they are passed in.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from mi_kernel.errors import ConfigError
from mi_kernel.metrics import _kernels as k
from mi_kernel.metrics.bootstrap import (
    MIN_OBSERVATIONS,
    MIN_REPS,
    _ceil_block,
    bootstrap_ci,
)
from mi_kernel.metrics.performance import resolve_periods
from mi_kernel.metrics.sharpe_stats import deflated_sharpe_ratio, probabilistic_sharpe_ratio

_NORMAL = NormalDist()


def _excess(strategy_returns: pd.DataFrame, benchmark: pd.Series | None) -> pd.DataFrame:
    if not isinstance(strategy_returns, pd.DataFrame) or strategy_returns.shape[1] == 0:
        raise ConfigError(
            "strategy_returns must be a DataFrame with one column per strategy (index = ts)"
        )
    if strategy_returns.columns.has_duplicates:
        raise ConfigError("strategy_returns has duplicate column names; name each strategy once")
    frame = strategy_returns.astype("float64")
    if benchmark is None:
        excess = frame.dropna()
    else:
        bench = benchmark.astype("float64").reindex(frame.index)
        excess = frame.sub(bench, axis=0)[bench.notna()].dropna()
    if len(excess) < MIN_OBSERVATIONS:
        raise ConfigError(
            f"the strategies (and benchmark) share {len(excess)} complete periods; "
            f"the tests need at least {MIN_OBSERVATIONS}"
        )
    return excess


def long_run_std(d: NDArray[Any], block: float) -> NDArray[Any]:
    """Return Hansen's (2005, eq. 7) long-run standard deviation of each column of ``d``.

    omega^2 = gamma_0 + 2 sum_{i=1}^{T-1} kappa_i gamma_i with the stationary-bootstrap kernel
    kappa_i = (1 - i/T)(1 - q)^i + (i/T)(1 - q)^(T-i), q = 1 / ``block``; gamma_i are the
    sample autocovariances (divisor T). ``d`` has shape (T, k); the result has shape (k,).
    """
    t = d.shape[0]
    demeaned = d - d.mean(axis=0)
    spec = np.fft.rfft(demeaned, n=2 * t, axis=0)
    gamma = np.fft.irfft(spec * np.conj(spec), n=2 * t, axis=0)[:t] / t
    i = np.arange(1, t)
    q = 1.0 / block
    kappa = (1.0 - i / t) * (1.0 - q) ** i + (i / t) * (1.0 - q) ** (t - i)
    omega2 = gamma[0] + 2.0 * (kappa[:, None] * gamma[1:]).sum(axis=0)
    omega2 = np.where(omega2 > 0, omega2, gamma[0])  # the kernel sum can dip below 0
    return np.sqrt(np.clip(omega2, 0.0, None))


def _pvalues(cls: Any, d: NDArray[Any], block: int, reps: int, seed: int) -> dict[str, float]:
    test = cls(np.zeros(d.shape[0]), -d, block_size=block, reps=reps, seed=seed)
    test.compute()
    return {str(name): float(p) for name, p in test.pvalues.items()}


def reality_check(
    strategy_returns: pd.DataFrame,
    benchmark: pd.Series | None = None,
    reps: int = 1000,
    block: int | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Test whether the best strategy of a sweep beats the benchmark, adjusting for the search.

    Parameters
    ----------
    strategy_returns : DataFrame, shape (T, k)
        Per-period simple returns, one column per strategy (index = ts). Only periods where
        every strategy (and the benchmark) has a return are used.
    benchmark : Series, optional
        Benchmark per-period returns on the same index; None means zero returns, i.e. a test
        of "some strategy has a positive mean return".
    reps : int, default 1000
        Bootstrap replications (>= 100).
    block : int, optional
        Mean block length of the stationary bootstrap; when omitted, the mean over strategies
        of :func:`arch.bootstrap.optimal_block_length` of the excess returns, rounded up.
    seed : int, default 0
        Seed; the RC and SPA share it and so resample the same blocks.

    Returns
    -------
    dict
        ``rc_pvalue`` (White's Reality Check), ``spa_pvalue`` (Hansen's consistent SPA),
        ``spa_pvalues`` (dict lower / consistent / upper), ``best_strategy`` (largest mean
        excess return), ``best_mean_excess`` (its per-period mean excess return),
        ``best_tstat`` and ``naive_pvalue`` (its one-sided i.i.d. t-test, ignoring the
        search: what a data snooper would report), ``n_strategies``, ``n_obs``, ``block``,
        ``reps``. Small p-values reject "no strategy beats the benchmark".
    """
    from arch.bootstrap import SPA, RealityCheck, optimal_block_length

    if reps < MIN_REPS:
        raise ConfigError(f"reps must be at least {MIN_REPS}, got {reps}")
    if block is not None and block < 1:
        raise ConfigError(f"block must be a mean block length >= 1, got {block}")
    excess = _excess(strategy_returns, benchmark)
    d = excess.to_numpy()
    if block is None:
        block = _ceil_block(float(optimal_block_length(d)["stationary"].mean()))
    omega = long_run_std(d, block)
    studentised = np.divide(d, omega, out=np.zeros_like(d), where=omega > 0)
    rc = _pvalues(RealityCheck, d, block, reps, seed)
    spa = _pvalues(SPA, studentised, block, reps, seed)
    means = d.mean(axis=0)
    best = int(np.argmax(means))
    sd = float(np.std(d[:, best], ddof=1))
    tstat = means[best] / sd * math.sqrt(len(d)) if sd > 0 else float("nan")
    return {
        "rc_pvalue": rc["upper"],
        "spa_pvalue": spa["consistent"],
        "spa_pvalues": spa,
        "best_strategy": excess.columns[best],
        "best_mean_excess": float(means[best]),
        "best_tstat": float(tstat),
        "naive_pvalue": 1.0 - _NORMAL.cdf(tstat) if math.isfinite(tstat) else float("nan"),
        "n_strategies": int(d.shape[1]),
        "n_obs": int(d.shape[0]),
        "block": int(block),
        "reps": int(reps),
    }


def sweep_validation(
    strategy_returns: pd.DataFrame,
    periods_per_year: float | None = None,
    level: float = 0.95,
    reps: int = 1000,
    block: int | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Tabulate per-strategy Sharpe, PSR, DSR and a bootstrap interval of the Sharpe ratio.

    Parameters
    ----------
    strategy_returns : DataFrame, shape (T, k)
        Per-period simple returns, one column per strategy of the sweep; each column's NaNs
        are dropped on its own.
    periods_per_year : float, optional
        Annualisation factor; inferred from the index when omitted.
    level, reps, block, seed
        As in :func:`mi_kernel.metrics.bootstrap.bootstrap_ci` (same seed for every column).

    Returns
    -------
    DataFrame, shape (k, 7)
        Index = strategy; columns ``sharpe`` (annualised), ``psr`` (P[true SR > 0]),
        ``dsr`` (deflated for k trials with the sweep's Sharpe variance; nan when k = 1),
        ``sharpe_low``, ``sharpe_high`` (bootstrap interval at ``level``), ``block``,
        ``n_obs``; sorted by ``sharpe``, best first.
    """
    if not isinstance(strategy_returns, pd.DataFrame) or strategy_returns.shape[1] == 0:
        raise ConfigError("strategy_returns must be a DataFrame with one column per strategy")
    ppy = resolve_periods(strategy_returns.iloc[:, 0], periods_per_year)
    columns = {name: strategy_returns[name].dropna().astype("float64") for name in strategy_returns}
    sharpes = {name: k.sharpe(r.to_numpy(), ppy) for name, r in columns.items()}
    finite = np.array([s for s in sharpes.values() if math.isfinite(s)])
    variance = float(np.var(finite, ddof=1)) if finite.size >= 2 else float("nan")
    rows = []
    for name, r in columns.items():
        ci = bootstrap_ci(r, "sharpe", level, reps, block, seed, ppy)
        dsr = (
            deflated_sharpe_ratio(r, len(columns), variance, periods_per_year=ppy)
            if len(columns) > 1 and math.isfinite(variance)
            else float("nan")
        )
        rows.append(
            {
                "strategy": name,
                "sharpe": sharpes[name],
                "psr": probabilistic_sharpe_ratio(r, 0.0, ppy),
                "dsr": dsr,
                "sharpe_low": ci["low"],
                "sharpe_high": ci["high"],
                "block": ci["block"],
                "n_obs": ci["n_obs"],
            }
        )
    table = pd.DataFrame(rows).set_index("strategy")
    return table.sort_values("sharpe", ascending=False)
