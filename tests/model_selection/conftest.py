"""A small panel with a known linear relation: features on a (ts, symbol) index."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

N_DATES, N_SYMBOLS, HORIZON = 60, 10, 2


def panel(seed: int, signal: float) -> tuple[pd.DataFrame, np.ndarray, pd.DatetimeIndex]:
    """Return X (index ts, symbol, ts_end; columns x0..x4), y = signal * x0 + noise, ts_end."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2022-01-03", periods=N_DATES, tz="UTC")
    ts = np.repeat(dates, N_SYMBOLS)
    ends = np.repeat(dates[np.minimum(np.arange(N_DATES) + HORIZON, N_DATES - 1)], N_SYMBOLS)
    symbol = np.tile([f"S{i}" for i in range(N_SYMBOLS)], N_DATES)
    index = pd.MultiIndex.from_arrays([ts, symbol, ends], names=["ts", "symbol", "ts_end"])
    x = rng.normal(size=(len(ts), 5))
    X = pd.DataFrame(x, index=index, columns=[f"x{j}" for j in range(5)])
    y = signal * x[:, 0] + rng.normal(0, 1.0, len(ts))
    return X, y, pd.DatetimeIndex(ends)


@pytest.fixture(scope="module")
def signal_panel() -> tuple[pd.DataFrame, np.ndarray, pd.DatetimeIndex]:
    return panel(0, signal=1.0)
