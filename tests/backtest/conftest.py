"""Tiny canonical bars and weights builders for the backtest tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mi_kernel.schemas import conform


def make_bars(
    closes: dict[str, list[float] | np.ndarray], start: str = "2024-01-01"
) -> pd.DataFrame:
    """Build canonical bars (business days from ``start``) from close paths per symbol."""
    n = len(next(iter(closes.values())))
    idx = pd.bdate_range(start, periods=n, tz="UTC")
    frames = [
        pd.DataFrame(
            {"ts": idx, "symbol": s, "open": c, "high": c, "low": c, "close": c, "volume": 1e6}
        )
        for s, c in closes.items()
    ]
    df = pd.concat(frames, ignore_index=True)
    return conform(df[np.isfinite(df["close"])], "bars")


def make_weights(rows: list[tuple[pd.Timestamp, str, float]]) -> pd.DataFrame:
    """Build a canonical weights table from (ts, symbol, weight) rows."""
    return conform(pd.DataFrame(rows, columns=["ts", "symbol", "weight"]), "weights")


def random_bars(seed: int, n_days: int = 300, n_assets: int = 6) -> pd.DataFrame:
    """Lognormal random-walk closes for ``n_assets`` symbols."""
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0003, 0.02, (n_days, n_assets))
    paths = 100 * np.exp(np.cumsum(steps, axis=0))
    return make_bars({f"S{i}": paths[:, i] for i in range(n_assets)})


@pytest.fixture
def market() -> pd.DataFrame:
    return random_bars(0)
