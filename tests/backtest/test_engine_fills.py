"""Hand-computed tiny cases, one per fill rule of the engine (no costs unless said)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mi_kernel.backtest import NO_COSTS, Costs, Execution, Market, simulate
from mi_kernel.schemas import conform

DAYS = pd.bdate_range("2024-01-01", periods=6, tz="UTC")
FREE = Execution(participation=None, queue_ahead=0.0)  # no caps, no queue
Bar = tuple[float, float, float, float, float]  # open, high, low, close, volume


def flat(price: float, volume: float = 1e6) -> Bar:
    return (price, price, price, price, volume)


def market(
    rows: dict[str, list[Bar | None]],
    actions: list[tuple[int, str, str, float]] | None = None,
    adv: float = 1000.0,
) -> Market:
    """A market from (open, high, low, close, volume) bars per day (None: no bar).

    ADV is ``adv`` on every bar and sigma 2 %, so the numbers below stay round.
    """
    frame = pd.DataFrame(
        [
            {
                "ts": DAYS[t],
                "symbol": s,
                **dict(zip(("open", "high", "low", "close", "volume"), b, strict=True)),
            }
            for s, bars in rows.items()
            for t, b in enumerate(bars)
            if b is not None
        ]
    )
    acts = None
    if actions:
        acts = conform(
            pd.DataFrame(
                [(DAYS[t], s, a, v) for t, s, a, v in actions],
                columns=["ts", "symbol", "action", "value"],
            ),
            "corporate_actions",
        )
    m = Market.from_bars(conform(frame, "bars"), actions=acts, window=2)
    return m.replace(adv=np.full(m.shape, adv), sigma=np.full(m.shape, 0.02))


def orders(*rows: dict) -> pd.DataFrame:
    """Orders from dicts (day index ``t``, symbol, quantity, and optional fields)."""
    base = {
        "order_type": "market",
        "limit_price": np.nan,
        "stop_price": np.nan,
        "display": np.nan,
        "expires": pd.NaT,
    }
    table = [base | {k: v for k, v in r.items() if k != "t"} | {"ts": DAYS[r["t"]]} for r in rows]
    for r in table:
        if isinstance(r["expires"], int):
            r["expires"] = DAYS[r["expires"]]
    return conform(pd.DataFrame(table), "orders")


def weights(rows: dict[str, list[float]], start: int = 0) -> pd.DataFrame:
    """Wide target weights from ``start`` (NaN: no new instruction)."""
    n = len(next(iter(rows.values())))
    return pd.DataFrame(rows, index=DAYS[start : start + n])


def fills(res) -> list[tuple[int, str, float, float]]:
    """(day, symbol, quantity, price) of every fill, in the engine's order."""
    day = DAYS.get_indexer(pd.DatetimeIndex(res.trades["ts"]))
    return [
        (int(d), s, q, p)
        for d, s, q, p in zip(
            day, res.trades["symbol"], res.trades["quantity"], res.trades["price"], strict=True
        )
    ]


def assert_fills(res, expected: list[tuple[int, str, float, float]]) -> None:
    got = fills(res)
    assert [(d, s) for d, s, _, _ in got] == [(d, s) for d, s, _, _ in expected], got
    np.testing.assert_allclose([g[2:] for g in got], [e[2:] for e in expected], rtol=1e-12)


# -- market orders, timing and caps -------------------------------------------------------
TWO_BARS = {"A": [(10.0, 11.0, 9.0, 10.5, 1000.0), (10.8, 11.5, 10.2, 11.0, 1000.0)]}


def test_target_fills_at_the_close() -> None:
    res = simulate(weights({"A": [1.0]}), market(TWO_BARS), NO_COSTS, 1050.0, lag=0, execution=FREE)
    # d0: 1.0 x 1050 / close 10.5 = 100 shares at 10.5; d1: 100 x 11 = 1100
    assert_fills(res, [(0, "A", 100.0, 10.5)])
    np.testing.assert_allclose(res.equity.to_numpy(), [1050.0, 1100.0])


def test_target_fills_at_the_open() -> None:
    ex = FREE.model_copy(update={"fill_at": "open"})
    res = simulate(weights({"A": [1.0]}), market(TWO_BARS), NO_COSTS, 1050.0, lag=0, execution=ex)
    # d0: 1050 / open 10 = 105 shares at 10, marked at 10.5 -> 1102.5; d1: 105 x 11 = 1155
    assert_fills(res, [(0, "A", 105.0, 10.0)])
    np.testing.assert_allclose(res.equity.to_numpy(), [1102.5, 1155.0])


def test_explicit_market_orders_fill_at_the_fill_price() -> None:
    o = orders({"t": 0, "symbol": "A", "quantity": 10.0}, {"t": 1, "symbol": "A", "quantity": -4.0})
    close = simulate(None, market(TWO_BARS), NO_COSTS, 1000.0, lag=0, orders=o, execution=FREE)
    assert_fills(close, [(0, "A", 10.0, 10.5), (1, "A", -4.0, 11.0)])
    ex = FREE.model_copy(update={"fill_at": "open"})
    at_open = simulate(None, market(TWO_BARS), NO_COSTS, 1000.0, lag=0, orders=o, execution=ex)
    assert_fills(at_open, [(0, "A", 10.0, 10.0), (1, "A", -4.0, 10.8)])


def test_lag_moves_execution_to_a_later_bar() -> None:
    m = market({"A": [flat(10.0), flat(11.0), flat(12.0)]})
    res = simulate(weights({"A": [1.0]}), m, NO_COSTS, 1100.0, lag=1, execution=FREE)
    # decided on d0, traded at d1's close: 1100 / 11 = 100 shares; d2: 100 x 12
    assert_fills(res, [(1, "A", 100.0, 11.0)])
    np.testing.assert_allclose(res.equity.to_numpy(), [1100.0, 1100.0, 1200.0])
    o = orders({"t": 0, "symbol": "A", "quantity": 5.0})
    res = simulate(None, m, NO_COSTS, 1100.0, lag=2, orders=o, execution=FREE)
    assert_fills(res, [(2, "A", 5.0, 12.0)])  # an order dated d0 arrives 2 bars later


def test_participation_cap_fills_the_rest_on_later_bars() -> None:
    m = market({"A": [flat(10.0, 400.0), flat(10.0, 300.0), flat(10.0, 1000.0)]})
    ex = FREE.model_copy(update={"participation": 0.1})
    res = simulate(weights({"A": [1.0]}), m, NO_COSTS, 1000.0, lag=0, execution=ex)
    # target 1000 / 10 = 100 shares; caps 10 % of 400, 300, 1000 = 40, 30, 100 -> 40, 30, 30
    assert_fills(res, [(0, "A", 40.0, 10.0), (1, "A", 30.0, 10.0), (2, "A", 30.0, 10.0)])
    np.testing.assert_allclose(res.unfilled.to_numpy(), [600.0, 300.0, 0.0])
    np.testing.assert_allclose(res.participation().to_numpy(), [0.1, 0.1, 0.03])


def test_adv_cap_limits_each_bar_to_a_fraction_of_adv() -> None:
    m = market({"A": [flat(10.0), flat(10.0), flat(10.0)]}, adv=1000.0)
    ex = FREE.model_copy(update={"adv_cap": 0.04})
    res = simulate(weights({"A": [1.0]}), m, NO_COSTS, 1000.0, lag=0, execution=ex)
    # 100 shares wanted, 4 % of ADV 1000 = 40 a bar: 40, 40, 20
    assert_fills(res, [(0, "A", 40.0, 10.0), (1, "A", 40.0, 10.0), (2, "A", 20.0, 10.0)])


# -- limit, stop and iceberg orders -------------------------------------------------------
def test_marketable_limit_buy_fills_at_the_open() -> None:
    m = market({"A": [(10.0, 10.5, 9.5, 10.2, 1000.0)]})
    o = orders(
        {"t": 0, "symbol": "A", "quantity": 50.0, "order_type": "limit", "limit_price": 10.1}
    )
    res = simulate(None, m, NO_COSTS, 1000.0, lag=0, orders=o, execution=FREE)
    assert_fills(res, [(0, "A", 50.0, 10.0)])  # open 10 <= limit 10.1: all at the open


def test_limit_buy_fills_at_the_limit_after_the_queue() -> None:
    m = market(
        {
            "A": [
                (10.5, 11.0, 9.0, 10.0, 1000.0),
                (10.0, 10.5, 9.25, 10.0, 500.0),
                (10.0, 10.5, 9.75, 10.0, 500.0),
            ]
        },
        adv=500.0,
    )
    o = orders(
        {"t": 0, "symbol": "A", "quantity": 350.0, "order_type": "limit", "limit_price": 9.5}
    )
    ex = FREE.model_copy(update={"queue_ahead": 0.1})
    res = simulate(None, m, NO_COSTS, 1e4, lag=0, orders=o, execution=ex)
    # d0: open 10.5 > 9.5 >= low 9: volume at or below 9.5 = 1000 x (9.5 - 9) / (11 - 9) = 250;
    #     the queue ahead, 0.1 x ADV 500 = 50, goes first -> 200 filled at 9.5
    # d1: 500 x (9.5 - 9.25) / (10.5 - 9.25) = 100, queue now empty -> 100 (50 left)
    # d2: low 9.75 > 9.5 -> the limit is not reached, no fill
    assert_fills(res, [(0, "A", 200.0, 9.5), (1, "A", 100.0, 9.5)])


def test_limit_sell_not_reached_does_not_fill() -> None:
    m = market({"A": [(10.0, 10.4, 9.8, 10.1, 1000.0), flat(10.0)]})
    o = orders(
        {"t": 0, "symbol": "A", "quantity": -5.0, "order_type": "limit", "limit_price": 10.5}
    )
    res = simulate(None, m, NO_COSTS, 1000.0, lag=0, orders=o, execution=FREE)
    assert res.trades.empty  # high 10.4 < 10.5 on d0, 10 on d1
    np.testing.assert_allclose(res.equity.to_numpy(), [1000.0, 1000.0])


def test_stop_fills_at_the_stop_or_at_the_gap_open() -> None:
    m = market(
        {
            "A": [(10.0, 10.8, 9.9, 10.6, 1000.0), (11.0, 11.5, 10.8, 11.2, 1000.0)],
            "B": [(10.0, 10.2, 9.6, 9.8, 1000.0), (9.0, 9.4, 8.8, 9.1, 1000.0)],
            "C": [(10.0, 10.2, 9.9, 10.0, 1000.0), (10.1, 10.6, 10.0, 10.4, 1000.0)],
        }
    )
    o = orders(
        {"t": 0, "symbol": "A", "quantity": 10.0, "order_type": "stop", "stop_price": 10.5},
        {"t": 1, "symbol": "A", "quantity": 10.0, "order_type": "stop", "stop_price": 10.5},
        {"t": 0, "symbol": "B", "quantity": -10.0, "order_type": "stop", "stop_price": 9.5},
        {"t": 1, "symbol": "B", "quantity": -10.0, "order_type": "stop", "stop_price": 9.5},
        {"t": 0, "symbol": "C", "quantity": 10.0, "order_type": "stop", "stop_price": 10.5},
    )
    res = simulate(None, m, NO_COSTS, 1e4, lag=0, orders=o, execution=FREE)
    # A d0: high 10.8 >= 10.5 -> at max(open 10, 10.5) = 10.5; d1 gaps: max(11, 10.5) = 11
    # B d0: low 9.6 > 9.5, no trigger; d1 gaps down: both at min(open 9, 9.5) = 9
    # C d0: high 10.2 < 10.5, no trigger; d1: high 10.6 -> at max(10.1, 10.5) = 10.5
    expected = [
        (0, "A", 10.0, 10.5),
        (1, "B", -10.0, 9.0),
        (1, "B", -10.0, 9.0),
        (1, "A", 10.0, 11.0),
        (1, "C", 10.0, 10.5),
    ]
    assert_fills(res, expected)


def test_stop_triggers_even_when_the_bar_capacity_is_used_up() -> None:
    m = market({"A": [(10.0, 10.8, 9.9, 10.2, 100.0), (10.3, 10.4, 10.1, 10.3, 100.0)]})
    o = orders(
        {"t": 0, "symbol": "A", "quantity": -10.0},
        {"t": 0, "symbol": "A", "quantity": 5.0, "order_type": "stop", "stop_price": 10.5},
    )
    ex = FREE.model_copy(update={"participation": 0.1})
    res = simulate(None, m, NO_COSTS, 1e4, lag=0, orders=o, execution=ex)
    # d0: the sell takes the whole capacity (10 % of 100); the stop triggers (high 10.8) but
    # cannot fill. d1: high 10.4 is below the stop, but it is a market order now: close 10.3
    assert_fills(res, [(0, "A", -10.0, 10.2), (1, "A", 5.0, 10.3)])


def test_iceberg_tranches_rejoin_the_back_of_the_queue() -> None:
    m = market({"A": [(10.0, 11.0, 9.0, 10.0, 400.0), (10.0, 11.0, 9.0, 10.0, 400.0)]}, adv=100.0)
    o = orders(
        {"t": 0, "symbol": "A", "quantity": 100.0, "order_type": "iceberg"}
        | {"limit_price": 9.5, "display": 30.0}
    )
    ex = FREE.model_copy(update={"queue_ahead": 0.1})
    res = simulate(None, m, NO_COSTS, 1e4, lag=0, orders=o, execution=ex)
    # each bar trades 400 x (9.5 - 9) / 2 = 100 at or below 9.5; a queue is 0.1 x 100 = 10.
    # d0: 10 queue | 30 (tranche 1) | 10 queue | 30 (tranche 2) | 10 queue | 10 of tranche 3
    #     -> 70 filled, 20 of tranche 3 still shown at the front
    # d1: 20 (rest of tranche 3) | 10 queue | 10 of tranche 4 -> the last 30
    assert_fills(res, [(0, "A", 70.0, 9.5), (1, "A", 30.0, 9.5)])


def test_capped_iceberg_keeps_the_unfilled_part_of_its_tranche() -> None:
    m = market({"A": [(10.0, 11.0, 9.0, 10.0, 400.0), (10.0, 11.0, 9.0, 10.0, 200.0)]}, adv=100.0)
    o = orders(
        {"t": 0, "symbol": "A", "quantity": 100.0, "order_type": "iceberg"}
        | {"limit_price": 9.5, "display": 25.0}
    )
    ex = FREE.model_copy(update={"queue_ahead": 0.1, "adv_cap": 0.4})  # 40 shares a bar
    res = simulate(None, m, NO_COSTS, 1e4, lag=0, orders=o, execution=ex)
    # d0: 100 through, queue 10. 25 (tranche 1) | 10 queue | 15 of tranche 2 -> cap 40 reached;
    #     10 of tranche 2 stay displayed at the front of the queue
    # d1: 200 x 0.25 = 50 through: 10 (tranche 2) | 10 queue | 25 (tranche 3) | 5 of the next
    #     queue -> 35 filled (under the cap of 40)
    assert_fills(res, [(0, "A", 40.0, 9.5), (1, "A", 35.0, 9.5)])


# -- halts, borrow, delistings ------------------------------------------------------------
def test_halted_bar_does_not_fill_then_the_target_fills() -> None:
    m = market({"A": [flat(10.0), flat(8.0)]})
    m = m.replace(tradable=np.array([[False], [True]]))
    res = simulate(weights({"A": [1.0]}), m, NO_COSTS, 1000.0, lag=0, execution=FREE)
    # sized on d0: 1000 / 10 = 100 shares; halted; the working target fills on d1 at 8
    assert_fills(res, [(1, "A", 100.0, 8.0)])
    np.testing.assert_allclose(res.unfilled.to_numpy(), [1000.0, 0.0])
    np.testing.assert_allclose(res.cash.to_numpy(), [1000.0, 200.0])


def test_borrow_limit_caps_a_short() -> None:
    m = market({"A": [flat(10.0), flat(10.0), flat(10.0)]})
    m = m.replace(borrow=np.array([[30.0], [50.0], [50.0]]))
    res = simulate(weights({"A": [-1.0]}), m, NO_COSTS, 1000.0, lag=0, execution=FREE)
    # -1000 / 10 = -100 shares wanted; 30 borrowable on d0, 50 from d1 (20 more), then none
    assert_fills(res, [(0, "A", -30.0, 10.0), (1, "A", -20.0, 10.0)])
    np.testing.assert_allclose(res.positions["A"].to_numpy(), [-30.0, -50.0, -50.0])
    np.testing.assert_allclose(res.unfilled.to_numpy(), [700.0, 500.0, 500.0])


def test_delisting_closes_at_the_delisting_return_and_cancels_orders() -> None:
    m = market(
        {
            "A": [flat(10.0), flat(8.0), (6.0, 6.0, 4.0, 5.0, 1e6), flat(5.0)],
            "B": [flat(20.0)] * 4,
        },
        actions=[(1, "A", "delist", -0.4)],
    )
    o = orders(
        {"t": 0, "symbol": "A", "quantity": 10.0, "order_type": "limit", "limit_price": 4.5},
    )
    res = simulate(weights({"A": [1.0]}), m, NO_COSTS, 1000.0, lag=0, orders=o, execution=FREE)
    # d0: 100 A at 10. d1: closed at 8 x (1 - 0.4) = 4.8 -> cash 480, order id -2, no cost.
    # d2 would fill the limit buy (low 4 <= 4.5), but the delisting cancelled it.
    assert_fills(res, [(0, "A", 100.0, 10.0), (1, "A", -100.0, 4.8)])
    assert res.trades["order_id"].tolist() == [-1, -2]
    np.testing.assert_allclose(res.equity.to_numpy(), [1000.0, 480.0, 480.0, 480.0])
    assert (res.trades[["commission", "spread_cost", "impact_cost", "tax_cost"]] == 0).all().all()


# -- cash ---------------------------------------------------------------------------------
def test_cash_limit_scales_every_target_buy_by_the_same_factor() -> None:
    m = market({"A": [flat(10.0)] * 2, "B": [flat(20.0)] * 2})
    w = weights({"A": [0.8], "B": [0.8]})
    costs = Costs.zero().replace(spread_bps=100.0)
    res = simulate(w, m, costs, 1000.0, lag=0, execution=FREE)
    # wants 80 A + 40 B = 1600, half spread 0.5 % -> 1608 > cash 1000: factor 1000 / 1608;
    # the rest of the targets is dropped (nothing works on d1)
    f = 1000.0 / 1608.0
    assert_fills(res, [(0, "A", 80.0 * f, 10.0), (0, "B", 40.0 * f, 20.0)])
    np.testing.assert_allclose(res.cash.to_numpy(), [0.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(res.unfilled.to_numpy(), [0.0, 0.0])
    margin_ex = FREE.model_copy(update={"cash_limit": False})
    margin = simulate(w, m, costs, 1000.0, lag=0, execution=margin_ex)
    assert_fills(margin, [(0, "A", 80.0, 10.0), (0, "B", 40.0, 20.0)])
    np.testing.assert_allclose(margin.cash.iloc[0], 1000.0 - 1608.0)


def test_cash_limit_holds_with_a_minimum_commission() -> None:
    m = market({"A": [flat(10.0)] * 2, "B": [flat(20.0)] * 2})
    w = weights({"A": [0.5], "B": [0.5]})
    costs = Costs.zero().replace(min_commission=30.0)  # a long book: no borrow either
    res = simulate(w, m, costs, 1000.0, lag=0, execution=FREE)
    # wants 50 A + 25 B = 1000 + 2 x 30 commission: 1060 > 1000. A plain factor 1000 / 1060
    # leaves 943.4 + 60 > 1000; refined, the buys take exactly the cash left after 60: 940.
    f = 940.0 / 1000.0
    assert_fills(res, [(0, "A", 50.0 * f, 10.0), (0, "B", 25.0 * f, 20.0)])
    assert res.cash.min() >= -1e-9
    # a book that cannot even pay the minimums buys nothing
    poor = simulate(w, m, costs, 50.0, lag=0, execution=FREE)
    assert poor.trades.empty and (poor.cash == 50.0).all()


def test_delisting_without_a_bar_closes_at_the_last_close() -> None:
    m = market({"A": [flat(10.0), flat(8.0), None, flat(7.0)], "B": [flat(20.0)] * 4})
    delist = m.delist.copy()
    delist[2, 0] = True  # delisted on a day A has no bar
    res = simulate(
        weights({"A": [1.0]}), m.replace(delist=delist), NO_COSTS, 1000.0, 0, execution=FREE
    )
    # d0: 100 A at 10; d1: marked at 8; d2: closed at the last close, 8 -> cash 800
    assert_fills(res, [(0, "A", 100.0, 10.0), (2, "A", -100.0, 8.0)])
    np.testing.assert_allclose(res.equity.to_numpy(), [1000.0, 800.0, 800.0, 800.0])


def test_sleeves_keep_their_own_cash() -> None:
    m = market({"A": [flat(10.0), flat(12.0)], "B": [flat(20.0), flat(20.0)]})
    w = weights({"A": [1.0, 1.5], "B": [0.5, 1.0]})
    ex = FREE.model_copy(update={"sleeves": True})
    res = simulate(w, m, NO_COSTS, 1000.0, lag=0, execution=ex)
    # sleeves of 500. d0: A 500 / 10 = 50 shares (cash 0), B 250 / 20 = 12.5 (cash 250).
    # d1: sleeve A is worth 600 and wants 1.5 x 600 / 12 - 50 = 25 more for 300, but its cash
    #     is 0 -> factor 0, target dropped; B's sleeve (500) buys 12.5 more with its own 250.
    assert_fills(res, [(0, "A", 50.0, 10.0), (0, "B", 12.5, 20.0), (1, "B", 12.5, 20.0)])
    np.testing.assert_allclose(res.cash.to_numpy(), [250.0, 0.0])
    np.testing.assert_allclose(res.equity.to_numpy(), [1000.0, 1100.0])
    np.testing.assert_allclose(res.unfilled.to_numpy(), [0.0, 0.0])
    book = simulate(w, m, NO_COSTS, 1000.0, lag=0, execution=FREE)
    # one book of 1000 cannot pay 1000 (A) + 500 (B): both scaled by 1000 / 1500
    np.testing.assert_allclose(
        book.positions.iloc[0].to_numpy(), np.array([100.0, 25.0]) * 2.0 / 3.0
    )


# -- corporate actions --------------------------------------------------------------------
def test_split_scales_shares_and_working_orders() -> None:
    m = market(
        {"A": [flat(10.0), flat(5.0), (4.2, 4.5, 3.5, 4.0, 400.0)]},
        actions=[(1, "A", "split", 2.0)],
    )
    w = weights({"A": [1.0]})
    o = orders({"t": 0, "symbol": "A", "quantity": 50.0, "order_type": "limit", "limit_price": 8.0})
    res = simulate(w, m, NO_COSTS, 1000.0, lag=0, orders=o, execution=FREE)
    # d0: 100 shares at 10. d1: 2-for-1 -> 200 shares; the buy of 50 at 8 becomes 100 at 4.
    # d2: open 4.2 > 4, 400 x (4 - 3.5) / (4.5 - 3.5) = 200 through -> 100 at 4
    assert_fills(res, [(0, "A", 100.0, 10.0), (2, "A", 100.0, 4.0)])
    np.testing.assert_allclose(res.positions["A"].to_numpy(), [100.0, 200.0, 300.0])
    np.testing.assert_allclose(res.equity.to_numpy(), [1000.0, 1000.0, 1200.0 - 400.0])


def test_split_scales_the_iceberg_display() -> None:
    m = market(
        {"A": [(10.0, 11.0, 9.0, 10.0, 120.0), (5.0, 5.5, 4.5, 5.0, 400.0)]},
        actions=[(1, "A", "split", 2.0)],
        adv=100.0,
    )
    o = orders(
        {"t": 0, "symbol": "A", "quantity": 100.0, "order_type": "iceberg"}
        | {"limit_price": 9.5, "display": 20.0}
    )
    ex = FREE.model_copy(update={"queue_ahead": 0.1})
    res = simulate(None, m, NO_COSTS, 1e4, lag=0, orders=o, execution=ex)
    # d0: 120 x 0.25 = 30 through: 10 queue | 20 (tranche 1) -> 20 filled; 10 queued ahead
    # d1: 2-for-1: 160 left, display 40, limit 4.75; 400 x 0.25 = 100 through:
    #     10 queue | 40 | 10 queue | 40 -> 80 filled
    assert_fills(res, [(0, "A", 20.0, 9.5), (1, "A", 80.0, 4.75)])


def test_dividends_pay_longs_net_of_withholding_and_charge_shorts() -> None:
    m = market(
        {"A": [flat(10.0), flat(9.5)], "B": [flat(20.0), flat(19.6)]},
        actions=[(1, "A", "dividend", 0.5), (1, "B", "dividend", 0.4)],
    )
    costs = NO_COSTS.replace(dividend_tax=0.15)
    res = simulate(weights({"A": [1.0], "B": [-1.0]}), m, costs, 1000.0, lag=0, execution=FREE)
    # d0: +100 A at 10, -50 B at 20 -> cash 1000. d1: A pays 100 x 0.5 = 50, 15 % withheld
    # (7.5); the short pays 50 x 0.4 = 20. cash 1022.5; equity 1022.5 + 950 - 980 = 992.5
    np.testing.assert_allclose(res.dividends.to_numpy(), [0.0, 30.0])
    np.testing.assert_allclose(res.costs["taxes"].to_numpy(), [0.0, 7.5])
    np.testing.assert_allclose(res.cash.to_numpy(), [1000.0, 1022.5])
    np.testing.assert_allclose(res.equity.to_numpy(), [1000.0, 992.5])


@pytest.mark.parametrize(("expires", "expected"), [(1, []), (2, [(2, "A", 10.0, 9.5)])])
def test_orders_expire_after_their_last_bar(expires: int, expected: list) -> None:
    m = market({"A": [flat(10.0), flat(10.0), (9.5, 10.0, 8.5, 9.0, 1000.0)]})
    o = orders(
        {"t": 0, "symbol": "A", "quantity": 10.0, "order_type": "limit"}
        | {"limit_price": 9.5, "expires": expires}
    )
    res = simulate(None, m, NO_COSTS, 1000.0, lag=0, orders=o, execution=FREE)
    # the limit 9.5 is marketable only on d2 (open 9.5): filled there if still working
    assert_fills(res, expected)


# -- intraday -----------------------------------------------------------------------------
def test_intraday_bars_share_the_clock_and_borrow_accrues_by_the_minute() -> None:
    minutes = pd.date_range("2024-01-02 14:30", periods=4, freq="1min", tz="UTC")
    frame = pd.DataFrame(
        {
            "ts": minutes,
            "symbol": "A",
            "open": [10.0, 10.0, 10.0, 10.0],
            "high": [10.5, 10.5, 10.5, 10.5],
            "low": [9.5, 9.5, 9.5, 9.5],
            "close": 10.0,
            "volume": 200.0,
        }
    )
    m = Market.from_bars(conform(frame, "bars"), window=2)
    m = m.replace(adv=np.full(m.shape, 100.0), sigma=np.full(m.shape, 0.02))
    o = orders(
        {"t": 0, "symbol": "A", "quantity": -60.0, "order_type": "iceberg"}
        | {"limit_price": 10.25, "display": 20.0}
    ).assign(ts=minutes[0])
    ex = FREE.model_copy(update={"queue_ahead": 0.1})
    costs = Costs.zero().replace(borrow_bps=1e4)
    res = simulate(None, m, costs, 1e4, lag=0, orders=o, execution=ex)
    # a sell iceberg at 10.25: each minute trades 200 x (10.5 - 10.25) / 1 = 50 at or above it;
    # m0: 10 queue | 20 (tranche 1) | 10 queue | 10 of tranche 2 -> 30 short;
    # m1: the other 10 of tranche 2 | 10 queue | 20 of tranche 3 -> the last 30
    assert list(res.trades["ts"]) == [minutes[0], minutes[1]]
    np.testing.assert_allclose(res.trades[["quantity", "price"]], [[-30.0, 10.25]] * 2)
    # borrow at 100 % a year accrues per minute of calendar time on the short's value
    minute = 60.0 / (365.25 * 86_400.0)
    np.testing.assert_allclose(res.costs["borrow"].to_numpy()[1:], [600.0 * minute] * 3)
    assert res.costs["borrow"].iloc[0] == 0.0  # the first bar covers no time
