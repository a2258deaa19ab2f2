"""Daily target-weight backtest: the pandas layer around :mod:`mi_kernel.backtest._kernel`.

Timing: weights decided with information up to the close of ``ts`` trade at the close of the
bar ``lag`` bars later (the first bar at or after ``ts``, plus ``lag``) and earn close-to-close
returns from then on. Between rebalance dates (the dates of the weights table) positions drift
with prices. A decision dated before the first bar executes ``lag`` bars after the first bar.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mi_kernel.backtest._kernel import KernelOutput, run_kernel
from mi_kernel.backtest.costs import CostModel, Costs, as_costs
from mi_kernel.backtest.result import BacktestResult
from mi_kernel.errors import ConfigError, DataError
from mi_kernel.schemas.tables import validate


def close_panel(bars: pd.DataFrame) -> pd.DataFrame:
    """Pivot canonical bars to a wide close panel (UTC ts x sorted symbols), forward-filled."""
    validate(bars, "bars")
    if bars.duplicated(["ts", "symbol"]).any():
        raise DataError("bars have duplicate (ts, symbol) rows; run the quality gate first")
    wide = bars.pivot(index="ts", columns="symbol", values="close").sort_index()
    wide = wide.reindex(columns=sorted(wide.columns)).ffill()
    wide.columns.name = "symbol"
    return wide


def target_panel(
    weights: pd.DataFrame, calendar: pd.DatetimeIndex, symbols: list[str], lag: int
) -> tuple[np.ndarray, np.ndarray]:
    """Place the weights table on the bar calendar at its execution bars.

    Returns
    -------
    targets : ndarray of float, shape (T, N)
        Target weights on execution bars (0 for symbols absent from a rebalance).
    rebalance : ndarray of bool, shape (T,)
        True on execution bars.
    """
    validate(weights, "weights")
    if weights.duplicated(["ts", "symbol"]).any():
        raise ConfigError("weights have duplicate (ts, symbol) rows; keep one weight per pair")
    unknown = sorted(set(weights["symbol"]) - set(symbols))
    if unknown:
        raise DataError(f"weights name symbols without bars: {unknown[:10]}; add their bars")
    if weights["weight"].isna().any():
        raise ConfigError("weights contain NaN; use 0.0 for no position")
    wide = weights.pivot(index="ts", columns="symbol", values="weight").sort_index()
    wide = wide.reindex(columns=symbols).fillna(0.0)
    exec_pos = calendar.searchsorted(wide.index, side="left") + lag
    keep = exec_pos < len(calendar)
    targets = np.zeros((len(calendar), len(symbols)))
    rebalance = np.zeros(len(calendar), dtype=bool)
    # later decisions overwrite earlier ones that execute on the same bar (rows are sorted)
    targets[exec_pos[keep]] = wide.to_numpy(dtype="float64")[keep]
    rebalance[exec_pos[keep]] = True
    return targets, rebalance


def _cost_fn(models: list[CostModel]) -> Any:
    def cost_fn(notional: np.ndarray, prices: np.ndarray) -> np.ndarray:
        return np.stack([np.asarray(m.cost(notional, prices), dtype="float64") for m in models])

    return cost_fn


def _trades(out: KernelOutput, prices: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    rows, cols = np.nonzero(out.traded)
    px = prices.to_numpy()[rows, cols]
    by_name = dict(zip(names, out.costs[:, rows, cols], strict=True))
    zero = np.zeros(rows.size)
    trades = pd.DataFrame(
        {
            "ts": prices.index[rows],
            "symbol": prices.columns[cols].astype(object),
            "quantity": out.traded[rows, cols] / px,
            "price": px,
            "commission": by_name.get("commission", zero),
            "spread_cost": by_name.get("spread", zero),
        }
    )
    return validate(trades, "fills")


def simulate(
    weights: pd.DataFrame,
    bars: pd.DataFrame,
    costs: Costs | dict[str, Any] | None = None,
    initial_capital: float = 1e6,
    lag: int = 1,
) -> BacktestResult:
    """Backtest target weights on daily bars with drifting positions and transaction costs.

    Parameters
    ----------
    weights : DataFrame
        Canonical weights table (ts, symbol, weight): the full target book decided with
        information up to the close of ``ts`` (symbols absent at a ``ts`` are targeted at 0).
    bars : DataFrame
        Canonical bars (ts, symbol, open, high, low, close, volume); closes are used.
    costs : Costs or dict, optional
        Cost configuration; ``None`` means ``Costs()`` (1 bp commission, 5 bp spread).
    initial_capital : float, default 1e6
        Equity before the first bar, in currency.
    lag : int, default 1
        Bars between decision and execution; 1 trades at the next close (no look-ahead),
        0 trades at the decision close itself (optimistic).

    Returns
    -------
    BacktestResult
        Net and gross returns, costs by type, held weights, turnover, equity and trades.
    """
    if lag < 0:
        raise ConfigError(f"lag must be >= 0 bars, got {lag}")
    if initial_capital <= 0:
        raise ConfigError(f"initial_capital must be positive, got {initial_capital}")
    models = as_costs(costs).build()
    prices = close_panel(bars)
    symbols = [str(s) for s in prices.columns]
    targets, rebalance = target_panel(weights, pd.DatetimeIndex(prices.index), symbols, lag)
    price_arr = prices.to_numpy(dtype="float64")
    missing = rebalance[:, None] & (targets != 0) & np.isnan(price_arr)
    if missing.any():
        t, j = np.argwhere(missing)[0]
        raise DataError(
            f"weight on {symbols[j]} executes on {prices.index[t]} before its first bar; "
            "only weight symbols that have a price"
        )
    asset_returns = np.nan_to_num(prices.pct_change(fill_method=None).to_numpy(), nan=0.0)
    out = run_kernel(
        asset_returns, price_arr, targets, rebalance, _cost_fn(models), len(models), initial_capital
    )
    return _result(out, prices, [m.name for m in models], initial_capital)


def _result(
    out: KernelOutput, prices: pd.DataFrame, names: list[str], initial_capital: float
) -> BacktestResult:
    idx = prices.index
    return BacktestResult(
        returns=pd.Series(out.net, index=idx, name="returns"),
        gross_returns=pd.Series(out.gross, index=idx, name="gross_returns"),
        costs=pd.DataFrame(out.costs.sum(axis=2).T, index=idx, columns=names),
        weights=pd.DataFrame(out.held, index=idx, columns=prices.columns),
        turnover=pd.Series(out.turnover, index=idx, name="turnover"),
        equity=pd.Series(out.equity, index=idx, name="equity"),
        trades=_trades(out, prices, names),
        initial_capital=float(initial_capital),
    )
