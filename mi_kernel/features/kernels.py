"""Numeric feature kernels on session and date panels (see :mod:`mi_kernel.features.panel`).

Every kernel takes :class:`PanelInputs` and a :class:`FeatureSpec` and returns a session
panel of shape ``(n_sessions, n_symbols)``. Windows are trailing and include the current
session, so the value at session ``k`` uses sessions ``<= k`` only; a window with any NaN
gives NaN (``min_periods`` = window).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mi_kernel.features.panel import Array
from mi_kernel.features.recipes import FeatureKind, FeatureSpec


@dataclass(frozen=True)
class PanelInputs:
    """Session panels the kernels read, all of shape (n_sessions, n_symbols).

    Attributes
    ----------
    close : ndarray
        Close prices; non-positive or non-finite closes are NaN.
    ret : ndarray
        Simple return since the previous own session, close[k] / close[k-1] - 1.
    logret : ndarray
        Log return since the previous own session.
    market_ret : ndarray
        Market simple return over the same interval as ``ret`` (previous own session to
        this one), so gaps in a symbol's calendar are matched by the market's return.
    """

    close: Array
    ret: Array
    logret: Array
    market_ret: Array

    @classmethod
    def build(cls, close: Array, market_level: Array) -> PanelInputs:
        """Derive returns from session panels of closes and market levels."""
        close = np.where(np.isfinite(close) & (close > 0), close, np.nan)
        market_level = np.where(
            np.isfinite(market_level) & (market_level > 0), market_level, np.nan
        )
        prev = shift(close, 1)
        return cls(
            close=close,
            ret=close / prev - 1.0,
            logret=np.log(close / prev),
            market_ret=market_level / shift(market_level, 1) - 1.0,
        )


def shift(panel: Array, n: int) -> Array:
    """Shift a panel ``n >= 0`` rows down along axis 0 (row k gets row k-n), NaN-filled."""
    out = np.full_like(panel, np.nan)
    if n == 0:
        return panel.copy()
    if n < len(panel):
        out[n:] = panel[:-n]
    return out


def _momentum(x: PanelInputs, spec: FeatureSpec) -> Array:
    return shift(x.close, spec.skip) / shift(x.close, spec.window) - 1.0


def _volatility(x: PanelInputs, spec: FeatureSpec) -> Array:
    roll = pd.DataFrame(x.logret).rolling(spec.window, min_periods=spec.window)
    return roll.std(ddof=1).to_numpy()


def _zscore(x: PanelInputs, spec: FeatureSpec) -> Array:
    roll = pd.DataFrame(x.close).rolling(spec.window, min_periods=spec.window)
    mean, std = roll.mean().to_numpy(), roll.std(ddof=1).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (x.close - mean) / std
    return np.where(std > 0, z, np.nan)


def _beta(x: PanelInputs, spec: FeatureSpec) -> Array:
    both = np.isfinite(x.ret) & np.isfinite(x.market_ret)
    stock = pd.DataFrame(np.where(both, x.ret, np.nan))
    market = pd.DataFrame(np.where(both, x.market_ret, np.nan))
    w = spec.window
    cov = stock.rolling(w, min_periods=w).cov(market, pairwise=False).to_numpy()
    var = market.rolling(w, min_periods=w).var(ddof=1).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        b = cov / var
    return np.where(var > 1e-18, b, np.nan)


#: Kernel registry: feature kind -> function of (inputs, spec) returning a session panel.
KERNELS: dict[FeatureKind, Callable[[PanelInputs, FeatureSpec], Array]] = {
    FeatureKind.MOMENTUM: _momentum,
    FeatureKind.VOLATILITY: _volatility,
    FeatureKind.ZSCORE: _zscore,
    FeatureKind.BETA: _beta,
}


def percentile_rank(date_panel: Array) -> Array:
    """Rank each row of a date panel to [0, 1]: (rank - 1) / (n - 1), ties averaged.

    The lowest value of a date gets 0, the highest 1; a date with a single value gets 0.5;
    NaN stays NaN and does not count in ``n``.
    """
    frame = pd.DataFrame(date_panel)
    rank = frame.rank(axis=1, method="average").to_numpy()
    n = frame.notna().sum(axis=1).to_numpy()[:, None].astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = (rank - 1.0) / (n - 1.0)
    return np.where(n > 1, pct, np.where(np.isnan(rank), np.nan, 0.5))
