"""NumPy kernel of the target-weight backtest: arrays in, arrays out, no pandas.

Array conventions (written once, used by :mod:`mi_kernel.backtest.simulate`):

- ``T`` bars (rows, oldest first) by ``N`` assets (columns, one fixed order).
- ``prices`` (T, N): close prices, forward-filled; NaN before an asset's first bar.
- ``asset_returns`` (T, N): close-to-close simple returns; 0 where undefined.
- ``targets`` (T, N): target weights (fraction of equity) on rows where ``rebalance`` is
  True, ignored elsewhere; the remainder 1 - sum(w) is cash earning 0.
- Timing of bar ``t``: the held weights drift with ``asset_returns[t]`` (gross P&L), then,
  if ``rebalance[t]``, the book trades at ``prices[t]`` to ``targets[t]`` and costs are paid
  from cash. ``held`` is the book after that trade, earning ``asset_returns[t + 1]``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
#: (abs traded notional (N,), prices (N,)) -> cost per model and asset (M, N), currency.
CostFn = Callable[[Array, Array], Array]

_DUST = 1e-12  # relative traded notional below this is floating-point noise, not a trade


@dataclass(frozen=True)
class KernelOutput:
    """Arrays produced by :func:`run_kernel` (T = bars, N = assets, M = cost models)."""

    gross: Array  # (T,) gross return of bar t: held[t-1] . asset_returns[t]
    net: Array  # (T,) net return: equity[t] / equity[t-1] - 1
    equity: Array  # (T,) equity after the trade and costs of bar t
    held: Array  # (T, N) weights after the trade of bar t
    traded: Array  # (T, N) signed traded notional (currency)
    turnover: Array  # (T,) sum |traded| / equity before the trade
    costs: Array  # (M, T, N) cost per model, bar and asset (currency)


def run_kernel(
    asset_returns: Array,
    prices: Array,
    targets: Array,
    rebalance: NDArray[np.bool_],
    cost_fn: CostFn,
    n_models: int,
    initial_capital: float,
) -> KernelOutput:
    """Simulate target-weight rebalancing with drifting weights between rebalances.

    Returns
    -------
    KernelOutput
        Per-bar gross and net returns, equity, held weights, trades, turnover and costs.
        If equity reaches zero the book is closed and stays flat at zero.
    """
    n_bars, n_assets = asset_returns.shape
    out_gross, out_net, out_equity = np.zeros(n_bars), np.zeros(n_bars), np.zeros(n_bars)
    out_turn = np.zeros(n_bars)
    held, traded = np.zeros((n_bars, n_assets)), np.zeros((n_bars, n_assets))
    costs = np.zeros((n_models, n_bars, n_assets))
    w, equity = np.zeros(n_assets), float(initial_capital)
    for t in range(n_bars):
        if equity <= 0.0:
            break
        r = asset_returns[t]
        g = float(w @ r)
        pre = equity * (1.0 + g)
        w = w * (1.0 + r) / (1.0 + g) if pre > 0.0 else np.zeros(n_assets)
        cost = 0.0
        if rebalance[t] and pre > 0.0:
            delta = targets[t] - w
            delta[np.abs(delta) < _DUST] = 0.0
            notional = delta * pre
            costs[:, t, :] = cost_fn(np.abs(notional), prices[t])
            cost = float(costs[:, t, :].sum())
            traded[t] = notional
            out_turn[t] = float(np.abs(delta).sum())
            w = targets[t].copy()
        new_equity = max(pre - cost, 0.0)
        w = w * pre / new_equity if new_equity > 0.0 else np.zeros(n_assets)
        out_gross[t], out_net[t] = g, new_equity / equity - 1.0
        out_equity[t], held[t], equity = new_equity, w, new_equity
    return KernelOutput(out_gross, out_net, out_equity, held, traded, out_turn, costs)
