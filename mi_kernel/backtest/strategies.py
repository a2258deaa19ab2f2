"""Reference strategies: ``(bars, **params) -> weights`` using only data known at each ``ts``.

Each returns a canonical weights table (ts, symbol, weight) holding the full target book on
its rebalance dates, zeros included (so "go to cash" is explicit). Rebalance frequencies:
"D" every bar, "W" last bar of each week, "ME" last bar of each month, "QE" of each quarter;
the first bar is a rebalance date too, so a book can start at once when it has data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import numpy as np
import pandas as pd

from mi_kernel.errors import ConfigError
from mi_kernel.schemas.tables import conform, validate

Strategy = Callable[..., pd.DataFrame]
_PERIODS = {"W": "W", "ME": "M", "M": "M", "QE": "Q", "Q": "Q"}


def _panels(bars: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (close forward-filled, has-a-bar mask) panels, symbols sorted."""
    validate(bars, "bars")
    raw = bars.pivot_table(index="ts", columns="symbol", values="close", aggfunc="last")
    raw = raw.sort_index().reindex(columns=sorted(raw.columns))
    return raw.ffill(), raw.notna()


def rebalance_dates(calendar: pd.Index, freq: str = "ME") -> pd.DatetimeIndex:
    """Return the first bar and the last bar of every period of ``freq`` ("D", "W", "ME", "QE")."""
    calendar = pd.DatetimeIndex(calendar)
    if freq == "D":
        return calendar
    if freq not in _PERIODS:
        raise ConfigError(f"unknown rebalance frequency {freq!r}; use one of D, W, ME, QE")
    periods = calendar.tz_convert(None).to_period(_PERIODS[freq])
    last = np.append(periods[1:] != periods[:-1], True)
    last[0] = True
    return calendar[last]


def to_weights_table(wide: pd.DataFrame) -> pd.DataFrame:
    """Turn a wide weights panel (NaN = no view) into a canonical long weights table.

    Rows with no view at all are dropped; within a kept row NaN becomes 0.0.
    """
    kept = wide.dropna(how="all").fillna(0.0)
    kept.index.name, kept.columns.name = "ts", "symbol"
    long = cast(pd.Series, kept.stack()).rename("weight").reset_index()
    return conform(long, "weights")


def equal_weight(bars: pd.DataFrame, rebalance: str = "ME") -> pd.DataFrame:
    """Weight every symbol with a bar on the rebalance date equally (1 / n, long only)."""
    _, has_bar = _panels(bars)
    dates = rebalance_dates(has_bar.index, rebalance)
    live = has_bar.loc[dates]
    n = live.sum(axis=1).replace(0, np.nan)
    return to_weights_table(live.astype(float).div(n, axis=0).where(live))


def _select(score: np.ndarray, n_pick: int, top: bool) -> np.ndarray:
    order = np.argsort(-score if top else score, kind="stable")
    picked = np.zeros(score.size, dtype=bool)
    picked[order[:n_pick]] = True
    return picked


def momentum_12_1(
    bars: pd.DataFrame,
    lookback: int = 252,
    skip: int = 21,
    quantile: float = 0.1,
    long_short: bool = False,
    rebalance: str = "ME",
) -> pd.DataFrame:
    """Hold the top ``quantile`` by 12-1 momentum, equal weight, rebalanced monthly.

    Momentum at ``t`` is close[t - skip] / close[t - lookback] - 1 (in bars), so the last
    month is skipped. The long leg sums to 1; with ``long_short`` the bottom ``quantile``
    is shorted with weights summing to -1 (dollar neutral).
    """
    if not 0 < quantile <= 0.5 or skip >= lookback:
        raise ConfigError(f"need 0 < quantile <= 0.5 and skip < lookback, got {quantile}, {skip}")
    close, has_bar = _panels(bars)
    mom = close.shift(skip) / close.shift(lookback) - 1.0
    dates = rebalance_dates(close.index, rebalance)
    out = pd.DataFrame(np.nan, index=dates, columns=close.columns)
    for ts in dates:
        row = mom.loc[ts].to_numpy(dtype="float64")
        valid = np.isfinite(row) & has_bar.loc[ts].to_numpy()
        n_pick = int(np.floor(valid.sum() * quantile))
        if n_pick < 1 or (long_short and valid.sum() < 2):
            continue
        n_pick = min(n_pick, int(valid.sum()) // 2) if long_short else n_pick
        w = np.where(valid, 0.0, np.nan)
        score = np.where(valid, row, np.nan)
        w[_select(np.nan_to_num(score, nan=-np.inf), n_pick, top=True)] = 1.0 / n_pick
        if long_short:
            w[_select(np.nan_to_num(score, nan=np.inf), n_pick, top=False)] = -1.0 / n_pick
        out.loc[ts] = w
    return to_weights_table(out)


def sma_crossover(
    bars: pd.DataFrame, fast: int = 20, slow: int = 100, rebalance: str = "D"
) -> pd.DataFrame:
    """Give each symbol a 1 / n sleeve, long while SMA(fast) > SMA(slow), else cash.

    ``n`` counts the symbols with a full ``slow`` window and a bar on the date.
    """
    if not 0 < fast < slow:
        raise ConfigError(f"need 0 < fast < slow, got fast={fast}, slow={slow}")
    close, has_bar = _panels(bars)
    sma_fast = close.rolling(fast, min_periods=fast).mean()
    sma_slow = close.rolling(slow, min_periods=slow).mean()
    eligible = sma_slow.notna() & has_bar
    n = eligible.sum(axis=1).replace(0, np.nan)
    on = (sma_fast > sma_slow) & eligible
    wide = on.astype(float).div(n, axis=0).where(eligible)
    return to_weights_table(wide.loc[rebalance_dates(close.index, rebalance)])


def long_positive_scores(signals: pd.DataFrame) -> pd.DataFrame:
    """Default signals -> weights: per ts, weight proportional to max(score, 0), summing to 1."""
    pos = signals.assign(weight=signals["score"].clip(lower=0.0))
    total = pos.groupby("ts")["weight"].transform("sum")
    pos["weight"] = (pos["weight"] / total.where(total > 0)).fillna(0.0)
    return conform(pos[["ts", "symbol", "weight"]], "weights")


def from_signals(
    bars: pd.DataFrame,
    signals: pd.DataFrame,
    to_weights: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Turn a caller's signals table (ts, symbol, score, ...) into weights with ``to_weights``.

    The signals at ``ts`` must use only data known at ``ts``; the backtest trades them later.
    Symbols without bars are dropped.
    """
    missing = {"ts", "symbol", "score"} - set(signals.columns)
    if missing:
        raise ConfigError(f"signals lack columns {sorted(missing)}; give ts, symbol, score")
    known = signals[signals["symbol"].isin(set(bars["symbol"]))]
    weights = (to_weights or long_positive_scores)(known)
    return conform(weights, "weights")


#: Strategy registry: id -> ``(bars, **params) -> weights table``.
STRATEGIES: dict[str, Strategy] = {
    "equal_weight": equal_weight,
    "momentum_12_1": momentum_12_1,
    "sma_20_100": sma_crossover,
    "signals": from_signals,
}


def get_strategy(strategy_id: str) -> Strategy:
    """Return the registered strategy ``strategy_id``."""
    try:
        return STRATEGIES[strategy_id]
    except KeyError:
        raise ConfigError(
            f"unknown strategy {strategy_id!r}; choose from {sorted(STRATEGIES)} "
            "or register one in mi_kernel.backtest.STRATEGIES"
        ) from None
