"""Precision@K and hit rate of a cross-sectional signal, per date."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mi_kernel.errors import ConfigError


def _complete(frame: pd.DataFrame, returns: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ts": frame["ts"].to_numpy(),
            "score": frame["score"].to_numpy(dtype="float64"),
            "ret": frame[returns].to_numpy(dtype="float64"),
        }
    ).dropna()


def precision_at_k(frame: pd.DataFrame, returns: str, k: int = 10) -> pd.Series:
    """Return, per date, the share of the ``k`` highest-scored names that beat the median.

    A name beats the median if its forward return is above the cross-sectional median return
    of the date (over the names with both a score and a return). Ties in score are broken by
    row order. A date with ``k`` or fewer such names gets NaN (top-K would be everything).
    """
    if int(k) < 1:
        raise ConfigError(f"k must be >= 1, got {k!r}")
    data = _complete(frame, returns)
    by = data.groupby("ts", sort=True)
    top = by["score"].rank(method="first", ascending=False) <= int(k)
    beat = data["ret"] > by["ret"].transform("median")
    count = by["score"].transform("count")
    hits = (top & beat).groupby(data["ts"]).sum() / int(k)
    enough = count.groupby(data["ts"]).first() > int(k)
    return hits.where(enough).rename(f"precision_at_{int(k)}")


def hit_rate(frame: pd.DataFrame, returns: str) -> pd.Series:
    """Return, per date, the share of names on the right side of both medians.

    A hit is a name whose score and forward return are both above, or both below, their
    cross-sectional medians; names exactly at either median are not counted. Pooled over all
    names this is :func:`mi_kernel.models.evaluate.cross_sectional_hit_rate`.
    """
    data = _complete(frame, returns)
    by = data.groupby("ts", sort=True)
    sp = np.sign(data["score"] - by["score"].transform("median"))
    sy = np.sign(data["ret"] - by["ret"].transform("median"))
    counted = (sp != 0) & (sy != 0)
    hits = ((sp == sy) & counted).groupby(data["ts"]).sum()
    n = counted.groupby(data["ts"]).sum()
    return (hits / n.where(n > 0)).rename("hit_rate")
