"""conform: the leaner coercion gives the frames the old one did, and never edits its input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from mi_kernel.schemas.tables import _OPEN_TABLES, TABLES, TableName, conform, to_utc, validate


def old_conform(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """conform as it was before it stopped copying canonical columns (reference)."""
    name = TableName(table)
    schema = TABLES[name]
    out = df.copy()
    for f in schema:
        if f.name not in out.columns:
            continue
        if pa.types.is_timestamp(f.type):
            out[f.name] = to_utc(out[f.name]).astype("datetime64[ns, UTC]")
        elif pa.types.is_floating(f.type) and pd.api.types.is_numeric_dtype(out[f.name]):
            out[f.name] = out[f.name].astype("float64")
        elif pa.types.is_string(f.type):
            out[f.name] = out[f.name].astype(object).where(out[f.name].notna(), None)
    if name in _OPEN_TABLES:
        for c in out.columns:
            if c not in schema.names and pd.api.types.is_numeric_dtype(out[c]):
                out[c] = out[c].astype("float64")
        order = schema.names + [c for c in out.columns if c not in schema.names]
    else:
        order = [c for c in schema.names if c in out.columns]
    return validate(out[order].reset_index(drop=True), name)


def _bars(variant: str) -> pd.DataFrame:
    ts = pd.date_range("2024-01-01", periods=6, freq="D", tz="UTC")
    frame = pd.DataFrame(
        {
            "ts": ts,
            "symbol": ["A", "B"] * 3,
            "open": np.arange(6.0),
            "high": np.arange(6.0) + 1,
            "low": np.arange(6.0) - 1,
            "close": np.arange(6.0) + 0.5,
            "volume": np.arange(6.0) * 100,
        }
    )
    if variant == "naive_ts":
        frame["ts"] = ts.tz_localize(None)
    elif variant == "other_tz_us":
        frame["ts"] = ts.tz_convert("America/New_York").astype("datetime64[us, America/New_York]")
    elif variant == "utc_us":
        frame["ts"] = frame["ts"].astype("datetime64[us, UTC]")
    elif variant == "int_volume_float32":
        frame["volume"] = np.arange(6, dtype="int64")
        frame["close"] = frame["close"].astype("float32")
    elif variant == "string_symbols_with_na":
        frame["symbol"] = pd.array(["A", None, "B", "A", None, "B"], dtype="string")
    elif variant == "object_symbols_with_nan":
        frame["symbol"] = ["A", np.nan, "B", "A", "B", "A"]
    elif variant == "shuffled_columns_and_index":
        frame = frame[["close", "ts", "volume", "symbol", "low", "open", "high"]]
        frame.index = [10, 3, 7, 1, 2, 0]
    elif variant == "range_index_not_from_zero":
        frame.index = pd.RangeIndex(5, 11)
    return frame


VARIANTS = [
    "canonical",
    "naive_ts",
    "other_tz_us",
    "utc_us",
    "int_volume_float32",
    "string_symbols_with_na",
    "object_symbols_with_nan",
    "shuffled_columns_and_index",
    "range_index_not_from_zero",
]


@pytest.mark.parametrize("copy", [True, False])
@pytest.mark.parametrize("variant", VARIANTS)
def test_bars_as_the_old_conform_gave(variant: str, copy: bool) -> None:
    frame = _bars(variant)
    before = frame.copy()
    got = conform(frame, "bars", copy=copy)
    pd.testing.assert_frame_equal(got, old_conform(before, "bars"))
    pd.testing.assert_frame_equal(frame, before)  # the input is never modified
    if copy:
        for c in got.columns:
            if c in frame.columns and frame[c].dtype != object:
                assert not np.shares_memory(got[c].to_numpy(), frame[c].to_numpy()), c


def test_open_table_extra_columns_as_before() -> None:
    frame = pd.DataFrame(
        {
            "mom_5": np.array([1, 2, 3], dtype="int32"),
            "symbol": ["A", "B", "C"],
            "ts": pd.date_range("2024-01-01", periods=3, tz="UTC"),
            "vol_20": np.array([0.1, 0.2, 0.3], dtype="float32"),
            "beta": np.array([1.0, 1.1, 0.9]),
        },
        index=[2, 1, 0],
    )
    got = conform(frame, "features")
    pd.testing.assert_frame_equal(got, old_conform(frame, "features"))
    assert list(got.columns)[:2] == ["ts", "symbol"]
    assert (got.dtypes.iloc[2:] == "float64").all()


def test_writes_to_the_result_do_not_reach_the_input() -> None:
    frame = _bars("canonical")
    out = conform(frame, "bars")
    out.loc[0, "close"] = -1.0
    out.iloc[1, out.columns.get_loc("open")] = -1.0
    pd.testing.assert_frame_equal(frame, _bars("canonical"))
