"""The one check of a book's weights and its sector labels, shared by every risk measure."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from mi_kernel.compliance.book import UNKNOWN_SECTOR
from mi_kernel.errors import ConfigError, DataError

__all__ = ["UNKNOWN_SECTOR", "check_weights", "sector_labels"]


def check_weights(weights: pd.Series) -> pd.Series:
    """Return the non-zero weights as float64 (symbol -> weight) after checking them.

    Raises
    ------
    ConfigError
        If ``weights`` is not a Series.
    DataError
        If a symbol repeats or a weight is NaN / inf (naming them and the fix).
    """
    if not isinstance(weights, pd.Series):
        raise ConfigError(
            f"weights must be a pandas Series (symbol -> weight), got {type(weights).__name__}"
        )
    if weights.index.duplicated().any():
        dup = sorted(set(map(str, weights.index[weights.index.duplicated()])))
        raise DataError(f"weights name {dup[:10]} more than once; keep one weight per symbol")
    w = pd.to_numeric(weights, errors="coerce").astype("float64")
    if not np.isfinite(w.to_numpy()).all():
        bad = [str(s) for s in w.index[~np.isfinite(w.to_numpy())]]
        raise DataError(f"weights of {bad[:10]} are NaN or inf; use 0.0 for no position")
    return w[w != 0.0]


def sector_labels(symbols: pd.Index, sectors: pd.Series | Mapping[str, str] | None) -> np.ndarray:
    """Return the sector of each symbol ("Unknown" for names without one)."""
    lookup = pd.Series(dict(sectors)) if isinstance(sectors, Mapping) else sectors
    if lookup is None:
        return np.full(len(symbols), UNKNOWN_SECTOR, dtype=object)
    return symbols.to_series().map(lookup).fillna(UNKNOWN_SECTOR).astype(str).to_numpy()
