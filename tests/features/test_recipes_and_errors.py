"""Recipe registry, helpers and error messages."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.features import RECIPES, compute_features, recipe_info, to_long, to_wide
from tests.features.conftest import random_bars


def test_recipe_info_lists_every_output_column() -> None:
    info = recipe_info("core")
    assert list(info.columns) == ["name", "description", "lookback", "kind"]
    raw = ["mom_5", "mom_20", "mom_60", "mom_12_1", "vol_20", "vol_60", "mr_z_20", "beta_60"]
    assert list(info["name"]) == raw + [f"{n}_rank" for n in raw]
    assert info.set_index("name").loc["mom_12_1", "lookback"] == 252


def test_unknown_recipe_names_the_known_ones() -> None:
    with pytest.raises(
        ConfigError,
        match=r"'nope'.*\['core', 'core_news', 'fundamental', 'macro', 'news', 'technical'\]",
    ):
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


def test_recipes_declare_their_inputs_and_columns() -> None:
    assert RECIPES["core"].inputs == ()
    assert RECIPES["technical"].inputs == ("volume",)
    assert RECIPES["fundamental"].inputs == ("fundamentals", "sectors")
    assert RECIPES["macro"].inputs == ("macro['ff']", "macro['etf']")
    for name, recipe in RECIPES.items():
        info = recipe_info(name)
        assert list(info["name"]) == recipe.columns, name
        assert info["name"].is_unique and info["description"].str.len().gt(10).all()
    tech = recipe_info("technical").set_index("name")
    assert tech.loc["mom_20_z", "kind"] == "cs_zscore" and tech.loc["macd_hist", "lookback"] == 33
    assert "ff_mktrf_rank" not in RECIPES["macro"].columns  # same for every symbol: no ranks


def test_digest_tracks_definitions_not_names() -> None:
    core = RECIPES["core"]
    assert core.digest == replace(core, description="changed").digest
    assert core.digest != replace(core, features=core.features[:-1]).digest
    assert core.digest != replace(core, zscores=True).digest


def test_bars_without_volume_are_refused_by_volume_recipes() -> None:
    bars = random_bars(3, n_days=30).drop(columns="volume")
    with pytest.raises(DataError, match=r"\['volume'\].*'technical'"):
        compute_features(bars, "technical")
    assert compute_features(bars, "core").shape[0] == len(bars)
