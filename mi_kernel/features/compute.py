"""compute_features: run a recipe over a bars table, as of each date, without look-ahead."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mi_kernel.errors import DataError
from mi_kernel.features.kernels import KERNELS, PanelInputs, percentile_rank
from mi_kernel.features.panel import Array, SessionIndex
from mi_kernel.features.recipes import RANK_SUFFIX, get_recipe
from mi_kernel.schemas import validate
from mi_kernel.schemas.tables import to_utc

_NEEDED = ("ts", "symbol", "close")


def compute_features(
    bars: pd.DataFrame, recipe_id: str = "core", market: pd.Series | None = None
) -> pd.DataFrame:
    """Compute the features of recipe ``recipe_id`` for every bar.

    Parameters
    ----------
    bars : DataFrame
        Bars table (``ts``, ``symbol``, ``close`` are used), one row per symbol and session;
        symbols may have different calendars and gaps. Windows count each symbol's own
        sessions (its bars), so a missing day is skipped, not filled.
    recipe_id : str, default "core"
        Key of :data:`mi_kernel.features.RECIPES`.
    market : Series, optional
        Market price *level* (e.g. the S&P 500 index) with a DatetimeIndex (naive = UTC),
        used for betas. Each bar takes the last level at or before its ``ts``; bars before
        the series starts get a NaN beta. ``None`` uses the equal-weighted mean daily return
        of the universe on each date.

    Returns
    -------
    DataFrame
        One row per input bar, sorted by (symbol, ts): ``ts``, ``symbol`` and one float64
        column per recipe feature (then ``<feature>_rank``), in the ``features`` schema.
        A value at ``t`` uses data at or before ``t`` only; it is NaN while a symbol's
        history is shorter than the feature's lookback. No row is dropped.

    Raises
    ------
    ConfigError
        Unknown recipe id.
    DataError
        Missing columns or duplicate (ts, symbol) rows.
    """
    recipe = get_recipe(recipe_id)
    frame = _prepare(bars)
    idx = SessionIndex.from_sorted(frame["ts"], frame["symbol"])
    close = frame["close"].to_numpy(dtype="float64")
    level = _market_level(idx, close, market)
    inputs = PanelInputs.build(idx.to_sessions(close), idx.to_sessions(level))
    values: dict[str, Array] = {}
    for spec in recipe.features:
        values[spec.name] = idx.from_sessions(KERNELS[spec.kind](inputs, spec))
    if recipe.ranks:
        for name, v in list(values.items()):
            values[name + RANK_SUFFIX] = idx.from_dates(percentile_rank(idx.to_dates(v)))
    table = pd.concat([frame[["ts", "symbol"]], pd.DataFrame(values, index=frame.index)], axis=1)
    # Built with the canonical dtypes already (UTC ns ts, str symbol, float64 features), so a
    # validation suffices; conform() would copy and convert 2.5M timestamps through objects.
    return validate(table, "features")


def _prepare(bars: pd.DataFrame) -> pd.DataFrame:
    """Return the needed columns with UTC ts, sorted by (symbol, ts); reject duplicates."""
    missing = [c for c in _NEEDED if c not in bars.columns]
    if missing:
        raise DataError(
            f"bars lack column(s) {missing} needed for features; pass a table in the "
            f"'bars' schema (it has {list(bars.columns)})"
        )
    frame = pd.DataFrame(
        {
            "ts": to_utc(bars["ts"]).dt.as_unit("ns").reset_index(drop=True),
            "symbol": bars["symbol"].astype(str).reset_index(drop=True),
            "close": pd.to_numeric(bars["close"]).astype("float64").reset_index(drop=True),
        }
    )
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


def _market_level(idx: SessionIndex, close: Array, market: pd.Series | None) -> Array:
    """Return the market level seen by each row (shape (n_rows,))."""
    if market is None:
        return _equal_weight_level(idx, close)[idx.date]
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
    level = series.reindex(idx.dates, method="ffill").to_numpy(dtype="float64")
    return level[idx.date]


def _equal_weight_level(idx: SessionIndex, close: Array) -> Array:
    """Return the cumulated equal-weighted universe return per date, shape (n_dates,).

    On each date the universe return is the mean of the symbols' simple returns since their
    previous own session; a date with no return (the first) counts as 0.
    """
    panel = idx.to_sessions(np.where(close > 0, close, np.nan))
    prev = np.full_like(panel, np.nan)
    prev[1:] = panel[:-1]
    ret = idx.to_dates(idx.from_sessions(panel / prev - 1.0))
    counts = np.isfinite(ret).sum(axis=1)
    sums = np.nansum(ret, axis=1)
    mean = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
    return np.cumprod(1.0 + mean)


def _strictly_sorted(frame: pd.DataFrame) -> bool:
    """Tell whether rows are sorted by (symbol, ts) with no duplicate pair."""
    sym = frame["symbol"].to_numpy()
    ts = frame["ts"].astype("int64").to_numpy()
    if len(sym) < 2:
        return True
    same = sym[1:] == sym[:-1]
    return bool(np.all(np.where(same, ts[1:] > ts[:-1], sym[1:] > sym[:-1])))
