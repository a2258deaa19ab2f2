"""Macro joins as of their stamps, and the cross-sectional transforms by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mi_kernel.errors import ConfigError
from mi_kernel.features import (
    Recipe,
    compute_features,
    percentile_rank,
    sector_neutralise,
    zscore,
)
from mi_kernel.features import specs as S
from tests.features.conftest import bars_from_closes

DATES = pd.bdate_range("2021-01-01", periods=100, tz="UTC")


def _factors() -> pd.DataFrame:
    """Monthly factor returns stamped at month end (like load_factors())."""
    ends = pd.to_datetime(["2020-12-31", "2021-01-31", "2021-02-28", "2021-03-31"], utc=True)
    return pd.DataFrame({"MktRF": [0.01, 0.02, 0.03, 0.04]}, index=ends)


def _etf_bars() -> pd.DataFrame:
    days = DATES[::2]  # the ETF trades every other day
    return bars_from_closes({"MTUM": list(100.0 + np.arange(len(days)))}, days)


RECIPE = Recipe(
    name="macro_test",
    version="0",
    features=(S.macro_level("ff", "MktRF", 45), S.macro_return("etf", "MTUM", 2, 7)),
    ranks=False,
)


def _macro() -> pd.DataFrame:
    bars = bars_from_closes({"A": [1.0] * len(DATES), "B": [2.0] * len(DATES)}, DATES)
    out = compute_features(bars, RECIPE, macro={"ff": _factors(), "etf": _etf_bars()})
    return out[out["symbol"] == "A"].set_index("ts")


def test_monthly_factors_are_seen_from_their_stamp_on() -> None:
    ff = _macro()["ff_mktrf"]
    assert ff[pd.Timestamp("2021-01-29", tz="UTC")] == pytest.approx(0.01)  # December's
    assert ff[pd.Timestamp("2021-02-01", tz="UTC")] == pytest.approx(0.02)  # January's
    assert ff[pd.Timestamp("2021-03-31", tz="UTC")] == pytest.approx(0.04)  # same day: known
    assert ff[pd.Timestamp("2021-05-14", tz="UTC")] == pytest.approx(0.04)  # 44 days old
    assert np.isnan(ff[pd.Timestamp("2021-05-17", tz="UTC")])  # 47 days old: stale


def test_etf_returns_use_the_etfs_own_calendar_as_of_each_date() -> None:
    ret = _macro()["etf_mtum_ret_2"]
    # ETF closes 100, 101, 102, ... on DATES[0], DATES[2], DATES[4], ...
    assert np.isnan(ret[DATES[3]])  # only two ETF closes known by then
    assert ret[DATES[4]] == pytest.approx(102 / 100 - 1)
    assert ret[DATES[5]] == pytest.approx(102 / 100 - 1)  # the ETF did not trade: last known


def test_macro_inputs_are_checked() -> None:
    bars = bars_from_closes({"A": [1.0] * len(DATES)}, DATES)
    with pytest.raises(ConfigError, match=r"needs input macro\['etf'\]"):
        compute_features(bars, RECIPE, macro={"ff": _factors()})
    with pytest.raises(ConfigError, match="'MktRF' of macro\\['ff'\\]"):
        compute_features(
            bars, RECIPE, macro={"ff": _factors().rename(columns=str.lower), "etf": _etf_bars()}
        )


def test_macro_recipe_on_the_shipped_factor_data() -> None:
    from mi_kernel import data

    days = pd.bdate_range("2016-06-01", periods=60, tz="UTC")
    bars = bars_from_closes({"A": [1.0] * 60}, days)
    macro = {"ff": data.load_factors(), "etf": data.load_bars("factor_etfs")}
    out = compute_features(bars, "macro", macro=macro)
    assert out.drop(columns=["ts", "symbol"]).notna().all().all()
    ff = data.load_factors()
    assert out["ff_hml"].iloc[-1] == ff.loc[ff.index <= days[-1], "HML"].iloc[-1]


def test_rank_zscore_and_sector_neutralise_by_hand() -> None:
    panel = np.array([[1.0, 2.0, 3.0, np.nan], [5.0, 5.0, np.nan, np.nan]])
    np.testing.assert_allclose(
        percentile_rank(panel), [[0.0, 0.5, 1.0, np.nan], [0.5, 0.5, np.nan, np.nan]]
    )
    z = np.sqrt(1.5)
    np.testing.assert_allclose(zscore(panel), [[-z, 0, z, np.nan], [0, 0, np.nan, np.nan]])
    np.testing.assert_allclose(zscore(panel, clip=1.0)[0], [-1.0, 0.0, 1.0, np.nan])
    codes = np.array([0, 0, 1, -1])
    np.testing.assert_allclose(
        sector_neutralise(panel, codes), [[-0.5, 0.5, 0.0, np.nan], [0.0, 0.0, np.nan, np.nan]]
    )
