"""A small clean bars frame to break on purpose, and the no-row-lost invariant."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mi_kernel.quality import QualityResult

SYMBOLS = ("AAA", "BBB", "CCC")
N_DAYS = 120
PRICES = ["open", "high", "low", "close"]


def clean_bars(
    seed: int = 0, n_days: int = N_DAYS, symbols: tuple[str, ...] = SYMBOLS
) -> pd.DataFrame:
    """Random-walk OHLCV bars, consistent (low <= open, close <= high), one block per symbol.

    Row ``i`` of symbol ``k`` sits at position ``k * n_days + i``.
    """
    rng = np.random.default_rng(seed)
    ts = pd.bdate_range("2024-01-01", periods=n_days, tz="UTC")
    frames = []
    for sym in symbols:
        close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n_days)))
        open_ = close * np.exp(rng.normal(0, 0.003, n_days))
        high = np.maximum(open_, close) * (1 + rng.uniform(0, 0.01, n_days))
        low = np.minimum(open_, close) * (1 - rng.uniform(0, 0.01, n_days))
        volume = rng.integers(100_000, 1_000_000, n_days).astype("float64")
        frames.append(
            pd.DataFrame(
                {"ts": ts, "symbol": sym, "open": open_, "high": high, "low": low}
                | {"close": close, "volume": volume}
            )
        )
    return pd.concat(frames, ignore_index=True)


def assert_no_row_lost(bars: pd.DataFrame, result: QualityResult) -> None:
    """Every input row is in clean or (once) in quarantine, never both, never neither."""
    q = result.quarantine
    assert q["row_id"].is_unique
    assert len(result.clean) + q["row_id"].nunique() == len(bars)
    assert q["row_id"].between(0, len(bars) - 1).all()
    # the rows not quarantined are exactly the clean rows (so the two are disjoint)
    kept = bars.reset_index(drop=True).drop(index=q["row_id"].to_list())
    kept = kept.sort_values(["symbol", "ts"], kind="stable").reset_index(drop=True)
    clean = result.clean
    assert kept["symbol"].astype(str).tolist() == clean["symbol"].tolist()
    assert (pd.to_datetime(kept["ts"], utc=True).to_numpy() == clean["ts"].to_numpy()).all()
    np.testing.assert_array_equal(
        kept["close"].astype("float64").to_numpy(), clean["close"].to_numpy()
    )


@pytest.fixture
def bars() -> pd.DataFrame:
    return clean_bars()
