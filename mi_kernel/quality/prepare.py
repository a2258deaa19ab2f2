"""Bring a messy bars frame into a checkable shape without losing a row.

Coerces what can be coerced without guessing (naive or other-zone timestamps to UTC,
ints and numeric strings to float); what cannot be coerced becomes NaT / NaN / None so
that a check quarantines it with a reason instead of the whole table failing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mi_kernel.errors import SchemaError

#: Columns a bars frame must have; ``volume`` may be absent (a source without volume).
REQUIRED = ("ts", "symbol", "open", "high", "low", "close")
PRICES = ("open", "high", "low", "close")
COLUMNS = ("row_id", "ts", "symbol", "open", "high", "low", "close", "volume")


def to_utc_lenient(values: pd.Series) -> pd.Series:
    """Return ``values`` as UTC timestamps; naive ones are taken as UTC, unparseable ones NaT."""
    s = pd.Series(values).reset_index(drop=True)
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        return s.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")
    try:
        out = pd.to_datetime(s, utc=True)
    except (TypeError, ValueError, OverflowError):
        out = pd.to_datetime(s, utc=True, errors="coerce", format="mixed")
    return out.astype("datetime64[ns, UTC]")


def _symbols(values: pd.Series) -> pd.Series:
    s = pd.Series(values).reset_index(drop=True).astype(object)
    missing = s.isna() | s.map(lambda v: isinstance(v, str) and not v.strip())
    return s.map(str).where(~missing, None)


def prepare(bars: pd.DataFrame) -> pd.DataFrame:
    """Return the checkable frame (columns :data:`COLUMNS`), one row per input row, in order.

    Raises
    ------
    SchemaError
        If ``bars`` is not a DataFrame or lacks a column of :data:`REQUIRED`.
    """
    if not isinstance(bars, pd.DataFrame):
        raise SchemaError(f"bars must be a pandas DataFrame, got {type(bars).__name__}")
    missing = [c for c in REQUIRED if c not in bars.columns]
    if missing:
        raise SchemaError(
            f"bars lack the required column(s) {missing} (have {list(bars.columns)}); "
            f"a bars table needs {list(REQUIRED)} and optionally volume"
        )
    out = pd.DataFrame({"row_id": np.arange(len(bars), dtype="int64")})
    out["ts"] = to_utc_lenient(bars["ts"])
    out["symbol"] = _symbols(bars["symbol"])
    for col in (*PRICES, "volume"):
        if col in bars.columns:
            values = pd.to_numeric(bars[col].reset_index(drop=True), errors="coerce")
            out[col] = values.astype("float64")
        else:
            out[col] = np.nan
    return out
