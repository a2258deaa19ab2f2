"""Quarterly fundamentals, each stamped with its fiscal period end and the day it became known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from mi_kernel.data.synthetic.config import FUNDAMENTALS, SyntheticConfig, symbol_rng
from mi_kernel.data.synthetic.prices import Prices
from mi_kernel.data.synthetic.universe import Static, ar1
from mi_kernel.schemas.tables import TABLES, TableName

#: Reporting lag in calendar days: uniform on [MIN_LAG, MIN_LAG + LAG_SPREAD), plus
#: ANNUAL_EXTRA for the fourth fiscal quarter (annual reports take longer).
MIN_LAG, LAG_SPREAD, ANNUAL_EXTRA = 20, 30, 25
_DAY_NS = 86_400 * 10**9


def fundamentals_table(
    config: SyntheticConfig, static: Static, prices: Prices, cal: pd.DatetimeIndex
) -> pa.Table:
    """Return one row per symbol and fiscal quarter (calendar quarters) it reported.

    ``ts`` is the period end, ``ts_known`` = period end + reporting lag (>= 20 days). Book
    value follows the market value at the period end times a persistent book-to-market ratio;
    earnings and sales are quarterly flows. A quarter is reported if the symbol traded at its
    end and the report appears before the delisting and by the last day of the sample.
    """
    q_end = pd.date_range(cal[0], cal[-1], freq="QE")
    n_q = len(q_end)
    schema = TABLES[TableName.FUNDAMENTALS]
    if n_q == 0:
        return schema.empty_table()
    n = static.index.size
    noise = np.empty((n, 3, n_q))
    lag = np.empty((n, n_q), dtype=np.int64)
    for k, i in enumerate(static.index):
        rng = symbol_rng(config.seed, int(i), FUNDAMENTALS)
        noise[k] = rng.standard_normal((3, n_q))
        lag[k] = rng.integers(MIN_LAG, MIN_LAG + LAG_SPREAD, n_q)
    lag += np.where(q_end.month == 12, ANNUAL_EXTRA, 0)[None, :]
    day = np.searchsorted(cal.asi8, q_end.asi8, side="right") - 1
    known = q_end.asi8[None, :] + lag * _DAY_NS
    end_ns = np.where(
        static.end < config.n_days, cal.asi8[np.minimum(static.end, config.n_days - 1)], 2**62
    )
    ok = (
        (day[None, :] >= static.first[:, None])
        & (day[None, :] < static.end[:, None])
        & (known < end_ns[:, None])
        & (known <= cal.asi8[-1])
    )
    cap = prices.close[:, day] * prices.shares[:, day]
    book = cap * static.book_to_market[:, None] * np.exp(ar1(noise[:, 0], phi=0.9, sd=0.2))
    earnings = book * (static.roe[:, None] + 0.03 * noise[:, 1]) / 4.0
    sales = book * static.sales_to_book[:, None] * np.exp(0.1 * noise[:, 2]) / 4.0
    pos, qi = np.nonzero(ok)
    return pa.table(
        {
            "ts": pa.array(q_end.asi8[qi], schema.field("ts").type),
            "ts_known": pa.array(known[pos, qi], schema.field("ts_known").type),
            "symbol": pa.array(static.symbol[pos], pa.string()),
            "book_value": pa.array(book[pos, qi], pa.float64()),
            "earnings": pa.array(earnings[pos, qi], pa.float64()),
            "sales": pa.array(sales[pos, qi], pa.float64()),
            "shares": pa.array(prices.shares[pos, day[qi]], pa.float64()),
        },
        schema=schema,
    )
