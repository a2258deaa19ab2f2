"""Bars builders for the feature tests."""

from __future__ import annotations

import numpy as np
import pandas as pd


def bars_from_closes(closes: dict[str, list[float]], dates: pd.DatetimeIndex) -> pd.DataFrame:
    """Long bars table; NaN in a close list means the symbol has no bar that day."""
    rows = []
    for sym, values in closes.items():
        for ts, c in zip(dates, values, strict=True):
            if not np.isnan(c):
                rows.append({"ts": ts, "symbol": sym, "close": float(c)})
    df = pd.DataFrame(rows)
    for col in ("open", "high", "low"):
        df[col] = df["close"]
    df["volume"] = 1e6
    cols = ["ts", "symbol", "open", "high", "low", "close", "volume"]
    return df[cols].sort_values(["symbol", "ts"], ignore_index=True)


def random_bars(seed: int, n_days: int = 300, n_assets: int = 6, gaps: bool = True):
    """Random-walk bars over business days; with ``gaps`` each symbol misses ~3% of days."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2020-01-01", periods=n_days, tz="UTC")
    paths = 50 * np.exp(np.cumsum(rng.normal(0, 0.02, (n_days, n_assets)), axis=0))
    if gaps:
        paths[rng.random(paths.shape) < 0.03] = np.nan
    return bars_from_closes({f"S{i}": list(paths[:, i]) for i in range(n_assets)}, dates)
