"""to_panel without Python objects per row: identical to the object-based reference it replaced.

The reference below is the former implementation (timestamps converted to Python objects,
the frame sorted and checked by pandas, then indexed); the platform's path must give an
identical Dataset (values, dtypes, coordinates, attributes) on every input it accepted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from mi_kernel.errors import DataError
from mi_kernel.features import to_panel
from mi_kernel.features.panel import SessionIndex
from mi_kernel.schemas.tables import to_utc
from tests.features.conftest import random_bars

FIELDS = ("open", "high", "low", "close", "volume")


def reference_panel(bars: pd.DataFrame) -> xr.Dataset:
    """The object-based to_panel this replaces (kept as the oracle)."""
    frame = bars.assign(ts=to_utc(bars["ts"]).to_numpy(), symbol=bars["symbol"].astype(str))
    frame = frame.sort_values(["symbol", "ts"], kind="stable").reset_index(drop=True)
    if frame.duplicated(["symbol", "ts"]).any():
        raise DataError("duplicate (ts, symbol) rows")
    idx = SessionIndex.from_sorted(frame["ts"], frame["symbol"])
    dims = ("time", "symbol")
    data = {
        f: (dims, idx.to_dates(pd.to_numeric(frame[f]).to_numpy(dtype="float64")))
        for f in FIELDS
        if f in frame.columns
    }
    coords = {"time": idx.dates.tz_localize(None), "symbol": idx.symbols.astype(str)}
    panel = xr.Dataset({**data, "bar": (dims, idx.mask())}, coords=coords)
    panel.attrs["time_zone"] = "UTC"
    return panel


def assert_same_panel(bars: pd.DataFrame) -> xr.Dataset:
    got, expected = to_panel(bars), reference_panel(bars)
    xr.testing.assert_identical(got, expected)
    for name in expected.variables:  # assert_identical compares values, not dtypes
        assert got[name].dtype == expected[name].dtype, name
    return got


def shuffled(bars: pd.DataFrame, seed: int) -> pd.DataFrame:
    return bars.sample(frac=1.0, random_state=seed).reset_index(drop=True)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sorted_bars_with_missing_days(seed: int) -> None:
    bars = random_bars(seed, n_days=120, n_assets=7, gaps=True)
    assert len(bars) < 120 * 7  # some bars are missing
    panel = assert_same_panel(bars)
    assert int(panel["bar"].sum()) == len(bars)


@pytest.mark.parametrize("seed", [3, 4])
def test_unsorted_rows_give_the_same_panel(seed: int) -> None:
    bars = random_bars(seed, n_days=80, n_assets=5)
    assert_same_panel(shuffled(bars, seed))
    xr.testing.assert_identical(to_panel(shuffled(bars, seed)), to_panel(bars))


def test_late_listings_and_early_delistings() -> None:
    bars = random_bars(5, n_days=60, n_assets=4, gaps=False)
    late = (bars["symbol"] == "S1") & (bars["ts"] < bars["ts"].iloc[20])
    gone = (bars["symbol"] == "S2") & (bars["ts"] > bars["ts"].iloc[40])
    assert_same_panel(bars[~late & ~gone].reset_index(drop=True))


@pytest.mark.parametrize("zone", [None, "America/New_York", "Asia/Tokyo"])
@pytest.mark.parametrize("unit", ["ns", "us", "s"])
def test_time_zones_and_units(zone: str | None, unit: str) -> None:
    bars = random_bars(6, n_days=30, n_assets=3)
    ts = pd.DatetimeIndex(bars["ts"]).as_unit(unit)
    ts = ts.tz_convert(zone) if zone else ts.tz_localize(None)  # naive = UTC
    panel = assert_same_panel(shuffled(bars.assign(ts=ts), 6))
    assert panel["time"].dtype == np.dtype("datetime64[ns]")


def test_intraday_timestamps_and_string_dates() -> None:
    stamps = pd.date_range("2024-03-01 14:30", periods=12, freq="15min", tz="UTC")
    rows = [
        (t, s, float(i)) for i, t in enumerate(stamps) for s in ("AAA", "B") if i % 5 or s == "B"
    ]
    bars = pd.DataFrame(rows, columns=["ts", "symbol", "close"])
    assert_same_panel(bars)
    assert_same_panel(bars.assign(ts=bars["ts"].dt.strftime("%Y-%m-%d %H:%M:%S%z")))


def test_symbols_compared_as_strings() -> None:
    """Non-string symbols are named by str(), widths of the coordinate follow the longest."""
    bars = random_bars(7, n_days=10, n_assets=3, gaps=False)
    codes = bars["symbol"].map({"S0": 10, "S1": 2, "S2": "LONGNAME"})
    panel = assert_same_panel(bars.assign(symbol=codes))
    assert list(panel["symbol"].values) == ["10", "2", "LONGNAME"]


def test_subset_of_fields_and_integer_values() -> None:
    bars = random_bars(8, n_days=15, n_assets=2)[["ts", "symbol", "close", "volume"]]
    assert_same_panel(bars.assign(volume=bars["volume"].round().astype("int64")))


def test_one_row_and_no_rows() -> None:
    bars = random_bars(9, n_days=5, n_assets=2)
    assert_same_panel(bars.iloc[:1])
    assert_same_panel(bars.iloc[:0])


def test_duplicates_are_refused_like_before() -> None:
    bars = random_bars(10, n_days=20, n_assets=3)
    dup = pd.concat([bars, bars.iloc[[5]]], ignore_index=True)
    with pytest.raises(DataError, match="duplicate"):
        reference_panel(dup)
    with pytest.raises(DataError, match=r"1 duplicate \(ts, symbol\) row.*S0 at 20"):
        to_panel(shuffled(dup, 1))


def test_missing_timestamps_are_refused() -> None:
    """The object path filed a NaT row under the last date; now it is an error."""
    bars = random_bars(12, n_days=6, n_assets=2)
    bad = bars.assign(ts=bars["ts"].where(bars.index != 3))
    with pytest.raises(DataError, match=r"1 row\(s\) have no timestamp"):
        to_panel(bad)


@pytest.mark.parametrize("seed", [13, 14])
def test_from_long_matches_from_sorted(seed: int) -> None:
    bars = random_bars(seed, n_days=50, n_assets=4)
    expected = SessionIndex.from_sorted(bars["ts"], bars["symbol"])
    for table, sorted_already in ((bars, True), (shuffled(bars, seed), False)):
        got, order = SessionIndex.from_long(table["ts"], table["symbol"])
        assert (order is None) == sorted_already
        rows = slice(None) if order is None else order
        np.testing.assert_array_equal(table["close"].to_numpy()[rows], bars["close"].to_numpy())
        pd.testing.assert_index_equal(got.dates, expected.dates, exact=True)
        assert got.dates.freq == expected.dates.freq
        np.testing.assert_array_equal(got.symbols, expected.symbols)
        for name in ("sym", "session", "date"):
            np.testing.assert_array_equal(getattr(got, name), getattr(expected, name))
            assert getattr(got, name).dtype == np.intp
