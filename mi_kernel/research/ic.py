"""Information coefficient by date: rank IC (Spearman) and IC (Pearson) of score vs return."""

from __future__ import annotations

import pandas as pd

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.models import daily_ic

METHODS = ("rank", "pearson")


def ic_by_date(frame: pd.DataFrame, returns: str, method: str = "rank") -> pd.Series:
    """Compute the cross-sectional IC of ``score`` against a return column on each date.

    Parameters
    ----------
    frame : DataFrame
        Long table with ``ts``, ``score`` and the ``returns`` column (e.g. ``fwd_1d``).
    returns : str
        Return column to correlate with.
    method : {"rank", "pearson"}, default "rank"
        Spearman rank correlation (:func:`mi_kernel.models.daily_ic`) or Pearson correlation.

    Returns
    -------
    Series
        IC per date (index ts, sorted); NaN on dates with fewer than two complete rows or a
        constant score or return.
    """
    if method not in METHODS:
        raise ConfigError(f"unknown IC method {method!r}; use one of {METHODS}")
    if returns not in frame.columns:
        raise DataError(f"frame has no return column {returns!r}; columns: {list(frame)}")
    if method == "rank":
        return daily_ic(frame["ts"], frame["score"], frame[returns]).rename(returns)
    data = pd.DataFrame(
        {
            "ts": frame["ts"].to_numpy(),
            "p": frame["score"].to_numpy(dtype="float64"),
            "y": frame[returns].to_numpy(dtype="float64"),
        }
    ).dropna()
    by = data.groupby("ts", sort=True)
    dp = data["p"] - by["p"].transform("mean")
    dy = data["y"] - by["y"].transform("mean")
    parts = pd.DataFrame({"ts": data["ts"], "xy": dp * dy, "xx": dp * dp, "yy": dy * dy})
    sums = parts.groupby("ts", sort=True)[["xy", "xx", "yy"]].sum()
    denom = (sums["xx"] * sums["yy"]).pow(0.5)
    return (sums["xy"] / denom.where(denom > 1e-12)).rename(returns)
