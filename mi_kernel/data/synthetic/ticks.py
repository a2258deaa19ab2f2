"""Seeded intraday ticks (trades and top-of-book quotes) consistent with the daily bars.

For one session, each symbol's clean trades aggregate exactly to its daily bar: the first
trade (in event time) is at the open, the last at the close, one trade each at the high and
the low, and the sizes (whole shares, at least one) sum to the volume. Trade times follow a
U-shaped intraday intensity with random bursts and halts (no trade nor quote while halted);
quotes sit around the last trade with a spread that is wide at the open and close and in
bursts. Delivery then goes wrong the way feeds do: every message arrives after a random
latency (so arrivals are out of event-time order), some arrive minutes late, some twice
(same ``tick_id``), a few trades are bad prints, a few quotes are crossed and a few messages
cannot be parsed at all. ``truth`` says which is which (:class:`TickTruth`); a consumer must
not read it. Everything is vectorised NumPy and depends only on ``(seed, session date)``.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

MINUTE_NS = 60_000_000_000
#: The wire format of a tick (one record per message; NaN where a field does not apply).
TICK_DTYPE = np.dtype(
    [
        ("tick_id", "i8"),
        ("symbol", "i4"),  # index into the session's symbol list; -1 = unreadable
        ("kind", "i1"),  # TickKind
        ("ts_event", "i8"),  # ns since the epoch, UTC: when it happened
        ("ts_arrival", "i8"),  # ns since the epoch, UTC: when it reached us
        ("price", "f8"),
        ("size", "f8"),
        ("bid", "f8"),
        ("ask", "f8"),
        ("bid_size", "f8"),
        ("ask_size", "f8"),
        ("truth", "i1"),  # TickTruth (the generator's ground truth; consumers ignore it)
    ]
)


class TickKind(IntEnum):
    """What a message is."""

    TRADE = 0
    QUOTE = 1


class TickTruth(IntEnum):
    """What the generator made a message to be (ground truth for tests and reports)."""

    CLEAN = 0
    LATE = 1  # clean, but delivered minutes after it happened
    DUPLICATE = 2  # a second delivery of a message (same tick_id)
    BAD_PRINT = 3  # a trade far from the market
    CROSSED = 4  # a quote with bid above ask
    MALFORMED = 5  # cannot be parsed (no price, no size, unknown symbol or kind)


class TickConfig(BaseModel):
    """Parameters of the tick generator (frozen; unknown keys are refused).

    Rates are fractions of the session's clean messages; times are in seconds unless named.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    open_utc: str = Field(default="14:30", description="session open, HH:MM UTC")
    minutes: int = Field(default=390, ge=1, le=1440)
    trades_per_day: float = Field(default=1000.0, gt=0, description="mean trades per symbol-day")
    quotes_per_trade: float = Field(default=1.0, ge=0.0)
    u_shape: float = Field(default=2.0, ge=0.0, description="extra intensity at the open and close")
    burst_prob: float = Field(default=0.01, ge=0.0, le=1.0, description="per symbol-minute")
    burst_mult: float = Field(default=6.0, ge=1.0)
    halt_prob: float = Field(default=0.05, ge=0.0, le=1.0, description="per symbol-day")
    halt_minutes: tuple[int, int] = (5, 30)
    spread_bps: float = Field(default=4.0, gt=0.0, description="mid-day quoted spread")
    latency_ms: float = Field(default=20.0, gt=0.0, description="mean of the exponential latency")
    late_frac: float = Field(default=0.002, ge=0.0, le=1.0)
    late_seconds: tuple[float, float] = (20.0, 600.0)
    duplicate_frac: float = Field(default=0.002, ge=0.0, le=1.0)
    bad_print_frac: float = Field(default=0.001, ge=0.0, le=1.0)
    crossed_frac: float = Field(default=0.001, ge=0.0, le=1.0)
    malformed_frac: float = Field(default=0.0005, ge=0.0, le=1.0)
    seed: int = Field(default=11, ge=0)

    def session_open(self, date: pd.Timestamp) -> int:
        """Return the open of the session on ``date`` in ns since the epoch (UTC)."""
        day = pd.Timestamp(date)
        day = (day.tz_convert("UTC").tz_localize(None) if day.tzinfo else day).normalize()
        return int((day + pd.Timedelta(self.open_utc + ":00")).value)


def _rng(config: TickConfig, date: pd.Timestamp) -> np.random.Generator:
    day = int(pd.Timestamp(date).value // 86_400_000_000_000)
    return np.random.default_rng(np.random.SeedSequence(config.seed, spawn_key=(9, day)))


def _intensity(config: TickConfig, n: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Per symbol-minute trade intensity (U-shape x noise x bursts, 0 while halted)."""
    m = config.minutes
    edge = np.linspace(-1.0, 1.0, m) ** 2
    lam = (1.0 + config.u_shape * edge)[None, :] * rng.gamma(4.0, 0.25, (n, m))
    burst = rng.random((n, m)) < config.burst_prob
    lam = np.where(burst, lam * config.burst_mult, lam)
    halted = rng.random(n) < config.halt_prob
    lo, hi = config.halt_minutes
    length = rng.integers(lo, hi + 1, n)
    start = rng.integers(2, max(3, m - hi - 2), n)
    t = np.arange(m)
    halt = halted[:, None] & (t >= start[:, None]) & (t < (start + length)[:, None])
    lam = np.where(halt, 0.0, lam)
    cum = np.cumsum(lam, axis=1)
    return cum / cum[:, -1:], burst, edge


def _times(cum: np.ndarray, counts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw ``counts[s]`` sorted times (in minutes) per symbol from its cumulative intensity."""
    n, m = cum.shape
    sym = np.repeat(np.arange(n), counts)
    key = np.sort(sym + rng.random(sym.size))  # sorted within each symbol
    u = key - sym
    flat = (cum + np.arange(n)[:, None]).ravel()
    idx = np.searchsorted(flat, key, side="right")
    minute = np.minimum(idx - sym * m, m - 1)
    prev = np.where(minute > 0, cum[sym, np.maximum(minute - 1, 0)], 0.0)
    width = cum[sym, minute] - prev
    frac = np.where(width > 0, (u - prev) / np.where(width > 0, width, 1.0), 0.5)
    return minute + np.clip(frac, 0.0, 1.0 - 1e-9)


def _segments(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (segment of each element, its index inside the segment, segment starts)."""
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    seg = np.repeat(np.arange(counts.size), counts)
    return seg, np.arange(seg.size) - starts[seg], starts


def _first_in_segment(mask: np.ndarray, seg: np.ndarray, n: int) -> np.ndarray:
    idx = np.flatnonzero(mask)
    out = np.full(n, -1)
    uniq, first = np.unique(seg[idx], return_index=True)
    out[uniq] = idx[first]
    return out


def _tent(k: np.ndarray, last: np.ndarray, peak: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Piecewise-linear bump: 1 at ``peak``, 0 at 0, at ``other`` and at ``last``."""
    left = np.where(other < peak, other, 0)
    right = np.where(other > peak, other, last)
    up = (k - left) / np.maximum(peak - left, 1)
    down = (right - k) / np.maximum(right - peak, 1)
    return np.clip(np.where(k <= peak, up, down), 0.0, 1.0)


def _path(day: pd.DataFrame, counts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Trade prices per symbol (segments of ``counts``) hitting exactly O, H, L and C."""
    n = counts.size
    seg, k, starts = _segments(counts)
    last = (counts - 1)[seg]
    lo, lh, ll, lc = (np.log(day[c].to_numpy(float))[seg] for c in ("open", "high", "low", "close"))
    walk = np.cumsum(rng.standard_normal(seg.size))
    walk -= walk[starts][seg]
    end = walk[starts + counts - 1][seg]
    bridge = walk - end * k / np.maximum(last, 1)
    span = np.maximum.reduceat(bridge, starts) - np.minimum.reduceat(bridge, starts)
    scale = (
        0.6
        * (np.log(day["high"].to_numpy(float) / day["low"].to_numpy(float)))
        / np.where(span > 0, span, 1.0)
    )
    x = lo + (lc - lo) * k / np.maximum(last, 1) + scale[seg] * bridge
    inner = (k > 0) & (k < last)
    hi_at = _first_in_segment(
        inner & (x == np.maximum.reduceat(np.where(inner, x, -np.inf), starts)[seg]), seg, n
    )
    lo_at = _first_in_segment(
        inner & (x == np.minimum.reduceat(np.where(inner, x, np.inf), starts)[seg]), seg, n
    )
    local_hi, local_lo = (hi_at - starts)[seg], (lo_at - starts)[seg]
    x = x + (lh - x[hi_at][seg]) * _tent(k, last, local_hi, local_lo)
    x = x - (x[lo_at][seg] - ll) * _tent(k, last, local_lo, local_hi)
    price = np.clip(np.exp(x), np.exp(ll), np.exp(lh))
    for col, at in (
        ("high", hi_at),
        ("low", lo_at),
        ("open", starts),
        ("close", starts + counts - 1),
    ):
        price[at] = day[col].to_numpy(float)
    hi, low = day["high"].to_numpy(float)[seg], day["low"].to_numpy(float)[seg]
    return np.minimum(np.maximum(price, low), hi)


def _sizes(volume: np.ndarray, counts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Whole-share sizes, at least 1, summing exactly to each symbol's volume."""
    seg, k, starts = _segments(counts)
    w = rng.lognormal(0.0, 1.0, seg.size)
    share = w / np.add.reduceat(w, starts)[seg]
    extra = (volume - counts)[seg]
    base = np.floor(extra * share)
    left = extra - np.add.reduceat(base, starts)[seg]
    return 1.0 + base + (k < left)


def clean_ticks(day: pd.DataFrame, date: pd.Timestamp, config: TickConfig) -> np.ndarray:
    """Return the session's clean trades and quotes (``TICK_DTYPE``), sorted by event time.

    ``day`` holds one daily bar per symbol (``open, high, low, close, volume``) in the
    order of the session's symbol list; ``symbol`` in the result indexes that order.
    """
    rng = _rng(config, date)
    n = len(day)
    volume = day["volume"].to_numpy(float)
    rel = np.sqrt(volume / max(float(np.median(volume)), 1.0))
    counts = np.clip(np.round(config.trades_per_day * rel * rng.gamma(8.0, 1 / 8.0, n)), 4, None)
    counts = np.minimum(counts, volume).astype(np.int64)
    cum, burst, edge = _intensity(config, n, rng)
    t_trade = _times(cum, counts, rng)
    price = _path(day, counts, rng)
    size = _sizes(volume, counts, rng)
    n_quotes = np.round(counts * config.quotes_per_trade).astype(np.int64)
    t_quote = _times(cum, n_quotes, rng)
    qsym = np.repeat(np.arange(n), n_quotes)
    tsym = np.repeat(np.arange(n), counts)
    at = np.searchsorted(tsym * 2000.0 + t_trade, qsym * 2000.0 + t_quote, side="right") - 1
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])[qsym]
    mid = price[np.maximum(at, first)]
    minute = t_quote.astype(np.int64)
    spread = (
        config.spread_bps * (1.0 + 1.5 * edge[minute]) * np.where(burst[qsym, minute], 2.0, 1.0)
    )
    spread = spread * rng.lognormal(0.0, 0.25, qsym.size) / 1e4
    out = np.zeros(counts.sum() + n_quotes.sum(), TICK_DTYPE)
    nt = counts.sum()
    open_ns = config.session_open(date)
    out["symbol"] = np.concatenate([tsym, qsym])
    out["kind"][nt:] = TickKind.QUOTE
    out["ts_event"] = open_ns + np.round(np.concatenate([t_trade, t_quote]) * MINUTE_NS).astype(
        np.int64
    )
    nan_q = np.full(qsym.size, np.nan)
    out["price"] = np.concatenate([price, nan_q])
    out["size"] = np.concatenate([size, nan_q])
    nan_t = np.full(nt, np.nan)
    out["bid"] = np.concatenate([nan_t, mid * (1 - spread / 2)])
    out["ask"] = np.concatenate([nan_t, mid * (1 + spread / 2)])
    lots = 100.0 * np.ceil(rng.lognormal(1.0, 0.8, (2, qsym.size)))
    out["bid_size"] = np.concatenate([nan_t, lots[0]])
    out["ask_size"] = np.concatenate([nan_t, lots[1]])
    return out[np.argsort(out["ts_event"], kind="stable")]


def _pick(rng: np.random.Generator, n: int, frac: float) -> np.ndarray:
    return np.flatnonzero(rng.random(n) < frac)


def deliver(clean: np.ndarray, date: pd.Timestamp, config: TickConfig) -> np.ndarray:
    """Add what a feed does to ``clean`` ticks: latency, late, duplicate, bad and broken
    messages; give every message a ``tick_id``; return them in arrival order."""
    rng = np.random.default_rng(_rng(config, date).integers(2**63))
    ticks = clean.copy()
    n = ticks.size
    trades = np.flatnonzero(ticks["kind"] == TickKind.TRADE)
    # bad prints: extra trades 8-30 % away from a clean trade that is not its symbol's first
    sym_first = np.unique(ticks["symbol"][trades], return_index=True)[1]
    later = np.setdiff1d(trades, trades[sym_first])
    src = later[_pick(rng, later.size, config.bad_print_frac * n / max(later.size, 1))]
    bad = ticks[src].copy()
    bad["price"] *= 1.0 + rng.choice([-1.0, 1.0], src.size) * rng.uniform(0.08, 0.3, src.size)
    bad["size"] = 100.0
    bad["truth"] = TickTruth.BAD_PRINT
    quotes = np.flatnonzero(ticks["kind"] == TickKind.QUOTE)
    crossed = quotes[_pick(rng, quotes.size, config.crossed_frac * n / max(quotes.size, 1))]
    ticks["bid"][crossed], ticks["ask"][crossed] = ticks["ask"][crossed], ticks["bid"][crossed]
    ticks["truth"][crossed] = TickTruth.CROSSED
    broken = ticks[rng.integers(0, n, round(config.malformed_frac * n))].copy()
    how = rng.integers(0, 4, broken.size)
    broken["price"][how == 0] = np.nan
    broken["kind"][how == 0] = TickKind.TRADE
    broken["size"][how == 1] = -broken["size"][how == 1]
    broken["kind"][how == 1] = TickKind.TRADE
    broken["symbol"][how == 2] = -1
    broken["kind"][how == 3] = 7
    broken["truth"] = TickTruth.MALFORMED
    ticks = np.concatenate([ticks, bad, broken])
    day = int(pd.Timestamp(date).value // 86_400_000_000_000)
    ticks["tick_id"] = (day << 32) + np.arange(ticks.size)
    ticks["ts_arrival"] = ticks["ts_event"] + np.round(
        rng.exponential(config.latency_ms * 1e6, ticks.size)
    ).astype(np.int64)
    late = _pick(rng, n, config.late_frac)
    late = late[ticks["truth"][late] == TickTruth.CLEAN]
    ticks["ts_arrival"][late] += np.round(
        rng.uniform(*config.late_seconds, late.size) * 1e9
    ).astype(np.int64)
    ticks["truth"][late] = TickTruth.LATE
    dup = ticks[_pick(rng, ticks.size, config.duplicate_frac)].copy()
    dup["ts_arrival"] += np.round(rng.uniform(0.0, 30.0, dup.size) * 1e9).astype(np.int64)
    dup["truth"] = TickTruth.DUPLICATE
    ticks = np.concatenate([ticks, dup])
    return ticks[np.argsort(ticks["ts_arrival"], kind="stable")]


def session_ticks(
    day: pd.DataFrame, date: pd.Timestamp, config: TickConfig | None = None
) -> np.ndarray:
    """Return the session's messages as delivered (``TICK_DTYPE``, in arrival order).

    ``day`` holds the session's daily bars, one row per symbol, in the order the ``symbol``
    field indexes. Clean, late, crossed and duplicate messages carry the clean data; see
    :func:`clean_ticks` for how they aggregate to ``day``.
    """
    config = config or TickConfig()
    return deliver(clean_ticks(day, date, config), date, config)
