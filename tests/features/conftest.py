"""Bars builders and a small synthetic market for the feature tests."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest


def bars_from_closes(
    closes: dict[str, list[float]], dates: pd.DatetimeIndex, volume: Any = 1e6
) -> pd.DataFrame:
    """Long bars table; NaN in a close list means the symbol has no bar that day.

    ``volume`` is a number, or a dict of per-symbol lists aligned with ``dates``.
    """
    rows = []
    for sym, values in closes.items():
        vols = volume[sym] if isinstance(volume, dict) else [volume] * len(values)
        for ts, c, v in zip(dates, values, vols, strict=True):
            if not np.isnan(c):
                rows.append({"ts": ts, "symbol": sym, "close": float(c), "volume": float(v)})
    df = pd.DataFrame(rows)
    for col in ("open", "high", "low"):
        df[col] = df["close"]
    cols = ["ts", "symbol", "open", "high", "low", "close", "volume"]
    return df[cols].sort_values(["symbol", "ts"], ignore_index=True)


def random_bars(
    seed: int, n_days: int = 300, n_assets: int = 6, gaps: bool = True, start: str = "2020-01-01"
) -> pd.DataFrame:
    """Random-walk bars over business days; with ``gaps`` each symbol misses ~3% of days.

    Volumes are lognormal around 1e6 shares.
    """
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range(start, periods=n_days, tz="UTC")
    paths = 50 * np.exp(np.cumsum(rng.normal(0, 0.02, (n_days, n_assets)), axis=0))
    volume = 1e6 * np.exp(rng.normal(0, 0.5, (n_days, n_assets)))
    if gaps:
        paths[rng.random(paths.shape) < 0.03] = np.nan
    names = [f"S{i}" for i in range(n_assets)]
    return bars_from_closes(
        {s: list(paths[:, i]) for i, s in enumerate(names)},
        dates,
        {s: list(volume[:, i]) for i, s in enumerate(names)},
    )


def market_for(bars: pd.DataFrame, seed: int) -> pd.Series:
    """A random-walk market level on the bars' calendar."""
    dates = pd.DatetimeIndex(bars["ts"].unique()).sort_values()
    rng = np.random.default_rng(seed)
    return pd.Series(1000 * np.cumprod(1 + rng.normal(0, 0.01, len(dates))), index=dates)


SYNTHETIC = {"n_symbols": 12, "n_days": 420, "seed": 3}


@pytest.fixture(scope="module")
def synthetic() -> dict[str, pd.DataFrame]:
    """Bars, fundamentals and universe (sectors) of a small synthetic market."""
    from mi_kernel import data

    return {
        t: data.read(f"synthetic_{t}", **SYNTHETIC) for t in ("bars", "fundamentals", "universe")
    }
