"""The bus: one interface in process and on a real Redis server; replay through it; a killed
consumer resumes from its last commit without loss or double counting."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mi_kernel.intraday import frame
from mi_kernel.intraday.bus import MemoryBus, decode, encode
from mi_kernel.intraday.redis_bus import RedisBus
from mi_kernel.intraday.store import OfflineStore
from mi_kernel.intraday.stream import TABLES, IntradayStream, consume, publish_session
from tests.intraday.conftest import NOISY

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["memory", "redis"])
def bus(request: pytest.FixtureRequest) -> MemoryBus | RedisBus:
    if request.param == "memory":
        return MemoryBus()
    return RedisBus(request.getfixturevalue("redis_url"))


def test_consumer_group_semantics(bus, request) -> None:
    topic = f"t-{request.node.name}"
    ids = [bus.publish(topic, bytes([k])) for k in range(3)]
    got = bus.read(topic, "g", "a", count=2)
    assert [m.payload for m in got] == [b"\x00", b"\x01"] and [m.id for m in got] == ids[:2]
    assert [m.id for m in bus.read(topic, "g", "a", count=10, pending=True)] == ids[:2]
    assert [m.payload for m in bus.read(topic, "other", "x", count=10)] == [
        b"\x00",
        b"\x01",
        b"\x02",
    ]
    bus.commit(topic, "g", [ids[0]], b"state-1")
    assert [m.id for m in bus.read(topic, "g", "a", count=10, pending=True)] == ids[1:2]
    assert bus.checkpoint(topic, "g") == b"state-1" and bus.checkpoint(topic, "other") is None
    assert [m.id for m in bus.read(topic, "g", "a", count=10)] == ids[2:]


def test_ticks_survive_the_wire(ticks) -> None:
    back = decode(encode(ticks[:100]))
    assert back.tobytes() == ticks[:100].tobytes()


def _stream(session_day) -> IntradayStream:
    day, date = session_day
    return IntradayStream(day["symbol"].tolist(), NOISY.session_open(date))


def _tables(root: Path) -> dict[str, pd.DataFrame]:
    store = OfflineStore(root)
    return {name: store.read(name) for name in TABLES if name != "signals"}


def test_replay_through_the_bus_is_the_builder_on_the_same_batches(ticks, session_day, tmp_path):
    bus = MemoryBus()
    n = publish_session(bus, "ticks", ticks, batch_ms=60_000)
    stream = _stream(session_day)
    assert consume(bus, "ticks", "g", "c", stream, OfflineStore(tmp_path), commit_every=100) == n
    direct = _stream(session_day)
    bars, k = [], 0
    for k in range(1, bus.length("ticks") + 1):  # noqa: B007 - k counts the messages
        payload = bus.read("ticks", "direct", "d", count=1)[0].payload
        step = direct.handle(payload)
        if "bars" in step.tables:
            bars.append(frame(step.tables["bars"], direct.symbols))
    pd.testing.assert_frame_equal(
        OfflineStore(tmp_path).read("bars"),
        pd.concat(bars, ignore_index=True).sort_values(["ts", "symbol"], kind="stable")
        .reset_index(drop=True),
    )  # fmt: skip
    assert k == n


@pytest.mark.parametrize("event,at", [("flushed", 120)])  # parts written, commit not made
def test_a_killed_consumer_resumes_without_loss_or_double_counting(
    ticks, session_day, redis_url, tmp_path, event, at
) -> None:
    topic = f"ticks-{event}"
    redis_bus = RedisBus(redis_url)
    n = publish_session(redis_bus, topic, ticks, batch_ms=60_000)
    assert n > at + 40
    day, date = session_day
    store = tmp_path / "resumed"
    killed = subprocess.run(
        [sys.executable, "-m", "tests.intraday._consumer", redis_url, topic, "g", str(store),
         ",".join(day["symbol"]), str(NOISY.session_open(date)), event, str(at)],
        cwd=PROJECT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert killed.returncode == -9, killed.stderr
    before = redis_bus.client.xpending(topic, "g")["pending"]
    assert before > 0  # it died holding messages it had not committed
    resumed = consume(redis_bus, topic, "g", "c1", _stream(session_day), OfflineStore(store))
    assert resumed < n  # it went on from its commit, not from the start
    assert redis_bus.client.xpending(topic, "g")["pending"] == 0

    memory = MemoryBus()
    publish_session(memory, topic, ticks, batch_ms=60_000)
    once = OfflineStore(tmp_path / "once")
    consume(memory, topic, "g", "c1", _stream(session_day), once, commit_every=100)
    got, want = _tables(store), _tables(tmp_path / "once")
    for name in want:
        assert len(want[name]) > 0 or name == "corrections", name
        pd.testing.assert_frame_equal(got[name], want[name], obj=name)
    assert not got["bars"].duplicated(["ts", "symbol"]).any()
    assert got["bars"]["volume"].sum() == want["bars"]["volume"].sum()
    np.testing.assert_array_equal(got["features"]["mom_5"], want["features"]["mom_5"])


def test_replaying_a_session_twice_on_one_redis_gives_it_twice(session_day, redis_url, tmp_path):
    from mi_kernel.intraday import replay_session

    day, _ = session_day
    runs = [
        replay_session(
            day, tmp_path / k / "session", NOISY, bus=RedisBus(redis_url), batch_ms=60_000
        )
        for k in ("first", "second")
    ]
    assert len(runs[0].tables["bars"]) > 0
    pd.testing.assert_frame_equal(runs[0].tables["bars"], runs[1].tables["bars"])
