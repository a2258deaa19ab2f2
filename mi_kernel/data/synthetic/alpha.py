"""The planted alpha: a feature with a chosen rank IC against next-period returns.

``alpha_signal`` at day t is ``a * u + sqrt(1 - a^2) * noise``, where ``u`` is the normal score
of the symbol's cross-sectional rank of its total return from close t to close t + horizon
and ``a = 2 sin(pi * ic / 6)``, so that its Spearman correlation with that return is ``ic``
(the bivariate-normal relation between Pearson and Spearman correlation).

It is an oracle: it is built from future returns. In the synthetic world it is *known at t*
by definition, which is what lets a research stack be checked for finding a known alpha
(and, with ``alpha_ic=0``, for finding nothing in pure noise). Returns never depend on it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy.special import ndtri

from mi_kernel.data.synthetic.config import ALPHA, SyntheticConfig, symbol_rng
from mi_kernel.data.synthetic.paths import draw_news, draw_paths, forward_returns, log_returns
from mi_kernel.data.synthetic.universe import Static, draw_static
from mi_kernel.schemas.tables import TABLES, TableName

ALPHA_NAME = "alpha_signal"
ALPHA_SCHEMA = TABLES[TableName.FEATURES].append(pa.field(ALPHA_NAME, pa.float64()))


def mixing_weight(ic: float) -> float:
    """Return the Pearson weight ``a`` whose bivariate-normal Spearman correlation is ``ic``."""
    return float(2.0 * np.sin(np.pi * ic / 6.0))


def normal_scores(values: np.ndarray, block: int = 256) -> np.ndarray:
    """Replace each row's finite values by the normal scores of their ranks, in place.

    ``values`` is (n_days, n_total); NaN (no forward return) stays NaN. Rows are processed
    ``block`` at a time to bound the temporary memory.
    """
    n_days, n_sym = values.shape
    for lo in range(0, n_days, block):
        part = values[lo : lo + block]
        valid = np.isfinite(part)
        order = np.argsort(np.where(valid, part, np.inf), axis=1, kind="stable")
        ranks = np.empty_like(order)
        np.put_along_axis(ranks, order, np.arange(n_sym)[None, :], axis=1)
        count = np.maximum(valid.sum(axis=1, keepdims=True), 1)
        part[...] = np.where(valid, ndtri((ranks + 0.5) / count), np.nan)
    return values


def future_scores(
    config: SyntheticConfig,
    market: np.ndarray,
    sectors: np.ndarray,
    chunks: Iterable[tuple[int, int]],
    tick: Callable[[], object] = lambda: None,
) -> np.ndarray:
    """Return the (n_days, n_total) normal scores of every forward return (first pass).

    Only the returns are simulated here; the symbol streams give the same returns again
    when the bars are written in the second pass.
    """
    scores = np.full((config.n_days, config.n_total), np.nan)
    for lo, hi in chunks:
        static = draw_static(config, lo, hi)
        paths = draw_paths(config, static, full=False)
        x = log_returns(static, market, sectors, paths, draw_news(config, static))
        scores[:, lo:hi] = forward_returns(x, static, config.alpha_horizon).T
        tick()
    return normal_scores(scores)


def alpha_table(
    config: SyntheticConfig,
    static: Static,
    scores: np.ndarray | None,
    cal: pd.DatetimeIndex,
) -> pa.Table:
    """Return the chunk's ``ts, symbol, alpha_signal`` rows, one per traded day.

    ``scores`` is the chunk's (n, n_days) slice of :func:`future_scores`, or None when
    ``alpha_ic`` is 0 (the signal is then pure noise).
    """
    noise = np.empty((static.index.size, config.n_days))
    for k, i in enumerate(static.index):
        noise[k] = symbol_rng(config.seed, int(i), ALPHA).standard_normal(config.n_days)
    signal = noise
    if scores is not None:
        a = mixing_weight(config.alpha_ic)
        mixed = a * scores + np.sqrt(1.0 - a**2) * noise
        signal = np.where(np.isfinite(scores), mixed, noise)
    pos, day = np.nonzero(static.alive(config.n_days))
    return pa.table(
        {
            "ts": pa.array(cal.asi8[day], ALPHA_SCHEMA.field("ts").type),
            "symbol": pa.array(static.symbol[pos], pa.string()),
            ALPHA_NAME: pa.array(signal[pos, day], pa.float64()),
        },
        schema=ALPHA_SCHEMA,
    )
