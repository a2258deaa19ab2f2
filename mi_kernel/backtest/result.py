"""The value a backtest returns, with its P&L and cost attribution."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from mi_kernel.backtest.costs import Costs
    from mi_kernel.backtest.market import Market


@dataclass(frozen=True)
class BacktestResult:
    """Outcome of a backtest; every index is the market's clock (tz-aware UTC).

    Attributes
    ----------
    returns : Series
        Net per-bar returns: equity[t] / equity[t-1] - 1 (equity[-1] = initial capital).
    gross_returns : Series
        Per-bar returns before costs; ``gross_returns - returns`` is the cost drag.
    costs : DataFrame
        Costs paid per bar in currency, one column per slot (commission, spread, impact,
        taxes, borrow).
    turnover : Series
        Traded notional / equity before the bar's costs (two-way; 2.0 = full switch).
    equity : Series
        Book value (cash plus positions at the close) after each bar.
    trades : DataFrame
        One row per fill in the canonical ``fills`` schema (order_id -1: a target order,
        -2: a delisting close-out).
    initial_capital : float
        Cash before the first bar.
    cash, dividends, unfilled : Series
        Cash after each bar; dividends received (shorts pay, negative); value of target
        quantity still working after the bar (capacity not reached).
    positions : DataFrame
        Shares held after each bar (ts x symbol).
    market : Market or None
        The market traded (for reports: prices, volume, warnings).
    policy_events : DataFrame or None
        What the risk policies did, one row per event (columns ts, policy, action, measure,
        symbol, value, threshold, message; see
        :func:`mi_kernel.risk.policies.describe_events`); empty without policies.
    exposure_scale : Series or None
        De-risk scale applied to the target weights of each bar (1.0 without de-risking).
    cost_model : Costs or None
        The cost model the simulation applied, every field resolved (``simulate`` always
        sets it; ``cost_model.model_dump()`` is what reports record).
    """

    returns: pd.Series
    gross_returns: pd.Series
    costs: pd.DataFrame
    turnover: pd.Series
    equity: pd.Series
    trades: pd.DataFrame
    initial_capital: float = 1e6
    cash: pd.Series | None = None
    dividends: pd.Series | None = None
    unfilled: pd.Series | None = None
    positions: pd.DataFrame | None = None
    market: Market | None = field(default=None, repr=False)
    policy_events: pd.DataFrame | None = field(default=None, repr=False)
    exposure_scale: pd.Series | None = field(default=None, repr=False)
    cost_model: Costs | None = None

    @property
    def active_returns(self) -> pd.Series:
        """Net returns from the first traded bar on (the idle warm-up is cut)."""
        traded = self.turnover.to_numpy() > 0
        if not traded.any():
            return self.returns
        return self.returns.iloc[int(np.argmax(traded)) :]

    @property
    def total_costs(self) -> pd.Series:
        """Total cost paid per slot over the whole backtest (currency)."""
        return self.costs.sum(axis=0)

    @property
    def warnings(self) -> tuple[str, ...]:
        """Caveats of the market traded (e.g. survivorship bias)."""
        return self.market.warnings if self.market is not None else ()

    @cached_property
    def weights(self) -> pd.DataFrame:
        """Held weights after each bar: position value at the close / equity."""
        if self.positions is None or self.market is None:
            raise AttributeError("this result carries no positions")
        last = pd.DataFrame(self.market.close).ffill().to_numpy()
        value = np.nan_to_num(self.positions.to_numpy() * last)
        eq = self.equity.to_numpy()[:, None]
        w = np.divide(value, eq, out=np.zeros_like(value), where=eq > 0)
        return pd.DataFrame(w, index=self.positions.index, columns=self.positions.columns)

    @cached_property
    def attribution(self) -> pd.DataFrame:
        """P&L per bar split into price, dividends and each cost (negative), summing to net.

        ``price`` is the mark-to-market gain of positions and fills at their prices;
        ``net = price + dividends - costs`` equals the change in equity.
        """
        prev = np.concatenate([[self.initial_capital], self.equity.to_numpy()[:-1]])
        net = self.equity.to_numpy() - prev
        div = self.dividends.to_numpy() if self.dividends is not None else 0.0
        cost = self.costs.to_numpy()
        out = pd.DataFrame({"price": net - div + cost.sum(axis=1)}, index=self.equity.index)
        out["dividends"] = div
        for i, name in enumerate(self.costs.columns):
            out[str(name)] = -cost[:, i]
        out["net"] = net
        return out

    def participation(self) -> pd.Series:
        """Each fill's share of its bar's volume (NaN where the bar has no volume and for
        delisting close-outs, which are settled off the market)."""
        if self.market is None or self.trades.empty:
            return pd.Series(dtype="float64", name="participation")
        t = self.market.ts.get_indexer(pd.DatetimeIndex(self.trades["ts"]))
        j = pd.Index(self.market.symbols).get_indexer(pd.Index(self.trades["symbol"]))
        vol = self.market.volume[t, j]
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(vol > 0, self.trades["quantity"].abs().to_numpy() / vol, np.nan)
        share[(self.trades["order_id"] == -2).to_numpy()] = np.nan
        return pd.Series(share, index=self.trades.index, name="participation")
