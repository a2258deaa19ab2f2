"""Freshness: how long after a tick happened the first feature that includes it was available."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mi_kernel.data.synthetic.ticks import TickKind, TickTruth


def delays(ticks: np.ndarray, features: pd.DataFrame, symbols: list[str], bar_seconds: int,
           session_open: int, upto: str = "ts_known") -> np.ndarray:  # fmt: skip
    """Return, per clean trade of ``ticks`` (in their order), the seconds from its
    ``ts_event`` to the ``ts_known`` of the first row of ``features`` for its bar that
    includes it; NaN where none does.

    ``ticks`` are the messages as delivered (their ``truth`` picks the clean, first
    deliveries); ``features`` a feature table (``ts`` = bar start, ``symbol``, ``ts_known``
    and the ``upto`` column); bars start at ``session_open`` (ns) plus multiples of
    ``bar_seconds``. A row includes the trades of its bar that arrived at or before its
    ``upto``: ``ts_known`` for final rows (the feature was made after the trade arrived;
    trades later than the allowed lateness are corrections, in no final row, and are left
    out), ``ts_arrived`` for provisional rows (the latest arrival time the stream had
    processed when it made the row).
    """
    trades = clean_trades(ticks)
    out = np.full(trades.size, np.nan)
    if trades.size == 0 or len(features) == 0:
        return out
    bar, width = bar_seconds * 1_000_000_000, np.int64(len(symbols))
    code = pd.Index(symbols).get_indexer(pd.Index(features["symbol"]))
    start = _ns(features["ts"])
    rows = pd.DataFrame(
        {"key": ((start - session_open) // bar) * width + code,
         "upto": _ns(features[upto]), "known": _ns(features["ts_known"])}
    ).sort_values("upto", kind="stable")  # fmt: skip
    left = pd.DataFrame(
        {"key": ((trades["ts_event"] - session_open) // bar) * width + trades["symbol"],
         "arrival": trades["ts_arrival"], "i": np.arange(trades.size)}
    ).sort_values("arrival", kind="stable")  # fmt: skip
    hit = pd.merge_asof(left, rows, left_on="arrival", right_on="upto", by="key",
                        direction="forward").dropna(subset=["known"])  # fmt: skip
    i = hit["i"].to_numpy()
    out[i] = (hit["known"].to_numpy(np.int64) - trades["ts_event"][i]) / 1e9
    return out


def freshness(ticks: np.ndarray, features: pd.DataFrame, symbols: list[str], bar_seconds: int,
              session_open: int, upto: str = "ts_known") -> np.ndarray:  # fmt: skip
    """Return :func:`delays` of the clean trades that reached a row of ``features``."""
    d = delays(ticks, features, symbols, bar_seconds, session_open, upto)
    return d[~np.isnan(d)]


def first_freshness(
    ticks: np.ndarray,
    final: pd.DataFrame,
    provisional: pd.DataFrame,
    symbols: list[str],
    bar_seconds: int,
    session_open: int,
) -> np.ndarray:
    """Return, per clean trade that reached a feature, the seconds from its event time to
    the first feature that includes it: a provisional row (``ts_arrived``) or the final one."""
    args = (symbols, bar_seconds, session_open)
    d = np.fmin(
        delays(ticks, final, *args),
        delays(ticks, provisional, *args, upto="ts_arrived"),
    )
    return d[~np.isnan(d)]


def summary(seconds: np.ndarray) -> dict[str, float]:
    """p50, p90, p99 and max of freshness in seconds, and how many ticks were measured."""
    if seconds.size == 0:
        return {"ticks": 0}
    p50, p90, p99 = np.percentile(seconds, [50, 90, 99])
    return {"ticks": int(seconds.size), "p50_s": float(p50), "p90_s": float(p90),
            "p99_s": float(p99), "max_s": float(seconds.max())}  # fmt: skip


def clean_trades(ticks: np.ndarray) -> np.ndarray:
    """The trades freshness is measured on: clean or late, first deliveries (in order)."""
    clean = np.isin(ticks["truth"], [TickTruth.CLEAN, TickTruth.LATE])
    return ticks[clean & (ticks["kind"] == TickKind.TRADE)]


def _ns(col: pd.Series) -> np.ndarray:
    return col.to_numpy("datetime64[ns]").view(np.int64)
