"""A deterministic synthetic market: survivorship-free, any size, optionally with a planted alpha.

Tables (``TABLES``): ``bars`` (raw daily OHLCV, volume in shares), ``corporate_actions``
(splits and cash dividends on their ex-dates), ``universe`` (each symbol's listing, delisting
and sector), ``fundamentals`` (quarterly, stamped with the date they became known), ``news``
(templated headlines whose sentiment moved the price) and ``alpha`` (the planted feature
``alpha_signal`` with rank IC ``alpha_ic`` against the next ``alpha_horizon``-day return).

>>> from mi_kernel.data.synthetic import SyntheticConfig, load
>>> bars = load("bars", SyntheticConfig(n_symbols=20, n_days=250))  # doctest: +SKIP
"""

from mi_kernel.data.actions import adjust_bars  # general; re-exported for convenience
from mi_kernel.data.synthetic.alpha import ALPHA_NAME
from mi_kernel.data.synthetic.config import SECTORS, SyntheticConfig
from mi_kernel.data.synthetic.reader import load, market_dir, read
from mi_kernel.data.synthetic.ticks import (
    TICK_DTYPE,
    TickConfig,
    TickKind,
    TickTruth,
    session_ticks,
)
from mi_kernel.data.synthetic.writer import TABLES, generate, is_complete

__all__ = [
    "ALPHA_NAME",
    "SECTORS",
    "TABLES",
    "TICK_DTYPE",
    "SyntheticConfig",
    "TickConfig",
    "TickKind",
    "TickTruth",
    "adjust_bars",
    "generate",
    "is_complete",
    "load",
    "market_dir",
    "read",
    "session_ticks",
]
