"""News headlines from templates, with the sentiment that actually moved the price.

A news item of sentiment ``s`` in [-1, 1] adds ``NEWS_IMPACT * s`` idiosyncratic standard
deviations to the log return of the bar it first reaches: the same day's bar if it is published
before the 21:00 UTC close, the next day's bar otherwise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from mi_kernel.data.synthetic.config import SECTORS
from mi_kernel.data.synthetic.paths import News
from mi_kernel.data.synthetic.universe import Static
from mi_kernel.schemas.tables import TABLES, TableName

#: |sentiment| above this picks a positive or negative template, below it a neutral one.
NEUTRAL_BAND = 0.2

POSITIVE = (
    "{symbol} beats quarterly earnings estimates",
    "{symbol} raises full-year guidance",
    "{symbol} wins a multi-year {sector} contract",
    "Analysts upgrade {symbol} to buy",
    "{symbol} announces a share buyback",
    "{symbol} reports record quarterly sales",
)
NEGATIVE = (
    "{symbol} misses quarterly earnings estimates",
    "{symbol} cuts full-year guidance",
    "Regulator opens an inquiry into {symbol}",
    "Analysts downgrade {symbol} to sell",
    "{symbol} recalls products after defects are found",
    "{symbol} loses a key {sector} customer",
)
NEUTRAL = (
    "{symbol} to present at a {sector} industry conference",
    "{symbol} names a new chief financial officer",
    "{symbol} schedules its quarterly results call",
    "{symbol} completes a previously announced reorganisation",
    "{symbol} files its annual proxy statement",
)


def headline(symbol: str, sector: str, sentiment: float, template: int) -> str:
    """Return the headline for one item: the template bucket follows the sentiment's sign."""
    bucket: tuple[str, ...]
    if sentiment > NEUTRAL_BAND:
        bucket = POSITIVE
    elif sentiment < -NEUTRAL_BAND:
        bucket = NEGATIVE
    else:
        bucket = NEUTRAL
    return bucket[template % len(bucket)].format(symbol=symbol, sector=sector.lower())


def news_table(static: Static, news: News, cal: pd.DatetimeIndex) -> pa.Table:
    """Return the chunk's news: ts (publication, UTC), symbol, headline, sentiment."""
    symbols = static.symbol[news.pos]
    sectors = np.asarray(SECTORS)[static.sector[news.pos]]
    text = [
        headline(str(s), str(g), float(v), int(t))
        for s, g, v, t in zip(symbols, sectors, news.sentiment, news.template, strict=True)
    ]
    ts = cal.asi8[news.day] + news.second * 10**9
    order = np.lexsort((ts, news.pos))
    schema = TABLES[TableName.NEWS]
    return pa.table(
        {
            "ts": pa.array(ts[order], schema.field("ts").type),
            "symbol": pa.array(symbols[order], pa.string()),
            "headline": pa.array([text[j] for j in order], pa.string()),
            "sentiment": pa.array(news.sentiment[order], pa.float64()),
        },
        schema=schema,
    )
