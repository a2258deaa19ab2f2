"""The Numba kernel and the plain-Python reference agree on random markets and orders."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from mi_kernel.backtest import Costs, Execution, Market, simulate, target_panel
from mi_kernel.backtest._engine import LIMIT, STOP
from mi_kernel.backtest.kernel_cache import engine_kernel
from mi_kernel.risk.policies import (
    Derisk,
    HardLimits,
    KillSwitch,
    LossBreaker,
    Policies,
)
from mi_kernel.schemas import conform
from tests.backtest.conftest import make_bars
from tests.backtest.reference_engine import run_reference

run_engine = engine_kernel().run_engine  # the kernel simulate() runs: _engine.py's cached copy

OUTPUTS = (
    "equity",
    "cash",
    "dividends",
    "costs",
    "positions",
    "traded",
    "fills",
    "unfilled",
    "events",
    "scale",
)
NO_POLICIES = {"pol": Policies().kernel_params()}
NEVER = np.iinfo(np.int64).max
# one rate per cost slot, drawn from a few round values (0 turns the model off)
COST_CHOICES = {
    "per_share": [0.0, 0.01],
    "commission_bps": [0.0, 1.0, 10.0],
    "minimum": [0.0, 1.0, 5.0],
    "half_spread_bps": [0.0, 2.5, 10.0],
    "impact_coef": [0.0, 0.1, 1.0],
    "buy_tax_bps": [0.0, 10.0],
    "sell_tax_bps": [0.0, 5.0],
    "dividend_tax": [0.0, 0.15],
    "borrow_bps": [0.0, 50.0, 500.0],
}


def _prices(rng: np.random.Generator, n_t: int, n_a: int) -> dict[str, np.ndarray]:
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.04, (n_t, n_a)), axis=0))
    prev = np.vstack([np.full((1, n_a), 100.0), close[:-1]])
    open_ = prev * np.exp(rng.normal(0.0, 0.03, (n_t, n_a)))
    high = np.maximum(open_, close) * (1 + np.abs(rng.normal(0.0, 0.02, (n_t, n_a))))
    low = np.minimum(open_, close) * (1 - np.abs(rng.normal(0.0, 0.02, (n_t, n_a))))
    flat = rng.random((n_t, n_a)) < 0.1  # high == low: the whole volume is at one price
    open_, high, low = (np.where(flat, close, a) for a in (open_, high, low))
    # from no volume to far more than the orders: caps and queues bind on some bars only
    volume = rng.choice([0.0, 30.0, 300.0, 3000.0, 30000.0], (n_t, n_a))
    volume *= rng.uniform(0.5, 1.5, (n_t, n_a))
    return {"open_": open_, "high": high, "low": low, "close": close, "volume": volume}


def _orders(rng: np.random.Generator, n_o: int, n_t: int, close: np.ndarray) -> dict:
    n_a = close.shape[1]
    kind = rng.choice(4, n_o, p=[0.2, 0.3, 0.2, 0.3])  # 3: iceberg (limit with a display)
    j = rng.integers(0, n_a, n_o)
    seen = np.isfinite(close)
    level = np.where(seen.any(axis=0), np.nansum(close, 0) / np.maximum(seen.sum(0), 1), 100.0)[j]
    near = level * (1 + rng.normal(0.0, 0.05, n_o))
    arrive = np.sort(rng.integers(0, n_t + 1, n_o))
    return {
        "o_t": arrive.astype(np.int64),
        "o_j": j.astype(np.int64),
        "o_qty": rng.integers(1, 400, n_o) * rng.choice([-1.0, 1.0], n_o),
        "o_type": np.where(kind == 3, LIMIT, kind).astype(np.int64),
        "o_limit": np.where((kind == LIMIT) | (kind == 3), near, np.nan),
        "o_stop": np.where(kind == STOP, near, np.nan),
        "o_display": np.where(kind == 3, rng.integers(5, 60, n_o), 0).astype(float),
        "o_until": (arrive + rng.choice([0, 1, 3, NEVER - n_t - 1], n_o)).astype(np.int64),
    }


def _actions(rng: np.random.Generator, has_bar: np.ndarray, on: bool) -> dict:
    """Splits, dividends and delistings (no bars after a delisting: ``has_bar`` is updated)."""
    n_t, n_a = has_bar.shape
    x = {
        "split": np.ones((n_t, n_a)),
        "div": np.zeros((n_t, n_a)),
        "delist": np.zeros((n_t, n_a), dtype=bool),
        "delist_ret": np.zeros((n_t, n_a)),
    }
    if not on:
        return x
    ratio = rng.choice([0.5, 2.0, 3.0], (n_t, n_a))
    x["split"] = np.where(rng.random((n_t, n_a)) < 0.2, ratio, 1.0)
    x["div"] = np.where(rng.random((n_t, n_a)) < 0.15, rng.uniform(0.1, 3.0, (n_t, n_a)), 0.0)
    for j in range(n_a):  # at most one delisting per asset
        t = int(rng.integers(0, 2 * n_t))
        if t < n_t and has_bar[t, j]:
            x["delist"][t, j], has_bar[t + 1 :, j] = True, False
            x["delist_ret"][t, j] = rng.choice([-1.0, -0.3, 0.0, 0.2])
    return x


def _maybe(draw: st.DrawFn, on: bool, value: st.SearchStrategy) -> object:
    return draw(value) if on or draw(st.booleans()) else None


def _unit(values: list[float]) -> st.SearchStrategy[float | None]:
    return st.one_of(st.none(), st.sampled_from(values))


@st.composite
def policies(draw: st.DrawFn, on: bool = False) -> Policies:
    """Risk policies with thresholds the random markets below reach on some bars.

    ``on``: every policy is set (otherwise each one is on half of the time).
    """
    levels = draw(
        st.lists(st.sampled_from([0.01, 0.02, 0.05, 0.1, 0.2]), min_size=1, max_size=3, unique=True)
    )
    scales = draw(
        st.lists(
            st.sampled_from([0.0, 0.25, 0.5, 0.8]),
            min_size=len(levels),
            max_size=len(levels),
            unique=True,
        )
    )
    derisk = Derisk(
        schedule=list(zip(sorted(levels), sorted(scales, reverse=True), strict=True)),
        hysteresis=draw(st.sampled_from([0.0, 0.005])),
    )
    kill = draw(
        st.builds(
            KillSwitch,
            max_drawdown=_unit([0.03, 0.1, 0.25]),
            max_bar_loss=_unit([0.02, 0.05]),
            max_gross=st.sampled_from([0.5, 1.5, 3.0]),
            flatten=st.booleans(),
            reset_after=st.one_of(st.none(), st.integers(1, 3)),
        )
    )
    breaker = draw(
        st.builds(
            LossBreaker,
            window=st.integers(1, 3),
            max_loss=st.sampled_from([0.02, 0.05, 0.1]),
            cooldown=st.integers(1, 3),
        )
    )
    limits = draw(
        st.builds(
            HardLimits,
            max_gross=st.sampled_from([0.5, 1.0, 2.0]),
            max_position=_unit([0.3, 0.7]),
            pre_trade=st.sampled_from(["clip", "refuse", "off"]),
            post_trade=st.booleans(),
        )
    )
    return Policies(
        kill_switch=_maybe(draw, on, st.just(kill)),
        derisk=_maybe(draw, on, st.just(derisk)),
        circuit_breaker=_maybe(draw, on, st.just(breaker)),
        hard_limits=_maybe(draw, on, st.just(limits)),
    )


@st.composite
def engine_inputs(draw: st.DrawFn, crowded: bool = False, policed: bool = False) -> dict:
    """Keyword arguments of ``run_engine``: a small random market, targets and orders.

    ``crowded``: one asset, many orders and little capacity, so that orders compete for the
    bar's capacity and queues (where most of the order rules interact). ``policed``: every
    risk policy on (otherwise each one is on half of the time).
    """
    n_t, n_a = draw(st.integers(1, 8)), 1 if crowded else draw(st.integers(1, 3))
    on = draw(st.fixed_dictionaries({k: st.booleans() for k in ("gaps", "halts", "actions")}))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = _prices(rng, n_t, n_a)
    has_bar = rng.random((n_t, n_a)) > (0.15 if on["gaps"] else 0.0)
    x |= _actions(rng, has_bar, on["actions"])
    for name in ("open_", "high", "low", "close"):
        x[name] = np.where(has_bar, x[name], np.nan)
    x["volume"] = np.where(has_bar, x["volume"], 0.0)
    halted = rng.random((n_t, n_a)) < (0.15 if on["halts"] else 0.0)
    adv = rng.uniform(200.0, 4000.0, (n_t, n_a))
    adv[rng.random((n_t, n_a)) < 0.15] = np.nan  # no history: the bar's own volume
    limited = draw(st.booleans())
    borrow = (
        rng.integers(0, 300, (n_t, n_a)).astype(float) if limited else np.full((n_t, n_a), np.inf)
    )
    target = np.where(rng.random((n_t, n_a)) < 0.5, np.nan, rng.uniform(-1.2, 1.2, (n_t, n_a)))
    target[rng.random((n_t, n_a)) < 0.1] = 0.0
    x |= {
        "tradable": has_bar & ~halted,
        "adv": adv,
        "sigma": rng.uniform(0.005, 0.05, (n_t, n_a)),
        "borrow": borrow,
        "years": np.r_[0.0, np.full(n_t - 1, 1 / 252)],
        "target": target if draw(st.booleans()) else np.full((n_t, n_a), np.nan),
    }
    x |= _orders(rng, draw(st.integers(6, 16) if crowded else st.integers(0, 10)), n_t, x["close"])
    x["cp"] = np.array([draw(st.sampled_from(v)) for v in COST_CHOICES.values()])
    x |= {
        "fill_at": draw(st.sampled_from([0, 1])),
        "participation": draw(st.sampled_from([0.05, 0.3] if crowded else [np.inf, 0.05, 0.3, 1])),
        "adv_cap": draw(st.sampled_from([np.inf, 0.05, 0.5])),
        "queue_ahead": draw(st.sampled_from([0.05, 0.3] if crowded else [0.0, 0.05, 0.3])),
        "cash_limit": draw(st.booleans()),
        "sleeves": draw(st.booleans()),
        "initial_capital": draw(st.sampled_from([1e5, 1e4])),  # 1e4: orders overdraw cash
    }
    x["pol"] = draw(policies(on=policed)).kernel_params()
    return x


def _copy(inputs: dict) -> dict:
    return {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in inputs.items()}


def assert_same(kernel: tuple, reference: tuple) -> None:
    """Every output equal to rounding (1e-12 relative, 1e-12 absolute for values near 0)."""
    for name, got, want in zip(OUTPUTS, kernel, reference, strict=True):
        assert got.shape == want.shape, f"{name}: kernel {got.shape}, reference {want.shape}"
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=name)


@settings(max_examples=150, deadline=None)
@given(engine_inputs())
def test_kernel_equals_reference(inputs) -> None:
    assert_same(run_engine(**_copy(inputs)), run_reference(**_copy(inputs)))


@settings(max_examples=100, deadline=None)
@given(engine_inputs(crowded=True))
def test_kernel_equals_reference_on_a_crowded_book(inputs) -> None:
    assert_same(run_engine(**_copy(inputs)), run_reference(**_copy(inputs)))


@settings(max_examples=150, deadline=None)
@given(engine_inputs(policed=True))
def test_kernel_equals_reference_with_every_policy_on(inputs) -> None:
    assert_same(run_engine(**_copy(inputs)), run_reference(**_copy(inputs)))


def test_kernel_leaves_its_inputs_alone() -> None:
    one = np.ones((2, 1))
    inputs = {
        "open_": 10 * one,
        "high": 11 * one,
        "low": 9 * one,
        "close": 10 * one,
        "volume": 1000 * one,
        "tradable": np.ones((2, 1), dtype=bool),
        "split": np.array([[1.0], [2.0]]),  # working orders are adjusted on bar 1
        "div": 0 * one,
        "delist": np.zeros((2, 1), dtype=bool),
        "delist_ret": 0 * one,
        "adv": 1000 * one,
        "sigma": 0.02 * one,
        "borrow": np.inf * one,
        "years": np.zeros(2),
        "target": np.full((2, 1), np.nan),
        "o_t": np.array([0, 0]),
        "o_j": np.array([0, 0]),
        "o_qty": np.array([100.0, 100.0]),
        "o_type": np.array([LIMIT, STOP]),
        "o_limit": np.array([5.0, np.nan]),  # never reached
        "o_stop": np.array([np.nan, 50.0]),
        "o_display": np.array([10.0, 0.0]),
        "o_until": np.array([NEVER, NEVER]),
        "cp": np.zeros(9),
        "fill_at": 1,
        "participation": np.inf,
        "adv_cap": np.inf,
        "queue_ahead": 0.0,
        "cash_limit": True,
        "sleeves": False,
        "initial_capital": 1e4,
        **NO_POLICIES,
    }
    given_ = _copy(inputs)
    run_engine(**given_)
    for name, value in inputs.items():
        np.testing.assert_array_equal(given_[name], value, err_msg=name)


def test_simulate_passes_market_orders_and_options_to_the_kernel() -> None:
    """Through the pandas layer: lags, order rows, expiry and options reach the kernel."""
    days = pd.bdate_range("2024-01-01", periods=5, tz="UTC")
    bars = make_bars({"A": [10.0, 11.0, 12.0, 11.5, 13.0], "B": [50.0, 49.0, 51.0, 52.0, 50.0]})
    market = Market.from_bars(bars, window=2)
    weights = pd.DataFrame({"A": [0.4, np.nan, -0.2], "B": [0.5, 0.3, np.nan]}, index=days[:3])
    orders = conform(
        pd.DataFrame(
            {
                "ts": [days[2], days[0]],
                "symbol": ["B", "A"],
                "quantity": [-30.0, 500.0],
                "order_type": ["limit", "iceberg"],
                "limit_price": [50.5, 11.6],
                "stop_price": [np.nan, np.nan],
                "display": [np.nan, 100.0],
                "expires": [days[3], pd.NaT],
            }
        ),
        "orders",
    )
    execution = Execution(participation=0.001, queue_ahead=0.0001, sleeves=True)
    costs = Costs.defaults().replace(commission_bps=3.0, min_commission=1.0, impact_coef=0.5)
    res = simulate(weights, market, costs, 1e4, lag=1, orders=orders, execution=execution)
    inputs = {  # the kernel's arguments, written out by hand (orders sorted by arrival)
        "open_": market.open,
        "high": market.high,
        "low": market.low,
        "close": market.close,
        "volume": market.volume,
        "tradable": market.tradable,
        "split": market.split,
        "div": market.dividend,
        "delist": market.delist,
        "delist_ret": market.delist_ret,
        "adv": market.adv,
        "sigma": market.sigma,
        "borrow": market.borrow,
        "years": market.years,
        "target": target_panel(weights, market, lag=1),
        "o_t": np.array([1, 3]),
        "o_j": np.array([0, 1]),
        "o_qty": np.array([500.0, -30.0]),
        "o_type": np.array([LIMIT, LIMIT]),
        "o_limit": np.array([11.6, 50.5]),
        "o_stop": np.array([np.nan, np.nan]),
        "o_display": np.array([100.0, 0.0]),
        "o_until": np.array([NEVER, 3]),
        "cp": costs.kernel_params(),
        "fill_at": 1,
        "participation": 0.001,
        "adv_cap": np.inf,
        "queue_ahead": 0.0001,
        "cash_limit": True,
        "sleeves": True,
        "initial_capital": 1e4,
        **NO_POLICIES,
    }
    equity, cash, dividends, cost, positions, _, fills, unfilled, *_ = run_reference(**inputs)
    np.testing.assert_allclose(res.equity.to_numpy(), equity, rtol=1e-12)
    np.testing.assert_allclose(res.cash.to_numpy(), cash, rtol=1e-12)
    np.testing.assert_allclose(res.dividends.to_numpy(), dividends, rtol=1e-12)
    np.testing.assert_allclose(res.costs.to_numpy(), cost.T, rtol=1e-12)
    np.testing.assert_allclose(res.positions.to_numpy(), positions, rtol=1e-12)
    np.testing.assert_allclose(res.unfilled.to_numpy(), unfilled, rtol=1e-12)
    assert len(res.trades) == len(fills) > 0
    np.testing.assert_allclose(res.trades["quantity"].to_numpy(), fills[:, 3], rtol=1e-12)
    np.testing.assert_allclose(res.trades["price"].to_numpy(), fills[:, 4], rtol=1e-12)
    # order ids are rows of the caller's table: kernel order 0 is row 1, kernel 1 is row 0
    ids = {-1: -1, 0: 1, 1: 0}
    assert res.trades["order_id"].tolist() == [ids[int(k)] for k in fills[:, 2]]
