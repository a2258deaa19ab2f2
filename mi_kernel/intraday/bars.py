"""BarBuilder: ticks in arrival order -> N-minute OHLCV + VWAP bars, gated, with watermarks.

The builder is the one code path of the intraday ingest: a replay and a live feed hand it
batches of messages (``TICK_DTYPE`` records) the same way. What happens to each message is
written in :mod:`mi_kernel.intraday._kernel`. Each call returns an :class:`Emitted`: the bars
the watermark closed, the provisional state of the bars still open (every
``provisional_s`` of event time), and the dead letters, quarantined ticks and corrections of
the batch, as column dicts (NumPy; :func:`frame` makes a table of one). Its whole state is a
handful of arrays (:meth:`BarBuilder.state`), which is what a checkpoint stores.

A provisional bar is the open bar as the builder holds it after a batch: every tick applied
to it so far, so every tick in it has an event time at or before its ``ts_as_of`` (the
largest event time seen) and arrived at or before its ``ts_arrived`` (the latest arrival
time processed). It is emitted only for symbols whose open bars changed since the last
provisional update, with each of the symbol's open bars (so features have their history),
and it is never final: the bar the watermark later closes supersedes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mi_kernel.data.synthetic.ticks import MINUTE_NS
from mi_kernel.intraday import _kernel as K
from mi_kernel.intraday.config import REASONS, StreamConfig

Columns = dict[str, np.ndarray]
_RAW = ("tick_id", "symbol", "kind", "ts_event", "ts_arrival", "price", "size", "bid", "ask")
STATUSES = ("accepted", "duplicate", "dead", "quarantined", "corrected")


@dataclass
class Emitted:
    """What one batch produced (column dicts; empty dicts have no rows)."""

    bars: Columns = field(default_factory=dict)
    provisional: Columns = field(default_factory=dict)
    corrections: Columns = field(default_factory=dict)
    dead_letters: Columns = field(default_factory=dict)
    quarantine: Columns = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def rows(self, name: str) -> int:
        cols = getattr(self, name)
        return len(next(iter(cols.values()))) if cols else 0


def concat(parts: Sequence[Columns]) -> Columns:
    """Return column dicts with the same columns as one (rows in order)."""
    return {k: np.concatenate([np.asarray(p[k]) for p in parts]) for k in parts[0]}


def frame(cols: Columns, symbols: Sequence[str]) -> pd.DataFrame:
    """Return a column dict as a table: ``*ts*`` columns as UTC times, ``symbol`` as names."""
    out = pd.DataFrame(cols)
    for c in out.columns:
        if c.startswith("ts"):
            out[c] = pd.to_datetime(out[c].to_numpy(np.int64), utc=True)
    if "symbol" in out:
        names = np.asarray([*symbols, "?"], dtype=object)
        code = out["symbol"].to_numpy()
        known = (code >= 0) & (code < len(symbols))
        out["symbol"] = names[np.where(known, code, len(symbols))]  # "?" for an unknown code
    return out


class BarBuilder:
    """Build one session's bars from messages for ``symbols`` (the ``symbol`` field's order).

    Parameters
    ----------
    symbols : sequence of str
        Names the messages' ``symbol`` index refers to.
    session_open : Timestamp or int
        Start of the session (UTC; int = ns since the epoch).
    minutes : int
        Session length in minutes; messages outside it are dead letters.
    config : StreamConfig
        Bar length, watermark delay, allowed lateness, bad-print threshold.
    """

    def __init__(
        self,
        symbols: Sequence[str],
        session_open: pd.Timestamp | int,
        minutes: int = 390,
        config: StreamConfig | None = None,
    ) -> None:
        self.symbols = list(symbols)
        self.config = config or StreamConfig()
        t0 = session_open if isinstance(session_open, int) else pd.Timestamp(session_open).value
        bar = self.config.bar_seconds * 1_000_000_000
        n_buckets = -(-minutes * MINUTE_NS // bar)
        self.params = np.array([t0, bar, n_buckets, round(self.config.max_jump * 1e9)], np.int64)
        n = len(self.symbols)
        self.f = np.zeros((K.N_FLOAT, n, n_buckets))
        self.c = np.zeros((K.N_INT, n, n_buckets), np.int64)
        self.ref = np.full(n, np.nan)
        self.seen = np.full(1 << 16, K.EMPTY, np.int64)
        # max event time, buckets closed, ids in `seen`, last arrival time, provisional
        # updates made (multiples of provisional_s of event time passed; -1 before the first)
        self.clock = np.array([t0 - 1, 0, 0, t0, -1], np.int64)
        self.shown = np.zeros((n, n_buckets), np.int64)  # messages per slot when last shown
        self.totals = np.zeros(len(STATUSES) + 1, np.int64)  # + applied behind the watermark

    # -- state ----------------------------------------------------------------------------
    def state(self) -> dict[str, np.ndarray]:
        """Return copies of every array of the state (a checkpoint); the id set as its ids."""
        names = ("params", "f", "c", "ref", "clock", "totals", "shown")
        out = {k: getattr(self, k).copy() for k in names}
        out["seen_ids"] = self.seen[self.seen != K.EMPTY]
        return out

    def restore(self, state: dict[str, np.ndarray]) -> BarBuilder:
        """Replace the state with a checkpoint's (from :meth:`state`); return self."""
        for k, v in state.items():
            if k != "seen_ids":
                setattr(self, k, np.array(v))
        ids = np.asarray(state["seen_ids"], np.int64)
        size = 1 << max(16, int(np.ceil(np.log2(4 * max(ids.size, 1)))))
        self.seen = K.rehash(ids, size)
        return self

    @property
    def watermark(self) -> int:
        """Largest event time seen minus the allowed delay (ns since the epoch)."""
        return int(self.clock[0] - round(self.config.max_delay_s * 1e9))

    # -- processing -----------------------------------------------------------------------
    def process(self, ticks: np.ndarray, now: int | None = None) -> Emitted:
        """Apply a batch of messages (arrival order); emit the bars the watermark closes.

        ``now`` (ns) stamps the emitted bars' ``ts_known``: the arrival time of the batch's
        last message in a replay, the wall clock live (default: the former).
        """
        n = ticks.size
        if n == 0:
            return Emitted(counts=dict.fromkeys(STATUSES, 0))
        if 2 * (self.clock[2] + n) > self.seen.size:
            size = 1 << int(np.ceil(np.log2(4 * (self.clock[2] + n))))
            self.seen = K.rehash(self.seen, size)
        status = np.empty(n, np.int8)
        reason = np.empty(n, np.int8)
        behind = ticks["ts_event"] < self.watermark
        closed = int(self.clock[1])
        self.clock[2] += K.ingest(
            ticks["tick_id"], ticks["symbol"], ticks["kind"], ticks["ts_event"], ticks["price"],
            ticks["size"], ticks["bid"], ticks["ask"], self.seen, self.f, self.c, self.ref,
            self.clock, self.params, status, reason,
        )  # fmt: skip
        counts = np.bincount(status, minlength=len(STATUSES))
        self.totals[: len(STATUSES)] += counts
        self.totals[-1] += int(np.count_nonzero(behind & (status == K.ACCEPTED)))
        out = Emitted(counts={s: int(v) for s, v in zip(STATUSES, counts, strict=True)})
        self.clock[3] = max(int(self.clock[3]), int(ticks["ts_arrival"].max()))
        stamp = int(ticks["ts_arrival"][-1]) if now is None else now
        out.dead_letters = _set_aside(ticks, status, reason, K.DEAD, stamp)
        out.quarantine = _set_aside(ticks, status, reason, K.QUARANTINED, stamp)
        if counts[K.CORRECTED]:
            out.corrections = self._corrections(ticks, status, stamp)
        wm = self.watermark - round(self.config.allowed_lateness_s * 1e9)
        upto = int(np.clip((wm - self.params[0]) // self.params[1], closed, self.params[2]))
        out.bars = self._bars(closed, upto, stamp)
        out.provisional = self._provisional(stamp)
        return out

    def close(self, now: int) -> Emitted:
        """End of session: emit every bar not yet emitted."""
        out = Emitted(counts=dict.fromkeys(STATUSES, 0))
        out.bars = self._bars(int(self.clock[1]), int(self.params[2]), now)
        return out

    def _bars(self, lo: int, hi: int, stamp: int) -> Columns:
        self.clock[1] = max(hi, int(self.clock[1]))
        if hi <= lo:
            return {}
        trades = self.c[K.TRADES, :, lo:hi]
        sym, b = np.nonzero(trades.T > 0)[::-1]  # bucket-major, then symbol
        if sym.size == 0:
            return {}
        b = b + lo
        return self._bar_columns(sym, b, stamp)

    def _provisional(self, stamp: int) -> Columns:
        """The open bars of the symbols whose open bars changed, when the largest event time
        seen has crossed the next multiple of ``provisional_s`` (else nothing)."""
        every = self.config.provisional_s
        if every is None:
            return {}
        t0, bar, n_buckets = (int(v) for v in self.params[:3])
        passed = (int(self.clock[0]) - t0) // round(every * 1e9)
        if passed <= self.clock[4]:
            return {}
        self.clock[4] = passed
        lo, hi = int(self.clock[1]), min((int(self.clock[0]) - t0) // bar + 1, n_buckets)
        if hi <= lo:
            return {}
        c = self.c[:, :, lo:hi]
        seen = c[K.TRADES] + c[K.QUOTES] + c[K.FILTERED]
        changed = (seen != self.shown[:, lo:hi]).any(axis=1)
        self.shown[:, lo:hi] = seen
        sym, b = np.nonzero(((c[K.TRADES] > 0) & changed[:, None]).T)[::-1]  # bucket-major
        if sym.size == 0:
            return {}
        cols = self._bar_columns(sym, b + lo, stamp)
        cols["ts_as_of"] = np.full(sym.size, self.clock[0], np.int64)
        cols["ts_arrived"] = np.full(sym.size, self.clock[3], np.int64)
        return cols

    def _bar_columns(self, sym: np.ndarray, b: np.ndarray, stamp: int) -> Columns:
        f, c = self.f[:, sym, b], self.c[:, sym, b]
        f[: K.PV + 1, c[K.TRADES] == 0] = np.nan  # a bar without trades has no prices
        start = self.params[0] + b * self.params[1]
        quotes = c[K.QUOTES]
        with np.errstate(invalid="ignore", divide="ignore"):
            spread = np.where(quotes > 0, f[K.SPREAD] / quotes, np.nan)
            vwap = f[K.PV] / f[K.VOLUME]
        return {
            "ts": start,
            "ts_end": start + self.params[1],
            "symbol": sym.astype(np.int32),
            "open": f[K.OPEN],
            "high": f[K.HIGH],
            "low": f[K.LOW],
            "close": f[K.CLOSE],
            "volume": f[K.VOLUME],
            "vwap": vwap,
            "trades": c[K.TRADES],
            "quotes": quotes,
            "spread_bps": spread,
            "filtered": c[K.FILTERED],
            "ts_known": np.full(sym.size, stamp, np.int64),
        }

    def _corrections(self, ticks: np.ndarray, status: np.ndarray, stamp: int) -> Columns:
        """The revised bar (all late ticks of the batch applied) per late tick."""
        late = ticks[status == K.CORRECTED]
        sym = late["symbol"].astype(np.int64)
        b = (late["ts_event"] - self.params[0]) // self.params[1]
        cols = self._bar_columns(sym, b, stamp)
        cols.pop("ts_known")
        cols.update(
            tick_id=late["tick_id"], ts_event=late["ts_event"], ts_arrival=late["ts_arrival"],
            ts_known=np.full(late.size, stamp, np.int64),
            reason=np.full(late.size, str(REASONS[K.R_LATE]), dtype=object),
        )  # fmt: skip
        return cols


def _set_aside(ticks: np.ndarray, status: np.ndarray, reason: np.ndarray, which: int,
               stamp: int) -> Columns:  # fmt: skip
    idx = np.flatnonzero(status == which)
    if idx.size == 0:
        return {}
    rows = ticks[idx]
    cols: Columns = {k: rows[k] for k in _RAW}
    cols["reason"] = np.asarray([str(r) for r in REASONS], dtype=object)[reason[idx]]
    cols["ts_known"] = np.full(idx.size, stamp, np.int64)
    return cols
