"""The bus: topics of messages read by consumer groups, with acknowledgements and checkpoints.

One interface (:class:`Bus`), three implementations: :class:`MemoryBus` (in-process, the
default), :class:`~mi_kernel.intraday.redis_bus.RedisBus` (Redis Streams: XADD, XREADGROUP,
XACK) and the Kafka adapter described in :mod:`mi_kernel.intraday.kafka`. The semantics are
Redis Streams': a message read by a consumer of a group is *pending* for that consumer until
acknowledged; a consumer that restarts reads its pending messages again first. ``commit``
acknowledges messages and stores the consumer's checkpoint (its state after them) in one
step, so a consumer restarted from its checkpoint re-reads exactly the messages its state
has not seen.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import NamedTuple, Protocol

import numpy as np

from mi_kernel.data.synthetic.ticks import TICK_DTYPE


class Message(NamedTuple):
    """One message of a topic: its id on the bus and its bytes."""

    id: str
    payload: bytes


def encode(ticks: np.ndarray) -> bytes:
    """Return a batch of ticks (``TICK_DTYPE``) as bytes; ``b""`` marks the end of a session."""
    return np.ascontiguousarray(ticks, TICK_DTYPE).tobytes()


def decode(payload: bytes) -> np.ndarray:
    """Return the ticks of a payload made by :func:`encode` (a read-only view)."""
    return np.frombuffer(payload, TICK_DTYPE)


class Bus(Protocol):
    """What the stream needs from a message bus."""

    def publish(self, topic: str, payload: bytes) -> str:
        """Append a message; return its id."""
        ...

    def read(self, topic: str, group: str, consumer: str, count: int, block_ms: int = 0,
             pending: bool = False) -> list[Message]:  # fmt: skip
        """Read up to ``count`` messages for ``consumer`` of ``group`` (created if needed):
        new ones, or with ``pending=True`` those delivered to it and not acknowledged."""
        ...

    def commit(self, topic: str, group: str, ids: Sequence[str], checkpoint: bytes) -> None:
        """Acknowledge ``ids`` and store ``checkpoint`` for the group, atomically."""
        ...

    def checkpoint(self, topic: str, group: str) -> bytes | None:
        """Return the group's last committed checkpoint (None before the first)."""
        ...


class MemoryBus:
    """An in-process bus with the semantics of Redis Streams' consumer groups (thread-safe)."""

    def __init__(self) -> None:
        self._log: dict[str, list[bytes]] = {}
        self._next: dict[tuple[str, str], int] = {}
        self._pending: dict[tuple[str, str, str], dict[str, None]] = {}
        self._ckpt: dict[tuple[str, str], bytes] = {}
        self._lock = threading.Condition()

    def publish(self, topic: str, payload: bytes) -> str:
        with self._lock:
            log = self._log.setdefault(topic, [])
            log.append(bytes(payload))
            self._lock.notify_all()
            return f"{len(log)}-0"

    def read(self, topic: str, group: str, consumer: str, count: int, block_ms: int = 0,
             pending: bool = False) -> list[Message]:  # fmt: skip
        with self._lock:
            log = self._log.setdefault(topic, [])
            mine = self._pending.setdefault((topic, group, consumer), {})
            if pending:
                ids = list(mine)[:count]
                return [Message(i, log[int(i.split("-")[0]) - 1]) for i in ids]
            start = self._next.setdefault((topic, group), 0)
            if start >= len(log) and block_ms > 0:
                self._lock.wait(block_ms / 1000)
            stop = min(len(log), start + count)
            self._next[(topic, group)] = stop
            out = [Message(f"{k + 1}-0", log[k]) for k in range(start, stop)]
            mine.update(dict.fromkeys(m.id for m in out))
            return out

    def commit(self, topic: str, group: str, ids: Sequence[str], checkpoint: bytes) -> None:
        with self._lock:
            self._ckpt[(topic, group)] = bytes(checkpoint)
            for (t, g, _), mine in self._pending.items():
                if (t, g) == (topic, group):
                    for i in ids:
                        mine.pop(i, None)

    def checkpoint(self, topic: str, group: str) -> bytes | None:
        with self._lock:
            return self._ckpt.get((topic, group))

    def length(self, topic: str) -> int:
        with self._lock:
            return len(self._log.get(topic, []))
