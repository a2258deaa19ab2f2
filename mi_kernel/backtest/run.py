"""Run a registered strategy over a date window: strategy -> constraints -> simulate."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from mi_kernel.backtest.costs import Costs
from mi_kernel.backtest.engine import Execution, simulate
from mi_kernel.backtest.market import Market
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


def point_in_time(bars: pd.DataFrame, universe: pd.DataFrame | None) -> pd.DataFrame:
    """Keep the bars of symbols that are universe members at each bar's ts (all if None).

    A strategy fed these bars picks only from the universe as it was at each date, never from
    today's survivors.
    """
    if universe is None:
        return bars
    span = universe[["symbol", "start", "end"]].merge(bars[["symbol"]].drop_duplicates())
    joined = bars.reset_index(drop=True).reset_index().merge(span, on="symbol", how="inner")
    inside = (joined["ts"] >= joined["start"]) & (
        joined["end"].isna() | (joined["ts"] < joined["end"])
    )
    keep = np.sort(joined.loc[inside, "index"].unique())
    return bars.iloc[keep].reset_index(drop=True)


def run(
    strategy_id: str,
    bars: pd.DataFrame,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    costs: Costs | Mapping[str, Any] | None = None,
    constraints: Constraints | None = None,
    *,
    actions: pd.DataFrame | None = None,
    universe: pd.DataFrame | None = None,
    execution: Execution | dict[str, Any] | None = None,
    initial_capital: float = 1e6,
    lag: int = 1,
    **params: Any,
) -> BacktestResult:
    """Backtest the registered strategy ``strategy_id`` on ``bars`` between ``start`` and ``end``.

    The strategy sees every bar up to ``end`` of the symbols in the universe at that bar
    (history before ``start`` warms up its look-backs; it uses only past data by contract);
    trading and P&L cover [start, end]. The latest decision taken before ``start`` executes
    ``lag`` bars after ``start``.

    Parameters
    ----------
    strategy_id : str
        Key of :data:`mi_kernel.backtest.STRATEGIES`.
    bars : DataFrame
        Canonical bars with raw prices.
    start, end : str or Timestamp, optional
        Inclusive window (naive dates are UTC); default the whole of ``bars``.
    costs : Costs or mapping, optional
        Cost configuration (see :func:`simulate`: a mapping states every rate or a
        ``base``); default ``Costs.defaults()``.
    constraints : callable or object with ``apply``, optional
        Maps the strategy's weights table to a constrained weights table (e.g. clipping).
    actions, universe : DataFrame, optional
        Corporate actions and point-in-time membership (see :meth:`Market.from_bars`).
    execution : Execution or dict, optional
        Fill rules.
    initial_capital, lag
        Passed to :func:`simulate`.
    **params
        Strategy parameters.
    """
    weights, market = prepare(
        strategy_id, bars, start, end, constraints, actions=actions, universe=universe, **params
    )
    return simulate(
        weights, market, costs=costs, initial_capital=initial_capital, lag=lag, execution=execution
    )


def prepare(
    strategy_id: str,
    bars: pd.DataFrame,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    constraints: Constraints | None = None,
    *,
    actions: pd.DataFrame | None = None,
    universe: pd.DataFrame | None = None,
    **params: Any,
) -> tuple[pd.DataFrame, Market]:
    """The weights and the market :func:`run` simulates (same arguments); see :func:`run`."""
    strategy = get_strategy(strategy_id)
    t0, t1 = utc_bound(start, "start"), utc_bound(end, "end")
    history = bars if t1 is None else bars[bars["ts"] <= t1]
    weights = apply_constraints(strategy(point_in_time(history, universe), **params), constraints)
    market = window_market(bars, start, end, actions=actions, universe=universe)
    if t0 is not None:
        before = weights.loc[weights["ts"] < t0, "ts"]
        if not before.empty:
            weights = weights[weights["ts"] >= before.max()]
    return weights, market


def window_market(
    bars: pd.DataFrame,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    *,
    actions: pd.DataFrame | None = None,
    universe: pd.DataFrame | None = None,
) -> Market:
    """The market traded between ``start`` and ``end``: built on every bar up to ``end`` (so
    ADV and volatility are warm at ``start``), then cut to [start, end]."""
    t0, t1 = utc_bound(start, "start"), utc_bound(end, "end")
    history = bars if t1 is None else bars[bars["ts"] <= t1]
    return Market.from_bars(history, actions=actions, universe=universe).window(t0, None)
