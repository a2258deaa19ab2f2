"""Hypothesis properties of simulate(): costs, flat book, order invariance, independent P&L."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from mi_kernel.backtest import NO_COSTS, Costs
from mi_kernel.backtest import simulate as engine_simulate
from tests.backtest.conftest import make_bars, make_weights

# The foundation's frictionless-execution oracles: a margin account (no cash limit), no
# volume cap; commission and spread only (the engine's impact/borrow have their own tests).
simulate = partial(engine_simulate, execution={"cash_limit": False, "participation": None})

N_DAYS, N_ASSETS = 12, 3
SETTINGS = settings(max_examples=40, deadline=None)

returns_st = st.lists(
    st.lists(st.floats(-0.3, 0.3), min_size=N_ASSETS, max_size=N_ASSETS),
    min_size=N_DAYS - 1,
    max_size=N_DAYS - 1,
)
# weights below 1e-9 of equity are dust the engine does not trade: keep them out of the oracles
weight_st = st.floats(-1.0, 1.0).map(lambda x: 0.0 if abs(x) < 1e-6 else x)
weights_st = st.lists(
    st.lists(weight_st, min_size=N_ASSETS, max_size=N_ASSETS),
    min_size=N_DAYS,
    max_size=N_DAYS,
)
costs_st = st.builds(  # commission and spread only: nothing else is charged
    Costs.zero().replace,
    commission_bps=st.floats(0, 50),
    spread_bps=st.floats(0, 50),
    min_commission=st.floats(0, 20),
)


def _market(rets: list[list[float]], names: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    r = np.vstack([np.zeros(N_ASSETS), np.asarray(rets)])
    closes = 100 * np.cumprod(1 + r, axis=0)
    return make_bars({n: closes[:, i] for i, n in enumerate(names)}), r


def _weights(w: list[list[float]], names: list[str], days: pd.DatetimeIndex) -> pd.DataFrame:
    return make_weights([(days[t], n, w[t][i]) for t in range(len(w)) for i, n in enumerate(names)])


@SETTINGS
@given(returns_st, weights_st, costs_st)
def test_costs_never_raise_pnl(rets, w, costs) -> None:
    bars, _ = _market(rets, ["A", "B", "C"])
    days = pd.DatetimeIndex(bars["ts"].unique())
    res = simulate(_weights(w, ["A", "B", "C"], days), bars, costs, initial_capital=1e5)
    assert (res.returns <= res.gross_returns + 1e-15).all()
    assert (res.costs.to_numpy() >= 0).all()


@SETTINGS
@given(returns_st, costs_st)
def test_zero_weights_keep_equity_flat(rets, costs) -> None:
    bars, _ = _market(rets, ["A", "B", "C"])
    days = pd.DatetimeIndex(bars["ts"].unique())
    zero = [[0.0] * N_ASSETS] * N_DAYS
    res = simulate(_weights(zero, ["A", "B", "C"], days), bars, costs, initial_capital=1e5)
    assert (res.equity == 1e5).all()
    assert res.trades.empty


@SETTINGS
@given(returns_st, weights_st, costs_st, st.randoms(use_true_random=False))
def test_invariant_to_asset_and_row_order(rets, w, costs, rnd) -> None:
    bars, _ = _market(rets, ["A", "B", "C"])
    days = pd.DatetimeIndex(bars["ts"].unique())
    weights = _weights(w, ["A", "B", "C"], days)
    base = simulate(weights, bars, costs)
    # relabel so the sorted asset order reverses, and shuffle the rows of both tables
    relabel = {"A": "Z", "B": "Y", "C": "X"}
    perm_b = list(range(len(bars)))
    perm_w = list(range(len(weights)))
    rnd.shuffle(perm_b)
    rnd.shuffle(perm_w)
    bars2 = bars.assign(symbol=bars["symbol"].map(relabel)).iloc[perm_b]
    weights2 = weights.assign(symbol=weights["symbol"].map(relabel)).iloc[perm_w]
    other = simulate(weights2, bars2, costs)
    np.testing.assert_allclose(other.returns, base.returns, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(other.costs, base.costs, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(other.weights[["Z", "Y", "X"]], base.weights[["A", "B", "C"]])


@SETTINGS
@given(returns_st, weights_st)
def test_zero_cost_daily_rebalance_equals_weighted_returns(rets, w) -> None:
    bars, r = _market(rets, ["A", "B", "C"])
    days = pd.DatetimeIndex(bars["ts"].unique())
    res = simulate(_weights(w, ["A", "B", "C"], days), bars, NO_COSTS)
    # decided at t-2, traded at the close of t-1, earns the return of t
    expected = np.zeros(N_DAYS)
    expected[2:] = (np.asarray(w)[:-2] * r[2:]).sum(axis=1)
    np.testing.assert_allclose(res.returns.to_numpy(), expected, atol=1e-12)
    np.testing.assert_allclose(res.gross_returns.to_numpy(), expected, atol=1e-12)


@SETTINGS
@given(
    returns_st,  # weights below 1e-9 of equity are dust the engine does not trade
    st.lists(st.one_of(st.just(0.0), st.floats(1e-6, 0.5)), min_size=N_ASSETS, max_size=N_ASSETS),
)
def test_buy_and_hold_drifts_with_prices(rets, w0) -> None:
    bars, r = _market(rets, ["A", "B", "C"])
    days = pd.DatetimeIndex(bars["ts"].unique())
    res = simulate(_weights([w0], ["A", "B", "C"], days), bars, NO_COSTS, initial_capital=1.0)
    closes = np.cumprod(1 + r, axis=0)
    # bought at the close of day 1, then held: value = cash + sum w_i P_i,t / P_i,1
    held = 1.0 - sum(w0) + (np.asarray(w0) * closes[1:] / closes[1]).sum(axis=1)
    np.testing.assert_allclose(res.equity.to_numpy()[1:], held, rtol=1e-10)
