"""A small synthetic session shared by the intraday tests: 12 names, one day of ticks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mi_kernel.data.synthetic import SyntheticConfig, TickConfig, load, session_ticks


@pytest.fixture(scope="session")
def session_day() -> tuple[pd.DataFrame, pd.Timestamp]:
    """The last day's daily bars of a 12-name synthetic market, one row per symbol."""
    bars = load("bars", SyntheticConfig(n_symbols=12, n_days=5, listing_rate=0.0))
    date = bars["ts"].max()
    return bars[bars["ts"] == date].reset_index(drop=True), date


#: a session with every pathology frequent enough to show up in 12 names x 300 trades
NOISY = TickConfig(
    trades_per_day=300, late_frac=0.01, duplicate_frac=0.01, bad_print_frac=0.003,
    crossed_frac=0.003, malformed_frac=0.003,
)  # fmt: skip


@pytest.fixture(scope="session")
def ticks(session_day: tuple[pd.DataFrame, pd.Timestamp]) -> np.ndarray:
    day, date = session_day
    return session_ticks(day, date, NOISY)
