"""Own-session windows on date panels: run kernels so that a missing day is skipped.

Rolling kernels (:mod:`mi_kernel.features.rolling`) count rows. On a date panel that is
the same as counting a symbol's own sessions for every *gap-free* column (bars on every date
from its first to its last bar; NaN before and after). :class:`Sessions` finds the other
columns and runs the kernels for them on a compressed *session panel* (row ``k`` = the
column's ``k``-th bar), then scatters the results back to their dates. Clean, aligned data
pays nothing for this; a column with gaps pays one gather and one scatter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from mi_kernel.features.panel import Array, IntArray

BoolArray = NDArray[np.bool_]
#: A feature block: (panels by name, market level of shape (n_rows, 1) or (n_rows, n_cols))
#: -> outputs by name, each of the panels' shape.
BlockFn = Callable[[Mapping[str, Array], Array], dict[str, Array]]


@dataclass(frozen=True)
class Sessions:
    """Which columns of a date panel have gaps, and where their bars sit.

    Attributes
    ----------
    mask : ndarray of bool, shape (n_dates, n_symbols)
        True where a symbol has a bar.
    gappy : ndarray of int, shape (n_gappy,)
        Columns with a date without a bar between their first and last bar.
    dates, cols, session : ndarray of int, shape (n_bars_of_gappy_columns,)
        For each bar of a gappy column: its date row, its position in ``gappy`` and its
        own session number (from 0).
    """

    mask: BoolArray
    gappy: IntArray
    dates: IntArray
    cols: IntArray
    session: IntArray

    @classmethod
    def from_mask(cls, mask: BoolArray) -> Sessions:
        """Find the gappy columns of ``mask`` and index their bars."""
        mask = np.asarray(mask, dtype=bool)
        n = mask.shape[0]
        count = mask.sum(axis=0)
        first = np.argmax(mask, axis=0)
        last = n - 1 - np.argmax(mask[::-1], axis=0)
        gappy = np.flatnonzero((count > 0) & (count < last - first + 1)).astype(np.intp)
        cols, dates = np.nonzero(mask[:, gappy].T)
        starts = np.r_[0, np.cumsum(count[gappy])[:-1]] if len(gappy) else np.zeros(0, int)
        session = np.arange(len(cols)) - np.repeat(starts, count[gappy])
        return cls(mask, gappy, dates.astype(np.intp), cols.astype(np.intp), session)

    @property
    def n_sessions(self) -> int:
        """Longest history among the gappy columns (rows of their session panel)."""
        return int(self.session.max()) + 1 if len(self.session) else 0

    def compress(self, panel: Array) -> Array:
        """Gather the gappy columns of a date panel into a session panel (NaN-padded)."""
        out = np.full((self.n_sessions, len(self.gappy)), np.nan)
        out[self.session, self.cols] = panel[self.dates, self.gappy[self.cols]]
        return out

    def compress_level(self, level: Array) -> Array:
        """Spread a per-date series (n_dates,) onto the gappy columns' sessions."""
        out = np.full((self.n_sessions, len(self.gappy)), np.nan)
        out[self.session, self.cols] = level[self.dates]
        return out

    def apply(self, fn: BlockFn, panels: Mapping[str, Array], level: Array) -> dict[str, Array]:
        """Run ``fn`` so every window counts own sessions; return date panels.

        ``fn`` is called once on the date panels (``level`` as a column) and, if some
        columns have gaps, once more on their session panels, whose results replace those
        columns'.
        """
        out = fn(panels, level[:, None])
        if len(self.gappy) == 0:
            return out
        sub = fn({k: self.compress(v) for k, v in panels.items()}, self.compress_level(level))
        target = self.gappy[self.cols]
        for name, values in out.items():
            values[:, self.gappy] = np.nan
            values[self.dates, target] = sub[name][self.session, self.cols]
        return out
