"""Corporate actions recovered from a raw and an adjusted close (bokeh-sampledata)."""

from __future__ import annotations

import pandas as pd
import pytest

from mi_kernel import data
from mi_kernel.data.actions import recover_actions
from mi_kernel.data.packages import bokeh_adjusted_close
from mi_kernel.data.synthetic import adjust_bars
from mi_kernel.errors import DataError


def _prices(close: list[float], adj: list[float]) -> pd.DataFrame:
    ts = pd.date_range("2020-01-01", periods=len(close), freq="B", tz="UTC")
    return pd.DataFrame({"ts": ts, "symbol": "X", "close": close, "adj_close": adj})


def test_hand_computed_split_and_dividend() -> None:
    # day 2: 2-for-1 split (100 -> 50); day 4: $1 dividend on a previous close of 50
    # adjusted back from the last day: factor before day 4 is 1 - 1/50 = 0.98, before day 2 x 1/2
    close = [100.0, 50.0, 50.0, 49.0]
    adj = [100.0 * 0.98 / 2, 50.0 * 0.98, 50.0 * 0.98, 49.0]
    actions = recover_actions(_prices(close, adj))
    assert list(actions["action"]) == ["split", "dividend"]
    assert actions["value"].tolist() == pytest.approx([2.0, 1.0])


def test_an_upward_adjustment_that_is_no_split_is_refused() -> None:
    with pytest.raises(DataError, match="neither a split nor a dividend"):
        recover_actions(_prices([10.0, 10.0], [10.5, 10.0]))  # factor 1.05


def test_missing_columns_are_named() -> None:
    with pytest.raises(DataError, match="adj_close"):
        recover_actions(_prices([1.0], [1.0]).drop(columns="adj_close"))


def test_real_aapl_and_msft_splits_and_dividends() -> None:
    actions = data.read("bokeh_corporate_actions").set_index(["symbol", "ts", "action"])["value"]
    for symbol, day in (("AAPL", "2000-06-21"), ("AAPL", "2005-02-28"), ("MSFT", "2003-02-18")):
        assert actions.loc[(symbol, pd.Timestamp(day, tz="UTC"), "split")] == 2.0
    splits = actions.xs("split", level="action")
    assert len(splits) == 3  # no other split in 2000-2013 for these five names
    # declared: MSFT $3.00 special + $0.08 regular (2004-11-15); AAPL $2.65 (2012-08-09)
    special = actions.loc[("MSFT", pd.Timestamp("2004-11-15", tz="UTC"), "dividend")]
    assert special == pytest.approx(3.08, rel=0.03)
    aapl = actions.loc[("AAPL", pd.Timestamp("2012-08-09", tz="UTC"), "dividend")]
    assert aapl == pytest.approx(2.65, rel=0.03)


def test_adjusting_raw_bars_with_the_actions_recovers_the_vendor_adjusted_close() -> None:
    bars = data.load_bars("bokeh_ohlcv", ["AAPL", "MSFT", "IBM"])
    adjusted = adjust_bars(bars, data.read("bokeh_corporate_actions"))
    vendor = bokeh_adjusted_close().merge(adjusted[["ts", "symbol", "close"]])
    ratio = vendor["adj_close"] / vendor["close"]
    spread = ratio.groupby(vendor["symbol"]).agg(lambda r: r.max() / r.min() - 1)
    assert (spread < 1e-6).all(), spread  # one constant factor per symbol
