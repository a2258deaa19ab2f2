"""Bring a weights table inside a book's limits by only ever reducing positions.

Per date, in this order (each step can only shrink ``|weight|``, so it never undoes an
earlier one):

1. restricted names are set to 0.0 (their rows are kept);
2. every weight is clipped to ``[-max_position, max_position]``;
3. every sector whose gross exposure exceeds ``max_sector`` is scaled down to it;
4. the whole book is scaled down to ``max_gross`` if above it;
5. if the net exposure is above ``max_net`` the long side is scaled down until it equals
   ``max_net``; if below ``min_net`` the short side is scaled down instead.

Nothing is redistributed: the freed weight becomes cash. Step 5 cannot succeed when the net
band excludes 0 and reducing the heavier side overshoots it (e.g. ``min_net = 0.5`` with
less than 0.5 of longs left); that raises :class:`ComplianceError` naming the date.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mi_kernel.compliance._frame import TOL, book_frame, date_codes, sector_names
from mi_kernel.compliance.book import Book
from mi_kernel.errors import ComplianceError
from mi_kernel.schemas import validate


def _shrink_to(total: np.ndarray, cap: float) -> np.ndarray:
    """Return the factor in (0, 1] that brings each ``total`` down to ``cap``."""
    return np.divide(cap, total, out=np.ones_like(total), where=total > cap)


def _sector_caps(w: np.ndarray, frame: pd.DataFrame, dates: np.ndarray, book: Book) -> np.ndarray:
    codes, names = pd.factorize(sector_names(frame, book))
    groups = dates * len(names) + codes
    gross = np.bincount(groups, weights=np.abs(w))
    return w * _shrink_to(gross, book.max_sector)[groups]


def _net_band(w: np.ndarray, dates: np.ndarray, uniques: pd.Index, book: Book) -> np.ndarray:
    n = len(uniques)
    long = np.bincount(dates, weights=np.maximum(w, 0.0), minlength=n)
    short = np.bincount(dates, weights=np.maximum(-w, 0.0), minlength=n)
    net = long - short
    target_long = np.where(net > book.max_net, short + book.max_net, long)
    target_short = np.where(net < book.min_net, long - book.min_net, short)
    stuck = (target_long < -TOL) | (target_short < -TOL)
    if stuck.any():
        i = int(np.flatnonzero(stuck)[0])
        raise ComplianceError(
            f"the net band [{book.min_net:g}, {book.max_net:g}] of book {book.name!r} cannot be "
            f"reached on {uniques[i]} by reducing positions (longs {long[i]:.6g}, shorts "
            f"{short[i]:.6g}); widen the band to include the book's net or change the weights"
        )
    f_long = np.divide(target_long, long, out=np.ones(n), where=long > target_long)
    f_short = np.divide(target_short, short, out=np.ones(n), where=short > target_short)
    return np.where(w > 0, w * f_long[dates], w * f_short[dates])


def apply_limits(weights: pd.DataFrame, book: Book) -> pd.DataFrame:
    """Return ``weights`` reduced, date by date, until they pass :func:`check` for ``book``.

    Parameters
    ----------
    weights : DataFrame
        Columns ts, symbol, weight (signed fraction of equity); ts may be absent (one book).
    book : Book
        The limits (see the module docstring for the order they are enforced in).

    Returns
    -------
    DataFrame
        Canonical weights table (ts, symbol, weight) with the input's rows in the input's
        order (symbol, weight only when the input has no ts).

    Raises
    ------
    ConfigError
        If the table lacks symbol or weight, holds a NaN weight or a repeated (ts, symbol).
    ComplianceError
        If the net band excludes 0 and cannot be reached by reducing positions.
    """
    frame = book_frame(weights)
    dates, uniques = date_codes(frame)
    w = frame["weight"].to_numpy(dtype="float64").copy()
    w[frame["symbol"].isin(book.restricted).to_numpy()] = 0.0
    w = np.clip(w, -book.max_position, book.max_position)
    w = _sector_caps(w, frame, dates, book)
    gross = np.bincount(dates, weights=np.abs(w), minlength=len(uniques))
    w = w * _shrink_to(gross, book.max_gross)[dates]
    w = _net_band(w, dates, uniques, book) + 0.0  # + 0.0 turns -0.0 into 0.0
    out = frame.assign(weight=w)
    if "ts" not in weights.columns:
        return out[["symbol", "weight"]]
    return validate(out, "weights")
