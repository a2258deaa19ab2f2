"""Per-symbol attributes (sector, lifetime, size, volatility, payout) and the common factors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy.signal import lfilter

from mi_kernel.data.synthetic.config import (
    DAYS_PER_YEAR,
    SECTORS,
    STATIC,
    SyntheticConfig,
    market_rng,
    symbol_name,
    symbol_rng,
)
from mi_kernel.schemas.tables import TABLES, TableName

_SQRT_Y = np.sqrt(DAYS_PER_YEAR)
_MIN_LIFE = 21  # a listed company trades at least a month before it can be delisted


@dataclass(frozen=True)
class Static:
    """Attributes of the symbols ``index`` (arrays of shape (n,), one entry per symbol).

    ``first`` is the calendar index of the first bar, ``end`` the index of the delisting day
    (``n_days`` while listed through the sample): a symbol trades on days ``[first, end)``.
    ``sigma`` and ``drift`` are daily; ``div_yield`` is annual (0 for non-payers).
    """

    index: np.ndarray
    symbol: np.ndarray
    sector: np.ndarray
    first: np.ndarray
    end: np.ndarray
    price0: np.ndarray
    shares0: np.ndarray
    sigma: np.ndarray
    beta: np.ndarray
    sector_beta: np.ndarray
    drift: np.ndarray
    div_yield: np.ndarray
    div_phase: np.ndarray
    book_to_market: np.ndarray
    roe: np.ndarray
    sales_to_book: np.ndarray
    turnover: np.ndarray

    def alive(self, n_days: int) -> np.ndarray:
        """Return the (n, n_days) boolean mask of the days each symbol trades."""
        t = np.arange(n_days)
        return (t >= self.first[:, None]) & (t < self.end[:, None])


def draw_static(config: SyntheticConfig, lo: int, hi: int) -> Static:
    """Draw the attributes of symbols ``lo .. hi-1`` (each from its own stream).

    Symbols ``0 .. n_symbols-1`` trade from the first day; later ones list on a uniform day.
    """
    index = np.arange(lo, hi)
    z = np.empty((index.size, 12))
    u = np.empty((index.size, 6))
    for k, i in enumerate(index):
        rng = symbol_rng(config.seed, int(i), STATIC)
        z[k] = rng.standard_normal(12)
        u[k] = rng.random(6)
    n_days = config.n_days
    is_new = index >= config.n_symbols
    first = np.where(is_new, 1 + np.floor(u[:, 2] * (n_days - 1)), 0).astype(np.int64)
    if config.delisting_rate > 0:
        life_years = -np.log1p(-u[:, 3]) / config.delisting_rate
        life = np.maximum(np.ceil(life_years * DAYS_PER_YEAR), _MIN_LIFE).astype(np.int64)
        end = np.minimum(first + life, n_days)
    else:
        end = np.full(index.size, n_days, dtype=np.int64)
    cap = np.exp(np.clip(np.log(2e9) + 1.4 * z[:, 0], np.log(3e7), np.log(2e12)))
    price0 = np.exp(np.clip(np.log(40.0) + 0.7 * z[:, 1], np.log(1.0), np.log(3000.0)))
    sigma = 0.28 * np.exp(0.3 * z[:, 2]) * (cap / 2e9) ** -0.08 / _SQRT_Y
    payer = u[:, 4] < config.dividend_payer_frac
    return Static(
        index=index,
        symbol=symbol_name(index, config.n_total),
        sector=np.floor(u[:, 0] * len(SECTORS)).astype(np.int64),
        first=first,
        end=end,
        price0=price0,
        shares0=np.round(cap / price0),
        sigma=sigma,
        beta=np.clip(1.0 + 0.3 * z[:, 3], 0.2, 2.5),
        sector_beta=np.clip(1.0 + 0.25 * z[:, 4], 0.0, 2.0),
        drift=0.02 * z[:, 5] / DAYS_PER_YEAR,
        div_yield=np.where(payer, config.dividend_yield * np.exp(0.4 * z[:, 6]), 0.0),
        div_phase=np.floor(u[:, 5] * 63).astype(np.int64),
        book_to_market=np.exp(np.log(0.5) + 0.5 * z[:, 7]),
        roe=0.10 + 0.06 * z[:, 8],
        sales_to_book=np.exp(0.5 * z[:, 9]),
        turnover=np.exp(np.log(0.004) + 0.5 * z[:, 10]),
    )


def ar1(shocks: np.ndarray, phi: float, sd: float) -> np.ndarray:
    """Return a stationary AR(1) with coefficient ``phi`` and s.d. ``sd`` along the last axis.

    ``shocks`` are standard normal; the first value is drawn from the stationary law.
    """
    scale = sd * np.sqrt(1.0 - phi**2)
    e = shocks * scale
    e[..., 0] = shocks[..., 0] * sd
    return np.asarray(lfilter([1.0], [1.0, -phi], e, axis=-1))


def market_factors(config: SyntheticConfig) -> tuple[np.ndarray, np.ndarray]:
    """Return the daily log returns of the market (n_days,) and the sectors (n_sectors, n_days).

    The market has Student-t shocks and a persistent log-volatility (volatility clustering).
    """
    rng = market_rng(config.seed)
    df = config.tail_df
    eps = rng.standard_t(df, config.n_days) * np.sqrt((df - 2.0) / df)
    logvol = ar1(rng.standard_normal(config.n_days), phi=0.98, sd=0.35)
    vol = 0.16 / _SQRT_Y * np.exp(logvol - 0.35**2 / 2)
    market = 0.06 / DAYS_PER_YEAR + vol * eps
    sectors = 0.10 / _SQRT_Y * rng.standard_normal((len(SECTORS), config.n_days))
    return market, sectors


def universe_table(config: SyntheticConfig, static: Static, cal: pd.DatetimeIndex) -> pa.Table:
    """Return the lifetime table: symbol, start (first bar), end (delisting day or null), sector."""
    ns = cal.asi8
    listed = static.end >= config.n_days
    end = np.where(listed, 0, ns[np.minimum(static.end, config.n_days - 1)])
    schema = TABLES[TableName.UNIVERSE]
    return pa.table(
        {
            "symbol": pa.array(static.symbol.astype(object), pa.string()),
            "start": pa.array(ns[static.first], schema.field("start").type),
            "end": pa.array(end, schema.field("end").type, mask=listed),
            "sector": pa.array(np.asarray(SECTORS, dtype=object)[static.sector], pa.string()),
        },
        schema=schema,
    )
