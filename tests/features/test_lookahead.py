"""No look-ahead: perturbing bars after a cutoff never changes features at or before it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mi_kernel.errors import LeakageError
from mi_kernel.features import check_no_lookahead, compute_features
from tests.features.conftest import random_bars


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), cut_at=st.integers(5, 280), with_market=st.booleans())
def test_features_ignore_the_future(seed: int, cut_at: int, with_market: bool) -> None:
    bars = random_bars(seed, n_days=300)
    dates = pd.DatetimeIndex(bars["ts"].unique()).sort_values()
    market = None
    if with_market:
        rng = np.random.default_rng(seed + 1)
        market = pd.Series(np.cumprod(1 + rng.normal(0, 0.01, len(dates))), index=dates)
    check_no_lookahead(compute_features, bars, dates[cut_at], seed=seed, market=market)


def test_a_leaky_function_is_caught() -> None:
    def peeks(bars: pd.DataFrame) -> pd.DataFrame:
        out = bars[["ts", "symbol"]].copy()
        out["next_close"] = bars.groupby("symbol")["close"].shift(-1)
        return out

    bars = random_bars(0, n_days=50)
    with pytest.raises(LeakageError, match="next_close"):
        check_no_lookahead(peeks, bars)
