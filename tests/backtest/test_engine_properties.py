"""Properties of the engine through simulate(), on random markets with actions and orders."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mi_kernel.backtest import NO_COSTS, Costs, Execution, Market, simulate
from mi_kernel.backtest._engine import LIMIT, MARKET, STOP
from mi_kernel.schemas import conform
from tests.backtest.test_engine_reference import engine_inputs

SETTINGS = settings(max_examples=60, deadline=None)
_TYPES = {MARKET: "market", LIMIT: "limit", STOP: "stop"}


def _market(x: dict, names: list[str]) -> Market:
    n_t, n_a = x["close"].shape
    return Market(
        ts=pd.bdate_range("2024-01-01", periods=n_t, tz="UTC"),
        symbols=names,
        open=x["open_"],
        high=x["high"],
        low=x["low"],
        close=x["close"],
        volume=x["volume"],
        split=x["split"],
        dividend=x["div"],
        delist=x["delist"],
        delist_ret=x["delist_ret"],
        tradable=x["tradable"],
        members=np.ones((n_t, n_a), dtype=bool),
        adv=x["adv"],
        sigma=x["sigma"],
        borrow=x["borrow"],
        years=x["years"],
    )


def _weights(x: dict, market: Market) -> pd.DataFrame:
    """The target panel as wide weights (lag 0), without targets on never-priced assets."""
    ref = x["open_"] if x["fill_at"] == 0 else x["close"]
    priced = pd.DataFrame(ref).ffill().notna().to_numpy()
    return pd.DataFrame(
        np.where(priced, x["target"], np.nan), index=market.ts, columns=market.symbols
    )


def _orders(x: dict, market: Market) -> pd.DataFrame | None:
    """The kernel's order arrays as a canonical orders table (lag 0)."""
    n_t = len(market.ts)
    keep = x["o_t"] < n_t
    if not keep.any():
        return None
    until = x["o_until"][keep]
    iceberg = x["o_display"][keep] > 0
    kind = [_TYPES[int(k)] for k in x["o_type"][keep]]
    table = pd.DataFrame(
        {
            "ts": market.ts[x["o_t"][keep]],
            "symbol": np.asarray(market.symbols, dtype=object)[x["o_j"][keep]],
            "quantity": x["o_qty"][keep],
            "order_type": np.where(iceberg, "iceberg", kind),
            "limit_price": x["o_limit"][keep],
            "stop_price": x["o_stop"][keep],
            "display": np.where(iceberg, x["o_display"][keep], np.nan),
            "expires": pd.Series(market.ts[np.minimum(until, n_t - 1)]).where(until < n_t),
        }
    )
    return conform(table, "orders")


def _costs(x: dict) -> Costs:
    cp = x["cp"]
    return Costs(
        commission_per_share=cp[0],
        commission_bps=cp[1],
        min_commission=cp[2],
        spread_bps=2 * cp[3],
        impact_coef=cp[4],
        buy_tax_bps=cp[5],
        sell_tax_bps=cp[6],
        dividend_tax=cp[7],
        borrow_bps=cp[8],
    )


def _execution(x: dict, **changes: object) -> Execution:
    return Execution(
        fill_at="open" if x["fill_at"] == 0 else "close",
        participation=None if np.isinf(x["participation"]) else x["participation"],
        adv_cap=None if np.isinf(x["adv_cap"]) else x["adv_cap"],
        queue_ahead=x["queue_ahead"],
        cash_limit=x["cash_limit"],
        sleeves=x["sleeves"],
    ).model_copy(update=changes)


def _names(n: int) -> list[str]:
    return [chr(ord("A") + i) for i in range(n)]


@SETTINGS
@given(engine_inputs())
def test_costs_never_raise_pnl(x) -> None:
    market = _market(x, _names(x["close"].shape[1]))
    orders = _orders(x, market)
    assume(orders is not None)
    # explicit orders without the cash limit: the same quantities trade with or without costs
    ex = _execution(x, cash_limit=False)
    run = {"initial_capital": x["initial_capital"], "lag": 0, "orders": orders, "execution": ex}
    paid = simulate(None, market, _costs(x), **run)
    free = simulate(None, market, NO_COSTS, **run)
    pd.testing.assert_frame_equal(paid.positions, free.positions)
    pd.testing.assert_frame_equal(paid.trades.iloc[:, :4], free.trades.iloc[:, :4])
    tol = 1e-9 * x["initial_capital"]
    assert (paid.equity <= free.equity + tol).all()
    assert (paid.costs.to_numpy() >= 0).all()
    # what the costs took is exactly the gap (same positions, same dividends)
    gap = (free.equity - paid.equity).to_numpy()
    np.testing.assert_allclose(gap, paid.costs.sum(axis=1).cumsum(), rtol=1e-9, atol=tol)


def _unfillable(orders: pd.DataFrame) -> pd.DataFrame:
    """The same orders made impossible to fill: limits and stops beyond any price."""
    buy = orders["quantity"] > 0
    return orders.assign(
        order_type=orders["order_type"].replace("market", "limit"),
        limit_price=np.where(buy, 1e-9, 1e12),
        stop_price=np.where(buy, 1e12, 1e-9),
    )


@SETTINGS
@given(engine_inputs(), st.booleans())
def test_no_trades_and_no_costs_keep_equity_flat(x, charged) -> None:
    market = _market(x, _names(x["close"].shape[1]))
    weights = _weights(x, market).notna() * 0.0  # targets of zero: nothing to trade
    orders = _orders(x, market)
    orders = None if orders is None else _unfillable(orders)
    costs = _costs(x) if charged else NO_COSTS  # with no trade, no cost applies either
    capital = x["initial_capital"]
    res = simulate(weights, market, costs, capital, 0, orders=orders, execution=_execution(x))
    assert res.trades.empty
    assert (res.equity == capital).all() and (res.cash == capital).all()
    assert (res.costs.to_numpy() == 0).all() and (res.dividends == 0).all()
    assert (res.returns == 0).all()


@settings(max_examples=40, deadline=None)
@given(
    parent=st.integers(2, 5000),
    cuts=st.lists(st.floats(0.01, 0.99), min_size=1, max_size=5),
    sell=st.booleans(),
    adv=st.floats(100.0, 1e5),
    sigma=st.floats(0.005, 0.1),
)
def test_splitting_an_order_never_lowers_total_impact(parent, cuts, sell, adv, sigma) -> None:
    """k child orders on the same bar pay at least the impact of the one parent order.

    Otherwise a strategy lowers its modelled impact by cutting an order into pieces that
    trade at the same time (the square-root law is concave in the quantity of one fill).
    """
    market = Market(
        ts=pd.bdate_range("2024-01-01", periods=1, tz="UTC"),
        symbols=["A"],
        open=np.array([[100.0]]),
        high=np.array([[101.0]]),
        low=np.array([[99.0]]),
        close=np.array([[100.5]]),
        volume=np.array([[1e6]]),
        split=np.ones((1, 1)),
        dividend=np.zeros((1, 1)),
        delist=np.zeros((1, 1), dtype=bool),
        delist_ret=np.zeros((1, 1)),
        tradable=np.ones((1, 1), dtype=bool),
        members=np.ones((1, 1), dtype=bool),
        adv=np.array([[adv]]),
        sigma=np.array([[sigma]]),
        borrow=np.full((1, 1), np.inf),
        years=np.zeros(1),
    )
    sign = -1.0 if sell else 1.0
    edges = np.unique(np.r_[0.0, np.round(np.sort(cuts) * parent), float(parent)])
    pieces = np.diff(edges)
    costs = Costs.zero().replace(impact_coef=1.0)
    ex = Execution(participation=None)

    def impact(quantities: np.ndarray) -> float:
        table = pd.DataFrame(
            {
                "ts": market.ts[0],
                "symbol": "A",
                "quantity": sign * quantities,
                "order_type": "market",
                "limit_price": np.nan,
                "stop_price": np.nan,
                "display": np.nan,
                "expires": pd.NaT,
            }
        )
        res = simulate(None, market, costs, 1e9, 0, orders=conform(table, "orders"), execution=ex)
        assert res.trades["quantity"].abs().sum() == parent  # every piece filled
        return float(res.trades["impact_cost"].sum())

    whole = impact(np.array([float(parent)]))
    assert impact(pieces) >= whole * (1 - 1e-12), f"{len(pieces)} pieces {pieces.tolist()}"


@SETTINGS
@given(engine_inputs(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_the_order_of_assets(x, rnd) -> None:
    n_a = x["close"].shape[1]
    base = _market(x, _names(n_a))
    perm = list(range(n_a))
    rnd.shuffle(perm)
    # new names sort in the permuted order: column i of the new market is old asset perm[i]
    rename = {base.symbols[p]: f"S{i}" for i, p in enumerate(perm)}
    panels = {k: v[:, perm] for k, v in x.items() if isinstance(v, np.ndarray) and v.ndim == 2}
    moved = _market(x | panels, [f"S{i}" for i in range(n_a)])
    assert moved.symbols == sorted(rename.values())
    costs, ex, capital = _costs(x), _execution(x), x["initial_capital"]
    orders = _orders(x, base)
    runs = []
    for market, w, o in (
        (base, _weights(x, base), orders),
        (
            moved,
            _weights(x, base).rename(columns=rename),
            None if orders is None else orders.assign(symbol=orders["symbol"].map(rename)),
        ),
    ):
        runs.append(simulate(w, market, costs, capital, 0, orders=o, execution=ex))
    first, second = runs
    close = {"rtol": 1e-9, "atol": 1e-9}
    np.testing.assert_allclose(second.equity, first.equity, **close)
    np.testing.assert_allclose(second.cash, first.cash, **close)
    np.testing.assert_allclose(second.costs, first.costs, **close)
    np.testing.assert_allclose(second.unfilled, first.unfilled, **close)
    np.testing.assert_allclose(
        second.positions[list(rename.values())], first.positions[list(rename)], **close
    )
    for old, new in rename.items():
        a = first.trades[first.trades["symbol"] == old]
        b = second.trades[second.trades["symbol"] == new]
        assert len(a) == len(b), old
        assert (a["ts"].to_numpy() == b["ts"].to_numpy()).all()
        assert a["order_id"].tolist() == b["order_id"].tolist()
        cols = ["quantity", "price", "commission", "spread_cost", "impact_cost", "tax_cost"]
        np.testing.assert_allclose(b[cols].to_numpy(), a[cols].to_numpy(), **close)
