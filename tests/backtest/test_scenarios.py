"""Scenarios: index-shock replays, halts, circuit breakers, venue outages and the runner."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from mi_kernel.backtest import (
    NO_COSTS,
    SCENARIOS,
    CircuitBreaker,
    Halt,
    IndexShock,
    Limits,
    Market,
    VenueOutage,
    breaker_levels,
    estimate_betas,
    get_scenario,
    index_returns,
    market_bars,
    run_scenarios,
    simulate,
    simulate_scenarios,
)
from mi_kernel.backtest.strategies import get_strategy
from mi_kernel.errors import ConfigError, DataError
from mi_kernel.schemas import conform
from tests.backtest.conftest import make_bars, make_weights, random_bars

FRICTIONLESS = {"costs": NO_COSTS, "execution": {"participation": None}}


@pytest.fixture(scope="module", autouse=True)
def _no_network() -> Iterator[None]:
    """The S&P 500 history comes from an installed package through the catalog, offline."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args}")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", refuse)
        mp.setattr(socket, "create_connection", refuse)
        yield


def _returns(close: np.ndarray) -> np.ndarray:
    return close[1:] / close[:-1] - 1.0


def _daily(market: Market, weights: dict[str, float]) -> pd.DataFrame:
    """The same target weights on every bar (a daily rebalance: fills on every bar)."""
    rows = [(ts, s, w) for ts in market.ts for s, w in weights.items()]
    return make_weights(rows)


# -- index shocks -------------------------------------------------------------------------
def test_window_returns_compound_to_the_index_drawdowns() -> None:
    gfc, covid = index_returns("gfc_2008"), index_returns("covid_2020")
    # S&P 500 closes: 1277.58 (2008-09-02) -> 676.53 (2009-03-09); 3386.15 -> 2237.40
    assert np.prod(1 + gfc.to_numpy()) - 1 == pytest.approx(676.53 / 1277.58 - 1, rel=1e-9)
    assert np.prod(1 + covid.to_numpy()) - 1 == pytest.approx(2237.40 / 3386.15 - 1, rel=1e-9)
    assert (len(gfc), len(covid)) == (129, 23)
    assert covid.index[0] == pd.Timestamp("2020-02-20", tz="UTC")  # first return after the peak
    assert covid.min() == pytest.approx(-0.1198, abs=1e-4)  # 2020-03-16


def test_shock_with_beta_one_on_flat_prices_replays_the_index_returns() -> None:
    market = Market.from_bars(make_bars({"A": [100.0] * 40, "B": [50.0] * 40}))
    shock = index_returns("covid_2020").to_numpy()
    out = IndexShock("covid_2020", beta=1.0, volume_factor=3.0).apply(market)
    s = 40 - len(shock)  # default placement: the last len(window) bars
    for j in range(2):
        r = _returns(out.close[:, j])
        np.testing.assert_allclose(r[s - 1 :], shock, rtol=0, atol=1e-14)
        np.testing.assert_array_equal(r[: s - 1], 0.0)
        for col in ("open", "high", "low"):  # bars stay consistent: O = H = L = C here
            np.testing.assert_allclose(getattr(out, col)[:, j], out.close[:, j], rtol=1e-15)
    np.testing.assert_array_equal(out.volume[:s], 1e6)
    np.testing.assert_array_equal(out.volume[s:], 3e6)
    np.testing.assert_array_equal(out.adv[:s], market.adv[:s])
    assert out.adv[-1, 0] == 3e6  # trailing ADV sees the crisis volume
    assert out.close[-1, 0] == pytest.approx(100.0 * (2237.40 / 3386.15), rel=1e-9)
    assert any(w.startswith("SCENARIO covid_2020") for w in out.warnings)
    assert (market.close[:, 0] == 100.0).all()  # the market given is not edited


def test_shock_at_a_given_start_leaves_later_returns_alone() -> None:
    base = random_bars(3, n_days=60, n_assets=2)
    market = Market.from_bars(base)
    shock = index_returns("covid_2020").to_numpy()
    out = IndexShock("covid_2020", beta=1.0, start=str(market.ts[10].date())).apply(market)
    r0, r1 = _returns(market.close[:, 0]), _returns(out.close[:, 0])
    # bar 10 + k gets index return k added to its own return (rows of r are bars 1..T-1)
    g = 1 + r0[9 : 9 + len(shock)] + shock
    np.testing.assert_allclose(1 + r1[9 : 9 + len(shock)], g, rtol=1e-12)
    np.testing.assert_allclose(r1[:9], r0[:9], rtol=1e-12)
    np.testing.assert_allclose(r1[9 + len(shock) :], r0[9 + len(shock) :], rtol=1e-10)
    with pytest.raises(ConfigError, match="needs 23 bars"):
        IndexShock("covid_2020", start=str(market.ts[50].date())).apply(market)


def _two_factor_market(n: int = 80, seed: int = 0) -> Market:
    """A moves twice the market factor, B not at all: EW return = f, beta_A 2, beta_B 0."""
    f = np.random.default_rng(seed).normal(0.0, 0.01, n - 1)
    a = 100 * np.cumprod(np.r_[1.0, 1 + 2 * f])
    return Market.from_bars(make_bars({"A": a, "B": np.full(n, 50.0)}))


def test_betas_are_estimated_before_the_window_only() -> None:
    market = _two_factor_market()
    s = 80 - len(index_returns("covid_2020"))
    np.testing.assert_allclose(estimate_betas(market, s), [2.0, 0.0], atol=1e-12)
    rng = np.random.default_rng(1)
    noise = np.ones_like(market.close)
    noise[s:] = rng.uniform(0.5, 1.5, noise[s:].shape)  # move every bar from the window on
    moved = market.replace(close=market.close * noise)
    np.testing.assert_array_equal(estimate_betas(moved, s), estimate_betas(market, s))
    # the shock adds the same beta x index return to the moved market's own returns
    shock = index_returns("covid_2020").to_numpy()
    for m in (market, moved):
        out = IndexShock("covid_2020").apply(m)
        added = (1 + _returns(out.close[:, 0])) - (1 + _returns(m.close[:, 0]))
        np.testing.assert_allclose(added[s - 1 :], 2.0 * shock, atol=1e-12)
        np.testing.assert_allclose(out.close[:, 1], m.close[:, 1])  # beta 0: B is untouched
    few = estimate_betas(market, 10)  # 9 returns < min_obs: the market's beta
    np.testing.assert_array_equal(few, [1.0, 1.0])


def test_betas_to_the_benchmark_on_its_own_dates() -> None:
    from mi_kernel.data import load_benchmark

    level = load_benchmark("sp500").loc["2019-01-01":"2019-12-31"]
    r = level.pct_change().fillna(0.0).to_numpy()
    closes = {"SPX": level.to_numpy(), "TWICE": 100 * np.cumprod(1 + 2 * r)}
    bars = make_bars(closes).assign(ts=lambda b: np.tile(level.index, 2))  # the index's dates
    market = Market.from_bars(bars)
    betas = estimate_betas(market, market.shape[0], reference="benchmark")
    np.testing.assert_allclose(betas, [1.0, 2.0], atol=1e-12)


def test_strategies_read_only_universe_members() -> None:
    bars = make_bars({"A": [10.0] * 6, "B": [20.0] * 6})
    days = pd.bdate_range("2024-01-01", periods=6, tz="UTC")
    universe = pd.DataFrame(
        {"symbol": ["A", "B"], "start": days[0], "end": [pd.NaT, days[2]], "sector": "X"}
    )
    seen = market_bars(Market.from_bars(bars, universe=universe))
    assert list(seen.groupby("symbol").size()) == [6, 2]  # B left the universe on day 3


# -- halts, outages, circuit breakers -----------------------------------------------------
MOVING = make_bars({"A": 100 + np.arange(12.0) * 2, "B": 50 - np.arange(12.0)})


def _fill_days(result, symbol: str | None = None) -> set[pd.Timestamp]:
    trades = result.trades if symbol is None else result.trades.query("symbol == @symbol")
    return set(trades["ts"])


def test_venue_outage_stops_every_fill_in_its_window_and_fills_resume_after() -> None:
    market = Market.from_bars(MOVING)
    days = market.ts
    out = VenueOutage(str(days[4].date()), str(days[6].date())).apply(market)
    assert not out.tradable[4:7].any() and out.tradable[:4].all() and out.tradable[7:].all()
    assert market.tradable.all()  # the market given is not edited
    res = simulate(_daily(market, {"A": 0.5, "B": 0.5}), out, lag=1, **FRICTIONLESS)
    filled = _fill_days(res)
    assert filled.isdisjoint(days[4:7])
    assert set(days[1:4]) <= filled and set(days[7:]) <= filled  # resumes on the next bar
    base = simulate(_daily(market, {"A": 0.5, "B": 0.5}), market, lag=1, **FRICTIONLESS)
    assert set(days[1:]) == _fill_days(base)


def test_halt_stops_only_its_symbols() -> None:
    market = Market.from_bars(MOVING)
    days = market.ts
    out = Halt(("A",), str(days[4].date()), str(days[6].date())).apply(market)
    # 20 % cash: B's rebalancing buys while A cannot be sold are funded (cash-limited book)
    res = simulate(_daily(market, {"A": 0.4, "B": 0.4}), out, lag=1, **FRICTIONLESS)
    assert _fill_days(res, "A").isdisjoint(days[4:7]) and days[7] in _fill_days(res, "A")
    assert set(days[1:]) == _fill_days(res, "B")
    with pytest.raises(DataError, match="without bars"):
        Halt(("ZZZ",), None, None).apply(market)
    with pytest.raises(ConfigError, match="holds no bar"):
        VenueOutage("2030-01-01", "2030-01-02").apply(market)


def _ew_returns(returns: list[float]) -> Market:
    """Two symbols whose equal-weighted return on bar t + 1 is returns[t] (A - 2 %, B + 2 %)."""
    a, b = [100.0], [100.0]
    for r in returns:
        a.append(a[-1] * (1 + r - 0.02))
        b.append(b[-1] * (1 + r + 0.02))
    return Market.from_bars(make_bars({"A": a, "B": b}))


def test_circuit_breaker_trips_at_minus_8_not_minus_6_and_level_3_stops_the_next_bar() -> None:
    market = _ew_returns([0.01, -0.08, 0.0, -0.06, 0.0, -0.14, 0.0, -0.21, 0.0, 0.0])
    np.testing.assert_array_equal(breaker_levels(market), [0, 0, 1, 0, 0, 0, 2, 0, 3, 0, 0])
    out = CircuitBreaker().apply(market)
    halted = ~out.tradable.any(axis=1)
    np.testing.assert_array_equal(np.flatnonzero(halted), [2, 6, 8, 9])  # 9: after level 3
    res = simulate(_daily(market, {"A": 0.5, "B": 0.5}), out, lag=1, **FRICTIONLESS)
    assert _fill_days(res).isdisjoint(market.ts[halted])
    assert market.ts[10] in _fill_days(res)


def test_circuit_breaker_on_hourly_bars_halts_each_level_once_and_level_3_the_rest() -> None:
    # one bar on 2024-01-01 at 100; on 2024-01-02 the day's decline is -5 %, -8 % (level 1:
    # halt), -6 % (recovered), -9 % (level 1 again: no second halt the same day), -14 %
    # (level 2: halt), -21 % (level 3: halt the rest of the day), -21 %; 2024-01-03 starts
    # again from 0 (-1 %, -2 %, -3 %) but its first bar is halted by the level-3 rule
    day2 = 100 * (1 + np.array([-0.05, -0.08, -0.06, -0.09, -0.14, -0.21, -0.21]))
    closes = np.r_[100.0, day2, day2[-1] * np.array([0.99, 0.98, 0.97])]
    ts = pd.DatetimeIndex(
        ["2024-01-01 20:00"]
        + [f"2024-01-02 {h}:00" for h in range(14, 21)]
        + [f"2024-01-03 {h}:00" for h in range(14, 17)],
        tz="UTC",
    )
    bars = pd.DataFrame({"ts": ts, "symbol": "X", "volume": 1e6})
    bars = bars.assign(open=closes, high=closes, low=closes, close=closes)
    market = Market.from_bars(conform(bars, "bars"))
    np.testing.assert_array_equal(breaker_levels(market), [0, 0, 1, 0, 1, 2, 3, 3, 0, 0, 0])
    halted = ~CircuitBreaker().apply(market).tradable[:, 0]
    np.testing.assert_array_equal(np.flatnonzero(halted), [2, 5, 6, 7, 8])


# -- the runner ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def long_market() -> Market:
    return Market.from_bars(random_bars(0, n_days=300, n_assets=6))


def test_runner_has_one_row_per_scenario_and_gfc_hurts_a_long_only_book(long_market) -> None:
    outage = VenueOutage(str(long_market.ts[200].date()), str(long_market.ts[204].date()))
    weights = get_strategy("equal_weight")(market_bars(long_market), rebalance="W")
    table = run_scenarios(weights, long_market, ["gfc_2008", "covid_2020", outage])
    assert list(table.index) == ["base", "gfc_2008", "covid_2020", "venue_outage"]
    assert table.loc["gfc_2008", "max_drawdown"] < table.loc["base", "max_drawdown"] - 0.2
    assert table.loc["gfc_2008", "pnl"] < table.loc["base", "pnl"]
    assert table.loc["covid_2020", "worst_bar_return"] < -0.09  # 2020-03-16: -12 %
    assert table["no_fill_bars"].tolist() == [0, 0, 0, 5]
    assert table.loc["venue_outage", "halted_symbol_bars"] == 5 * 6
    assert table.loc["base", "pnl_pct"] == pytest.approx(table.loc["base", "pnl"] / 1e6)
    assert table["max_drawdown_breaches"].isna().all() and (table["breaches"] == "").all()


def test_a_strategy_id_decides_on_the_shocked_prices_without_look_ahead(long_market) -> None:
    params = {"fast": 5, "slow": 20}
    shocked = IndexShock("covid_2020").apply(long_market)
    s = long_market.shape[0] - len(index_returns("covid_2020"))
    strategy = get_strategy("sma_20_100")
    w_base = strategy(market_bars(long_market), **params)
    w_shock = strategy(market_bars(shocked), **params)
    cut = long_market.ts[s]
    before = [w[w["ts"] < cut].reset_index(drop=True) for w in (w_base, w_shock)]
    pd.testing.assert_frame_equal(*before)
    assert not w_base[w_base["ts"] >= cut].equals(w_shock[w_shock["ts"] >= cut])
    by_id = simulate_scenarios("sma_20_100", long_market, ["covid_2020"], strategy_params=params)
    fixed = simulate_scenarios(w_base, long_market, ["covid_2020"])
    np.testing.assert_allclose(by_id["base"].equity, fixed["base"].equity)
    direct = simulate(w_shock, shocked)
    np.testing.assert_allclose(by_id["covid_2020"].equity, direct.equity)
    assert not np.allclose(by_id["covid_2020"].equity, fixed["covid_2020"].equity)


def test_limit_breaches_are_counted_on_a_hand_made_book() -> None:
    # buy and hold A 50 % / B 50 % at the first close; A 100 90 99 80 100, B flat:
    # equity 1.0 1.0 0.95 0.995 0.90 1.0 (x 1e6); drawdown 0 0 5 % 0.5 % 10 % 0;
    # bar returns 0 0 -5 % +4.7 % -9.5 % +11.1 %; B's weight 0.5 0.5 0.526 0.503 0.556 0.5
    market = Market.from_bars(make_bars({"A": [100.0, 100, 90, 99, 80, 100], "B": [100.0] * 6}))
    weights = make_weights([(market.ts[0], "A", 0.5), (market.ts[0], "B", 0.5)])
    limits = Limits(
        max_drawdown=0.04, max_gross_exposure=1.0, max_position_weight=0.5, max_daily_loss=0.06
    )
    table = run_scenarios(weights, market, [], limits=limits, lag=0, **FRICTIONLESS)
    row = table.loc["base"]
    assert row["max_drawdown"] == pytest.approx(-0.10)
    assert row["worst_bar_return"] == pytest.approx(0.90 / 0.995 - 1)
    assert row["max_drawdown_breaches"] == 2  # 5 % and 10 % > 4 %
    assert row["max_gross_exposure_breaches"] == 0  # exactly 1.0 is not a breach
    assert row["max_position_weight_breaches"] == 3  # B above 50 % on bars 2, 3, 4
    assert row["max_daily_loss_breaches"] == 1  # only -9.5 % < -6 %
    assert row["breaches"] == "max_drawdown, max_position_weight, max_daily_loss"
    loose = run_scenarios(weights, market, [], limits={"max_drawdown": 0.5}, lag=0, **FRICTIONLESS)
    assert loose.loc["base", "max_drawdown_breaches"] == 0
    assert pd.isna(loose.loc["base", "max_daily_loss_breaches"])
    with pytest.raises(ConfigError, match="invalid limits"):
        run_scenarios(weights, market, [], limits={"max_leverage": 2.0})


def test_registry_builds_scenarios_and_refuses_unknown_or_clashing_names() -> None:
    assert {"gfc_2008", "covid_2020", "halt", "circuit_breaker", "venue_outage"} <= set(SCENARIOS)
    assert get_scenario("gfc_2008", beta=1.0) == IndexShock("gfc_2008", beta=1.0)
    assert get_scenario("covid_2020_breakers").name == "covid_2020_breakers"
    with pytest.raises(ConfigError, match="unknown scenario"):
        get_scenario("alien_invasion")
    with pytest.raises(ConfigError, match="cannot be built"):
        get_scenario("halt")  # needs symbols and a window
    market = Market.from_bars(MOVING)
    weights = _daily(market, {"A": 1.0})
    with pytest.raises(ConfigError, match="is taken"):
        run_scenarios(weights, market, [CircuitBreaker(), CircuitBreaker()])
