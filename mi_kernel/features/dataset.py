"""xarray panels (time x symbol), NumPy- or Dask-backed, and features computed on them.

:func:`to_panel` turns a bars table into an ``xarray.Dataset``; :func:`compute_panel` runs a
recipe on it with the same engine as :func:`~mi_kernel.features.compute_features`, so the
values are identical. A Dask-backed panel (``to_panel(bars, chunks={"symbol": 100})`` or
``panel.chunk(...)``) is computed lazily, block by block: time-series features on blocks of
whole symbol histories (chunked along ``symbol``), then the cross-sectional transforms on
blocks of whole dates (rechunked along ``time``), so no step needs the panel in memory.

The ``time`` coordinate holds naive ``datetime64[ns]`` in UTC (xarray's convention).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mi_kernel.errors import DataError
from mi_kernel.features.cross_section import cross_sectional_features, sector_codes
from mi_kernel.features.engine import (
    Block,
    block_features,
    equal_weight_level,
    market_level,
    own_returns,
)
from mi_kernel.features.inputs import FeatureInputs, feature_inputs
from mi_kernel.features.panel import SessionIndex
from mi_kernel.features.recipes import Recipe, get_recipe
from mi_kernel.schemas import validate

if TYPE_CHECKING:
    import xarray as xr

_FIELDS = ("open", "high", "low", "close", "volume")


def to_panel(bars: pd.DataFrame, chunks: Mapping[str, int] | None = None) -> xr.Dataset:
    """Pivot a bars table to a time x symbol panel.

    Parameters
    ----------
    bars : DataFrame
        Bars table with ``ts``, ``symbol``, ``close`` (and any of open, high, low, volume).
    chunks : mapping, optional
        Dask chunks, e.g. ``{"symbol": 100}``; None keeps NumPy arrays.

    Returns
    -------
    Dataset
        Dims (time, symbol); one float64 variable per bar field present, NaN where a symbol
        has no bar, and ``bar`` (bool), True where it has one.
    """
    import xarray as xr

    missing = [c for c in ("ts", "symbol", "close") if c not in bars.columns]
    if missing:
        raise DataError(f"to_panel needs bars columns {missing}; it has {list(bars.columns)}")
    idx, order = SessionIndex.from_long(bars["ts"], bars["symbol"])
    rows = slice(None) if order is None else order  # the index's rows in table order
    dims = ("time", "symbol")
    data = {
        f: (dims, idx.to_dates(pd.to_numeric(bars[f]).to_numpy(dtype="float64")[rows]))
        for f in _FIELDS
        if f in bars.columns
    }
    coords = {"time": idx.dates.tz_localize(None), "symbol": idx.symbols.astype(str)}
    panel = xr.Dataset({**data, "bar": (dims, idx.mask())}, coords=coords)
    panel.attrs["time_zone"] = "UTC"
    return panel.chunk(dict(chunks)) if chunks else panel


def compute_panel(
    panel: xr.Dataset,
    recipe_id: str | Recipe = "core",
    market: pd.Series | None = None,
    *,
    fundamentals: pd.DataFrame | None = None,
    sectors: pd.Series | pd.DataFrame | None = None,
    macro: Mapping[str, pd.DataFrame | pd.Series] | None = None,
    news: pd.DataFrame | None = None,
    time_chunk: int = 1024,
) -> xr.Dataset:
    """Compute a recipe's features on a panel from :func:`to_panel`.

    Parameters are those of :func:`~mi_kernel.features.compute_features`, with the bars
    given as a panel; ``time_chunk`` sets the dates per block of the cross-sectional step
    for a Dask-backed panel.

    Returns
    -------
    Dataset
        Dims (time, symbol), one float64 variable per recipe column (NaN where a symbol has
        no bar), Dask-backed (lazy) if the panel is; attrs ``recipe``, ``version``,
        ``digest``.
    """
    import xarray as xr

    recipe = get_recipe(recipe_id)
    inputs = feature_inputs(recipe, fundamentals, sectors, macro, news)
    need = ["close", "bar", *(["volume"] if "volume" in recipe.inputs else [])]
    missing = [v for v in need if v not in panel.data_vars]
    if missing:
        raise DataError(
            f"panel lacks variable(s) {missing} needed for recipe {recipe.name!r}; "
            "build it with to_panel(bars)"
        )
    lazy = bool(panel.chunks)
    base = panel[need].chunk({"time": -1}) if lazy else panel[need]
    base["level"] = _level(base, market)
    names = [f.name for f in recipe.features]
    # Dask: one task per chunk of whole symbol histories, run in parallel by Dask's threads;
    # NumPy: one call, whose engine splits the symbols over threads itself.
    raw = _by_block(_raw_block, base, (recipe, inputs, 1 if lazy else None), names)
    if not recipe.transforms or not recipe.cross_sectional:
        out = raw
    else:
        cs_names = recipe.cross_sectional
        wide = raw[cs_names].chunk({"time": time_chunk, "symbol": -1}) if lazy else raw[cs_names]
        codes = sector_codes(inputs.sectors, list(panel["symbol"].values))
        wide = wide.assign(codes=xr.DataArray(codes, dims="symbol"))
        extra = [c for c in recipe.columns if c not in raw.data_vars]
        out = xr.merge([raw, _by_block(_cs_block, wide, (recipe,), extra)])
    out = out[recipe.columns]
    out.attrs = {"recipe": recipe.name, "version": recipe.version, "digest": recipe.digest}
    return out


def from_panel(features: xr.Dataset, bar: xr.DataArray | None = None) -> pd.DataFrame:
    """Return a feature panel as the long ``features`` table (rows with a bar, or any value).

    ``bar`` (the panel's ``bar`` variable) selects the rows; without it a row is kept when
    any feature has a value. Rows are sorted by (symbol, ts), as compute_features returns.
    """
    names = list(features.data_vars)
    values = features.transpose("symbol", "time")
    keep = (
        bar.transpose("symbol", "time").values
        if bar is not None
        else np.any([np.isfinite(values[n].values) for n in names], axis=0)
    )
    sym, time = np.nonzero(keep)
    table = pd.DataFrame(
        {
            "ts": pd.DatetimeIndex(features["time"].values[time]).tz_localize("UTC"),
            "symbol": features["symbol"].values[sym].astype(object),
            **{n: values[n].values[sym, time].astype("float64") for n in names},
        }
    )
    return validate(table, "features")


def _level(base: xr.Dataset, market: pd.Series | None) -> xr.DataArray:
    """Market level by date: the given series as of each date, or the equal-weighted one."""
    import xarray as xr

    if market is not None:
        dates = pd.DatetimeIndex(base["time"].values).tz_localize("UTC")
        return xr.DataArray(market_level(market, dates), dims="time")
    if not base.chunks:
        returns = own_returns(base["close"].values, base["bar"].values)
        return xr.DataArray(equal_weight_level(returns), dims="time")
    lazy = xr.map_blocks(
        lambda b: xr.DataArray(own_returns(b["close"].values, b["bar"].values), b["close"].coords),
        base[["close", "bar"]],
        template=base["close"],
    )
    # a lazy reduction over symbols: sums in another order than in memory (~1e-16 apart)
    mean = lazy.mean("symbol", skipna=True).fillna(0.0)
    return (1.0 + mean).cumprod("time").drop_vars(list(mean.coords))


def _by_block(
    func: Callable[..., xr.Dataset], obj: xr.Dataset, args: tuple[Any, ...], names: list[str]
) -> xr.Dataset:
    """Apply ``func(block, *args)`` per Dask chunk (lazily), or once to an in-memory panel.

    ``names`` are the float64 variables ``func`` returns, shaped like ``obj``'s first one.
    """
    import xarray as xr

    if not obj.chunks:
        return func(obj, *args)
    first = next(v for v in obj.data_vars if obj[v].ndim == 2)
    proto = xr.zeros_like(obj[first], dtype="float64")  # lazy: no memory
    return xr.map_blocks(func, obj, args, template=xr.Dataset({n: proto for n in names}))


def _raw_block(
    chunk: xr.Dataset, recipe: Recipe, inputs: FeatureInputs, threads: int | None
) -> xr.Dataset:
    import xarray as xr

    symbols = chunk["symbol"].values.astype(object)
    sub = inputs.fundamentals
    if sub is not None:
        sub = sub[sub["symbol"].isin(set(symbols))]
    block = Block(
        dates=pd.DatetimeIndex(chunk["time"].values).tz_localize("UTC"),
        symbols=symbols,
        close=np.ascontiguousarray(chunk["close"].values, dtype="float64"),
        volume=np.ascontiguousarray(chunk["volume"].values, dtype="float64")
        if "volume" in chunk
        else None,
        mask=np.asarray(chunk["bar"].values, dtype=bool),
        level=np.asarray(chunk["level"].values, dtype="float64"),
    )
    local = FeatureInputs(sub, inputs.sectors, inputs.macro, inputs.news)
    values = block_features(block, recipe, local, threads=threads)
    dims = ("time", "symbol")
    return xr.Dataset({k: (dims, v) for k, v in values.items()}, coords=chunk["close"].coords)


def _cs_block(chunk: xr.Dataset, recipe: Recipe) -> xr.Dataset:
    import xarray as xr

    raw = {n: np.asarray(chunk[n].values, dtype="float64") for n in recipe.cross_sectional}
    values = cross_sectional_features(raw, recipe, np.asarray(chunk["codes"].values))
    dims = ("time", "symbol")
    coords: Any = chunk[recipe.cross_sectional[0]].coords
    return xr.Dataset({k: (dims, v) for k, v in values.items()}, coords=coords)
