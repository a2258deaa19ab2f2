"""Cross-sectional transforms of date panels: each date is transformed on its own.

All take a date panel of shape ``(n_dates, n_symbols)`` (NaN = no value, ignored and kept)
and return one of the same shape; a value at ``t`` depends only on values at ``t``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from mi_kernel.features.panel import Array, IntArray
from mi_kernel.features.recipes import RANK_SUFFIX, SN_SUFFIX, Z_SUFFIX, Recipe


def percentile_rank(date_panel: Array) -> Array:
    """Rank each row of a date panel to [0, 1]: (rank - 1) / (n - 1), ties averaged.

    The lowest value of a date gets 0, the highest 1; a date with a single value gets 0.5;
    NaN stays NaN and does not count in ``n``.
    """
    frame = pd.DataFrame(date_panel)
    rank = frame.rank(axis=1, method="average").to_numpy()
    n = frame.notna().sum(axis=1).to_numpy()[:, None].astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = (rank - 1.0) / (n - 1.0)
    return np.where(n > 1, pct, np.where(np.isnan(rank), np.nan, 0.5))


def _row_mean(panel: Array) -> Array:
    """Mean of each row over its finite values, shape (n_dates, 1); NaN for an empty row."""
    ok = np.isfinite(panel)
    n = ok.sum(axis=1, keepdims=True)
    total = np.where(ok, panel, 0.0).sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, total / n, np.nan)


def zscore(date_panel: Array, clip: float = 3.0) -> Array:
    """Standardise each row: (x - mean) / std (ddof=0), then clip to [-clip, clip].

    A date whose values are all equal (or single) gets 0 for each of them.
    """
    centred = date_panel - _row_mean(date_panel)
    std = np.sqrt(_row_mean(centred * centred))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(std > 0, centred / std, np.where(np.isnan(centred), np.nan, 0.0))
    return np.clip(z, -clip, clip)


def sector_codes(sectors: pd.Series | None, symbols: Sequence[str]) -> IntArray:
    """Integer sector of each symbol (sorted sector names), -1 where unknown."""
    if sectors is None:
        return np.full(len(symbols), -1, dtype=np.intp)
    names = sectors.reindex(pd.Index(symbols, dtype=object))
    codes, _ = pd.factorize(names, sort=True)
    return np.asarray(codes, dtype=np.intp)


def sector_neutralise(date_panel: Array, codes: NDArray[np.integer]) -> Array:
    """Subtract from each value the mean of its sector on the date.

    ``codes`` gives each column's sector (shape (n_symbols,)); a column with code -1
    (unknown sector) gets NaN.
    """
    out = np.full(date_panel.shape, np.nan)
    for code in np.unique(codes[codes >= 0]):
        cols = np.flatnonzero(codes == code)
        block = date_panel[:, cols]
        out[:, cols] = block - _row_mean(block)
    return out


def cross_sectional_features(
    raw: Mapping[str, Array], recipe: Recipe, codes: IntArray
) -> dict[str, Array]:
    """Return the recipe's transformed columns (ranks, z-scores, sector-neutral) by name."""
    out: dict[str, Array] = {}
    names = recipe.cross_sectional
    z = (
        {n: zscore(raw[n], recipe.winsor) for n in names}
        if recipe.zscores or recipe.sector_neutral
        else {}
    )
    for suffix, _ in recipe.transforms:
        for n in names:
            if suffix == RANK_SUFFIX:
                out[n + suffix] = percentile_rank(raw[n])
            elif suffix == Z_SUFFIX:
                out[n + suffix] = z[n]
            elif suffix == SN_SUFFIX:
                out[n + suffix] = sector_neutralise(z[n], codes)
    return out
