"""Market observations for the regime model: daily log return and trailing log volatility."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mi_kernel.errors import ConfigError, DataError

FEATURES = ("ret", "log_vol")


def market_features(level: pd.Series, vol_window: int = 21, scale: float = 100.0) -> pd.DataFrame:
    """Compute the regime model's observations from an index level.

    Parameters
    ----------
    level : Series
        Index (or price) level on a sorted DatetimeIndex, e.g.
        ``mi_kernel.data.load_benchmark("sp500")``; must be positive.
    vol_window : int, default 21
        Sessions of the trailing volatility window (it includes day t).
    scale : float, default 100
        Multiplier of the log returns (100 = percent), so that features are of order 1,
        as the HMM's covariance floor assumes.

    Returns
    -------
    DataFrame
        Index = the level's dates from the first with a full window; columns ``ret`` =
        scale x log(level_t / level_{t-1}) and ``log_vol`` = log of the sample std (ddof 1)
        of ``ret`` over the last ``vol_window`` sessions. Both use data up to t only.

    Raises
    ------
    ConfigError
        If ``vol_window`` < 2.
    DataError
        If the level is not positive, not time-ordered, or too short for one window.
    """
    if int(vol_window) < 2:
        raise ConfigError(f"vol_window must be >= 2 sessions, got {vol_window!r}")
    s = pd.Series(level, dtype="float64").dropna()
    if not s.index.is_monotonic_increasing or s.index.has_duplicates:
        raise DataError(
            f"level {s.name!r} must have a sorted index of unique dates; sort_index() and "
            "drop duplicates first"
        )
    if (s <= 0).any():
        raise DataError(f"level {s.name!r} has non-positive values; pass a price or index level")
    ret = scale * pd.Series(np.log(s.to_numpy()), index=s.index).diff()
    vol = ret.rolling(int(vol_window), min_periods=int(vol_window)).std()
    with np.errstate(divide="ignore"):
        frame = pd.DataFrame({"ret": ret, "log_vol": np.log(vol)})
    frame = frame.replace(-np.inf, np.nan).dropna()
    if frame.empty:
        raise DataError(
            f"level {s.name!r} has {len(s)} values, too few for a {vol_window}-session "
            "volatility window; pass a longer history"
        )
    return frame
