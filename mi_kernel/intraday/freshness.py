"""Freshness: how long after a tick happened the feature that includes it was available."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mi_kernel.data.synthetic.ticks import TickKind, TickTruth


def freshness(ticks: np.ndarray, features: pd.DataFrame, symbols: list[str], bar_seconds: int,
              session_open: int) -> np.ndarray:  # fmt: skip
    """Return, per clean trade that reached a feature, ``ts_known`` of its bar's feature row
    minus the trade's ``ts_event``, in seconds.

    ``ticks`` are the messages as delivered (their ``truth`` picks the clean, first
    deliveries); ``features`` the stream's feature table (``ts`` = bar start, ``symbol``,
    ``ts_known``); bars start at ``session_open`` (ns) plus multiples of ``bar_seconds``.
    Trades whose bar was emitted without them (later than the allowed
    lateness: corrections) have no feature that includes them and are left out.
    """
    clean = np.isin(ticks["truth"], [TickTruth.CLEAN, TickTruth.LATE])
    trades = ticks[clean & (ticks["kind"] == TickKind.TRADE)]
    bar = bar_seconds * 1_000_000_000
    code = pd.Index(symbols).get_indexer(pd.Index(features["symbol"]))
    start = features["ts"].to_numpy("datetime64[ns]").view(np.int64)
    known = features["ts_known"].to_numpy("datetime64[ns]").view(np.int64)
    width = np.int64(len(symbols))
    fkey = ((start - session_open) // bar) * width + code
    order = np.argsort(fkey)
    fkey, known = fkey[order], known[order]
    tkey = ((trades["ts_event"] - session_open) // bar) * width + trades["symbol"]
    pos = np.clip(np.searchsorted(fkey, tkey), 0, max(fkey.size - 1, 0))
    hit = (fkey.size > 0) & (fkey[pos] == tkey) if fkey.size else np.zeros(tkey.size, bool)
    hit &= known[pos] >= trades["ts_arrival"]  # the feature was made after the trade arrived
    return (known[pos][hit] - trades["ts_event"][hit]) / 1e9


def summary(seconds: np.ndarray) -> dict[str, float]:
    """p50, p90, p99 and max of freshness in seconds, and how many ticks were measured."""
    if seconds.size == 0:
        return {"ticks": 0}
    p50, p90, p99 = np.percentile(seconds, [50, 90, 99])
    return {"ticks": int(seconds.size), "p50_s": float(p50), "p90_s": float(p90),
            "p99_s": float(p99), "max_s": float(seconds.max())}  # fmt: skip
