"""Corporate actions in the engine: raw prices plus the action table, never pre-adjusted prices.

Real data: bokeh-sampledata ships AAPL and MSFT raw OHLCV (2000-03-01 .. 2013-03-01) with the
vendor's adjusted close; the ``bokeh_corporate_actions`` catalog entry recovers the splits and
dividends from the two. Synthetic data: ``synthetic_bars`` with ``synthetic_corporate_actions``,
``adjust_bars`` giving the adjusted reference. Everything is read through the catalog with the
network blocked.

Why the engine cannot match a vendor's adjusted close exactly: the vendor adjusts for a cash
dividend ``D`` multiplicatively, so its return on the ex-date is ``c_t / (c_{t-1} - D)``; the
engine credits ``D`` per share in cash and (in a daily-rebalanced book) reinvests it at that
close, a return of ``(c_t + D) / c_{t-1}``. The two differ by a factor
``(c_t + D)(c_{t-1} - D) / (c_t c_{t-1}) = 1 + D (c_{t-1} - c_t - D) / (c_t c_{t-1})``: the
dividend yield times the ex-date's price move, e.g. 1.7e-3 on MSFT's 2004-11-15 $3.08 special
dividend (10 % of the price). Once each ex-date's factor is taken out, the match is exact.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from mi_kernel import data
from mi_kernel.backtest import (
    NO_COSTS,
    SURVIVORSHIP_WARNING,
    BacktestResult,
    Execution,
    Market,
    equal_weight,
    simulate,
    window_market,
)
from mi_kernel.data import adjust_bars
from mi_kernel.data.packages import bokeh_adjusted_close
from mi_kernel.errors import DataError
from mi_kernel.schemas import conform

FRICTIONLESS = Execution(participation=None)  # fill the whole target on its bar
SYNTH = {
    "n_symbols": 12,
    "n_days": 500,
    "seed": 3,
    "split_rate": 0.5,
    "delisting_rate": 0.3,
    "dividend_payer_frac": 0.8,
}

# Declared by the companies (ex-dates; dividends in USD per post-split share).
SPLITS = {("AAPL", "2000-06-21"): 2.0, ("AAPL", "2005-02-28"): 2.0, ("MSFT", "2003-02-18"): 2.0}
AAPL_DIVIDENDS = dict.fromkeys(("2012-08-09", "2012-11-07", "2013-02-07"), 2.65)
MSFT_DIVIDENDS = {
    "2003-02-19": 0.08,
    "2003-10-15": 0.16,  # annual dividend
    "2004-08-23": 0.08,  # first quarterly dividend
    "2004-11-15": 3.08,  # $3.00 special + $0.08 quarterly
    **dict.fromkeys(("2005-02-15", "2005-05-16", "2005-08-15", "2005-11-15"), 0.08),
    **dict.fromkeys(("2006-02-15", "2006-05-15", "2006-08-15"), 0.09),
    **dict.fromkeys(("2006-11-14", "2007-02-13", "2007-05-15", "2007-08-14"), 0.10),
    **dict.fromkeys(("2007-11-13", "2008-02-19", "2008-05-13", "2008-08-19"), 0.11),
    **dict.fromkeys(("2008-11-18", "2009-02-17", "2009-05-19", "2009-08-18"), 0.13),
    **dict.fromkeys(("2009-11-17", "2010-02-16", "2010-05-18", "2010-08-17"), 0.13),
    **dict.fromkeys(("2010-11-16", "2011-02-15", "2011-05-17", "2011-08-16"), 0.16),
    **dict.fromkeys(("2011-11-15", "2012-02-14", "2012-05-15", "2012-08-14"), 0.20),
    **dict.fromkeys(("2012-11-13", "2013-02-19"), 0.23),
}


@pytest.fixture(scope="module", autouse=True)
def _no_network() -> Iterator[None]:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args}")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", refuse)
        mp.setattr(socket, "create_connection", refuse)
        yield


@pytest.fixture(scope="module")
def bokeh() -> dict[str, pd.DataFrame]:
    symbols = ["AAPL", "MSFT"]
    adjusted = bokeh_adjusted_close()
    return {
        "bars": data.read("bokeh_ohlcv", symbols=symbols),
        "actions": data.read("bokeh_corporate_actions", symbols=symbols),
        "adj_close": adjusted[adjusted["symbol"].isin(symbols)],
    }


@pytest.fixture(scope="module")
def synthetic() -> dict[str, pd.DataFrame]:
    tables = ("bars", "corporate_actions", "universe")
    return {t: data.read(f"synthetic_{t}", **SYNTH) for t in tables}


def _one(frame: pd.DataFrame, symbol: str) -> pd.DataFrame:
    return frame[frame["symbol"] == symbol]


def _run(bars: pd.DataFrame, actions: pd.DataFrame, daily: bool) -> BacktestResult:
    """Weight 1.0 in one symbol: every bar (daily rebalance) or once (buy and hold)."""
    ts = bars["ts"] if daily else bars["ts"].iloc[:1]
    weights = pd.DataFrame({"ts": ts, "symbol": bars["symbol"].iloc[0], "weight": 1.0})
    return simulate(
        conform(weights, "weights"), bars, NO_COSTS, 1e6, actions=actions, execution=FRICTIONLESS
    )


def _convention(bars: pd.DataFrame, actions: pd.DataFrame) -> pd.Series:
    """Cumulative engine / multiplicative-adjustment return factor (module docstring)."""
    close = bars.set_index("ts")["close"]
    div = _one(actions, bars["symbol"].iloc[0]).query("action == 'dividend'")
    d = div.set_index("ts")["value"].reindex(close.index).fillna(0.0)
    prev = close.shift(1)
    return (((close + d) * (prev - d)) / (close * prev)).fillna(1.0).cumprod()


def _tracking(equity: pd.Series, reference: pd.Series) -> pd.Series:
    """Relative gap of equity to the reference, both from the first held bar (bar 1)."""
    return ((equity / equity.iloc[1]) / (reference / reference.iloc[1]) - 1.0).iloc[1:]


# -- (1) the actions recovered from bokeh-sampledata are the real ones ---------------------
def test_recovered_aapl_and_msft_actions_match_the_declared_events(bokeh) -> None:
    actions = bokeh["actions"]
    # the data end before AAPL's 7:1 split of 2014-06-09, so only the two 2:1 splits show
    assert bokeh["bars"]["ts"].max() == pd.Timestamp("2013-03-01", tz="UTC")
    splits = actions.query("action == 'split'")
    got = {(s, f"{t:%Y-%m-%d}"): v for s, t, v in splits[["symbol", "ts", "value"]].values}
    assert got == SPLITS
    for symbol, declared in (("AAPL", AAPL_DIVIDENDS), ("MSFT", MSFT_DIVIDENDS)):
        div = _one(actions, symbol).query("action == 'dividend'").set_index("ts")["value"]
        assert [f"{t:%Y-%m-%d}" for t in div.index] == list(declared)  # every ex-date, exact
        # amounts: the vendor's adjustment factors carry its own rounding, so the recovered
        # amounts are within 5 % of the declared ones (worst: MSFT 2009-02-17, 0.136 vs 0.13)
        np.testing.assert_allclose(div.to_numpy(), list(declared.values()), rtol=0.05)
    special = _one(actions, "MSFT").set_index("ts").loc["2004-11-15", "value"]
    assert float(special) == pytest.approx(3.08, rel=0.02)


# -- (2) the engine on raw bokeh bars + the action table -----------------------------------
@pytest.mark.parametrize(("symbol", "tol"), [("AAPL", 3e-4), ("MSFT", 2.5e-3)])
def test_daily_rebalanced_book_tracks_the_vendor_adjusted_close(bokeh, symbol, tol) -> None:
    bars, actions = _one(bokeh["bars"], symbol), _one(bokeh["actions"], symbol)
    res = _run(bars, actions, daily=True)
    vendor = _one(bokeh["adj_close"], symbol).set_index("ts")["adj_close"]
    gap = _tracking(res.equity, vendor)
    # measured: AAPL 1.6e-4 (three ~0.5 % dividends), MSFT 2.1e-3 (the 2004 special)
    assert gap.abs().max() < tol
    exact = _tracking(res.equity, vendor * _convention(bars, actions))
    assert exact.abs().max() < 1e-9  # the only difference is the dividend convention
    # a 100 % book only trades to reinvest: the first buy, then one fill per dividend ex-date
    ex_dates = list(actions.query("action == 'dividend'")["ts"])
    assert list(res.trades["ts"]) == [bars["ts"].iloc[1], *ex_dates]


@pytest.mark.parametrize(
    ("symbol", "split_multiple", "tol"), [("AAPL", 4.0, 0.005), ("MSFT", 2.0, 0.12)]
)
def test_buy_and_hold_multiplies_shares_and_keeps_dividends_in_cash(
    bokeh, symbol, split_multiple, tol
) -> None:
    bars, actions = _one(bokeh["bars"], symbol), _one(bokeh["actions"], symbol)
    res = _run(bars, actions, daily=False)
    assert len(res.trades) == 1  # one purchase on bar 1, nothing traded afterwards
    shares = res.positions[symbol]
    assert shares.iloc[-1] == pytest.approx(split_multiple * shares.iloc[1], rel=1e-12)
    for ts, value in _one(actions, symbol).query("action == 'split'")[["ts", "value"]].values:
        before = shares.iloc[shares.index.get_loc(ts) - 1]
        assert shares.loc[ts] == pytest.approx(value * before, rel=1e-12)
    div = _one(actions, symbol).query("action == 'dividend'").set_index("ts")["value"]
    np.testing.assert_allclose(res.dividends.loc[div.index], shares.loc[div.index] * div, 1e-12)
    assert res.dividends.drop(div.index).eq(0.0).all()
    paid = res.cash.iloc[-1] - res.cash.iloc[1]
    assert paid == pytest.approx(res.dividends.sum(), rel=1e-12) and paid > 0
    # looser: the vendor reinvests dividends, the book holds them as cash (MSFT: 22 % of
    # the final equity, bought back in 2009 at half price); measured 0.37 % and 10.9 %
    vendor = _one(bokeh["adj_close"], symbol).set_index("ts")["adj_close"]
    assert _tracking(res.equity, vendor).abs().max() < tol
    # credit each cash dividend with what it would have earned reinvested at its ex-date
    growth = sum(
        d * (vendor / vendor.loc[t] - 1.0) * (vendor.index >= t)
        for t, d in res.dividends[res.dividends != 0].items()
    )
    assert _tracking(res.equity + growth, vendor).abs().max() < 2.5e-3


# -- (3) the same on the synthetic market, against adjust_bars ------------------------------
def test_synthetic_books_track_adjust_bars(synthetic) -> None:
    bars, actions, universe = (
        synthetic["bars"],
        synthetic["corporate_actions"],
        synthetic["universe"],
    )
    adjusted = adjust_bars(bars, actions).set_index(["symbol", "ts"])["close"]
    survivors = universe.loc[universe["end"].isna(), "symbol"]
    with_splits = sorted(set(actions.query("action == 'split'")["symbol"]) & set(survivors))
    assert len(with_splits) >= 4  # S0003, S0005, S0008, S0010, S0011 with SYNTH
    for symbol in with_splits:
        b, a = _one(bars, symbol), _one(actions, symbol)
        reference = adjusted.loc[symbol]
        daily = _run(b, a, daily=True)
        assert _tracking(daily.equity, reference).abs().max() < 1e-3  # measured <= 6.3e-4
        exact = _tracking(daily.equity, reference * _convention(b, a))
        assert exact.abs().max() < 1e-9
        held = _run(b, a, daily=False)
        shares = held.positions[symbol]
        ratio = a.query("action == 'split'")["value"].prod()
        assert shares.iloc[-1] == pytest.approx(ratio * shares.iloc[1], rel=1e-12)
        div = a.query("action == 'dividend'").set_index("ts")["value"]
        np.testing.assert_allclose(held.dividends.loc[div.index], shares.loc[div.index] * div)


# -- (4) survivorship ----------------------------------------------------------------------
def test_without_a_universe_the_result_carries_the_survivorship_warning(bokeh) -> None:
    res = simulate(equal_weight(bokeh["bars"]), bokeh["bars"], NO_COSTS, actions=bokeh["actions"])
    assert SURVIVORSHIP_WARNING in res.warnings


def test_with_the_synthetic_universe_delisted_symbols_are_closed_out(synthetic) -> None:
    bars, actions, universe = (
        synthetic["bars"],
        synthetic["corporate_actions"],
        synthetic["universe"],
    )
    market = Market.from_bars(bars, actions=actions, universe=universe)
    res = simulate(equal_weight(bars, rebalance="W"), market, NO_COSTS, execution=FRICTIONLESS)
    assert res.warnings == ()
    assert SURVIVORSHIP_WARNING in Market.from_bars(bars, actions=actions).warnings
    delisted = universe.loc[universe["end"].notna(), "symbol"]
    assert len(delisted) >= 3
    last = bars.groupby("symbol")["ts"].max()
    closes = bars.set_index(["symbol", "ts"])["close"]
    outs = res.trades[res.trades["order_id"] == -2].set_index("symbol")
    assert sorted(outs.index) == sorted(delisted)  # every delisted name, nothing else
    for symbol in delisted:
        fill = outs.loc[symbol]
        day = last[symbol]
        assert fill["ts"] == day  # on its last bar, at its last close (delisting return 0)
        assert fill["price"] == closes[(symbol, day)]
        t = res.positions.index.get_loc(day)
        same_bar = res.trades.query("symbol == @symbol and ts == @day and order_id != -2")
        held = res.positions[symbol].iloc[t - 1] * market.split[t, market.symbols.index(symbol)]
        held += same_bar["quantity"].sum()  # a rebalance fill on the last bar comes first
        assert held > 0 and fill["quantity"] == pytest.approx(-held, rel=1e-12)
        assert (res.positions[symbol].loc[day:] == 0).all()


def test_actions_outside_the_bars_dates_are_left_out_inside_ones_must_hit_a_bar(bokeh) -> None:
    # the action table spans 2000-2013; a market built on 2008-2010 takes only what falls there
    bars = bokeh["bars"][bokeh["bars"]["ts"].between("2008-01-01", "2010-12-31")]
    actions = bokeh["actions"]
    inside = actions[actions["ts"].between(bars["ts"].min(), bars["ts"].max())]
    assert 0 < len(inside) < len(actions) and set(inside["action"]) == {"dividend"}
    market = Market.from_bars(bars, actions=actions)
    dividends = market.panel("dividend")
    for ts, symbol, value in inside[["ts", "symbol", "value"]].itertuples(index=False):
        assert dividends.loc[ts, symbol] == pytest.approx(value)
    assert dividends.to_numpy().sum() == pytest.approx(inside["value"].sum())
    assert (market.split == 1.0).all()  # AAPL's 2000 and 2005 splits, MSFT's 2003: outside
    # a window ending before later actions (as run_backtest builds it) takes them as well
    window = window_market(bars, "2009-01-02", "2010-06-30", actions=actions)
    assert window.ts[0] == pd.Timestamp("2009-01-02", tz="UTC")
    assert window.panel("dividend").to_numpy().sum() > 0
    # an action within the bars' dates on a day without a bar is still refused
    saturday = inside.iloc[:1].assign(ts=pd.Timestamp("2009-06-13", tz="UTC"))
    with pytest.raises(DataError, match=r"1 corporate action\(s\) within the bars' dates"):
        Market.from_bars(bars, actions=pd.concat([actions, saturday], ignore_index=True))
