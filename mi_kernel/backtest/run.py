"""Run a registered strategy over a date window: strategy -> constraints -> simulate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import pandas as pd

from mi_kernel.backtest.costs import Costs
from mi_kernel.backtest.engine import simulate
from mi_kernel.backtest.result import BacktestResult
from mi_kernel.backtest.strategies import get_strategy
from mi_kernel.errors import ConfigError
from mi_kernel.schemas.tables import conform, utc_bound


@runtime_checkable
class WeightConstraint(Protocol):
    """An object that maps a weights table to a constrained weights table."""

    def apply(self, weights: pd.DataFrame) -> pd.DataFrame:
        """Return ``weights`` (ts, symbol, weight) with the constraint enforced."""
        ...


Constraints = Callable[[pd.DataFrame], pd.DataFrame] | WeightConstraint


def apply_constraints(weights: pd.DataFrame, constraints: Constraints | None) -> pd.DataFrame:
    """Apply a callable or an object with ``apply`` to a weights table and re-validate it."""
    if constraints is None:
        return weights
    if isinstance(constraints, WeightConstraint):
        out = constraints.apply(weights)
    elif callable(constraints):
        out = constraints(weights)
    else:
        raise ConfigError(
            f"constraints must be a callable or have .apply(weights), got {type(constraints)}"
        )
    return conform(out, "weights")


def run(
    strategy_id: str,
    bars: pd.DataFrame,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    costs: Costs | dict[str, Any] | None = None,
    constraints: Constraints | None = None,
    *,
    initial_capital: float = 1e6,
    lag: int = 1,
    **params: Any,
) -> BacktestResult:
    """Backtest the registered strategy ``strategy_id`` on ``bars`` between ``start`` and ``end``.

    The strategy sees every bar up to ``end`` (history before ``start`` warms up its
    look-backs; it uses only past data by contract); trading and P&L cover [start, end].
    The latest decision taken before ``start`` executes ``lag`` bars after ``start``.

    Parameters
    ----------
    strategy_id : str
        Key of :data:`mi_kernel.backtest.STRATEGIES`.
    bars : DataFrame
        Canonical bars.
    start, end : str or Timestamp, optional
        Inclusive window (naive dates are UTC); default the whole of ``bars``.
    costs : Costs or dict, optional
        Cost configuration (default ``Costs()``).
    constraints : callable or object with ``apply``, optional
        Maps the strategy's weights table to a constrained weights table (e.g. clipping).
    initial_capital, lag
        Passed to :func:`simulate`.
    **params
        Strategy parameters.
    """
    strategy = get_strategy(strategy_id)
    t0, t1 = utc_bound(start, "start"), utc_bound(end, "end")
    history = bars if t1 is None else bars[bars["ts"] <= t1]
    weights = apply_constraints(strategy(history, **params), constraints)
    window = history if t0 is None else history[history["ts"] >= t0]
    if window.empty:
        raise ConfigError(f"no bars between start={start} and end={end}; widen the window")
    if t0 is not None:
        before = weights.loc[weights["ts"] < t0, "ts"]
        if not before.empty:
            weights = weights[weights["ts"] >= before.max()]
    return simulate(weights, window, costs=costs, initial_capital=initial_capital, lag=lag)
