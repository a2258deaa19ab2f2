"""Corporate actions: back-adjust raw bars with them, and recover them from an adjusted close.

:func:`adjust_bars` applies a corporate-action table (splits and cash dividends) to raw bars.
:func:`recover_actions` recovers splits and dividends from a raw close and its adjusted close.

Where a vendor ships both (bokeh-sampledata does), the adjustment factor between consecutive
sessions reveals each corporate action on its ex-date ``t``::

    f_t = (adj_{t-1} / close_{t-1}) / (adj_t / close_t)

A split of ``k`` new shares per old share gives ``f = 1 / k``; a cash dividend ``D`` gives
``f = 1 - D / close_{t-1}`` (the multiplicative convention of
:func:`adjust_bars`). Factors within ``tol`` of 1 are rounding noise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mi_kernel.errors import DataError
from mi_kernel.schemas.tables import conform

#: The actions :func:`adjust_bars` understands.
ACTIONS = ("split", "dividend")

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
    missing = [c for c in ("ts", "symbol", "close", "adj_close") if c not in prices.columns]
    if missing:
        raise DataError(
            f"recover_actions needs columns ts, symbol, close, adj_close; missing {missing}"
        )
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


def adjust_bars(bars: pd.DataFrame, actions: pd.DataFrame) -> pd.DataFrame:
    """Return ``bars`` back-adjusted for ``actions`` into total-return prices.

    Each ex-date ``e`` has a factor: ``1 / ratio`` for a split, ``1 - dividend / close[e-1]``
    for a dividend (the usual multiplicative convention). Open, high, low and close before
    ``e`` are multiplied by it and volume divided by the split factors, so a symbol's last bar
    is unchanged and close-to-close returns of the result are total returns.

    Parameters
    ----------
    bars : DataFrame
        Canonical bars (ts, symbol, open, high, low, close, volume), raw prices.
    actions : DataFrame
        Canonical corporate actions (ts, symbol, action, value); actions on a date without a
        bar, and a dividend on a symbol's first bar (no previous close), are ignored.

    Returns
    -------
    DataFrame
        The bars, sorted by symbol then ts, with adjusted prices and volume.
    """
    unknown = sorted(set(actions["action"]) - set(ACTIONS))
    if unknown:
        raise DataError(f"cannot adjust for corporate actions {unknown}; known: {list(ACTIONS)}")
    out = bars.sort_values(["symbol", "ts"], kind="stable").reset_index(drop=True)
    keys = out[["symbol", "ts"]].assign(prev=out.groupby("symbol", sort=False)["close"].shift(1))
    act = actions.merge(keys, on=["symbol", "ts"], how="inner")
    split = act["action"].eq("split").to_numpy()
    value = act["value"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        price_f = np.where(split, 1.0 / value, 1.0 - value / act["prev"].to_numpy(dtype=float))
    factors = pd.DataFrame(
        {
            "symbol": act["symbol"],
            "ts": act["ts"],
            "lp": np.log(np.where(np.isfinite(price_f) & (price_f > 0), price_f, 1.0)),
            "lv": np.log(np.where(split, 1.0 / value, 1.0)),
        }
    )
    factors = factors.groupby(["symbol", "ts"], as_index=False)[["lp", "lv"]].sum()
    logs = out[["symbol", "ts"]].merge(factors, on=["symbol", "ts"], how="left").fillna(0.0)
    by = logs.groupby(logs["symbol"], sort=False)
    after = by[["lp", "lv"]].transform("sum") - by[["lp", "lv"]].cumsum()
    price_mult = np.exp(after["lp"].to_numpy())
    for col in ("open", "high", "low", "close"):
        out[col] = out[col].to_numpy() * price_mult
    out["volume"] = out["volume"].to_numpy() * np.exp(-after["lv"].to_numpy())
    return out
