"""The Kafka-protocol adapter (Kafka, Redpanda): how the bus maps, and a sketch. UNTESTED.

No Kafka client is in the lock file and no broker runs here, so nothing below has been run;
it documents what an adapter must do to stand behind :class:`~mi_kernel.intraday.bus.Bus`
with the same guarantees the tests check on :class:`~mi_kernel.intraday.bus.MemoryBus` and
:class:`~mi_kernel.intraday.redis_bus.RedisBus`. To use it, add ``confluent-kafka`` to
``requirements.in`` (``make lock``) and run ``tests/intraday/test_bus.py`` against a broker.

Mapping
-------
============================  ==========================================================
Bus                           Kafka
============================  ==========================================================
topic                         a topic; one partition per session keeps arrival order
                              (the stream's state is one session's, so it is not split)
``publish(topic, payload)``   ``produce(topic, value=payload)`` with ``enable.idempotence``;
                              the id is ``partition-offset``
group / consumer              ``group.id`` / ``client.id`` with ``enable.auto.commit=false``
``read(..., pending=False)``  ``poll`` from the group's committed offset
``read(..., pending=True)``   nothing to do: Kafka has no per-consumer pending list; a
                              restarted consumer resumes from the committed offset, which
                              *is* the re-read of everything not committed
``commit(ids, checkpoint)``   one Kafka transaction (``transactional.id``): produce the
                              checkpoint to a compacted topic ``<topic>.<group>.checkpoint``
                              keyed by the group, then ``send_offsets_to_transaction`` for
                              the offset after the last id, then ``commit_transaction``
``checkpoint(topic, group)``  read the latest record of that key from the compacted topic
                              (``read_committed`` isolation)
============================  ==========================================================

With these, a consumer killed between two commits restarts from the checkpoint and the
offset committed with it, which is the exactly-once effect the Redis tests check. A
checkpoint is a few MB for 500 names (one session's bar slots): raise the topic's
``max.message.bytes`` or commit less often (``consume(commit_every=...)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mi_kernel.errors import ConfigError
from mi_kernel.intraday.bus import Message


class KafkaBus:  # pragma: no cover - no broker and no client here; see the module docstring
    """A :class:`~mi_kernel.intraday.bus.Bus` on a Kafka-protocol broker (UNTESTED sketch)."""

    def __init__(self, bootstrap: str, transactional_id: str = "mi-intraday") -> None:
        try:
            import confluent_kafka  # noqa: F401
        except ImportError:
            raise ConfigError(
                "the Kafka adapter needs confluent-kafka, which is not in the lock file; add it "
                "to requirements.in and run `make lock`, or use bus=memory / bus=redis"
            ) from None
        self.bootstrap, self.transactional_id = bootstrap, transactional_id
        self._consumers: dict[tuple[str, str], Any] = {}

    def publish(self, topic: str, payload: bytes) -> str:
        raise NotImplementedError("see the module docstring: produce with enable.idempotence")

    def read(self, topic: str, group: str, consumer: str, count: int, block_ms: int = 0,
             pending: bool = False) -> list[Message]:  # fmt: skip
        raise NotImplementedError("see the module docstring: poll from the committed offset")

    def commit(self, topic: str, group: str, ids: Sequence[str], checkpoint: bytes) -> None:
        raise NotImplementedError("see the module docstring: one transaction, offsets included")

    def checkpoint(self, topic: str, group: str) -> bytes | None:
        raise NotImplementedError("see the module docstring: the compacted checkpoint topic")
