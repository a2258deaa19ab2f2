"""LiveReplay: a session played onto a bus at ``speed`` times real time and consumed live.

A producer thread publishes the session's messages when they "arrive" (arrival times scaled
by ``1 / speed`` from the start), and a consumer thread runs
:func:`~mi_kernel.intraday.stream.consume` on them, as a live feed would be run; a live view
listens to the stream's steps (:attr:`IntradayStream.listeners`). Both threads stop with
:meth:`LiveReplay.stop`.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from mi_kernel.intraday.bus import Bus, MemoryBus, encode
from mi_kernel.intraday.stream import END, IntradayStream, consume


class LiveReplay:
    """Play ``ticks`` (arrival order) into ``stream`` through ``bus`` at ``speed`` x."""

    def __init__(self, ticks: np.ndarray, stream: IntradayStream, speed: float = 300.0,
                 batch_ms: float = 1000.0, bus: Bus | None = None) -> None:  # fmt: skip
        self.ticks, self.stream, self.speed, self.batch_ms = ticks, stream, speed, batch_ms
        self.bus = bus or MemoryBus()
        self.topic = f"live.{id(self)}"
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._produce, daemon=True, name="mi-live-producer"),
            threading.Thread(target=self._consume, daemon=True, name="mi-live-consumer"),
        ]

    def start(self) -> LiveReplay:
        for t in self._threads:
            t.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        for t in self._threads:
            if t.is_alive():
                t.join(timeout)

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def _produce(self) -> None:
        t = self.ticks["ts_arrival"]
        window = (t - t[0]) // round(self.batch_ms * 1e6)
        started = time.monotonic()
        for part in np.split(self.ticks, np.flatnonzero(np.diff(window)) + 1):
            due = (int(part["ts_arrival"][-1]) - int(t[0])) / 1e9 / self.speed
            if self._stop.wait(max(0.0, due - (time.monotonic() - started))):
                return
            self.bus.publish(self.topic, encode(part))
        self.bus.publish(self.topic, END)

    def _consume(self) -> None:
        consume(self.bus, self.topic, "live", "live-1", self.stream, None, commit_every=100,
                block_ms=100, stop=self._stop.is_set)  # fmt: skip
