"""No look-ahead: changing prices after t never changes equity up to t."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mi_kernel.backtest import Costs, run
from tests.backtest.conftest import random_bars

STRATS = [
    ("equal_weight", {"rebalance": "W"}),
    ("momentum_12_1", {"lookback": 40, "skip": 5, "quantile": 0.34, "long_short": True}),
    ("sma_20_100", {"fast": 5, "slow": 20}),
]


def _perturb_after(bars: pd.DataFrame, cut: pd.Timestamp, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    later = bars["ts"] > cut
    shocks = rng.uniform(0.5, 1.5, later.sum())
    out = bars.copy()
    for col in ("open", "high", "low", "close"):
        out.loc[later, col] = out.loc[later, col] * shocks
    return out


@pytest.mark.parametrize(("strategy_id", "params"), STRATS)
@settings(max_examples=8, deadline=None)
@given(cut_at=st.integers(30, 110), seed=st.integers(0, 10_000))
def test_future_prices_do_not_change_past_equity(strategy_id, params, cut_at, seed) -> None:
    bars = random_bars(1, n_days=120, n_assets=6)
    cut = pd.DatetimeIndex(bars["ts"].unique())[cut_at]
    costs = Costs.defaults().replace(commission_bps=2.0, spread_bps=10.0, min_commission=1.0)
    base = run(strategy_id, bars, costs=costs, **params)
    moved = run(strategy_id, _perturb_after(bars, cut, seed), costs=costs, **params)
    np.testing.assert_allclose(moved.equity.loc[:cut], base.equity.loc[:cut], rtol=1e-12)
    assert base.turnover.sum() > 0  # the strategy traded, so the check is not vacuous
