"""Performance metrics: pure functions; periods per year explicit or inferred, never a silent 252.

Sharpe, Sortino, drawdown, CAGR, volatility, Calmar, hit rate, turnover, and the probabilistic
and deflated Sharpe ratios of Bailey & López de Prado (2012, 2014); :func:`summary` collects
them all (plus alpha / beta / information ratio against a benchmark). Stationary-bootstrap
confidence intervals (:func:`bootstrap_ci`) and White's Reality Check / Hansen's SPA across
the strategies of a sweep (:func:`reality_check`, :func:`sweep_validation`) use ``arch``,
imported on first call.
"""

from __future__ import annotations

from mi_kernel.metrics.bootstrap import STATISTICS as BOOTSTRAP_STATISTICS
from mi_kernel.metrics.bootstrap import bootstrap_ci, optimal_block
from mi_kernel.metrics.performance import (
    annual_return,
    annual_turnover,
    annual_volatility,
    calmar,
    drawdown,
    hit_rate,
    max_drawdown,
    sharpe,
    sortino,
    turnover_from_weights,
)
from mi_kernel.metrics.periods import infer_periods_per_year
from mi_kernel.metrics.reality_check import long_run_std, reality_check, sweep_validation
from mi_kernel.metrics.sharpe_stats import (
    EULER_MASCHERONI,
    deflated_sharpe_ratio,
    dsr_from_stats,
    expected_max_sharpe,
    probabilistic_sharpe_ratio,
    psr_from_stats,
)
from mi_kernel.metrics.summary import relative_metrics, summary

__all__ = [
    "BOOTSTRAP_STATISTICS",
    "EULER_MASCHERONI",
    "annual_return",
    "annual_turnover",
    "annual_volatility",
    "bootstrap_ci",
    "calmar",
    "deflated_sharpe_ratio",
    "drawdown",
    "dsr_from_stats",
    "expected_max_sharpe",
    "hit_rate",
    "infer_periods_per_year",
    "long_run_std",
    "max_drawdown",
    "optimal_block",
    "probabilistic_sharpe_ratio",
    "psr_from_stats",
    "reality_check",
    "relative_metrics",
    "sharpe",
    "sortino",
    "summary",
    "sweep_validation",
    "turnover_from_weights",
]
