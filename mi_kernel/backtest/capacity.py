"""Capacity: how returns decay as the book grows and its trades take more of the volume."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from mi_kernel.backtest.costs import Costs
from mi_kernel.backtest.engine import Execution, simulate
from mi_kernel.backtest.market import Market
from mi_kernel.metrics import annual_return, sharpe
from mi_kernel.metrics.performance import resolve_periods
from mi_kernel.risk.policies import Policies

#: Book sizes (currency) of the default capacity curve.
DEFAULT_CAPITALS = (1e5, 1e6, 1e7, 1e8, 1e9)


def capacity_curve(
    weights: pd.DataFrame,
    market: Market,
    costs: Costs | dict[str, Any] | None = None,
    capitals: Sequence[float] = DEFAULT_CAPITALS,
    lag: int = 1,
    execution: Execution | dict[str, Any] | None = None,
    policies: Policies | dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Re-run one backtest at several book sizes (same risk ``policies``); one row per size.

    Columns: capital, participation (mean share of bar volume taken by fills), participation_max,
    annual_return, sharpe, cost_bps (costs per traded notional), unfilled (mean value of target
    quantity left working / equity: the capacity cap biting). Plot annual_return against
    participation for the capacity curve.
    """
    rows = []
    for capital in capitals:
        res = simulate(
            weights, market, costs, float(capital), lag, execution=execution, policies=policies
        )
        ppy = resolve_periods(res.returns, None)
        part = res.participation().dropna()
        traded = float((res.trades["quantity"].abs() * res.trades["price"]).sum())
        unfilled = res.unfilled if res.unfilled is not None else pd.Series(0.0)
        rows.append(
            {
                "capital": float(capital),
                "participation": float(part.mean()) if len(part) else 0.0,
                "participation_max": float(part.max()) if len(part) else 0.0,
                "annual_return": annual_return(res.returns, ppy),
                "sharpe": sharpe(res.returns, ppy),
                "cost_bps": 1e4 * float(res.total_costs.sum()) / traded if traded else np.nan,
                "unfilled": float((unfilled / res.equity.where(res.equity > 0)).mean()),
            }
        )
    return pd.DataFrame(rows)
