"""Long <-> wide panels, and the session index that maps long rows onto them.

Array conventions (written down once for the whole subpackage):

- A **session panel** is a 2-D float64 array of shape ``(n_sessions, n_symbols)`` whose row
  ``k`` holds each symbol's ``k``-th own session (its ``k``-th bar). Shifts and rolling
  windows along axis 0 therefore count a symbol's own sessions, so gaps in one symbol's
  calendar never leak NaNs into another's, and a missing day is skipped, not filled.
- A **date panel** has shape ``(n_dates, n_symbols)`` over the union calendar; it is used for
  cross-sectional operations (ranks, universe averages), which are by actual date.
- Cells without a bar are NaN in both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from mi_kernel.errors import DataError
from mi_kernel.schemas.tables import to_utc

Array = NDArray[np.float64]
IntArray = NDArray[np.intp]


@dataclass(frozen=True)
class SessionIndex:
    """Positions of the rows of a long table sorted by (symbol, ts) in the two panels.

    Attributes
    ----------
    symbols : ndarray of object, shape (n_symbols,)
        Sorted unique symbols (panel columns).
    dates : DatetimeIndex, shape (n_dates,)
        Sorted union calendar (date-panel rows).
    sym : ndarray of int, shape (n_rows,)
        Column of each row.
    session : ndarray of int, shape (n_rows,)
        Row of each row in the session panel (its symbol's own session number, from 0).
    date : ndarray of int, shape (n_rows,)
        Row of each row in the date panel.
    """

    symbols: NDArray[np.object_]
    dates: pd.DatetimeIndex
    sym: IntArray
    session: IntArray
    date: IntArray

    @classmethod
    def from_sorted(cls, ts: pd.Series, symbol: pd.Series) -> SessionIndex:
        """Build the index of a table already sorted by (symbol, ts) without duplicates."""
        sym_codes, symbols = pd.factorize(symbol, sort=True)
        date_codes, dates = pd.factorize(ts, sort=True)
        return cls._from_codes(
            np.asarray(symbols, dtype=object),
            pd.DatetimeIndex(dates),
            np.asarray(sym_codes, dtype=np.intp),
            np.asarray(date_codes, dtype=np.intp),
        )

    @classmethod
    def from_long(cls, ts: pd.Series, symbol: pd.Series) -> tuple[SessionIndex, IntArray | None]:
        """Build the index of a long table in any row order, without a Python object per row.

        Parameters
        ----------
        ts : Series, shape (n_rows,)
            Timestamps, compared in UTC (naive = UTC), any unit or time zone.
        symbol : Series, shape (n_rows,)
            Symbols, compared as ``str``.

        Returns
        -------
        index : SessionIndex
            Index of the rows sorted by (symbol, ts); ``dates`` are tz-aware UTC nanoseconds.
        order : ndarray of int, shape (n_rows,), or None
            Row ``i`` of the index is row ``order[i]`` of the table; None when the table is
            already sorted (the index then follows its rows).

        Raises
        ------
        DataError
            On a missing timestamp (NaT) or duplicate (ts, symbol) rows.
        """
        stamps = pd.DatetimeIndex(to_utc(ts).dt.as_unit("ns"))
        if stamps.hasnans:
            missing = np.count_nonzero(stamps.isna())
            raise DataError(f"{missing} row(s) have no timestamp (NaT); drop or fill them")
        sym_codes, symbols = pd.factorize(pd.Series(symbol).astype(str), sort=True)
        date_codes, dates = pd.factorize(stamps.asi8, sort=True)
        sym = np.asarray(sym_codes, dtype=np.intp)
        date = np.asarray(date_codes, dtype=np.intp)
        cell = sym * len(dates) + date  # increases with (symbol, ts)
        order = None if bool(np.all(cell[1:] >= cell[:-1])) else np.argsort(cell, kind="stable")
        if order is not None:
            sym, date, cell = sym[order], date[order], cell[order]
        dup = np.flatnonzero(cell[1:] == cell[:-1])
        if len(dup):
            first = f"{symbols[sym[dup[0]]]} at {pd.Timestamp(dates[date[dup[0]]], tz='UTC')}"
            raise DataError(
                f"{len(dup)} duplicate (ts, symbol) row(s), e.g. {first}; deduplicate the "
                "table first (the quality step does)"
            )
        index = cls._from_codes(
            np.asarray(symbols, dtype=object),
            pd.DatetimeIndex(np.asarray(dates).view("datetime64[ns]")).tz_localize("UTC"),
            sym,
            date,
        )
        return index, order

    @classmethod
    def _from_codes(
        cls, symbols: NDArray[np.object_], dates: pd.DatetimeIndex, sym: IntArray, date: IntArray
    ) -> SessionIndex:
        """Number each row's session from its symbol code (rows sorted by symbol, then ts)."""
        n = len(sym)
        starts = np.flatnonzero(np.r_[True, sym[1:] != sym[:-1]]) if n else np.array([], int)
        lengths = np.diff(np.r_[starts, n])
        session = np.arange(n, dtype=np.intp) - np.repeat(starts, lengths)
        return cls(symbols=symbols, dates=dates, sym=sym, session=session, date=date)

    @property
    def n_sessions(self) -> int:
        """Length of the longest symbol history."""
        return int(self.session.max()) + 1 if len(self.session) else 0

    def to_sessions(self, values: Array) -> Array:
        """Scatter per-row ``values`` of shape (n_rows,) into a session panel."""
        out = np.full((self.n_sessions, len(self.symbols)), np.nan)
        out[self.session, self.sym] = values
        return out

    def from_sessions(self, panel: Array) -> Array:
        """Gather a session panel back to per-row values of shape (n_rows,)."""
        return panel[self.session, self.sym]

    @cached_property
    def flat(self) -> IntArray:
        """Position of each row in a flattened (C-order) date panel."""
        return self.date * len(self.symbols) + self.sym

    def to_dates(self, values: Array) -> Array:
        """Scatter per-row ``values`` of shape (n_rows,) into a date panel."""
        out = np.full((len(self.dates), len(self.symbols)), np.nan)
        out.ravel()[self.flat] = values
        return out

    def mask(self) -> NDArray[np.bool_]:
        """Date panel of bools, True where a symbol has a bar."""
        out = np.zeros((len(self.dates), len(self.symbols)), dtype=bool)
        out.ravel()[self.flat] = True
        return out

    def from_dates(self, panel: Array) -> Array:
        """Gather a date panel back to per-row values of shape (n_rows,)."""
        return np.take(np.ascontiguousarray(panel).ravel(), self.flat)


def to_wide(long_df: pd.DataFrame, column: str) -> pd.DataFrame:
    """Pivot one column of a long (ts, symbol, ...) table to a wide ts x symbol frame.

    Parameters
    ----------
    long_df : DataFrame
        Long table with columns ``ts``, ``symbol`` and ``column``; (ts, symbol) unique.
    column : str
        Column to pivot.

    Returns
    -------
    DataFrame, shape (n_dates, n_symbols)
        Index = sorted ts, columns = sorted symbols, NaN where a symbol has no row.
    """
    missing = [c for c in ("ts", "symbol", column) if c not in long_df.columns]
    if missing:
        raise DataError(
            f"to_wide needs columns {missing} that the table lacks; it has {list(long_df.columns)}"
        )
    if long_df.duplicated(["ts", "symbol"]).any():
        raise DataError("to_wide found duplicate (ts, symbol) rows; deduplicate the table first")
    wide = long_df.pivot(index="ts", columns="symbol", values=column)
    wide.columns.name = "symbol"
    return wide.sort_index().sort_index(axis=1)


def to_long(wide_dict: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Stack named wide ts x symbol frames into one long table.

    Parameters
    ----------
    wide_dict : mapping of str to DataFrame
        Column name -> wide frame (index = ts, columns = symbols). Frames are aligned on the
        union of their dates and symbols.

    Returns
    -------
    DataFrame
        Columns ``ts``, ``symbol`` and one float64 column per key, sorted by (symbol, ts).
        Rows where every value is NaN are left out: a wide frame cannot tell a missing bar
        from a missing value.
    """
    if not wide_dict:
        raise DataError("to_long got no frames; pass a mapping of column name -> wide frame")
    parts = {}
    for name, wide in wide_dict.items():
        stacked = wide.astype("float64").stack(future_stack=True)
        stacked.index = stacked.index.set_names(["ts", "symbol"])
        parts[name] = stacked
    out = pd.concat(parts, axis=1).dropna(how="all").reset_index()
    return out.sort_values(["symbol", "ts"], kind="stable").reset_index(drop=True)
