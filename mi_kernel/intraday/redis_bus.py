"""RedisBus: the bus on Redis Streams (XADD, XREADGROUP, XACK; checkpoint + XACK in MULTI).

Each message is one stream entry with a single field ``d`` (the payload bytes). A group is
created on first read (``XGROUP CREATE ... MKSTREAM`` from the start of the stream). The
checkpoint of a group is the string key ``<topic>:<group>:checkpoint``, written in the same
MULTI/EXEC transaction as the XACK of the messages it covers.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from mi_kernel.errors import ConfigError
from mi_kernel.intraday.bus import Bus, MemoryBus, Message

_FIELD = b"d"


class RedisBus:
    """A :class:`~mi_kernel.intraday.bus.Bus` on a Redis server (``redis://host:port/db``)."""

    def __init__(self, url: str, maxlen: int | None = None) -> None:
        import redis  # the client loads only when Redis is used

        self.client: Any = redis.Redis.from_url(url)
        self.maxlen = maxlen
        self._groups: set[tuple[str, str]] = set()
        self._error = redis.ResponseError

    def publish(self, topic: str, payload: bytes) -> str:
        mid = self.client.xadd(topic, {_FIELD: payload}, maxlen=self.maxlen, approximate=True)
        return str(mid.decode())

    def _group(self, topic: str, group: str) -> None:
        if (topic, group) in self._groups:
            return
        try:
            self.client.xgroup_create(topic, group, id="0", mkstream=True)
        except self._error as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._groups.add((topic, group))

    def read(self, topic: str, group: str, consumer: str, count: int, block_ms: int = 0,
             pending: bool = False) -> list[Message]:  # fmt: skip
        self._group(topic, group)
        reply = self.client.xreadgroup(
            group, consumer, {topic: "0" if pending else ">"}, count=count,
            block=None if pending or block_ms <= 0 else block_ms,
        )  # fmt: skip
        out = []
        for _, entries in reply or []:
            for mid, fields in entries:
                if fields:  # a pending entry trimmed from the stream has no fields
                    out.append(Message(mid.decode(), fields[_FIELD]))
        return out

    def commit(self, topic: str, group: str, ids: Sequence[str], checkpoint: bytes) -> None:
        with self.client.pipeline(transaction=True) as tx:
            tx.set(f"{topic}:{group}:checkpoint", checkpoint)
            if ids:
                tx.xack(topic, group, *ids)
            tx.execute()

    def checkpoint(self, topic: str, group: str) -> bytes | None:
        value = self.client.get(f"{topic}:{group}:checkpoint")
        return None if value is None else bytes(value)

    def length(self, topic: str) -> int:
        return int(self.client.xlen(topic))


def open_bus(kind: str = "memory", url: str | None = None) -> Bus:
    """Return the bus ``kind`` names: ``memory`` (in process) or ``redis`` (at ``url``, else
    ``MI_REDIS_URL``)."""
    if kind == "memory":
        return MemoryBus()
    url = url or os.environ.get("MI_REDIS_URL")
    if kind != "redis" or not url:
        raise ConfigError(
            f"bus={kind!r}: use 'memory', or 'redis' with MI_REDIS_URL set (e.g. "
            "redis://127.0.0.1:6379/0)"
        )
    return RedisBus(url)
