"""Freshness by hand: a trade's freshness is when its bar's features were made minus its event
time, with bars aligned on the session's open (not on the epoch)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mi_kernel.data.synthetic import TICK_DTYPE, TickKind, TickTruth
from mi_kernel.intraday.freshness import freshness, summary

OPEN = pd.Timestamp("2024-01-02 14:30:00.25", tz="UTC").value  # not on a 30 s boundary
S = 1_000_000_000


def test_freshness_joins_trades_to_their_bars_features() -> None:
    ticks = np.zeros(4, TICK_DTYPE)
    ticks["kind"] = TickKind.TRADE
    ticks["symbol"] = [0, 0, 1, 0]
    ticks["ts_event"] = OPEN + np.array([1, 29, 31, 35]) * S
    ticks["ts_arrival"] = ticks["ts_event"] + S // 10
    ticks["truth"] = [TickTruth.CLEAN, TickTruth.CLEAN, TickTruth.CLEAN, TickTruth.DUPLICATE]
    feats = pd.DataFrame(
        {"ts": pd.to_datetime([OPEN, OPEN + 30 * S], utc=True), "symbol": ["A", "B"],
         "ts_known": pd.to_datetime([OPEN + 37 * S, OPEN + 67 * S], utc=True)}
    )  # fmt: skip
    got = freshness(ticks, feats, ["A", "B"], 30, OPEN)
    np.testing.assert_allclose(got, [36.0, 8.0, 36.0])  # the duplicate is not measured
    assert summary(got)["ticks"] == 3 and summary(got)["max_s"] == 36.0
