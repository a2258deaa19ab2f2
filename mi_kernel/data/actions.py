"""Recover splits and dividends from a raw close and its adjusted close.

Where a vendor ships both (bokeh-sampledata does), the adjustment factor between consecutive
sessions reveals each corporate action on its ex-date ``t``::

    f_t = (adj_{t-1} / close_{t-1}) / (adj_t / close_t)

A split of ``k`` new shares per old share gives ``f = 1 / k``; a cash dividend ``D`` gives
``f = 1 - D / close_{t-1}`` (the multiplicative convention of
:func:`mi_kernel.data.synthetic.adjust_bars`). Factors within ``tol`` of 1 are rounding noise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mi_kernel.errors import DataError
from mi_kernel.schemas.tables import conform

#: Split ratios (new shares per old share) recognised, incl. reverse splits.
SPLIT_RATIOS = (2.0, 3.0, 4.0, 5.0, 7.0, 10.0, 1.5, 1.25, 0.5, 0.2, 0.1)


def _split_ratio(factor: float, rel_tol: float = 0.01) -> float | None:
    k = 1.0 / factor
    for ratio in SPLIT_RATIOS:
        if abs(k - ratio) <= rel_tol * ratio:
            return ratio
    return None


def recover_actions(prices: pd.DataFrame, tol: float = 2e-4) -> pd.DataFrame:
    """Return the corporate actions implied by ``close`` and ``adj_close``.

    Parameters
    ----------
    prices : DataFrame
        Columns ts, symbol, close (raw) and adj_close (split- and dividend-adjusted).
    tol : float, default 2e-4
        Relative change of the adjustment factor below which nothing happened.

    Returns
    -------
    DataFrame
        Canonical corporate actions (ts, symbol, action in {"split", "dividend"}, value:
        the split ratio or the cash dividend per share), sorted by symbol then ts.

    Raises
    ------
    DataError
        If a factor above 1 is not a reverse split (the adjusted series jumps up): the
        vendor's adjustment cannot be read as splits and dividends.
    """
    p = prices.sort_values(["symbol", "ts"], kind="stable").reset_index(drop=True)
    ratio = p["adj_close"] / p["close"]
    prev = ratio.groupby(p["symbol"], sort=False).shift(1)
    factor = prev / ratio
    prev_close = p["close"].groupby(p["symbol"], sort=False).shift(1)
    f_all, before = factor.to_numpy(dtype=float), prev_close.to_numpy(dtype=float)
    stamps, symbols = list(p["ts"]), list(p["symbol"])
    rows = []
    for i in (int(j) for j in np.flatnonzero(np.abs(f_all - 1.0) > tol)):
        f, when, symbol = float(f_all[i]), stamps[i], symbols[i]
        split = _split_ratio(f)
        if split is not None:
            rows.append((when, symbol, "split", split))
        elif f < 1.0:
            rows.append((when, symbol, "dividend", (1.0 - f) * float(before[i])))
        else:
            raise DataError(
                f"{symbol} on {when:%Y-%m-%d}: the adjustment factor rises by {f - 1:.4%}, "
                "which is neither a split nor a dividend; check the vendor's adjusted close"
            )
    out = pd.DataFrame(rows, columns=["ts", "symbol", "action", "value"])
    return conform(out, "corporate_actions")
