"""Raw (unadjusted) OHLCV bars and the corporate actions that explain their jumps.

On an ex-date the day starts from a reference price, the previous close times the action's
factor (``1 / ratio`` for a split, ``1 - dividend / previous close`` for a dividend), and the
day's total return then applies to it. Back-adjusting the raw closes with those factors (the
usual convention, :func:`mi_kernel.data.actions.adjust_bars`) recovers the total return.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from mi_kernel.data.synthetic.config import DAYS_PER_YEAR, SyntheticConfig
from mi_kernel.data.synthetic.universe import Static
from mi_kernel.schemas.tables import TABLES, TableName

SPLIT_RATIOS = np.array([2.0, 3.0, 1.5, 4.0])
_SPLIT_CUM = np.array([0.6, 0.8, 0.9])  # cumulative probabilities of the first three ratios
DIVIDEND_EVERY = 63  # business days between ex-dates (quarterly)


@dataclass(frozen=True)
class Prices:
    """Raw bars of a chunk, each (n, n_days): OHLC in currency, volume and shares in shares.

    ``ratio`` is the split ratio on ex-dates (1 elsewhere), ``dividend`` the cash per share on
    ex-dates (0 elsewhere), ``shares`` the shares outstanding.
    """

    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray
    shares: np.ndarray
    ratio: np.ndarray
    dividend: np.ndarray


def price_paths(
    config: SyntheticConfig, static: Static, x: np.ndarray, paths: dict[str, np.ndarray]
) -> Prices:
    """Turn log returns ``x`` (n, n_days) into raw OHLCV with splits and dividends.

    ``paths`` holds the symbol noise of :func:`~mi_kernel.data.synthetic.paths.draw_paths`
    (``full=True``). Every bar satisfies ``low <= min(open, close) <= max(open, close) <= high``.
    """
    n_days = config.n_days
    t = np.arange(n_days)
    alive = static.alive(n_days)
    later = alive & (t > static.first[:, None])
    split_day = later & (paths["split_u"] < config.split_rate / DAYS_PER_YEAR)
    div_day = (
        later
        & ((t - static.div_phase[:, None]) % DIVIDEND_EVERY == 0)
        & (static.div_yield[:, None] > 0)
        & ~split_day
    )
    pick = np.searchsorted(_SPLIT_CUM, paths["split_pick"], side="right")
    ratio = np.where(split_day, SPLIT_RATIOS[pick], 1.0)
    q = np.where(div_day, static.div_yield[:, None] / 4.0, 0.0)
    xa = np.where(alive, x, 0.0)
    log_close = np.log(static.price0)[:, None] + np.cumsum(xa + np.log1p(-q) - np.log(ratio), 1)
    close = np.exp(log_close)
    ref = np.exp(log_close - xa)
    prev_close = np.concatenate([static.price0[:, None], close[:, :-1]], axis=1)
    sigma = static.sigma[:, None]
    open_ = ref * np.exp(0.3 * xa + 0.3 * sigma * paths["overnight"])
    high = np.maximum(open_, close) * np.exp(0.5 * sigma * paths["up"])
    low = np.minimum(open_, close) * np.exp(-0.5 * sigma * paths["down"])
    shares = static.shares0[:, None] * np.cumprod(ratio, axis=1)
    activity = 0.45 * paths["volume"] - 0.45**2 / 2 + 0.3 * (np.abs(xa) / sigma - 0.8)
    volume = np.maximum(np.round(static.turnover[:, None] * shares * np.exp(activity)), 100.0)
    return Prices(
        open=open_,
        high=high,
        low=low,
        close=close,
        volume=volume,
        shares=shares,
        ratio=ratio,
        dividend=np.where(div_day, q * prev_close, 0.0),
    )


def _ts(ns: np.ndarray, table: TableName, field: str = "ts") -> pa.Array:
    return pa.array(ns, TABLES[table].field(field).type)


def bars_table(static: Static, prices: Prices, cal: pd.DatetimeIndex) -> pa.Table:
    """Return the chunk's bars, sorted by symbol then ts, one row per traded day."""
    pos, day = np.nonzero(static.alive(len(cal)))
    cols = {
        "ts": _ts(cal.asi8[day], TableName.BARS),
        "symbol": pa.array(static.symbol[pos], pa.string()),
    }
    for name in ("open", "high", "low", "close", "volume"):
        cols[name] = pa.array(getattr(prices, name)[pos, day], pa.float64())
    return pa.table(cols, schema=TABLES[TableName.BARS])


def actions_table(static: Static, prices: Prices, cal: pd.DatetimeIndex) -> pa.Table:
    """Return the chunk's splits (value = new shares per old share) and dividends (cash/share)."""
    sp, sd = np.nonzero(prices.ratio != 1.0)
    dp, dd = np.nonzero(prices.dividend > 0.0)
    pos = np.concatenate([sp, dp])
    day = np.concatenate([sd, dd])
    action = np.concatenate([np.full(sp.size, "split"), np.full(dp.size, "dividend")])
    value = np.concatenate([prices.ratio[sp, sd], prices.dividend[dp, dd]])
    order = np.lexsort((action, day, pos))
    return pa.table(
        {
            "ts": _ts(cal.asi8[day[order]], TableName.CORPORATE_ACTIONS),
            "symbol": pa.array(static.symbol[pos[order]], pa.string()),
            "action": pa.array(action[order], pa.string()),
            "value": pa.array(value[order], pa.float64()),
        },
        schema=TABLES[TableName.CORPORATE_ACTIONS],
    )
