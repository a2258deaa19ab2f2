"""Array conventions of the blenders: X holds model predictions, rows are (date, symbol).

``X`` has shape (n_samples, n_models). A DataFrame ``X`` may carry the dates as an index
level or column ``"ts"`` and the symbols as ``"symbol"`` (as the purged splitters read
them); without dates all rows are one cross-section.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from mi_kernel.model_selection import from_x

FloatArray = NDArray[np.float64]


def keys_of(X: Any) -> tuple[NDArray[Any] | None, NDArray[Any] | None]:
    """Return the dates and symbols of ``X``'s rows (None where ``X`` has none)."""
    dates, symbols = from_x(X, "ts"), from_x(X, "symbol")
    return (
        None if dates is None else np.asarray(dates),
        None if symbols is None else np.asarray(symbols),
    )


def date_slices(dates: NDArray[Any] | None, n: int) -> list[NDArray[np.intp]]:
    """Return the row positions of each date, in date order (one slice without dates)."""
    if dates is None:
        return [np.arange(n, dtype=np.intp)]
    _, inverse = np.unique(dates, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    cuts = np.flatnonzero(np.diff(inverse[order])) + 1
    return [part.astype(np.intp) for part in np.split(order, cuts)]


def demean(block: FloatArray) -> FloatArray:
    """Subtract the column means (the cross-sectional mean of a date)."""
    return block - block.mean(axis=0, keepdims=True)


def simplex_normalise(raw: FloatArray) -> FloatArray:
    """Scale non-negative weights to sum to 1; all zeros stay zeros."""
    total = float(raw.sum())
    return raw / total if total > 0 else np.zeros_like(raw)
