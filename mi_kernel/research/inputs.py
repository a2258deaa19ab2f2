"""Inputs of signal research: a long signal table joined to forward returns from bars.

Conventions: a signal's ``score`` at ``ts`` is known at the close of ``ts``; its forward
return over h sessions is ``close[t+h] / close[t] - 1`` of the symbol's own sessions, in
basis points (:func:`mi_kernel.labels.forward_returns`), in column ``fwd_<h>d``.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.labels import forward_returns
from mi_kernel.schemas.tables import to_utc

KEYS = ["ts", "symbol"]


def fwd_col(h: int) -> str:
    """Return the column name of the h-session forward return, e.g. ``fwd_5d``."""
    return f"fwd_{int(h)}d"


def signal_frame(
    signal: pd.DataFrame, score: str = "score", factor: str | None = None
) -> pd.DataFrame:
    """Return ``ts`` (UTC), ``symbol``, ``score`` of one factor, sorted by (ts, symbol).

    Parameters
    ----------
    signal : DataFrame
        Long table with ``ts``, ``symbol``, the score column and optionally ``factor``
        (several signals stacked). A ``signals`` table or the synthetic ``alpha`` table fit.
    score : str, default "score"
        Column holding the signal value (e.g. "alpha_signal").
    factor : str, optional
        Which factor to keep when a ``factor`` column holds several.

    Raises
    ------
    DataError
        Missing columns, or duplicate (ts, symbol) rows within the factor.
    ConfigError
        If ``factor`` is needed (several factors) or unknown.
    """
    missing = [c for c in (*KEYS, score) if c not in signal.columns]
    if missing:
        raise DataError(
            f"signal lacks column(s) {missing}; pass a long table (ts, symbol, {score}) or "
            "name the value column with score=..."
        )
    frame = signal
    if "factor" in signal.columns:
        names = sorted(map(str, signal["factor"].dropna().unique()))
        if factor is None and len(names) > 1:
            raise ConfigError(f"signal holds factors {names}; choose one with factor=...")
        if factor is not None and factor not in names:
            raise ConfigError(f"factor {factor!r} is not in the signal; choose from {names}")
        if factor is not None:
            frame = signal[signal["factor"].astype(str) == factor]
    out = pd.DataFrame(
        {
            "ts": to_utc(frame["ts"]).dt.as_unit("ns").to_numpy(),
            "symbol": frame["symbol"].astype(str).to_numpy(),
            "score": pd.to_numeric(frame[score]).astype("float64").to_numpy(),
        }
    )
    if out.duplicated(KEYS).any():
        raise DataError("signal has duplicate (ts, symbol) rows; keep one score per name and date")
    return out.sort_values(KEYS, kind="stable", ignore_index=True)


def forward_return_table(bars: pd.DataFrame, horizons: Iterable[int]) -> pd.DataFrame:
    """Return ``ts``, ``symbol`` and ``fwd_<h>d`` (bps) for each horizon, outer-joined.

    Raises
    ------
    ConfigError
        If no horizon is given or one is < 1.
    """
    hs = sorted({int(h) for h in horizons})
    if not hs or hs[0] < 1:
        raise ConfigError(f"horizons must be sessions >= 1, got {list(horizons)!r}")
    out: pd.DataFrame | None = None
    for h in hs:
        part = forward_returns(bars, h)[[*KEYS, "label"]].rename(columns={"label": fwd_col(h)})
        out = part if out is None else out.merge(part, on=KEYS, how="outer")
    assert out is not None
    return out.sort_values(KEYS, kind="stable", ignore_index=True)


def lagged_returns(bars: pd.DataFrame, lags: Iterable[int]) -> pd.DataFrame:
    """Return ``ts``, ``symbol`` and ``lag_<l>d``: the 1-session return from t+l-1 to t+l (bps).

    ``lag_1d`` is ``fwd_1d``; ``lag_5d`` is the return of the fifth session after t, in the
    symbol's own sessions. It measures how long a signal keeps predicting (marginal decay).
    """
    one = forward_returns(bars, 1).sort_values(["symbol", "ts"], kind="stable")
    out = one[KEYS].copy()
    by = one.groupby("symbol", sort=False)["label"]
    for lag in sorted({int(x) for x in lags}):
        out[f"lag_{lag}d"] = by.shift(-(lag - 1)).to_numpy()
    return out.sort_values(KEYS, kind="stable", ignore_index=True)


def join_returns(signal: pd.DataFrame, returns: pd.DataFrame) -> pd.DataFrame:
    """Left-join return columns onto a :func:`signal_frame` on (ts, symbol)."""
    if signal.empty:
        raise DataError("the signal has no rows")
    out = signal.merge(returns, on=KEYS, how="left", validate="one_to_one")
    ret_cols = [c for c in returns.columns if c not in KEYS]
    if out[ret_cols].isna().all().all():
        raise DataError(
            "no signal row has a forward return: signal and bars share no (ts, symbol); "
            "use bars of the same symbols and dates (timestamps in UTC)"
        )
    return out
