"""compute_features: run a recipe over a bars table, as of each date, without look-ahead."""

from __future__ import annotations

from collections.abc import Mapping

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
from mi_kernel.features.inputs import feature_inputs
from mi_kernel.features.panel import Array, SessionIndex
from mi_kernel.features.recipes import Recipe, get_recipe
from mi_kernel.schemas import validate
from mi_kernel.schemas.tables import to_utc


def compute_features(
    bars: pd.DataFrame,
    recipe_id: str | Recipe = "core",
    market: pd.Series | None = None,
    *,
    fundamentals: pd.DataFrame | None = None,
    sectors: pd.Series | pd.DataFrame | None = None,
    macro: Mapping[str, pd.DataFrame | pd.Series] | None = None,
    news: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Compute the features of recipe ``recipe_id`` for every bar.

    Parameters
    ----------
    bars : DataFrame
        Bars table (``ts``, ``symbol``, ``close``, and ``volume`` for recipes with volume
        features), one row per symbol and session; symbols may have different calendars and
        gaps. Windows count each symbol's own sessions (its bars), so a missing day is
        skipped, not filled.
    recipe_id : str or Recipe, default "core"
        Key of :data:`mi_kernel.features.RECIPES`, or a recipe object.
    market : Series, optional
        Market price *level* (e.g. the S&P 500 index) with a DatetimeIndex (naive = UTC),
        used for betas. Each bar takes the last level at or before its ``ts``; bars before
        the series starts get a NaN beta. ``None`` uses the equal-weighted mean daily return
        of the universe on each date.
    fundamentals : DataFrame, optional
        Reports in the ``fundamentals`` schema (``ts`` = period end, ``ts_known`` = when
        public), for fundamental recipes; a report is used at ``t`` only if
        ``ts_known <= t``.
    sectors : Series or DataFrame, optional
        Symbol -> sector (or a table with ``symbol`` and ``sector``), for sector-neutral
        transforms.
    macro : mapping of str to DataFrame, optional
        Macro sources by name (index = when known), for macro recipes, e.g.
        ``{"ff": data.load_factors(), "etf": data.load_bars("factor_etfs")}``.
    news : DataFrame, optional
        News signals (one row per story and symbol, with ``ts_known``), for the ``news``
        recipe, e.g. ``mi_kernel.news.analyze(...).signals``; a story counts from the first
        bar at or after its ``ts_known``.

    Returns
    -------
    DataFrame
        One row per input bar, sorted by (symbol, ts): ``ts``, ``symbol`` and one float64
        column per recipe column (:attr:`Recipe.columns`), in the ``features`` schema.
        A value at ``t`` uses data known at or before ``t`` only; it is NaN while a
        symbol's history is shorter than the feature's lookback. No row is dropped.

    Raises
    ------
    ConfigError
        Unknown recipe id, or an input the recipe needs is missing.
    DataError
        Missing columns, duplicate (ts, symbol) rows or malformed inputs.
    """
    recipe = get_recipe(recipe_id)
    inputs = feature_inputs(recipe, fundamentals, sectors, macro, news)
    need_volume = "volume" in recipe.inputs
    frame = _prepare(bars, recipe.name, need_volume)
    idx = SessionIndex.from_sorted(frame["ts"], frame["symbol"])
    close = idx.to_dates(frame["close"].to_numpy())
    volume = idx.to_dates(frame["volume"].to_numpy()) if need_volume else None
    mask = idx.mask()
    if market is None:
        level = equal_weight_level(own_returns(close, mask))
    else:
        level = market_level(market, idx.dates)
    block = Block(idx.dates, idx.symbols, close, volume, mask, level)
    raw = block_features(block, recipe, inputs)
    codes = sector_codes(inputs.sectors, list(idx.symbols))
    values: dict[str, Array] = {**raw, **cross_sectional_features(raw, recipe, codes)}
    columns = {name: idx.from_dates(values[name]) for name in recipe.columns}
    table = pd.concat([frame[["ts", "symbol"]], pd.DataFrame(columns, index=frame.index)], axis=1)
    # Built with the canonical dtypes already (UTC ns ts, str symbol, float64 features), so a
    # validation suffices; conform() would copy and convert 2.5M timestamps through objects.
    return validate(table, "features")


def _prepare(bars: pd.DataFrame, recipe: str, need_volume: bool) -> pd.DataFrame:
    """Return the needed columns with UTC ts, sorted by (symbol, ts); reject duplicates."""
    needed = ["ts", "symbol", "close", *(["volume"] if need_volume else [])]
    missing = [c for c in needed if c not in bars.columns]
    if missing:
        raise DataError(
            f"bars lack column(s) {missing} needed for recipe {recipe!r}; pass a table in the "
            f"'bars' schema (it has {list(bars.columns)})"
        )
    data = {
        "ts": to_utc(bars["ts"]).dt.as_unit("ns").reset_index(drop=True),
        "symbol": bars["symbol"].astype(str).reset_index(drop=True),
    }
    for col in needed[2:]:
        data[col] = pd.to_numeric(bars[col]).astype("float64").reset_index(drop=True)
    frame = pd.DataFrame(data)
    if not _strictly_sorted(frame):
        frame = frame.sort_values(["symbol", "ts"], kind="stable").reset_index(drop=True)
        dup = frame.duplicated(["symbol", "ts"])
        if dup.any():
            first = frame.loc[dup, ["symbol", "ts"]].iloc[0]
            raise DataError(
                f"bars have {int(dup.sum())} duplicate (symbol, ts) rows, e.g. "
                f"{first['symbol']} at {first['ts']}; deduplicate them (the quality step does)"
            )
    return frame


def _strictly_sorted(frame: pd.DataFrame) -> bool:
    """Tell whether rows are sorted by (symbol, ts) with no duplicate pair."""
    sym = frame["symbol"].to_numpy()
    ts = frame["ts"].astype("int64").to_numpy()
    if len(sym) < 2:
        return True
    same = sym[1:] == sym[:-1]
    return bool(np.all(np.where(same, ts[1:] > ts[:-1], sym[1:] > sym[:-1])))
