"""Watermarks, allowed lateness, dedupe, dead letters and the bad-print gate, by hand.

Session 14:30 UTC, 10 one-minute bars, two symbols; the watermark trails the largest event
time by 2 s and a bar stays open 5 s after its end (by the watermark): bar 0 [0 s, 60 s) is
emitted once an event at or after 67 s has been seen.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mi_kernel.data.synthetic import TICK_DTYPE, TickKind
from mi_kernel.intraday import BarBuilder, Reason, StreamConfig, frame

T0 = pd.Timestamp("2024-01-02 14:30", tz="UTC").value
S = 1_000_000_000
CONFIG = StreamConfig(bar_seconds=60, max_delay_s=2.0, allowed_lateness_s=5.0, max_jump=0.05)


def trade(tid: int, sec: float, price: float, size: float = 100.0, sym: int = 0) -> tuple:
    t = T0 + round(sec * S)
    return (tid, sym, TickKind.TRADE, t, t, price, size, np.nan, np.nan, np.nan, np.nan, 0)


def quote(tid: int, sec: float, bid: float, ask: float, sym: int = 0) -> tuple:
    t = T0 + round(sec * S)
    return (tid, sym, TickKind.QUOTE, t, t, np.nan, np.nan, bid, ask, 100.0, 100.0, 0)


def batch(*rows: tuple) -> np.ndarray:
    return np.array(list(rows), TICK_DTYPE)


@pytest.fixture
def builder() -> BarBuilder:
    return BarBuilder(["AAA", "BBB"], T0, minutes=10, config=CONFIG)


def test_a_bar_is_emitted_when_the_watermark_passes_its_end_plus_lateness(builder) -> None:
    out = builder.process(batch(trade(1, 10, 100.0), trade(2, 30, 101.0), trade(3, 66.9, 100.5)))
    assert out.bars == {}  # watermark 64.9 s < 60 + 5
    out = builder.process(batch(trade(4, 67.0, 100.4)))  # watermark 65 s: bar 0 closes
    bars = frame(out.bars, builder.symbols)
    cols = ["symbol", "open", "high", "low", "close", "volume", "trades"]
    assert bars[cols].to_dict("records") == [
        {"symbol": "AAA", "open": 100.0, "high": 101.0, "low": 100.0, "close": 101.0,
         "volume": 200.0, "trades": 2}
    ]  # fmt: skip
    assert bars["vwap"].iloc[0] == pytest.approx(100.5)
    assert bars["ts"].iloc[0] == pd.Timestamp("2024-01-02 14:30", tz="UTC")
    assert builder.watermark == T0 + 65 * S


def test_open_and_close_follow_event_time_not_arrival(builder) -> None:
    builder.process(batch(trade(1, 50, 102.0), trade(2, 5, 100.0), trade(3, 20, 101.0)))
    out = builder.process(batch(trade(4, 70, 101.0)))
    bar = frame(out.bars, builder.symbols).iloc[0]
    assert (bar["open"], bar["close"], bar["high"], bar["low"]) == (100.0, 102.0, 102.0, 100.0)


def test_late_within_the_allowed_lateness_is_applied(builder) -> None:
    builder.process(batch(trade(1, 10, 100.0), trade(2, 64, 100.2)))  # watermark 62 s
    out = builder.process(batch(trade(3, 40, 100.1, size=50.0)))  # behind it, bar 0 open
    assert out.counts["accepted"] == 1 and out.corrections == {}
    out = builder.process(batch(trade(4, 70, 100.3)))
    bar0 = frame(out.bars, builder.symbols).iloc[0]
    assert (bar0["volume"], bar0["close"], bar0["trades"]) == (150.0, 100.1, 2)
    assert builder.totals[-1] == 1  # one tick applied behind the watermark


def test_late_beyond_the_allowed_lateness_is_a_correction_not_a_change(builder) -> None:
    builder.process(batch(trade(1, 10, 100.0), trade(2, 20, 100.5)))
    emitted = builder.process(batch(trade(3, 70, 100.2)))  # bar 0 emitted
    bar0 = frame(emitted.bars, builder.symbols)
    out = builder.process(batch(trade(4, 59, 100.9, size=30.0)))
    assert out.counts["corrected"] == 1 and out.bars == {}
    fix = frame(out.corrections, builder.symbols).iloc[0]
    assert fix["reason"] == Reason.LATE
    assert fix["ts"] == bar0["ts"].iloc[0] and fix["tick_id"] == 4
    assert (fix["high"], fix["close"], fix["volume"], fix["trades"]) == (100.9, 100.9, 230.0, 3)
    assert (bar0["close"].iloc[0], bar0["volume"].iloc[0]) == (100.5, 200.0)  # as emitted


def test_a_redelivered_tick_changes_nothing(builder) -> None:
    builder.process(batch(trade(1, 10, 100.0), trade(2, 20, 100.5)))
    before = builder.state()
    out = builder.process(batch(trade(2, 20, 100.5), trade(1, 10, 999.0, size=1e6)))
    assert out.counts["duplicate"] == 2
    after = builder.state()
    for k in ("f", "c", "ref"):
        np.testing.assert_array_equal(before[k], after[k], err_msg=k)


def test_unparseable_messages_are_dead_letters_with_reasons(builder) -> None:
    rows = [trade(1, 1, np.nan), trade(2, 1, 100.0, size=-5), trade(3, 1, 100.0, sym=7),
            trade(4, -30, 100.0), quote(5, 1, 0.0, 100.0), trade(-1, 1, 100.0)]  # fmt: skip
    bad_kind = list(trade(6, 1, 100.0))
    bad_kind[2] = 9
    out = builder.process(batch(*rows, tuple(bad_kind)))
    dead = frame(out.dead_letters, builder.symbols)
    assert dead.set_index("tick_id")["reason"].to_dict() == {
        1: Reason.PRICE, 2: Reason.SIZE, 3: Reason.SYMBOL, 4: Reason.TIME, 5: Reason.QUOTE,
        -1: Reason.NO_ID, 6: Reason.KIND,
    }  # fmt: skip
    assert out.counts["dead"] == 7 and builder.f[:, :, :].any() is np.False_


def test_bad_prints_and_crossed_quotes_are_filtered_with_reason_and_counted(builder) -> None:
    out = builder.process(
        batch(trade(1, 1, 100.0), trade(2, 2, 120.0), trade(3, 3, 100.4), quote(4, 4, 100.5, 100.3),
              quote(5, 5, 100.3, 100.5))
    )  # fmt: skip
    q = frame(out.quarantine, builder.symbols).set_index("tick_id")["reason"].to_dict()
    assert q == {2: Reason.BAD_PRINT, 4: Reason.CROSSED}
    bar = frame(builder.process(batch(trade(6, 80, 100.2))).bars, builder.symbols).iloc[0]
    assert (bar["high"], bar["trades"], bar["quotes"], bar["filtered"]) == (100.4, 2, 1, 2)
    assert bar["spread_bps"] == pytest.approx(0.2 / 100.4 * 1e4)


def test_close_emits_the_rest_of_the_session(builder) -> None:
    assert builder.process(batch(trade(1, 10, 100.0), trade(2, 62, 100.1, sym=1))).bars == {}
    out = builder.close(now=T0 + 600 * S)
    bars = frame(out.bars, builder.symbols)
    assert bars[["symbol", "ts"]].astype(str).values.tolist() == [
        ["AAA", "2024-01-02 14:30:00+00:00"], ["BBB", "2024-01-02 14:31:00+00:00"]
    ]  # fmt: skip
    assert builder.close(now=T0).bars == {}  # nothing twice


def test_n_minute_bars(builder) -> None:
    five = BarBuilder(
        ["AAA"], T0, minutes=10, config=CONFIG.model_copy(update={"bar_seconds": 300})
    )
    five.process(batch(trade(1, 10, 100.0), trade(2, 200, 100.3), trade(3, 290, 100.1)))
    bars = frame(five.close(now=0).bars, five.symbols)
    assert len(bars) == 1 and (bars["ts_end"] - bars["ts"]).iloc[0] == pd.Timedelta("5min")
    assert (bars["open"].iloc[0], bars["close"].iloc[0], bars["trades"].iloc[0]) == (
        100.0,
        100.1,
        3,
    )


def test_a_watermark_step_over_bars_without_trades_emits_no_empty_bars(builder) -> None:
    builder.process(batch(quote(1, 10, 100.0, 100.1)))  # a quote, no trade, in bar 0
    out = builder.process(batch(trade(2, 250, 100.0)))  # watermark 248 s: closes bars 0 .. 3
    assert out.bars == {} and builder.clock[1] == 4
