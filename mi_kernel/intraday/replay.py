"""replay_session: a synthetic session's ticks, through a bus, into the stream and the stores.

The replay publishes the session's messages in arrival order (batches of ``batch_ms`` of
arrival time) and consumes them with :func:`~mi_kernel.intraday.stream.consume`, exactly as
a live feed would be; bars are stamped with the arrival time of the batch that closed them
(replay time), so freshness is measured as the feed would have seen it, processing aside
(the wall seconds the replay took are reported beside it): to the final feature of a trade's
bar, and to the first feature that includes it, provisional or final.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mi_kernel.data.synthetic import SyntheticConfig, load
from mi_kernel.data.synthetic.ticks import TickConfig, TickTruth, session_ticks
from mi_kernel.errors import ConfigError
from mi_kernel.intraday.bars import STATUSES, concat, frame
from mi_kernel.intraday.bus import Bus, MemoryBus
from mi_kernel.intraday.config import StreamConfig
from mi_kernel.intraday.freshness import first_freshness, freshness, summary
from mi_kernel.intraday.signals import IntradayModel
from mi_kernel.intraday.store import OfflineStore, OnlineStore
from mi_kernel.intraday.stream import TABLES, IntradayStream, Step, consume, publish_session


@dataclass(frozen=True)
class Replay:
    """What a replayed session gave: its tables (from the offline store) and its measures."""

    session: pd.Timestamp
    symbols: list[str]
    tables: dict[str, pd.DataFrame]
    totals: dict[str, int]
    truth: dict[str, int]
    messages: int
    ticks: int
    seconds: float
    freshness: dict[str, float]
    first_freshness: dict[str, float]

    def report(self) -> dict[str, object]:
        """A JSON-able summary for the run."""
        return {
            "session": self.session.date().isoformat(),
            "symbols": len(self.symbols),
            "ticks": self.ticks,
            "bus_messages": self.messages,
            "wall_seconds": round(self.seconds, 3),
            "ticks_per_second": round(self.ticks / self.seconds) if self.seconds else None,
            "ingest": self.totals,
            "generated": self.truth,
            "rows": {k: len(v) for k, v in self.tables.items()},
            "freshness_replay_time": self.freshness,
            "first_feature_freshness_replay_time": self.first_freshness,
        }


def session_days(config: SyntheticConfig, session: str = "", count: int = 1) -> list[pd.DataFrame]:
    """Return the daily bars of ``count`` consecutive sessions ending at ``session`` (empty:
    the market's last day), one frame per session (one row per symbol trading that day)."""
    bars = load("bars", config)
    dates = pd.DatetimeIndex(bars["ts"].unique()).sort_values()
    end = dates[-1] if not session else pd.Timestamp(session, tz="UTC")
    if end not in dates:
        raise ConfigError(
            f"session={session!r} is not a day of the synthetic market ({dates[0]:%Y-%m-%d} .. "
            f"{dates[-1]:%Y-%m-%d}, business days); pick one of those or leave it empty"
        )
    i = int(dates.searchsorted(end))
    if i + 1 < count:
        raise ConfigError(f"the market has {i + 1} sessions up to {end:%Y-%m-%d}, not {count}")
    days = dates[i + 1 - count : i + 1]
    return [bars[bars["ts"] == d].reset_index(drop=True) for d in days]


def replay_session(
    day: pd.DataFrame,
    store_root: Path,
    ticks: TickConfig | None = None,
    config: StreamConfig | None = None,
    model: IntradayModel | None = None,
    online: OnlineStore | None = None,
    bus: Bus | None = None,
    batch_ms: float = 250.0,
    commit_every: int = 500,
) -> Replay:
    """Replay one session (``day``: its daily bars) into ``store_root`` and return it.

    ``commit_every`` messages make one checkpoint and one part of each offline table.
    """
    ticks = ticks or TickConfig()
    config = config or StreamConfig()
    date = pd.Timestamp(day["ts"].iloc[0])
    messages = session_ticks(day, date, ticks)
    bus = bus or MemoryBus()
    # a topic of its own: a shared Redis may hold an earlier replay's topic and checkpoint
    topic = f"ticks.{date:%Y%m%d}.{uuid.uuid4().hex[:12]}"
    symbols = day["symbol"].tolist()
    stream = IntradayStream(symbols, ticks.session_open(date), ticks.minutes, config, model, online)
    provisional: list[dict[str, np.ndarray]] = []
    stream.listeners.append(lambda step: _keep_provisional(step, provisional))
    started = time.perf_counter()
    n = publish_session(bus, topic, messages, batch_ms)
    consume(bus, topic, "replay", "replay-1", stream, OfflineStore(store_root), commit_every)
    seconds = time.perf_counter() - started
    store = OfflineStore(store_root)
    tables = {name: store.read(name) for name in TABLES}
    names = (*STATUSES, "applied_behind_watermark")
    totals = dict(zip(names, map(int, stream.builder.totals), strict=True))
    args = (symbols, config.bar_seconds, ticks.session_open(date))
    fresh = freshness(messages, tables["features"], *args)
    live = frame(concat(provisional), symbols) if provisional else None
    first = fresh if live is None else first_freshness(messages, tables["features"], live, *args)
    truth = np.bincount(messages["truth"], minlength=len(TickTruth))
    return Replay(
        session=date, symbols=symbols, tables=tables, totals=totals,
        truth={t.name.lower(): int(truth[t]) for t in TickTruth}, messages=n,
        ticks=int(messages.size), seconds=seconds, freshness=summary(fresh),
        first_freshness=summary(first),
    )  # fmt: skip


def _keep_provisional(step: Step, into: list[dict[str, np.ndarray]]) -> None:
    """Keep what freshness needs of a step's provisional features."""
    feats = step.tables.get("provisional_features")
    if feats:
        into.append({k: feats[k] for k in ("ts", "symbol", "ts_known", "ts_arrived")})
