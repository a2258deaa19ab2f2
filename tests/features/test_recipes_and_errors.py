"""Recipe registry, helpers and error messages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.features import compute_features, recipe_info, to_long, to_wide
from tests.features.conftest import random_bars


def test_recipe_info_lists_every_output_column() -> None:
    info = recipe_info("core")
    assert list(info.columns) == ["name", "description", "lookback", "kind"]
    raw = ["mom_5", "mom_20", "mom_60", "mom_12_1", "vol_20", "vol_60", "mr_z_20", "beta_60"]
    assert list(info["name"]) == raw + [f"{n}_rank" for n in raw]
    assert info.set_index("name").loc["mom_12_1", "lookback"] == 252


def test_unknown_recipe_names_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"'nope'.*\['core'\]"):
        recipe_info("nope")
    with pytest.raises(ConfigError):
        compute_features(random_bars(0, n_days=30), "nope")


def test_bad_bars_raise_data_errors() -> None:
    bars = random_bars(0, n_days=30)
    with pytest.raises(DataError, match="close"):
        compute_features(bars.drop(columns="close"))
    with pytest.raises(DataError, match="duplicate"):
        compute_features(pd.concat([bars, bars.iloc[:1]]))


def test_naive_market_index_is_taken_as_utc() -> None:
    bars = random_bars(2, n_days=90, gaps=False)
    dates = pd.DatetimeIndex(bars["ts"].unique())
    level = pd.Series(np.linspace(100, 120, len(dates)), index=dates.tz_localize(None))
    out = compute_features(bars, market=level)
    aware = compute_features(bars, market=level.set_axis(dates))
    pd.testing.assert_frame_equal(out, aware)
    assert out["beta_60"].notna().any()


def test_to_wide_to_long_roundtrip() -> None:
    bars = random_bars(4, n_days=40)
    wide = to_wide(bars, "close")
    assert wide.shape == (bars["ts"].nunique(), bars["symbol"].nunique())
    back = to_long({"close": wide})
    pd.testing.assert_frame_equal(
        back, bars[["ts", "symbol", "close"]].reset_index(drop=True), check_names=False
    )
