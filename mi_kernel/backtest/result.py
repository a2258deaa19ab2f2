"""The value a backtest returns."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class BacktestResult:
    """Outcome of a backtest; every index is the bar calendar (tz-aware UTC).

    Attributes
    ----------
    returns : Series
        Net per-bar returns (after costs): equity[t] / equity[t-1] - 1.
    gross_returns : Series
        Per-bar returns before costs; ``gross_returns - returns`` is the cost drag.
    costs : DataFrame
        Costs paid per bar in currency, one column per cost type ("commission", "spread").
    weights : DataFrame
        Held weights after each bar's trade (wide: bars x symbols), drifting with prices
        between rebalances; they earn the next bar's return.
    turnover : Series
        Traded notional / equity before the trade (two-way; 2.0 = full switch), per bar.
    equity : Series
        Portfolio value in currency after each bar's trade and costs.
    trades : DataFrame
        One row per executed trade in the canonical ``fills`` schema: ts, symbol,
        quantity (signed, shares), price, commission, spread_cost (currency).
    initial_capital : float
        Equity before the first bar.
    """

    returns: pd.Series
    gross_returns: pd.Series
    costs: pd.DataFrame
    weights: pd.DataFrame
    turnover: pd.Series
    equity: pd.Series
    trades: pd.DataFrame
    initial_capital: float = 1e6

    @property
    def total_costs(self) -> pd.Series:
        """Total cost paid per type over the whole backtest (currency)."""
        return self.costs.sum(axis=0)
