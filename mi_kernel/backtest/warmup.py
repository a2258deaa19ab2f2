"""Compile the engine's Numba kernel into its on-disk cache (``make warm``).

``make demo`` and ``make test`` run this first, so the first backtest of a session loads the
compiled kernel (about 0.5 s) instead of compiling it (about 7 s on 2 cores). The cache is in
the user's cache folder, keyed by the kernel's source (:mod:`mi_kernel.backtest.kernel_cache`),
so it serves every clone of the repository on this machine; it is cheap when already valid.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from mi_kernel.backtest.costs import Costs
from mi_kernel.backtest.engine import simulate
from mi_kernel.backtest.market import Market
from mi_kernel.risk.policies import Derisk, Policies
from mi_kernel.schemas.tables import conform


def warm() -> float:
    """Run a tiny backtest with every order type and a policy; return the seconds it took."""
    start = time.perf_counter()
    days = pd.bdate_range("2024-01-01", periods=4, tz="UTC")
    bars = conform(
        pd.DataFrame(
            {
                "ts": np.repeat(days, 2),
                "symbol": ["A", "B"] * 4,
                "open": 10.0,
                "high": 11.0,
                "low": 9.0,
                "close": 10.0,
                "volume": 1e4,
            }
        ),
        "bars",
    )
    orders = conform(
        pd.DataFrame(
            {
                "ts": days[0],
                "symbol": ["A", "B", "A"],
                "quantity": [5.0, -5.0, 3.0],
                "order_type": ["limit", "stop", "iceberg"],
                "limit_price": [9.5, np.nan, 9.8],
                "stop_price": [np.nan, 9.2, np.nan],
                "display": [np.nan, np.nan, 1.0],
                "expires": pd.NaT,
            }
        ),
        "orders",
    )
    weights = pd.DataFrame({"A": [0.5], "B": [-0.5]}, index=days[:1])
    policies = Policies(derisk=Derisk(schedule=((0.05, 0.5),)))
    simulate(
        weights, Market.from_bars(bars), Costs.defaults(), 1e4, orders=orders, policies=policies
    )
    return time.perf_counter() - start


if __name__ == "__main__":
    print(f"backtest engine ready ({warm():.1f} s)")
