"""Feature stores: the online store keeps each symbol's latest row until its TTL; in memory
and in Redis (real server); the offline store rewrites a part instead of adding to it."""

from __future__ import annotations

import time

import pandas as pd

from mi_kernel.intraday.store import MemoryOnlineStore, OfflineStore, RedisOnlineStore, online_store

ROWS = [
    {"symbol": "AAA", "ts": "2024-01-02T14:30:00+00:00", "mom_5": 0.01},
    {"symbol": "BBB", "ts": "2024-01-02T14:30:00+00:00", "mom_5": -0.02},
    {"symbol": "AAA", "ts": "2024-01-02T14:31:00+00:00", "mom_5": 0.03},
]


def test_memory_online_store_keeps_the_latest_until_it_expires() -> None:
    now = [0.0]
    store = MemoryOnlineStore(ttl_s=60, clock=lambda: now[0])
    store.put(ROWS)
    assert store.get("AAA") == ROWS[2] and store.get("BBB") == ROWS[1]
    now[0] = 59.9
    assert store.get("AAA") is not None
    now[0] = 60.0
    assert store.get("AAA") is None and store.get("ZZZ") is None


def test_redis_online_store_keeps_the_latest_with_a_ttl(redis_url, monkeypatch) -> None:
    monkeypatch.setenv("MI_REDIS_URL", redis_url)
    store = online_store(ttl_s=1)
    assert isinstance(store, RedisOnlineStore)
    store.put(ROWS)
    assert store.get("AAA") == ROWS[2]
    assert 0 < store.client.ttl("mi:online:AAA") <= 1
    deadline = time.monotonic() + 5
    while store.get("BBB") is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert store.get("BBB") is None  # expired by Redis, not by us


def test_default_online_store_is_in_memory(monkeypatch) -> None:
    monkeypatch.delenv("MI_REDIS_URL", raising=False)
    assert isinstance(online_store(), MemoryOnlineStore)


def test_offline_parts_are_partitioned_and_rewritten_not_appended(tmp_path) -> None:
    store = OfflineStore(tmp_path)
    frame = pd.DataFrame(
        {"ts": pd.to_datetime(["2024-01-02 14:30", "2024-01-03 14:30"], utc=True),
         "symbol": ["AAA", "AAA"], "x": [1.0, 2.0]}
    )  # fmt: skip
    store.write("bars", frame, seq=3)
    store.write("bars", frame, seq=3)  # a crash made us write part 3 again
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.parquet")) == [
        "bars/date=2024-01-02/part-00000003.parquet", "bars/date=2024-01-03/part-00000003.parquet"
    ]  # fmt: skip
    pd.testing.assert_frame_equal(store.read("bars"), frame)
