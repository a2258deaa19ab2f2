"""Impact of news on prices: an event study on abnormal returns, point in time.

A document about a symbol enters the price record at the first bar whose ``ts`` is at or
after its ``known_at`` (bar ``t0``; daily bars are stamped at the session date, so a story
known during a session counts from the next session). For each (document, symbol):

- ``reaction``: the abnormal return of the bar before ``t0`` (when the story was published
  shortly before we knew it, the market's reaction lands here: we could not trade it);
- ``drift``: the cumulative abnormal return over bars ``t0 .. t0 + horizon - 1`` (what a
  strategy acting on the story could earn).

The abnormal return is the symbol's return minus the equal-weighted mean return of the
bars' symbols on that date. Scores are signed by the story's sentiment (positive when the
price moved the way the sentiment says).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mi_kernel.errors import DataError


def abnormal_returns(bars: pd.DataFrame) -> pd.DataFrame:
    """Return the wide abnormal-return panel (dates x symbols) of a bars table."""
    close = bars.pivot_table(index="ts", columns="symbol", values="close").sort_index()
    ret = close.pct_change(fill_method=None)
    return ret.sub(ret.mean(axis=1), axis=0)


def event_study(signals: pd.DataFrame, bars: pd.DataFrame, horizon: int = 5) -> pd.DataFrame:
    """Score every (document, symbol) of ``signals`` against the bars.

    Parameters
    ----------
    signals : DataFrame
        doc_id, symbol, ts_known (UTC), sentiment.
    bars : DataFrame
        Canonical bars.
    horizon : int, default 5
        Bars in the drift window.

    Returns
    -------
    DataFrame
        The signals' rows with t0 (the first bar at or after ts_known), reaction, drift and
        their sentiment-signed versions; rows whose symbol has no bars or whose t0 is past
        the last bar are dropped.
    """
    if horizon < 1:
        raise DataError(f"horizon={horizon} must be at least 1 bar")
    ar = abnormal_returns(bars)
    dates = pd.DatetimeIndex(ar.index)
    cols = pd.Index(ar.columns)
    s = signals[signals["symbol"].isin(cols)].copy()
    t0 = dates.searchsorted(pd.DatetimeIndex(s["ts_known"]), side="left")
    s = s[(t0 >= 1) & (t0 + horizon <= len(dates))]
    t0 = t0[(t0 >= 1) & (t0 + horizon <= len(dates))]
    values = ar.to_numpy()
    j = cols.get_indexer(pd.Index(s["symbol"]))
    window = np.stack([values[t0 + h, j] for h in range(horizon)], axis=1)
    s["t0"] = dates[t0]
    s["reaction"] = values[t0 - 1, j]
    s["drift"] = np.nansum(window, axis=1)
    sign = np.sign(s["sentiment"].to_numpy())
    s["signed_reaction"] = sign * s["reaction"]
    s["signed_drift"] = sign * s["drift"]
    return s.reset_index(drop=True)


def impact_summary(study: pd.DataFrame, by: str = "symbol") -> pd.DataFrame:
    """Mean signed reaction and drift by ``by`` (e.g. symbol, sector, event) with t-stats."""

    def t(x: pd.Series) -> float:
        x = x.dropna()
        sd = float(x.std(ddof=1)) if len(x) > 2 else 0.0
        return float(x.mean() / sd * np.sqrt(len(x))) if sd > 0 else np.nan

    g = study.groupby(by, sort=True)
    return pd.DataFrame(
        {
            "n": g.size(),
            "signed_reaction": g["signed_reaction"].mean(),
            "t_reaction": g["signed_reaction"].apply(t),
            "signed_drift": g["signed_drift"].mean(),
            "t_drift": g["signed_drift"].apply(t),
        }
    ).reset_index()
