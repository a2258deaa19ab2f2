"""No look-ahead: perturbing any input after a cutoff never changes features at or before it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mi_kernel.errors import LeakageError
from mi_kernel.features import (
    check_no_lookahead,
    compute_features,
    compute_panel,
    from_panel,
    to_panel,
)
from mi_kernel.schemas.tables import to_utc
from tests.features.conftest import market_for, random_bars


@settings(max_examples=10, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    cut_at=st.integers(5, 280),
    with_market=st.booleans(),
    recipe=st.sampled_from(["core", "technical"]),
)
def test_features_ignore_the_future(seed: int, cut_at: int, with_market: bool, recipe: str) -> None:
    bars = random_bars(seed, n_days=300)
    dates = pd.DatetimeIndex(bars["ts"].unique()).sort_values()
    market = market_for(bars, seed + 1) if with_market else None
    check_no_lookahead(
        compute_features, bars, dates[cut_at], seed=seed, recipe_id=recipe, market=market
    )


@pytest.mark.parametrize("cut_at", [60, 200, 330])
def test_fundamental_features_ignore_reports_not_yet_known(synthetic, cut_at: int) -> None:
    dates = np.sort(synthetic["bars"]["ts"].unique())
    check_no_lookahead(
        compute_features,
        synthetic["bars"],
        dates[cut_at],
        recipe_id="fundamental",
        fundamentals=synthetic["fundamentals"],
        sectors=synthetic["universe"],
    )


def test_macro_features_ignore_later_stamps() -> None:
    from mi_kernel import data

    bars = random_bars(3, n_days=120, start="2016-01-01")
    days = pd.DatetimeIndex(bars["ts"].unique()).sort_values()

    macro = {"ff": data.load_factors(), "etf": data.load_bars("factor_etfs")}
    for cut in (days[30], days[90]):
        check_no_lookahead(compute_features, bars, cut, recipe_id="macro", macro=macro)


def test_the_dask_panel_path_ignores_the_future() -> None:
    def via_panel(bars: pd.DataFrame, **kwargs: Any) -> pd.DataFrame:
        panel = to_panel(bars, chunks={"symbol": 3})
        return from_panel(compute_panel(panel, "technical", **kwargs).compute(), panel["bar"])

    bars = random_bars(11, n_days=200)
    check_no_lookahead(via_panel, bars, market=market_for(bars, 2))


def test_a_feature_using_the_next_close_is_caught() -> None:
    def peeks(bars: pd.DataFrame) -> pd.DataFrame:  # bars come sorted by (symbol, ts)
        out = compute_features(bars, "core")
        ratio = bars.groupby("symbol")["close"].shift(-1) / bars["close"]
        return out.assign(next_close=ratio.to_numpy())

    bars = random_bars(0, n_days=80)
    with pytest.raises(LeakageError, match=r"leaks the future: column 'next_close' at .* for S"):
        check_no_lookahead(peeks, bars)


def test_a_join_on_the_period_end_instead_of_ts_known_is_caught(synthetic) -> None:
    def joins_on_period_end(bars: pd.DataFrame, fundamentals: pd.DataFrame) -> pd.DataFrame:
        left = bars.assign(ts=to_utc(bars["ts"])).sort_values("ts")
        right = fundamentals.assign(ts=to_utc(fundamentals["ts"])).sort_values("ts")
        joined = pd.merge_asof(left, right[["ts", "symbol", "book_value"]], on="ts", by="symbol")
        return joined[["ts", "symbol"]].assign(bp=joined["book_value"] / joined["close"])

    dates = np.sort(synthetic["bars"]["ts"].unique())
    with pytest.raises(LeakageError, match="'bp'"):
        check_no_lookahead(
            joins_on_period_end,
            synthetic["bars"],
            dates[200],
            fundamentals=synthetic["fundamentals"],
        )


def test_a_market_level_from_the_future_is_caught() -> None:
    def uses_tomorrow(bars: pd.DataFrame, market: pd.Series) -> pd.DataFrame:
        tomorrow = pd.Series(market.to_numpy()[1:], index=market.index[:-1])
        return compute_features(bars, "core", market=tomorrow)

    bars = random_bars(5, n_days=120, gaps=False)
    with pytest.raises(LeakageError, match="beta_60"):
        check_no_lookahead(uses_tomorrow, bars, market=market_for(bars, 6))
