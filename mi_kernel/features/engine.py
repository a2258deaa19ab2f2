"""The feature engine: a recipe over date panels of one block of symbols.

Both front ends call it: :func:`~mi_kernel.features.compute.compute_features` (long bars
table) with every symbol in one block, and :func:`~mi_kernel.features.dataset.compute_panel`
(xarray, possibly Dask-chunked by symbol) once per chunk. Time-series features need a
block's full history only; the cross-sectional transforms need every symbol of a date and
run afterwards (:func:`~mi_kernel.features.cross_section.cross_sectional_features`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from mi_kernel.errors import DataError
from mi_kernel.features.fundamental import fundamental_features
from mi_kernel.features.inputs import FeatureInputs
from mi_kernel.features.macro import macro_features
from mi_kernel.features.news import news_panels
from mi_kernel.features.panel import Array
from mi_kernel.features.recipes import Recipe
from mi_kernel.features.sessions import Sessions
from mi_kernel.features.specs import (
    FUNDAMENTAL_KINDS,
    MACRO_KINDS,
    NEWS_KINDS,
    TECHNICAL_KINDS,
    FeatureSpec,
)
from mi_kernel.features.technical import lagged_ratio, technical_block
from mi_kernel.schemas.tables import to_utc

#: Panels with at least this many cells (dates x symbols) run threaded by default.
THREADED_CELLS = 1_000_000


@dataclass(frozen=True)
class Block:
    """Date panels of a set of symbols over the full calendar.

    Attributes
    ----------
    dates : DatetimeIndex, shape (n_dates,)
        Sorted UTC calendar.
    symbols : ndarray of str, shape (n_symbols,)
        Panel columns.
    close, volume : ndarray, shape (n_dates, n_symbols)
        Bar closes and volumes (``volume`` may be None), NaN where there is no bar.
    mask : ndarray of bool, shape (n_dates, n_symbols)
        True where a symbol has a bar.
    level : ndarray, shape (n_dates,)
        Market level seen at each date (NaN before the market series starts).
    """

    dates: pd.DatetimeIndex
    symbols: NDArray[np.object_]
    close: Array
    volume: Array | None
    mask: NDArray[np.bool_]
    level: Array


def block_features(
    block: Block, recipe: Recipe, inputs: FeatureInputs, threads: int | None = None
) -> dict[str, Array]:
    """Compute the recipe's raw features on one block, in recipe order.

    ``threads`` splits the symbols of the time-series step across that many threads (the
    kernels release the GIL); None picks one per core, up to 4, for panels of at least
    :data:`THREADED_CELLS` cells. Each symbol's arithmetic is the same either way.

    Returns
    -------
    dict of str to ndarray, shape (n_dates, n_symbols)
        NaN where a symbol has no bar, and wherever a window or a join has no value.
    """
    specs = recipe.features
    out: dict[str, Array] = {}
    tech = [s for s in specs if s.kind in TECHNICAL_KINDS]
    if tech:
        out.update(_technical(block, tech, threads))
    fund = [s for s in specs if s.kind in FUNDAMENTAL_KINDS]
    if fund and inputs.fundamentals is not None:
        values = fundamental_features(
            fund, inputs.fundamentals, block.close, block.dates, list(block.symbols)
        )
        out.update({k: np.where(block.mask, v, np.nan) for k, v in values.items()})
    macro = [s for s in specs if s.kind in MACRO_KINDS]
    if macro:
        series = macro_features(macro, inputs.macro, block.dates)
        out.update({k: np.where(block.mask, v[:, None], np.nan) for k, v in series.items()})
    story = [s for s in specs if s.kind in NEWS_KINDS]
    if story and inputs.news is not None:
        values = news_panels(story, inputs.news, block.dates, list(block.symbols))
        out.update({k: np.where(block.mask, v, np.nan) for k, v in values.items()})
    return {s.name: out[s.name] for s in specs}


def _technical(block: Block, specs: list[FeatureSpec], threads: int | None) -> dict[str, Array]:
    """Technical features over own sessions; the kernels split the symbols over threads."""
    panels = {"close": block.close}
    if block.volume is not None:
        panels["volume"] = block.volume
    if threads is None:
        threads = min(os.cpu_count() or 1, 4) if block.close.size >= THREADED_CELLS else 1
    fn = technical_block(specs, threads)
    return Sessions.from_mask(block.mask).apply(fn, panels, block.level)


def own_returns(close: Array, mask: NDArray[np.bool_]) -> Array:
    """Simple return of each bar since the symbol's previous bar (date panel)."""

    def block(panels: Mapping[str, Array], _level: Array) -> dict[str, Array]:
        c = panels["close"]
        return {"ret": lagged_ratio(np.where(np.isfinite(c) & (c > 0), c, np.nan), 0, 1)}

    level = np.zeros(close.shape[0])
    return Sessions.from_mask(mask).apply(block, {"close": close}, level)["ret"]


def equal_weight_level(returns: Array) -> Array:
    """Cumulate the mean finite return of each date (0 where none) into a level."""
    ok = np.isfinite(returns)
    counts = ok.sum(axis=1)
    sums = np.where(ok, returns, 0.0).sum(axis=1)
    mean = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
    return np.cumprod(1.0 + mean)


def market_level(market: pd.Series, dates: pd.DatetimeIndex) -> Array:
    """Return the last level of ``market`` at or before each date, shape (n_dates,).

    Raises
    ------
    DataError
        ``market`` is not a Series on a time index.
    """
    if not isinstance(market, pd.Series):
        raise DataError(
            f"market must be a pandas Series of index levels, got {type(market).__name__}"
        )
    try:
        when = pd.DatetimeIndex(to_utc(market.index))
    except (TypeError, ValueError) as exc:
        raise DataError(
            f"market needs a DatetimeIndex of dates; converting its index failed: {exc}"
        ) from exc
    series = pd.Series(pd.to_numeric(market, errors="coerce").to_numpy(), index=when)
    series = series[~series.index.duplicated(keep="last")].sort_index().dropna()
    return series.reindex(dates, method="ffill").to_numpy(dtype="float64")
