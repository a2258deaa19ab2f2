"""Feature stores: online (latest features per symbol, with a TTL) and offline (parquet).

The online store is in memory by default and in Redis when ``MI_REDIS_URL`` is set (one hash
per symbol, ``<prefix>:<symbol>``, expiring after the TTL). The offline store appends parts
to hive-partitioned parquet (``<root>/<table>/date=YYYY-MM-DD/part-<seq>.parquet``); a part
is written under a temporary name and renamed, and the same ``seq`` always names the same
part, so writing it again after a crash replaces it instead of adding rows.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd


class OnlineStore(Protocol):
    def put(self, rows: list[dict[str, Any]]) -> None:
        """Store each record (``symbol``, ``ts`` and values) as its symbol's latest."""
        ...

    def get(self, symbol: str) -> dict[str, Any] | None:
        """The symbol's latest values, or None when absent or expired."""
        ...


class MemoryOnlineStore:
    """Latest features per symbol in a dict, each expiring ``ttl_s`` seconds after it was put."""

    def __init__(self, ttl_s: float = 600.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s, self.clock = ttl_s, clock
        self._rows: dict[str, tuple[float, dict[str, Any]]] = {}

    def put(self, rows: list[dict[str, Any]]) -> None:
        expires = self.clock() + self.ttl_s
        for rec in rows:
            self._rows[str(rec["symbol"])] = (expires, dict(rec))

    def get(self, symbol: str) -> dict[str, Any] | None:
        hit = self._rows.get(symbol)
        if hit is None or hit[0] <= self.clock():
            self._rows.pop(symbol, None)
            return None
        return dict(hit[1])


class RedisOnlineStore:
    """Latest features per symbol in Redis hashes with a TTL (``EXPIRE``)."""

    def __init__(self, url: str, ttl_s: float = 600.0, prefix: str = "mi:online") -> None:
        import redis

        self.client: Any = redis.Redis.from_url(url, decode_responses=True)
        self.ttl_s, self.prefix = ttl_s, prefix

    def put(self, rows: list[dict[str, Any]]) -> None:
        with self.client.pipeline(transaction=False) as p:
            for rec in rows:
                key = f"{self.prefix}:{rec['symbol']}"
                p.hset(key, mapping={k: _text(v) for k, v in rec.items()})
                p.expire(key, max(1, round(self.ttl_s)))
            p.execute()

    def get(self, symbol: str) -> dict[str, Any] | None:
        raw = self.client.hgetall(f"{self.prefix}:{symbol}")
        if not raw:
            return None
        return {k: _value(k, v) for k, v in raw.items()}


def _text(v: Any) -> str:
    if isinstance(v, bool | np.bool_):
        return "1" if v else "0"
    return repr(float(v)) if isinstance(v, float | np.floating) else str(v)


def _value(key: str, text: str) -> Any:
    """A field read back: names and ``ts*`` times as text, ``provisional`` as a bool, else
    a float."""
    if key == "symbol" or key.startswith("ts"):
        return text
    return text == "1" if key == "provisional" else float(text)


def online_store(ttl_s: float = 600.0, url: str | None = None) -> OnlineStore:
    """Return the Redis store when ``url`` or ``MI_REDIS_URL`` is set, else the memory one."""
    url = url or os.environ.get("MI_REDIS_URL")
    return RedisOnlineStore(url, ttl_s) if url else MemoryOnlineStore(ttl_s)


class OfflineStore:
    """Hive-partitioned parquet under ``root`` (one folder per table and session date)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def write(self, table: str, frame: pd.DataFrame, seq: int) -> list[Path]:
        """Write ``frame`` as part ``seq`` of ``table``, split by the date of ``ts`` (or of
        ``ts_event`` for tables of messages)."""
        if frame.empty:
            return []
        out = []
        dates = frame["ts" if "ts" in frame else "ts_event"].dt.strftime("%Y-%m-%d")
        for date, part in frame.groupby(dates, sort=True):
            folder = self.root / table / f"date={date}"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"part-{seq:08d}.parquet"
            tmp = path.with_suffix(".tmp")
            part.reset_index(drop=True).to_parquet(tmp, index=False, compression="zstd")
            os.replace(tmp, path)
            out.append(path)
        return out

    def read(self, table: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Read every part of ``table`` (empty frame if none), sorted by ``ts``, ``symbol``."""
        folder = self.root / table
        parts = sorted(folder.rglob("part-*.parquet")) if folder.exists() else []
        if not parts:
            return pd.DataFrame(columns=list(columns or []))
        cols = list(columns) if columns is not None else None
        frame: pd.DataFrame = pd.concat(
            [pd.read_parquet(p, columns=cols) for p in parts], ignore_index=True
        )
        keys = [c for c in ("ts", "symbol", "ts_arrival", "tick_id") if c in frame]
        return frame.sort_values(keys, kind="stable").reset_index(drop=True) if keys else frame
