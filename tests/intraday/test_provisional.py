"""Provisional bars: the open bars every ``provisional_s`` of event time, by hand and on a
generated session. They hold only what was delivered by then (no look-ahead), their features
are the batch features of the bars known then plus them, and they never reach the offline
store, the feature state or the final signals: with or without them the stored session is
the same, bit for bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mi_kernel.data.synthetic import TickKind, TickTruth
from mi_kernel.features import compute_features
from mi_kernel.intraday import (
    INTRADAY,
    BarBuilder,
    IntradayModel,
    IntradayStream,
    MemoryBus,
    MemoryOnlineStore,
    OfflineStore,
    StreamConfig,
    consume,
    encode,
    frame,
    publish_session,
)
from mi_kernel.intraday.stream import PROVISIONAL, TABLES, Step
from tests.intraday.conftest import NOISY
from tests.intraday.test_watermarks import CONFIG, T0, S, batch, quote, trade

EVERY_10 = CONFIG.model_copy(update={"provisional_s": 10.0})


def _prov(builder: BarBuilder, *rows: tuple) -> pd.DataFrame:
    return frame(builder.process(batch(*rows)).provisional, builder.symbols)


def test_open_bars_are_shown_each_time_event_time_crosses_a_multiple_of_provisional_s() -> None:
    b = BarBuilder(["AAA", "BBB"], T0, minutes=10, config=EVERY_10)
    first = _prov(b, trade(1, 3, 100.0), trade(2, 5, 101.0))
    assert first[["symbol", "open", "close", "volume", "trades"]].values.tolist() == [
        ["AAA", 100.0, 101.0, 200.0, 2]
    ]
    assert (
        first["ts_as_of"].iloc[0]
        == first["ts_arrived"].iloc[0]
        == pd.Timestamp(T0 + 5 * S, tz="UTC")
    )
    assert _prov(b, trade(3, 8, 102.0)).empty  # still in the first 10 s of event time
    again = _prov(b, trade(4, 12, 99.0), quote(5, 13, 98.9, 99.1, sym=1))
    assert again[["close", "low", "high", "trades"]].values.tolist() == [[99.0, 99.0, 102.0, 4]]
    assert again["ts_as_of"].iloc[0] == pd.Timestamp(
        T0 + 13 * S, tz="UTC"
    )  # the largest event time
    # only symbols whose open bars changed; BBB has quotes but no trade: no bar
    assert _prov(b, trade(6, 21, 50.0, sym=1))["symbol"].tolist() == ["BBB"]
    spread = _prov(b, quote(7, 31, 98.9, 99.1, sym=1))  # a quote changes BBB's bar (spread)
    assert spread[["symbol", "quotes", "trades"]].values.tolist() == [["BBB", 2, 1]]
    # 66 s: bar 0 is still open (watermark 64 s < 60 + 5): AAA's two open bars, in order
    both = _prov(b, trade(8, 66, 99.5))
    assert both[["symbol", "ts"]].astype(str).values.tolist() == [
        ["AAA", "2024-01-02 14:30:00+00:00"], ["AAA", "2024-01-02 14:31:00+00:00"]
    ]  # fmt: skip
    out = b.process(batch(trade(9, 67.5, 99.6)))  # watermark 65.5 s: bar 0 is final
    assert out.provisional == {} and frame(out.bars, b.symbols)["symbol"].tolist() == [
        "AAA",
        "BBB",
    ]
    assert frame(out.bars, b.symbols)["close"].iloc[0] == 99.0  # the last shown bar 0
    later = _prov(b, trade(10, 70, 99.7))
    assert later["ts"].tolist() == [
        pd.Timestamp(T0 + 60 * S, tz="UTC")
    ]  # the closed bar is not shown
    assert later["trades"].iloc[0] == 3


def test_no_provisional_bars_when_switched_off() -> None:
    b = BarBuilder(
        ["AAA"], T0, minutes=10, config=CONFIG.model_copy(update={"provisional_s": None})
    )
    for k in range(1, 60):
        assert b.process(batch(trade(k, 5 * k, 100.0))).provisional == {}


def test_the_online_store_keeps_the_newest_bar_final_over_provisional() -> None:
    online = MemoryOnlineStore(ttl_s=1e9)
    stream = IntradayStream(["AAA", "BBB"], T0, minutes=10, config=EVERY_10, online=online)
    stream.handle(encode(batch(trade(1, 30, 100.0))))
    assert online.get("AAA")["provisional"] is True
    stream.handle(encode(batch(trade(2, 62, 100.1))))  # provisional bar 1, bar 0 still open
    step = stream.handle(encode(batch(trade(3, 67.5, 100.2, sym=1))))  # bar 0 final
    assert "bars" in step.tables and "features" in step.tables
    bar1 = pd.Timestamp(T0 + 60 * S, tz="UTC").isoformat()
    got = online.get("AAA")
    assert (got["ts"], got["provisional"]) == (bar1, True)  # not replaced by an older bar
    stream.handle(encode(batch(trade(4, 127, 100.25, sym=1))))  # bar 1 final, AAA unchanged
    got = online.get("AAA")
    assert (got["ts"], got["provisional"]) == (bar1, False)  # superseded by its final row
    assert got["ts_known"] == pd.Timestamp(T0 + 127 * S, tz="UTC").isoformat()
    assert "ts_as_of" not in got and online.get("BBB")["provisional"] is True


def _model() -> IntradayModel:
    k = len(INTRADAY.columns)
    return IntradayModel("test", tuple(INTRADAY.columns), np.zeros(k), np.ones(k),
                         np.linspace(-1, 1, k), 0.0, 1.0, False, "test")  # fmt: skip


def _replay(ticks, session_day, root, provisional_s):
    day, date = session_day
    config = StreamConfig(provisional_s=provisional_s)
    stream = IntradayStream(day["symbol"].tolist(), NOISY.session_open(date), config=config,
                            model=_model(), online=MemoryOnlineStore())  # fmt: skip
    steps: list[Step] = []
    stream.listeners.append(steps.append)
    bus = MemoryBus()
    publish_session(bus, "t", ticks, batch_ms=2000)  # 2-3 batches per provisional update
    consume(bus, "t", "g", "c", stream, OfflineStore(root), commit_every=1000)
    return stream, steps, {name: OfflineStore(root).read(name) for name in TABLES}


@pytest.fixture(scope="module")
def streamed(ticks, session_day, tmp_path_factory):
    root = tmp_path_factory.mktemp("provisional")
    return _replay(ticks, session_day, root / "on", 5.0), _replay(
        ticks, session_day, root / "off", None
    )


def test_provisional_updates_leave_the_stored_session_as_it_was(streamed) -> None:
    (_, steps, on), (_, off_steps, off) = streamed
    assert sum("provisional_features" in s.tables for s in steps) > 500
    assert sum("provisional_signals" in s.tables for s in steps) > 100
    assert not any(k in PROVISIONAL for s in off_steps for k in s.tables)
    for name in TABLES:  # bars, features, signals, corrections, ... : the same, bit for bit
        assert len(off[name]) > 0, name
        pd.testing.assert_frame_equal(on[name], off[name], obj=name, check_exact=True)
    assert not any("provisional" in c or "as_of" in c for t in on.values() for c in t.columns)


def test_final_features_with_provisional_updates_are_the_batch_features(streamed) -> None:
    (_, _, on), _ = streamed
    batch = compute_features(on["bars"][["ts", "symbol", "close", "volume"]], INTRADAY)
    both = on["features"].merge(batch, on=["ts", "symbol"], suffixes=("", "_b"), validate="1:1")
    assert len(both) == len(on["bars"])
    for name in INTRADAY.columns:
        np.testing.assert_allclose(both[name], both[f"{name}_b"], rtol=1e-9, atol=1e-9)


def _delivered_trades(ticks: np.ndarray) -> pd.DataFrame:
    """The trades the stream applies: clean or late, first delivery, not bad prints."""
    keep = np.isin(ticks["truth"], [TickTruth.CLEAN, TickTruth.LATE])
    keep &= ticks["kind"] == TickKind.TRADE
    t = pd.DataFrame(ticks[keep][["symbol", "ts_event", "ts_arrival", "tick_id", "price", "size"]])
    return t.sort_values(["ts_event", "tick_id"], kind="stable")


def test_a_provisional_bar_holds_exactly_what_was_delivered_by_then(streamed, ticks) -> None:
    (stream, steps, _), _ = streamed
    prov = pd.concat(
        [
            pd.DataFrame(s.tables["provisional_bars"])
            for s in steps
            if "provisional_bars" in s.tables
        ],
        ignore_index=True,
    )
    assert (prov["ts_as_of"] <= prov["ts_known"]).all()  # known no earlier than its cut
    trades = _delivered_trades(ticks)
    bar = stream.builder.params[1]
    trades["b"] = (trades["ts_event"] - stream.builder.params[0]) // bar
    groups = dict(list(trades.groupby(["symbol", "b"])))
    rows = prov.sample(400, random_state=0)
    for row in rows.itertuples():
        g = groups[(row.symbol, (row.ts - stream.builder.params[0]) // bar)]
        mine = g[g["ts_arrival"] <= row.ts_arrived]
        assert mine["ts_event"].max() <= row.ts_as_of  # nothing after its cut
        assert (len(mine), mine["size"].sum()) == (row.trades, row.volume)
        assert (mine["price"].iloc[0], mine["price"].iloc[-1]) == (row.open, row.close)
        assert (mine["price"].max(), mine["price"].min()) == (row.high, row.low)


def test_provisional_features_are_the_batch_features_of_the_bars_known_then(streamed) -> None:
    (stream, steps, _), _ = streamed
    cols = ["ts", "symbol", "close", "volume"]
    known: list[pd.DataFrame] = []
    checked = 0
    for k, step in enumerate(steps):
        if "bars" in step.tables:
            known.append(frame(step.tables["bars"], stream.symbols)[cols])
        if "provisional_features" not in step.tables or k % 40:
            continue
        prov = frame(step.tables["provisional_bars"], stream.symbols)[cols]
        batch = compute_features(pd.concat([*known, prov], ignore_index=True), INTRADAY)
        got = frame(step.tables["provisional_features"], stream.symbols)
        both = got.merge(batch, on=["ts", "symbol"], suffixes=("", "_b"), validate="1:1")
        assert len(both) == len(got)
        for name in INTRADAY.columns:
            np.testing.assert_allclose(both[name], both[f"{name}_b"], rtol=1e-9, atol=1e-9)
        checked += 1
    assert checked > 10
