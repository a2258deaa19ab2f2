"""Run tables: continuous floats byte-stream-split, the rest dictionary-encoded; exact values."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from mi_kernel.runstore.context import parquet_encodings


def _panel(n_days: int = 200, n_names: int = 50) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    days = pd.date_range("2020-01-01", periods=n_days, freq="B", tz="UTC")
    idx = pd.MultiIndex.from_product([days, [f"S{i:02d}" for i in range(n_names)]])
    n = len(idx)
    return pd.DataFrame(
        {
            "ts": idx.get_level_values(0),
            "symbol": idx.get_level_values(1),
            "mom_20": rng.normal(0, 0.05, n).astype("float32"),  # continuous
            "mom_20_rank": np.tile(np.linspace(0, 1, n_names), n_days).astype("float32"),
            "close": np.round(rng.uniform(10, 12, n), 2),  # prices repeat: dictionary
        }
    )


def _write(df: pd.DataFrame, **kw: object) -> bytes:
    buf = io.BytesIO()
    df.to_parquet(buf, index=False, compression="zstd", **kw)
    return buf.getvalue()


def test_continuous_floats_are_split_and_the_rest_dictionary_encoded() -> None:
    df = _panel()
    enc = parquet_encodings(df)
    assert enc["use_byte_stream_split"] == ["mom_20"]
    assert set(enc["use_dictionary"]) == {"ts", "symbol", "mom_20_rank", "close"}
    data = _write(df, **enc)
    meta = pq.ParquetFile(io.BytesIO(data)).metadata.row_group(0)
    encodings = {meta.column(i).path_in_schema: meta.column(i).encodings for i in range(5)}
    assert "BYTE_STREAM_SPLIT" in encodings["mom_20"]
    assert "BYTE_STREAM_SPLIT" not in encodings["close"]
    pd.testing.assert_frame_equal(pd.read_parquet(io.BytesIO(data)), df)  # exact values
    assert len(data) < len(_write(df))  # smaller than dictionary everywhere


def test_small_tables_keep_the_defaults() -> None:
    assert parquet_encodings(_panel(n_days=5, n_names=10)) == {}
