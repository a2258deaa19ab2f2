"""Back-adjust raw bars with a corporate-action table (splits and cash dividends)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mi_kernel.errors import DataError

ACTIONS = ("split", "dividend")


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
