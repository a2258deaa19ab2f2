"""Quantile analysis: mean forward return by signal quantile per date, and top minus bottom."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mi_kernel.errors import ConfigError, DataError


def assign_quantiles(frame: pd.DataFrame, n_quantiles: int = 5) -> pd.Series:
    """Return each row's signal quantile on its date: 1 (lowest score) .. n (highest).

    Quantiles hold equal counts (ties broken by row order, as ``rank(method="first")``); a
    date with fewer scored names than quantiles, and a NaN score, get NaN.
    """
    if int(n_quantiles) < 2:
        raise ConfigError(f"n_quantiles must be >= 2, got {n_quantiles!r}")
    by = frame.groupby("ts", sort=False)["score"]
    rank = by.rank(method="first")
    count = by.transform("count")
    q = np.ceil(rank / count * int(n_quantiles))
    return q.where(count >= int(n_quantiles)).rename("quantile")


def quantile_returns(frame: pd.DataFrame, returns: str, n_quantiles: int = 5) -> pd.DataFrame:
    """Return the mean forward return of each signal quantile on each date.

    Parameters
    ----------
    frame : DataFrame
        Long table with ``ts``, ``score`` and the ``returns`` column (bps).
    returns : str
        Return column, e.g. ``fwd_1d``.
    n_quantiles : int, default 5

    Returns
    -------
    DataFrame
        Index = dates, columns = quantiles 1..n: equal-weighted mean return (bps) of the
        names in the quantile whose return is known.
    """
    if returns not in frame.columns:
        raise DataError(f"frame has no return column {returns!r}; columns: {list(frame)}")
    q = assign_quantiles(frame, n_quantiles)
    data = pd.DataFrame({"ts": frame["ts"], "quantile": q, "ret": frame[returns]}).dropna()
    table = data.groupby(["ts", "quantile"], sort=True)["ret"].mean().unstack("quantile")
    table.columns = pd.Index(table.columns.astype(int), name="quantile")
    return table.reindex(columns=range(1, int(n_quantiles) + 1))


def spread(by_date: pd.DataFrame) -> pd.Series:
    """Return the top-minus-bottom quantile return per date (bps) of a :func:`quantile_returns`."""
    return (by_date.iloc[:, -1] - by_date.iloc[:, 0]).rename("top_minus_bottom")


def monotonicity(mean_by_quantile: pd.Series) -> float:
    """Return the Spearman correlation of quantile number and mean return (1 = monotone up)."""
    s = pd.Series(mean_by_quantile, dtype="float64").dropna()
    if len(s) < 2 or s.nunique() < 2:
        return float("nan")
    return float(
        pd.Series(s.index.to_numpy(), dtype="float64").corr(
            s.reset_index(drop=True), method="spearman"
        )
    )


def cumulative_spread(one_day_spread: pd.Series) -> pd.Series:
    """Return the growth of 1 in a daily-rebalanced long-top / short-bottom portfolio.

    ``one_day_spread`` is the 1-session top-minus-bottom return in bps per signal date; the
    value at t includes the return earned from close t to close t + 1. No costs.
    """
    r = pd.Series(one_day_spread, dtype="float64").fillna(0.0) / 1e4
    return (1.0 + r).cumprod().rename("growth_of_1")
