"""Macro and cross-asset series joined as of each date: a value stamped after t is unseen at t.

A macro source is a wide frame whose index is the time each row became known (UTC) and
whose columns are series: Fama-French factors from :func:`mi_kernel.data.load_factors`
(stamped at month end), or factor-ETF closes (a long bars table, e.g.
``mi_kernel.data.load_bars("factor_etfs")``, is pivoted to its closes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.features.panel import Array, to_wide
from mi_kernel.features.specs import FeatureKind, FeatureSpec
from mi_kernel.schemas.tables import to_utc


def prepare_macro(sources: Mapping[str, pd.DataFrame | pd.Series]) -> dict[str, pd.DataFrame]:
    """Return each source as a float wide frame on a sorted, unique UTC index.

    Raises
    ------
    DataError
        A source that is neither a wide frame with a time index, a Series, nor a long
        table with ``ts``, ``symbol`` and ``close``.
    """
    out = {}
    for name, frame in sources.items():
        if isinstance(frame, pd.Series):
            frame = frame.to_frame(str(frame.name or name))
        if not isinstance(frame, pd.DataFrame):
            raise DataError(
                f"macro[{name!r}] must be a DataFrame or Series, got {type(frame).__name__}"
            )
        if {"ts", "symbol", "close"} <= set(frame.columns):
            frame = to_wide(frame, "close")
        try:
            index = pd.DatetimeIndex(to_utc(frame.index))
        except (TypeError, ValueError) as exc:
            raise DataError(
                f"macro[{name!r}] needs a time index (when each row became known) or columns "
                f"ts, symbol, close; converting its index failed: {exc}"
            ) from exc
        wide = frame.apply(pd.to_numeric, errors="coerce").astype("float64").set_axis(index)
        out[name] = wide[~wide.index.duplicated(keep="last")].sort_index()
    return out


def as_of(series: pd.Series, dates: pd.DatetimeIndex, max_age_days: int) -> Array:
    """Return, at each date, the latest value of ``series`` stamped at or before it.

    Values older than ``max_age_days`` calendar days at the date (when > 0) are NaN.
    """
    series = series.dropna()
    stamp = np.asarray(pd.DatetimeIndex(series.index).asi8)
    when = np.asarray(pd.DatetimeIndex(dates).asi8)
    at = np.searchsorted(stamp, when, side="right") - 1
    ok = at >= 0
    if max_age_days > 0:
        age = when - stamp[np.maximum(at, 0)]
        ok &= age <= max_age_days * 86_400 * 10**9
    out = np.full(len(when), np.nan)
    out[ok] = series.to_numpy(dtype="float64")[at[ok]]
    return out


def macro_features(
    specs: Sequence[FeatureSpec], sources: Mapping[str, pd.DataFrame], dates: pd.DatetimeIndex
) -> dict[str, Array]:
    """Compute macro ``specs`` as per-date series of shape (n_dates,).

    Raises
    ------
    ConfigError
        A spec names a column its source does not have.
    """
    out = {}
    for spec in specs:
        frame = sources[spec.source]
        if spec.column not in frame.columns:
            raise ConfigError(
                f"feature {spec.name!r} reads column {spec.column!r} of macro[{spec.source!r}], "
                f"which has {list(frame.columns)}; pass a source with that column"
            )
        series = frame[spec.column].dropna()
        if spec.kind == FeatureKind.MACRO_RETURN:
            series = (series / series.shift(spec.window) - 1.0).dropna()
        out[spec.name] = as_of(series, dates, spec.max_age_days)
    return out
