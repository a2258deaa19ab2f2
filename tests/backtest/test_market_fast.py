"""Market.from_bars without a pivot per field: identical to the pivot-based reference.

The reference below is the former panel step (``DataFrame.pivot`` of each OHLCV field, then
the columns sorted and reindexed); the rest of the market is built by the module's own
helpers in both, so any difference comes from placing the bars.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mi_kernel.backtest import market as M
from mi_kernel.backtest.market import Market
from mi_kernel.data.synthetic import SyntheticConfig, load
from mi_kernel.errors import ConfigError, DataError
from mi_kernel.schemas import conform
from tests.backtest.conftest import random_bars


def reference_market(
    bars: pd.DataFrame,
    actions: pd.DataFrame | None = None,
    universe: pd.DataFrame | None = None,
    borrow: float | pd.DataFrame = np.inf,
    window: int = 20,
    delist_missing: bool = True,
) -> Market:
    """Market.from_bars as it was, with a pivot per field (kept as the oracle)."""
    M.validate(bars, "bars")
    if bars.duplicated(["ts", "symbol"]).any():
        raise DataError("bars have duplicate (ts, symbol) rows; run the quality gate first")
    if window < 2:
        raise ConfigError(f"window must be at least 2 bars, got {window}")
    wide = {
        c: bars.pivot(index="ts", columns="symbol", values=c).sort_index()
        for c in ("open", "high", "low", "close", "volume")
    }
    ts = pd.DatetimeIndex(wide["close"].index)
    symbols = sorted(str(s) for s in wide["close"].columns)
    px = {
        c: np.ascontiguousarray(wide[c].reindex(columns=symbols).to_numpy(dtype="float64"))
        for c in wide
    }
    has_bar = np.isfinite(px["close"])
    volume = np.where(has_bar, np.nan_to_num(px["volume"], nan=0.0), 0.0)
    n_t, n_a = px["close"].shape
    split, dividend = np.ones((n_t, n_a)), np.zeros((n_t, n_a))
    delist, delist_ret = np.zeros((n_t, n_a), dtype=bool), np.zeros((n_t, n_a))
    if delist_missing and n_t:
        last = n_t - 1 - np.argmax(has_bar[::-1], axis=0)
        gone = has_bar.any(axis=0) & (last < n_t - 1)
        delist[last[gone], np.flatnonzero(gone)] = True
    if actions is not None and len(actions):
        M._place_actions(actions, ts, symbols, split, dividend, delist, delist_ret)
    members, warnings = M._membership(universe, ts, symbols)
    years = np.zeros(n_t)
    if n_t > 1:
        years[1:] = np.diff(ts.asi8) / (365.25 * 86_400e9)
    zeros = np.zeros((n_t, n_a))
    market = Market(
        ts, symbols, px["open"], px["high"], px["low"], px["close"], volume, split, dividend,
        delist, delist_ret, has_bar, members, zeros, zeros, M._borrow(borrow, ts, symbols), years,
        warnings,
    )  # fmt: skip
    adv, sigma = reference_liquidity(market, window)
    return market.replace(adv=adv, sigma=sigma)


def reference_liquidity(market: Market, window: int) -> tuple[np.ndarray, np.ndarray]:
    """trailing_liquidity as it was: pandas shift and row medians (kept as the oracle)."""
    has_bar = np.isfinite(market.close)
    vol = pd.DataFrame(np.where(has_bar, market.volume, np.nan))
    adv = vol.rolling(window, min_periods=1).mean().shift(1).to_numpy()
    ret = pd.DataFrame(np.where(has_bar, market.total_return(), np.nan))
    sigma = ret.rolling(window, min_periods=2).std().shift(1)
    median = sigma.median(axis=1).to_numpy()[:, None]
    values = sigma.to_numpy()
    values = np.where(np.isnan(values), median, values)
    filled = np.where(np.isnan(values), M.DEFAULT_SIGMA, values)
    return np.ascontiguousarray(adv), np.ascontiguousarray(filled)


def assert_same_market(got: Market, expected: Market) -> None:
    pd.testing.assert_index_equal(got.ts, expected.ts, exact=True)
    assert got.ts.freq == expected.ts.freq
    assert got.symbols == expected.symbols
    assert all(type(s) is str for s in got.symbols)
    assert got.warnings == expected.warnings
    for f in dataclasses.fields(Market):
        if f.name in ("ts", "symbols", "warnings"):
            continue
        a, b = getattr(got, f.name), getattr(expected, f.name)
        assert a.dtype == b.dtype and a.shape == b.shape, f.name
        assert a.flags.c_contiguous, f.name
        np.testing.assert_array_equal(a, b, err_msg=f.name)


def shuffled(bars: pd.DataFrame, seed: int) -> pd.DataFrame:
    return bars.sample(frac=1.0, random_state=seed).reset_index(drop=True)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    """A small synthetic market: listings, delistings, splits, dividends, a universe."""
    config = SyntheticConfig(
        n_symbols=8, n_days=400, seed=11, listing_rate=0.3, delisting_rate=0.4, split_rate=0.5
    )
    cache: Path = tmp_path_factory.mktemp("synthetic")
    return {t: load(t, config, cache_dir=cache) for t in ("bars", "corporate_actions", "universe")}


def test_synthetic_market_with_actions_and_universe(synthetic: dict[str, pd.DataFrame]) -> None:
    bars = synthetic["bars"]
    assert bars["symbol"].nunique() > 8  # new listings: symbols with missing early bars
    kwargs = {"actions": synthetic["corporate_actions"], "universe": synthetic["universe"]}
    expected = reference_market(bars, **kwargs)
    assert expected.delist.any() and (expected.split != 1).any() and (expected.dividend > 0).any()
    assert_same_market(Market.from_bars(bars, **kwargs), expected)
    assert_same_market(Market.from_bars(shuffled(bars, 0), **kwargs), expected)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_missing_bars_and_unsorted_rows(seed: int) -> None:
    bars = random_bars(seed, n_days=90, n_assets=5)
    keep = np.random.default_rng(seed).random(len(bars)) > 0.1  # drop ~10% of the bars
    thin = shuffled(bars[keep], seed)
    expected = reference_market(thin, window=5)
    assert not expected.tradable.all()
    assert_same_market(Market.from_bars(thin, window=5), expected)


def test_borrow_panel_and_no_delisting_of_missing() -> None:
    bars = random_bars(3, n_days=40, n_assets=3)
    bars = bars[~((bars["symbol"] == "S1") & (bars["ts"] > bars["ts"].iloc[30]))]
    days = pd.DatetimeIndex(bars["ts"].unique())
    borrow = pd.DataFrame({"S0": 1e3, "S2": 0.0}, index=days[::7])
    for kwargs in ({"borrow": borrow}, {"borrow": 50.0, "delist_missing": False}):
        assert_same_market(Market.from_bars(bars, **kwargs), reference_market(bars, **kwargs))


def test_intraday_clock_from_other_time_zones() -> None:
    stamps = pd.date_range("2024-03-04 09:30", periods=30, freq="5min", tz="America/New_York")
    rows = [
        (t, s, 10.0 + i, 11.0 + i, 9.0 + i, 10.5 + i, 100.0 * (i + 1))
        for i, t in enumerate(stamps)
        for s in ("B", "A", "CC")
        if (i + len(s)) % 4
    ]
    bars = conform(
        pd.DataFrame(rows, columns=["ts", "symbol", "open", "high", "low", "close", "volume"]),
        "bars",
    )
    assert_same_market(Market.from_bars(bars, window=3), reference_market(bars, window=3))


def test_one_bar() -> None:
    bars = random_bars(4, n_days=1, n_assets=1)
    assert_same_market(Market.from_bars(bars), reference_market(bars))


def test_duplicates_refused_before_the_window_is_checked() -> None:
    bars = random_bars(5, n_days=10, n_assets=2)
    dup = pd.concat([bars, bars.iloc[[3]]], ignore_index=True)
    with pytest.raises(DataError, match="duplicate"):
        reference_market(dup, window=1)
    with pytest.raises(DataError, match="duplicate"):
        Market.from_bars(dup, window=1)
    with pytest.raises(ConfigError, match="window"):
        Market.from_bars(bars, window=1)


def test_missing_timestamps_are_refused() -> None:
    bars = random_bars(6, n_days=5, n_assets=2)
    with pytest.raises(DataError, match="NaT"):
        Market.from_bars(bars.assign(ts=bars["ts"].where(bars.index != 2)))


@pytest.mark.parametrize("seed", range(6))
def test_row_median_is_nanmedian(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(40, 1 + seed * 3))
    a[rng.random(a.shape) < 0.4] = np.nan
    a[0] = np.nan  # a row without values
    a[1, :] = 2.0  # ties
    if a.shape[1] > 2:
        a[2, :2] = [np.inf, -np.inf]
    with np.errstate(invalid="ignore"), pytest.warns(RuntimeWarning, match="All-NaN"):
        expected = np.nanmedian(a, axis=1)
    np.testing.assert_array_equal(M._row_median(a), expected)
