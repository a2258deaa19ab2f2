"""The simulation engine: event-driven, vectorised across assets, with realistic costs.

A :class:`Market` (raw bars, corporate actions, universe, trading conditions on one clock) is
traded by :func:`simulate` from target weights or orders; the Numba kernel
(:mod:`._engine`) holds the rules. Strategies and cost models are plug-ins in explicit
registries (:data:`STRATEGIES`, :data:`COST_MODELS`).
"""

from __future__ import annotations

from mi_kernel.backtest import trials
from mi_kernel.backtest.capacity import capacity_curve
from mi_kernel.backtest.costs import (
    COST_MODELS,
    COST_SLOTS,
    NO_COSTS,
    Borrow,
    Commission,
    CostModel,
    Costs,
    HalfSpread,
    SqrtImpact,
    Taxes,
    as_costs,
)
from mi_kernel.backtest.engine import Execution, as_execution, simulate, target_panel
from mi_kernel.backtest.market import SURVIVORSHIP_WARNING, Market
from mi_kernel.backtest.result import BacktestResult
from mi_kernel.backtest.run import (
    WeightConstraint,
    apply_constraints,
    point_in_time,
    prepare,
    run,
    window_market,
)
from mi_kernel.backtest.scenarios import (
    SCENARIOS,
    SHOCK_WINDOWS,
    Chain,
    CircuitBreaker,
    Halt,
    IndexShock,
    Scenario,
    VenueOutage,
    breaker_levels,
    estimate_betas,
    get_scenario,
    index_returns,
)
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
from mi_kernel.backtest.stress import (
    Limits,
    market_bars,
    run_scenarios,
    scenario_table,
    simulate_scenarios,
)

__all__ = [
    "COST_MODELS",
    "COST_SLOTS",
    "NO_COSTS",
    "SCENARIOS",
    "SHOCK_WINDOWS",
    "STRATEGIES",
    "SURVIVORSHIP_WARNING",
    "BacktestResult",
    "Borrow",
    "Chain",
    "CircuitBreaker",
    "Commission",
    "CostModel",
    "Costs",
    "Execution",
    "HalfSpread",
    "Halt",
    "IndexShock",
    "Limits",
    "Market",
    "Scenario",
    "SqrtImpact",
    "Taxes",
    "VenueOutage",
    "WeightConstraint",
    "apply_constraints",
    "as_costs",
    "as_execution",
    "breaker_levels",
    "capacity_curve",
    "equal_weight",
    "estimate_betas",
    "from_signals",
    "get_scenario",
    "get_strategy",
    "index_returns",
    "long_positive_scores",
    "market_bars",
    "momentum_12_1",
    "point_in_time",
    "prepare",
    "rebalance_dates",
    "run",
    "run_scenarios",
    "scenario_table",
    "simulate",
    "simulate_scenarios",
    "sma_crossover",
    "target_panel",
    "to_weights_table",
    "trials",
    "window_market",
]
