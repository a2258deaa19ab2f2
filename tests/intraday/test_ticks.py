"""The tick generator: its clean trades aggregate to the daily bars; the feed's faults are there."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mi_kernel.data.synthetic import TickConfig, TickKind, TickTruth, session_ticks
from tests.intraday.conftest import NOISY


def _clean_trades(ticks: np.ndarray) -> pd.DataFrame:
    keep = np.isin(ticks["truth"], [TickTruth.CLEAN, TickTruth.LATE])
    keep &= ticks["kind"] == TickKind.TRADE
    frame = pd.DataFrame(ticks[keep][["symbol", "ts_event", "tick_id", "price", "size"]])
    return frame.sort_values(["symbol", "ts_event", "tick_id"], kind="stable")


def test_clean_trades_aggregate_exactly_to_the_daily_bar(ticks, session_day) -> None:
    day, _ = session_day
    g = _clean_trades(ticks).groupby("symbol")
    agg = pd.DataFrame(
        {"open": g["price"].first(), "high": g["price"].max(), "low": g["price"].min(),
         "close": g["price"].last(), "volume": g["size"].sum()}
    )  # fmt: skip
    for col in agg:
        np.testing.assert_array_equal(agg[col].to_numpy(), day[col].to_numpy(), err_msg=col)
    sizes = _clean_trades(ticks)["size"].to_numpy()
    assert (sizes >= 1).all() and (sizes == np.round(sizes)).all()


def test_same_seed_same_ticks_and_other_seed_other_ticks(session_day) -> None:
    day, date = session_day
    a, b = session_ticks(day, date, NOISY), session_ticks(day, date, NOISY)
    assert a.tobytes() == b.tobytes()
    c = session_ticks(day, date, NOISY.model_copy(update={"seed": 12}))
    assert a.size != c.size or a.tobytes() != c.tobytes()


def test_every_fault_is_present_and_described(ticks) -> None:
    truth = ticks["truth"]
    for kind in TickTruth:
        assert (truth == kind).sum() > 0, kind.name
    _, counts = np.unique(ticks["tick_id"], return_counts=True)
    assert (counts > 1).sum() == (truth == TickTruth.DUPLICATE).sum()
    assert (np.diff(ticks["ts_arrival"]) >= 0).all()  # delivered in arrival order
    assert (np.diff(ticks["ts_event"]) < 0).any()  # ... which is not event order
    crossed = ticks[truth == TickTruth.CROSSED]
    assert (crossed["bid"] > crossed["ask"]).all()
    late = ticks[truth == TickTruth.LATE]
    assert ((late["ts_arrival"] - late["ts_event"]) >= 20e9).all()


def test_intraday_volume_is_u_shaped_and_spread_widest_at_the_edges(session_day) -> None:
    day, date = session_day
    t = session_ticks(day, date, TickConfig(trades_per_day=3000, halt_prob=0.0, burst_prob=0.0))
    t = t[t["truth"] == TickTruth.CLEAN]
    minute = (t["ts_event"] - TickConfig().session_open(date)) // 60_000_000_000
    trade = t["kind"] == TickKind.TRADE
    per_min = np.bincount(minute[trade], weights=t["size"][trade], minlength=390)
    edges, middle = per_min[np.r_[0:30, 360:390]].mean(), per_min[180:210].mean()
    assert edges > 1.5 * middle
    q = t[~trade]
    bps = (q["ask"] - q["bid"]) / (q["ask"] + q["bid"]) * 2e4
    qm = minute[~trade]
    assert bps[qm < 30].mean() > 1.5 * bps[(qm >= 180) & (qm < 210)].mean()


def test_a_halt_has_no_messages(session_day) -> None:
    day, date = session_day
    t = session_ticks(
        day, date, TickConfig(trades_per_day=2000, halt_prob=1.0, halt_minutes=(20, 20))
    )
    minute = (t["ts_event"] - TickConfig().session_open(date)) // 60_000_000_000
    for s in range(len(day)):
        busy = np.bincount(minute[t["symbol"] == s], minlength=390)
        silent = np.convolve(busy == 0, np.ones(20, int), "valid")
        assert silent.max() >= 20  # twenty consecutive minutes without a message
