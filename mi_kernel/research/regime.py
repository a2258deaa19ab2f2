"""Regime-split IC: the IC's significance within each regime (e.g. calm vs turbulent)."""

from __future__ import annotations

import pandas as pd

from mi_kernel.errors import DataError
from mi_kernel.research.significance import ic_summary


def regime_ic(ic: pd.Series, regime: pd.Series, lags: int | None = None) -> pd.DataFrame:
    """Summarise an IC series separately in each regime.

    Parameters
    ----------
    ic : Series
        IC per date.
    regime : Series
        Regime label per date (e.g. ``RegimeResult.labels()``); dates without a label are
        left out. Use filtered regimes (known at t), or the split is in hindsight.
    lags : int, optional
        Newey–West lags (see :func:`ic_summary`).

    Returns
    -------
    DataFrame
        Index = regime label (sorted), columns = the :class:`ICSummary` fields.
    """
    common = ic.index.intersection(regime.dropna().index)
    if len(common) == 0:
        raise DataError("ic and regime share no date; index both by the same (UTC) timestamps")
    labels = regime.loc[common]
    rows = {
        label: ic_summary(ic.loc[labels.index[labels == label]], lags=lags).to_dict()
        for label in sorted(labels.unique())
    }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "regime"
    return out
