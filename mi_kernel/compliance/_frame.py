"""Validate and normalise a weights table for the compliance rules."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mi_kernel.compliance.book import UNKNOWN_SECTOR, Book
from mi_kernel.errors import ConfigError
from mi_kernel.schemas.tables import to_utc

#: Absolute tolerance of every limit (weights are fractions of equity).
TOL = 1e-9


def utc(values: pd.Series) -> pd.Series:
    """Return ``values`` as UTC timestamps (fast path for an already tz-aware column)."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").reset_index(drop=True)
    return to_utc(values).reset_index(drop=True)


def book_frame(weights: pd.DataFrame) -> pd.DataFrame:
    """Return columns ts (UTC; NaT when absent), symbol (str), weight (float), input order.

    Raises
    ------
    ConfigError
        If symbol or weight is missing, a weight is NaN / inf, or a (ts, symbol) repeats.
    """
    missing = [c for c in ("symbol", "weight") if c not in weights.columns]
    if missing:
        raise ConfigError(
            f"weights lack column(s) {missing}; pass a table with symbol, weight (and ts)"
        )
    ts = (
        utc(weights["ts"])
        if "ts" in weights.columns
        else pd.Series(pd.NaT, index=range(len(weights)), dtype="datetime64[ns, UTC]")
    )
    frame = pd.DataFrame(
        {
            "ts": ts,
            "symbol": weights["symbol"].astype(str).reset_index(drop=True).astype(object),
            "weight": pd.to_numeric(weights["weight"], errors="coerce")
            .reset_index(drop=True)
            .astype("float64"),
        }
    )
    bad = ~np.isfinite(frame["weight"].to_numpy())
    if bad.any():
        names = sorted(set(frame.loc[bad, "symbol"]))
        raise ConfigError(f"weights of {names[:10]} are NaN or inf; use 0.0 for no position")
    dup = frame.duplicated(["ts", "symbol"])
    if dup.any():
        row = frame[dup].iloc[0]
        raise ConfigError(
            f"weights hold {row['symbol']!r} more than once on {row['ts']}; "
            "keep one weight per (ts, symbol)"
        )
    return frame


def date_codes(frame: pd.DataFrame) -> tuple[np.ndarray, pd.Index]:
    """Return an integer code per row for its ts (NaT is one date) and the unique dates."""
    codes, uniques = pd.factorize(frame["ts"], use_na_sentinel=False)
    return codes, pd.Index(uniques)


def sector_names(frame: pd.DataFrame, book: Book) -> pd.Series:
    """Return the sector of every row's symbol ("Unknown" when the book has none)."""
    return frame["symbol"].map(book.sectors).fillna(UNKNOWN_SECTOR).astype(object)
