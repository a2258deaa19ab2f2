"""Intraday: ticks -> bars -> features -> signals, streaming, with watermarks and freshness.

One code path for a replay and a live feed: messages (``TICK_DTYPE`` records) reach a
:class:`BarBuilder` in batches, whatever bus delivered them.
"""

from mi_kernel.intraday.bars import BarBuilder, Emitted, frame
from mi_kernel.intraday.config import Reason, StreamConfig

__all__ = ["BarBuilder", "Emitted", "Reason", "StreamConfig", "frame"]
