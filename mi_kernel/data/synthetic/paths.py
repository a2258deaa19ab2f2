"""Daily log returns: market and sector factors, fat-tailed idiosyncratic noise, news shocks.

Arrays are (n symbols, n_days) in calendar order; a symbol's values outside its lifetime
``[first, end)`` are computed but never written.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mi_kernel.data.synthetic.config import DAYS_PER_YEAR, NEWS, PATH, SyntheticConfig, symbol_rng
from mi_kernel.data.synthetic.universe import Static, ar1

#: News published at or after this second of the UTC day (21:00, the close) moves the next bar.
CLOSE_SECOND = 21 * 3600
#: A news item of sentiment s adds ``NEWS_IMPACT * s`` daily idiosyncratic s.d. to the log return.
NEWS_IMPACT = 1.5
_PATH_FIELDS = ("eps", "vol_shock", "overnight", "up", "down", "volume", "split_u", "split_pick")


@dataclass(frozen=True)
class News:
    """News items of a chunk, one entry per item, sorted by symbol then time.

    ``pos`` is the symbol's position in the chunk, ``day`` the calendar index of the day it is
    published, ``second`` the second of that UTC day, ``hit`` the calendar index of the bar
    whose return it moves (``day``, or ``day + 1`` after the close; -1 if the symbol is gone).
    """

    pos: np.ndarray
    day: np.ndarray
    second: np.ndarray
    sentiment: np.ndarray
    template: np.ndarray
    hit: np.ndarray


def draw_news(config: SyntheticConfig, static: Static) -> News:
    """Draw each symbol's news items: Poisson count over its life, uniform days and times."""
    parts: list[tuple[np.ndarray, ...]] = []
    rate = config.news_per_symbol_year / DAYS_PER_YEAR
    for k, i in enumerate(static.index):
        rng = symbol_rng(config.seed, int(i), NEWS)
        life = int(static.end[k] - static.first[k])
        n = min(int(rng.poisson(rate * life)), life)
        day = static.first[k] + np.sort(rng.choice(life, size=n, replace=False))
        second = rng.integers(0, 86_400, n)
        sentiment = np.clip(rng.normal(0.0, 0.5, n), -1.0, 1.0)
        template = rng.integers(0, 1 << 20, n)
        parts.append((np.full(n, k), day, second, sentiment, template))
    pos, day, second, sentiment, template = (np.concatenate(c) for c in zip(*parts, strict=True))
    hit = np.where(second >= CLOSE_SECOND, day + 1, day)
    hit = np.where(hit < static.end[pos.astype(np.int64)], hit, -1)
    return News(
        pos.astype(np.int64),
        day.astype(np.int64),
        second.astype(np.int64),
        sentiment.astype(np.float64),
        template.astype(np.int64),
        hit.astype(np.int64),
    )


def draw_paths(config: SyntheticConfig, static: Static, full: bool) -> dict[str, np.ndarray]:
    """Draw each symbol's daily noise, (n, n_days) per field, from the symbol's own stream.

    With ``full=False`` only what returns need (``eps``, ``vol_shock``) is drawn; the other
    fields (bar shape, volume, splits) come later in the same stream, so they are unchanged.
    """
    fields = _PATH_FIELDS if full else _PATH_FIELDS[:2]
    out = {f: np.empty((static.index.size, config.n_days)) for f in fields}
    df, n_days = config.tail_df, config.n_days
    scale = np.sqrt((df - 2.0) / df)
    for k, i in enumerate(static.index):
        rng = symbol_rng(config.seed, int(i), PATH)
        out["eps"][k] = rng.standard_t(df, n_days) * scale
        out["vol_shock"][k] = rng.standard_normal(n_days)
        if full:
            out["overnight"][k] = rng.standard_normal(n_days)
            out["up"][k] = np.abs(rng.standard_normal(n_days))
            out["down"][k] = np.abs(rng.standard_normal(n_days))
            out["volume"][k] = rng.standard_normal(n_days)
            out["split_u"][k] = rng.random(n_days)
            out["split_pick"][k] = rng.random(n_days)
    return out


def log_returns(
    static: Static,
    market: np.ndarray,
    sectors: np.ndarray,
    paths: dict[str, np.ndarray],
    news: News,
) -> np.ndarray:
    """Return the (n, n_days) total log returns, close to close, dividends included.

    ``r = drift + beta * market + sector_beta * sector + sigma * vol_t * eps + news``, where
    ``vol_t`` is a persistent log-normal volatility multiplier and ``eps`` is Student-t.
    """
    vol = np.exp(ar1(paths["vol_shock"], phi=0.97, sd=0.25) - 0.25**2 / 2)
    x = (
        static.drift[:, None]
        + static.beta[:, None] * market[None, :]
        + static.sector_beta[:, None] * sectors[static.sector]
        + static.sigma[:, None] * vol * paths["eps"]
    )
    hit = news.hit >= 0
    np.add.at(
        x,
        (news.pos[hit], news.hit[hit]),
        NEWS_IMPACT * static.sigma[news.pos[hit]] * news.sentiment[hit],
    )
    return np.clip(x, -1.5, 1.5)


def forward_returns(x: np.ndarray, static: Static, horizon: int) -> np.ndarray:
    """Return the log return from close t to close t+horizon, NaN where t+horizon is not traded."""
    n, n_days = x.shape
    csum = np.cumsum(x, axis=1)
    fwd = np.full((n, n_days), np.nan)
    fwd[:, : n_days - horizon] = csum[:, horizon:] - csum[:, : n_days - horizon]
    t = np.arange(n_days)
    valid = (t >= static.first[:, None]) & (t + horizon < static.end[:, None])
    return np.where(valid, fwd, np.nan)
