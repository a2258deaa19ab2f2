"""Signal research: an alphalens-style factor tear sheet and its building blocks.

``tearsheet(signal, bars)`` returns a :class:`TearSheet` (IC and rank IC by date with
significance, IC decay, quantile returns and spread, precision@K, hit rate, turnover,
regime-split IC) whose ``plots()`` gives the usual charts. Every piece is also a function
of a long table (ts, symbol, score, fwd_<h>d) for use on its own.
"""

from __future__ import annotations

from mi_kernel.research.hits import hit_rate, precision_at_k
from mi_kernel.research.ic import ic_by_date
from mi_kernel.research.inputs import (
    forward_return_table,
    join_returns,
    lagged_returns,
    signal_frame,
)
from mi_kernel.research.plots import decay_plot, ic_plot, quantile_plot, spread_plot
from mi_kernel.research.quantiles import (
    assign_quantiles,
    cumulative_spread,
    monotonicity,
    quantile_returns,
    spread,
)
from mi_kernel.research.regime import regime_ic
from mi_kernel.research.significance import ICSummary, default_lags, ic_summary, newey_west_se
from mi_kernel.research.tearsheet import TearSheet, tearsheet
from mi_kernel.research.turnover import quantile_turnover, rank_autocorrelation

__all__ = [
    "ICSummary",
    "TearSheet",
    "assign_quantiles",
    "cumulative_spread",
    "decay_plot",
    "default_lags",
    "forward_return_table",
    "hit_rate",
    "ic_by_date",
    "ic_plot",
    "ic_summary",
    "join_returns",
    "lagged_returns",
    "monotonicity",
    "newey_west_se",
    "precision_at_k",
    "quantile_plot",
    "quantile_returns",
    "quantile_turnover",
    "rank_autocorrelation",
    "regime_ic",
    "signal_frame",
    "spread",
    "spread_plot",
    "tearsheet",
]
