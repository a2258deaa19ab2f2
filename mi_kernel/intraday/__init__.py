"""Intraday: ticks -> bars -> features -> signals, streaming, with watermarks and freshness.

One code path for a replay and a live feed: messages (``TICK_DTYPE`` records) are published
to a bus topic in batches (:func:`publish_session`), and :func:`consume` feeds them to an
:class:`IntradayStream` (a :class:`BarBuilder` with its quality gate and watermarks,
:class:`StreamingFeatures`, an :class:`IntradayModel`, an online store), committing its
checkpoint with the bus's acknowledgements and writing parts of the offline store. Bars still
open are shown every ``StreamConfig.provisional_s`` of event time as provisional (with their
features and signals, in the online store and to listeners, never in the offline store).
The bus is in process by default (:class:`MemoryBus`) or Redis Streams (:class:`RedisBus`);
the Kafka adapter is described in :mod:`mi_kernel.intraday.kafka`. Importing this package
starts nothing and connects to nothing.
"""

from mi_kernel.intraday.bars import BarBuilder, Emitted, frame
from mi_kernel.intraday.bus import Bus, MemoryBus, Message, decode, encode
from mi_kernel.intraday.config import Reason, StreamConfig
from mi_kernel.intraday.features import INTRADAY, StreamingFeatures
from mi_kernel.intraday.redis_bus import RedisBus, open_bus
from mi_kernel.intraday.replay import Replay, replay_session, session_days
from mi_kernel.intraday.signals import IntradayModel, approved_model, choose_model, train_model
from mi_kernel.intraday.store import (
    MemoryOnlineStore,
    OfflineStore,
    OnlineStore,
    RedisOnlineStore,
    online_store,
)
from mi_kernel.intraday.stream import IntradayStream, Step, consume, publish_session

__all__ = [
    "INTRADAY",
    "BarBuilder",
    "Bus",
    "Emitted",
    "IntradayModel",
    "IntradayStream",
    "MemoryBus",
    "MemoryOnlineStore",
    "Message",
    "OfflineStore",
    "OnlineStore",
    "Reason",
    "RedisBus",
    "RedisOnlineStore",
    "Replay",
    "Step",
    "StreamConfig",
    "StreamingFeatures",
    "approved_model",
    "choose_model",
    "consume",
    "decode",
    "encode",
    "frame",
    "online_store",
    "open_bus",
    "publish_session",
    "replay_session",
    "session_days",
    "train_model",
]
