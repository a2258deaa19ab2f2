"""Reference strategies and run(): weights, timing, registry, constraints, window."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mi_kernel.backtest import (
    NO_COSTS,
    STRATEGIES,
    equal_weight,
    from_signals,
    momentum_12_1,
    rebalance_dates,
    run,
    sma_crossover,
)
from mi_kernel.errors import ConfigError
from mi_kernel.schemas import validate
from tests.backtest.conftest import make_bars, random_bars


def _wide(weights: pd.DataFrame) -> pd.DataFrame:
    return weights.pivot(index="ts", columns="symbol", values="weight")


def test_registry_has_the_four_strategies() -> None:
    assert set(STRATEGIES) == {"equal_weight", "momentum_12_1", "sma_20_100", "signals"}
    with pytest.raises(ConfigError, match="unknown strategy"):
        run("buy_the_dip", random_bars(0))


def test_rebalance_dates_are_first_and_period_ends() -> None:
    cal = pd.bdate_range("2024-01-15", "2024-03-10", tz="UTC")
    got = rebalance_dates(cal, "ME")
    assert list(got.strftime("%Y-%m-%d")) == [
        "2024-01-15",
        "2024-01-31",
        "2024-02-29",
        "2024-03-08",
    ]
    assert len(rebalance_dates(cal, "D")) == len(cal)
    with pytest.raises(ConfigError):
        rebalance_dates(cal, "fortnightly")


def test_equal_weight_sums_to_one_over_listed_symbols() -> None:
    bars = make_bars({"A": [1.0] * 30, "B": [np.nan] * 10 + [1.0] * 20})
    w = _wide(validate(equal_weight(bars), "weights"))
    assert w.loc["2024-01-01", "A"] == 1.0 and w.loc["2024-01-01", "B"] == 0.0
    assert w.loc["2024-01-31"].tolist() == [0.5, 0.5]
    np.testing.assert_allclose(w.sum(axis=1), 1.0)


def test_momentum_picks_the_strongest_past_trend() -> None:
    n = 60
    t = np.arange(n)
    bars = make_bars({"UP": 100 * 1.01**t, "FLAT": 100.0 + 0 * t, "DOWN": 100 * 0.99**t})
    w = _wide(momentum_12_1(bars, lookback=20, skip=5, quantile=0.34))
    assert (w["UP"] == 1.0).all() and (w[["FLAT", "DOWN"]] == 0.0).all().all()
    ls = _wide(momentum_12_1(bars, lookback=20, skip=5, quantile=0.34, long_short=True))
    assert (ls["DOWN"] == -1.0).all()
    np.testing.assert_allclose(ls.sum(axis=1), 0.0)
    assert ls.index.min() >= pd.Timestamp(bars["ts"].unique()[20])  # needs a full lookback


def test_momentum_uses_only_past_prices() -> None:
    bars = random_bars(3, n_days=80, n_assets=10)
    cut = pd.Timestamp(bars["ts"].unique()[60])
    full = momentum_12_1(bars, lookback=30, skip=5, quantile=0.2)
    trunc = momentum_12_1(bars[bars["ts"] <= cut], lookback=30, skip=5, quantile=0.2)
    pd.testing.assert_frame_equal(
        full[full["ts"] < cut].reset_index(drop=True),
        trunc[trunc["ts"] < cut].reset_index(drop=True),
    )


def test_sma_crossover_goes_long_in_uptrends_and_to_cash_otherwise() -> None:
    up_then_down = np.r_[np.linspace(100, 150, 40), np.linspace(150, 80, 40)]
    bars = make_bars({"X": up_then_down, "Y": np.linspace(100, 200, 80)})
    w = _wide(sma_crossover(bars, fast=3, slow=10))
    assert w.index.min() == pd.Timestamp(bars["ts"].unique()[9])
    assert w.iloc[5].tolist() == [0.5, 0.5]
    assert w.iloc[-1].tolist() == [0.0, 0.5]  # X's sleeve sits in cash, explicitly zero
    assert (w.sum(axis=1) <= 1.0 + 1e-12).all()


def test_signals_strategy_uses_the_callers_mapping() -> None:
    bars = random_bars(0, n_days=10, n_assets=3)
    ts = pd.Timestamp(bars["ts"].unique()[2])
    sig = pd.DataFrame({"ts": [ts] * 3, "symbol": ["S0", "S1", "S2"], "score": [2.0, -1.0, 1.0]})
    w = from_signals(bars, sig).set_index("symbol")["weight"]
    np.testing.assert_allclose(w[["S0", "S1", "S2"]], [2 / 3, 0.0, 1 / 3])
    inverse = from_signals(
        bars, sig, to_weights=lambda s: s.assign(weight=-s["score"])[["ts", "symbol", "weight"]]
    )
    assert inverse.set_index("symbol").loc["S1", "weight"] == 1.0
    res = run("signals", bars, costs=NO_COSTS, signals=sig)
    traded = res.turnover[res.turnover > 0]
    assert list(traded.index) == [pd.Timestamp(bars["ts"].unique()[3])]  # decided d2, traded d3
    with pytest.raises(ConfigError, match="score"):
        from_signals(bars, sig.drop(columns="score"))


class _Cap:
    def __init__(self, cap: float) -> None:
        self.cap = cap

    def apply(self, weights: pd.DataFrame) -> pd.DataFrame:
        return weights.assign(weight=weights["weight"].clip(upper=self.cap))


def test_constraints_callable_or_object_clip_the_weights() -> None:
    bars = random_bars(2, n_days=60, n_assets=4)
    res = run("equal_weight", bars, costs=NO_COSTS, constraints=_Cap(0.1))
    assert res.weights.max().max() <= 0.1 * 1.5  # drift only, from a 0.1 cap
    res2 = run("equal_weight", bars, costs=NO_COSTS, constraints=lambda w: w.assign(weight=0.0))
    assert (res2.equity == 1e6).all()
    with pytest.raises(ConfigError):
        run("equal_weight", bars, constraints=42)


def test_run_window_keeps_history_for_warmup_and_trades_inside() -> None:
    bars = random_bars(4, n_days=120, n_assets=6)
    days = pd.DatetimeIndex(bars["ts"].unique())
    res = run(
        "momentum_12_1", bars, start=days[60], end=days[100], lookback=40, skip=5, quantile=0.34
    )
    assert res.returns.index[0] == days[60] and res.returns.index[-1] == days[100]
    # the decision before start executes one bar after start
    assert res.turnover.iloc[1] > 0 and res.turnover.iloc[0] == 0
    with pytest.raises(ConfigError, match="no bars"):
        run("equal_weight", bars, start="2030-01-01")
