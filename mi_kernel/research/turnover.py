"""Signal turnover: rank autocorrelation and quantile membership churn between dates."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mi_kernel.errors import ConfigError
from mi_kernel.research.quantiles import assign_quantiles


def _wide(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame.pivot(index="ts", columns="symbol", values=column).sort_index()


def rank_autocorrelation(frame: pd.DataFrame, lag: int = 1) -> pd.Series:
    """Return, per date, the Spearman correlation of scores with those ``lag`` dates earlier.

    Computed over the names scored on both dates (ranked among themselves); NaN for the first
    ``lag`` dates and where fewer than two names are shared. 1 = the ranking did not change;
    low values mean a fast signal that trades a lot.
    """
    if int(lag) < 1:
        raise ConfigError(f"lag must be >= 1 date, got {lag!r}")
    now = _wide(frame, "score")
    before = now.shift(int(lag))
    both = now.notna() & before.notna()
    a = now.where(both).rank(axis=1)
    b = before.where(both).rank(axis=1)
    da = a.sub(a.mean(axis=1), axis=0)
    db = b.sub(b.mean(axis=1), axis=0)
    num = (da * db).sum(axis=1)
    den = ((da * da).sum(axis=1) * (db * db).sum(axis=1)).pow(0.5)
    out = (num / den.where(den > 1e-12)).where(both.sum(axis=1) >= 2)
    return out.rename("rank_autocorrelation")


def quantile_turnover(
    frame: pd.DataFrame, n_quantiles: int = 5, quantile: int | None = None, lag: int = 1
) -> pd.Series:
    """Return, per date, the share of a quantile's names that were not in it ``lag`` dates ago.

    Parameters
    ----------
    frame : DataFrame
        Long table with ``ts``, ``symbol``, ``score``.
    n_quantiles : int, default 5
    quantile : int, optional
        1 (bottom) .. n (top); default the top quantile.
    lag : int, default 1
        Dates between the two memberships.

    Returns
    -------
    Series
        New names / names in the quantile (0 = unchanged, 1 = all new); NaN for the first
        ``lag`` dates. A name absent ``lag`` dates ago counts as new.
    """
    q = int(n_quantiles) if quantile is None else int(quantile)
    if not 1 <= q <= int(n_quantiles):
        raise ConfigError(f"quantile must be in 1..{n_quantiles}, got {quantile!r}")
    if int(lag) < 1:
        raise ConfigError(f"lag must be >= 1 date, got {lag!r}")
    labelled = frame.assign(quantile=assign_quantiles(frame, n_quantiles))
    member = _wide(labelled, "quantile") == q
    before = member.shift(int(lag), fill_value=False)
    size = member.sum(axis=1)
    new = (member & ~before).sum(axis=1)
    out = (new / size.where(size > 0)).astype("float64")
    out.iloc[: int(lag)] = np.nan
    return out.rename(f"q{q}_turnover")
