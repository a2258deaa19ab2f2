"""Foundation backtester: daily target-weight rebalancing with pluggable transaction costs.

NumPy kernel (:mod:`._kernel`) + pandas layer (:func:`simulate`); strategies and cost models
are plug-ins in explicit registries (:data:`STRATEGIES`, :data:`COST_MODELS`).
"""

from __future__ import annotations

from mi_kernel.backtest.costs import (
    COST_MODELS,
    NO_COSTS,
    CommissionBps,
    CostModel,
    Costs,
    HalfSpreadBps,
    as_costs,
)
from mi_kernel.backtest.result import BacktestResult
from mi_kernel.backtest.run import WeightConstraint, apply_constraints, run
from mi_kernel.backtest.simulate import close_panel, simulate
from mi_kernel.backtest.strategies import (
    STRATEGIES,
    equal_weight,
    from_signals,
    get_strategy,
    long_positive_scores,
    momentum_12_1,
    rebalance_dates,
    sma_crossover,
    to_weights_table,
)

__all__ = [
    "COST_MODELS",
    "NO_COSTS",
    "STRATEGIES",
    "BacktestResult",
    "CommissionBps",
    "CostModel",
    "Costs",
    "HalfSpreadBps",
    "WeightConstraint",
    "apply_constraints",
    "as_costs",
    "close_panel",
    "equal_weight",
    "from_signals",
    "get_strategy",
    "long_positive_scores",
    "momentum_12_1",
    "rebalance_dates",
    "run",
    "simulate",
    "sma_crossover",
    "to_weights_table",
]
