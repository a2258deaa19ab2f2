"""The simulation engine: event-driven, vectorised across assets, with realistic costs.

A :class:`Market` (raw bars, corporate actions, universe, trading conditions on one clock) is
traded by :func:`simulate` from target weights or orders; the Numba kernel
(:mod:`._engine`) holds the rules, including the risk :class:`Policies` acting at every bar
(:mod:`mi_kernel.risk.policies`). Strategies are plug-ins in an explicit registry
(:data:`STRATEGIES`); the cost models are the kernel's five slots (:data:`COST_MODELS`,
read-only).
"""

from __future__ import annotations

from mi_kernel.backtest import trials
from mi_kernel.backtest.book_risk import BookRisk, book_risk
from mi_kernel.backtest.book_weights import book_weights, current_book, known_ic, unit_costs
from mi_kernel.backtest.capacity import capacity_curve
from mi_kernel.backtest.costs import (
    COST_BASES,
    COST_MODELS,
    COST_SLOTS,
    NO_COSTS,
    RATE_FIELDS,
    Borrow,
    Commission,
    CostModel,
    Costs,
    HalfSpread,
    SqrtImpact,
    Taxes,
    as_costs,
    explicit_costs,
)
from mi_kernel.backtest.engine import Execution, as_execution, simulate, target_panel
from mi_kernel.backtest.evaluate import Evaluation, evaluate
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
    LimitDefaults,
    Limits,
    limits_for_book,
    market_bars,
    run_scenarios,
    scenario_table,
    simulate_scenarios,
    stress_current_book,
)
from mi_kernel.risk.policies import Policies, as_policies

__all__ = [
    "COST_BASES",
    "COST_MODELS",
    "COST_SLOTS",
    "NO_COSTS",
    "RATE_FIELDS",
    "SCENARIOS",
    "SHOCK_WINDOWS",
    "STRATEGIES",
    "SURVIVORSHIP_WARNING",
    "BacktestResult",
    "BookRisk",
    "Borrow",
    "Chain",
    "CircuitBreaker",
    "Commission",
    "CostModel",
    "Costs",
    "Evaluation",
    "Execution",
    "HalfSpread",
    "Halt",
    "IndexShock",
    "LimitDefaults",
    "Limits",
    "Market",
    "Policies",
    "Scenario",
    "SqrtImpact",
    "Taxes",
    "VenueOutage",
    "WeightConstraint",
    "apply_constraints",
    "as_costs",
    "as_execution",
    "as_policies",
    "book_risk",
    "book_weights",
    "breaker_levels",
    "capacity_curve",
    "current_book",
    "equal_weight",
    "estimate_betas",
    "evaluate",
    "explicit_costs",
    "from_signals",
    "get_scenario",
    "get_strategy",
    "index_returns",
    "known_ic",
    "limits_for_book",
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
    "stress_current_book",
    "target_panel",
    "to_weights_table",
    "trials",
    "unit_costs",
    "window_market",
]
