"""The stream: ticks -> bars -> features -> signals for one session, replayed or live.

:class:`IntradayStream` is the processing (bars with their gate and watermarks, streaming
features, signals, the online store) and its state; :func:`consume` feeds it from a bus
topic as one consumer of a group, commits (checkpoint + acknowledgement) every
``commit_every`` messages, and writes what was produced since the last commit to the
offline store just before committing. A restarted consumer restores the checkpoint and
reads its pending messages first: nothing is lost and nothing counted twice (re-processing
an uncommitted message re-creates the same part of the offline store, under the same name).
:func:`publish_session` puts a session's messages on a topic in arrival order, in batches of
``batch_ms`` of arrival time, then an end-of-session marker; a live feed publishes the same way.

Provisional updates (the open bars every ``provisional_s`` of event time, see
:mod:`~mi_kernel.intraday.bars`) go through the same features and model, as if the bars
closed now, into the step's ``provisional_*`` tables, the listeners and the online store
(``provisional: True``); never into the offline store, and never into the feature state:
the final bar's features are the ones the bar-by-bar update gives without them. The online
store keeps per symbol the newest bar's row, the final one superseding the provisional one
of the same bar (a final row of an older bar does not replace a newer provisional one).
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mi_kernel.intraday.bars import BarBuilder, Columns, Emitted, concat, frame
from mi_kernel.intraday.bus import Bus, decode, encode
from mi_kernel.intraday.config import StreamConfig
from mi_kernel.intraday.features import INTRADAY, StreamingFeatures
from mi_kernel.intraday.signals import IntradayModel
from mi_kernel.intraday.store import OfflineStore, OnlineStore

END = b""  # the end-of-session marker
TABLES = ("bars", "features", "signals", "corrections", "dead_letters", "quarantine")
#: what a step carries for the open bars: never written to the offline store
PROVISIONAL = ("provisional_bars", "provisional_features", "provisional_signals")


@dataclass
class Step:
    """What one message produced: column dicts by table (absent = no rows); see
    :func:`~mi_kernel.intraday.bars.frame` for a table of one."""

    tables: dict[str, Columns] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


class IntradayStream:
    """One session's processing and state (see the module docstring)."""

    def __init__(
        self,
        symbols: Sequence[str],
        session_open: pd.Timestamp | int,
        minutes: int = 390,
        config: StreamConfig | None = None,
        model: IntradayModel | None = None,
        online: OnlineStore | None = None,
    ) -> None:
        self.builder = BarBuilder(symbols, session_open, minutes, config)
        self.features = StreamingFeatures(len(self.builder.symbols), INTRADAY)
        self.model, self.online = model, online
        self.seq = 0
        self.listeners: list[Callable[[Step], None]] = []  # e.g. a live view
        self.buffer: dict[str, list[Columns]] = {t: [] for t in TABLES}
        # per symbol: 2 x start of the bar last put in the online store, + 1 if final
        self.shown = np.full(len(self.builder.symbols), -1, np.int64)

    @property
    def symbols(self) -> list[str]:
        return self.builder.symbols

    def handle(self, payload: bytes, now: int | None = None,
               clock: Callable[[], int] | None = None) -> Step:  # fmt: skip
        """Process one message (a batch of ticks, or the end marker).

        ``now`` stamps the bars (default: the batch's last arrival time; for the end
        marker, the latest arrival seen); ``clock`` (ns, e.g. ``time.time_ns`` live) stamps
        the features and signals when they are computed, else they carry ``now`` too.
        """
        if payload == END:
            emitted = self.builder.close(now if now is not None else int(self.builder.clock[3]))
        else:
            emitted = self.builder.process(decode(payload), now)
        return self._downstream(emitted, clock)

    def _downstream(self, emitted: Emitted, clock: Callable[[], int] | None) -> Step:
        step = Step(counts=emitted.counts)
        for name in ("corrections", "dead_letters", "quarantine"):
            if getattr(emitted, name):
                step.tables[name] = getattr(emitted, name)
        if emitted.bars:
            step.tables["bars"] = emitted.bars
            self._score(step, emitted.bars, self.features.update(emitted.bars), clock, "")
        if emitted.provisional:
            bars = emitted.provisional
            step.tables["provisional_bars"] = bars
            self._score(step, bars, self.features.peek(bars), clock, "provisional_")
        for name in TABLES:
            if name in step.tables:
                self.buffer[name].append(step.tables[name])
        for listener in self.listeners:
            listener(step)
        return step

    def _score(self, step: Step, bars: Columns, cols: Columns,
               clock: Callable[[], int] | None, prefix: str) -> None:  # fmt: skip
        """Add the features (and signals) of ``bars`` to ``step`` as ``<prefix>features``
        (``<prefix>signals``), stamped with ``clock()`` or the bars' ``ts_known``; put the
        newest row per symbol in the online store."""
        stamp = np.full(len(cols["ts"]), clock()) if clock else bars["ts_known"]
        feats = {**cols, "ts_known": stamp}
        if prefix:  # provisional: what the row holds (event time) and was delivered by
            feats |= {"ts_as_of": bars["ts_as_of"], "ts_arrived": bars["ts_arrived"]}
        step.tables[f"{prefix}features"] = feats
        if self.model is not None:
            sig = self.model.score(cols)
            sig["ts_known"] = np.full(len(sig["ts"]), clock() if clock else stamp[0])
            step.tables[f"{prefix}signals"] = sig
        if self.online is not None:
            self.online.put(self._newer(feats, provisional=bool(prefix)))

    def _newer(self, feats: Columns, provisional: bool) -> list[dict[str, object]]:
        """The last row per symbol of ``feats`` as a record, unless the online store holds a
        newer bar's row (or this bar's final row); marks what it returns as shown."""
        sym = np.asarray(feats["symbol"], np.int64)
        last = sym.size - 1 - np.unique(sym[::-1], return_index=True)[1]
        key = 2 * np.asarray(feats["ts"], np.int64)[last] + (0 if provisional else 1)
        keep = key >= self.shown[sym[last]]
        rows, key = last[keep], key[keep]
        self.shown[sym[rows]] = key
        cols: dict[str, list[Any]] = {"symbol": [self.symbols[s] for s in sym[rows]]}
        for k, v in feats.items():
            if k.startswith("ts"):
                when, where = np.unique(np.asarray(v, np.int64)[rows], return_inverse=True)
                text = [pd.Timestamp(int(t), tz="UTC").isoformat() for t in when]
                cols[k] = [text[j] for j in where]
            elif k != "symbol":
                cols[k] = np.asarray(v, float)[rows].tolist()
        cols["provisional"] = [provisional] * rows.size
        return [dict(zip(cols, values, strict=True)) for values in zip(*cols.values(), strict=True)]

    def flush(self, store: OfflineStore | None) -> int:
        """Write what was produced since the last flush as part ``seq``; return rows written."""
        rows = 0
        for name, parts in self.buffer.items():
            if parts and store is not None:
                table = frame(concat(parts), self.symbols)
                store.write(name, table, self.seq)
                rows += len(table)
            parts.clear()
        self.seq += 1
        return rows

    def snapshot(self) -> bytes:
        """The whole state as bytes (NumPy ``.npz``)."""
        arrays: dict[str, Any] = {f"b_{k}": v for k, v in self.builder.state().items()}
        arrays |= {f"f_{k}": v for k, v in self.features.state().items()}
        arrays["seq"] = np.int64(self.seq)
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        return buf.getvalue()

    def restore(self, snapshot: bytes) -> IntradayStream:
        """Replace the state with a :meth:`snapshot`'s; return self."""
        with np.load(io.BytesIO(snapshot)) as z:
            self.builder.restore({k[2:]: z[k] for k in z.files if k.startswith("b_")})
            self.features.restore({k[2:]: z[k] for k in z.files if k.startswith("f_")})
            self.seq = int(z["seq"])
        for parts in self.buffer.values():
            parts.clear()
        return self


def publish_session(bus: Bus, topic: str, ticks: np.ndarray, batch_ms: float = 100.0) -> int:
    """Publish ``ticks`` (arrival order) in batches of ``batch_ms`` of arrival time, then the
    end marker; return the number of messages published."""
    t = ticks["ts_arrival"]
    if t.size == 0:
        bus.publish(topic, END)
        return 1
    window = (t - t[0]) // round(batch_ms * 1e6)
    cuts = np.flatnonzero(np.diff(window)) + 1
    for part in np.split(ticks, cuts):
        bus.publish(topic, encode(part))
    bus.publish(topic, END)
    return cuts.size + 2


Hook = Callable[[str, int], None]


def consume(
    bus: Bus,
    topic: str,
    group: str,
    consumer: str,
    stream: IntradayStream,
    store: OfflineStore | None = None,
    commit_every: int = 10,
    block_ms: int = 1000,
    clock: Callable[[], int] | None = None,
    hook: Hook | None = None,
    idle_timeout_s: float | None = None,
    stop: Callable[[], bool] | None = None,
) -> int:
    """Feed ``stream`` from ``topic`` until the end marker; return messages handled.

    Restores the group's checkpoint first (if any) and re-reads this consumer's pending
    messages. ``clock`` stamps features live (see :meth:`IntradayStream.handle`); ``hook``
    is called as ``hook(event, n)`` after each ``"handled"``, ``"flushed"`` and
    ``"committed"`` (tests use it to kill the consumer at a chosen point). Stops after
    ``idle_timeout_s`` without a message, or when ``stop()`` is true, if given (what was
    handled since the last commit is then left pending, as a crash would leave it).
    """
    saved = bus.checkpoint(topic, group)
    if saved is not None:
        stream.restore(saved)
    todo = bus.read(topic, group, consumer, count=1 << 30, pending=True)
    done, handled, since = False, 0, time.monotonic()
    uncommitted: list[str] = []
    while not done and not (stop and stop()):
        if not todo:
            todo = bus.read(topic, group, consumer, count=64, block_ms=block_ms)
            if not todo:
                if idle_timeout_s is not None and time.monotonic() - since > idle_timeout_s:
                    break
                continue
            since = time.monotonic()
        msg = todo.pop(0)
        done = msg.payload == END
        stream.handle(msg.payload, now=clock() if (done and clock) else None, clock=clock)
        uncommitted.append(msg.id)
        handled += 1
        if hook:
            hook("handled", handled)
        if len(uncommitted) >= commit_every or done:
            stream.flush(store)
            if hook:
                hook("flushed", handled)
            bus.commit(topic, group, uncommitted, stream.snapshot())
            uncommitted = []
            if hook:
                hook("committed", handled)
    return handled
