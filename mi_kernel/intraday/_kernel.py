"""Numba kernels of the intraday ingest (the numeric layer; no pandas here).

One pass over a batch of messages in arrival order. For each message, in this order:

1. **dedupe** on ``tick_id`` (an open-addressing hash set kept across batches): a message
   whose id was seen before changes nothing (status ``DUPLICATE``);
2. **parse**: a message without a usable id, kind, symbol, time, price or size, or outside the
   session, is dead-lettered with a reason code (status ``DEAD``);
3. **quality**: a trade more than ``max_jump`` (relative) away from the symbol's last accepted
   trade is a bad print, a quote with ``bid >= ask`` is crossed: quarantined with a reason
   (status ``QUARANTINED``);
4. **lateness**: a tick whose bar was already closed by the watermark (its end plus the
   allowed lateness is at or before the watermark at the start of the batch) is not applied
   to the emitted bar: the bar's revised values are written as a correction (status
   ``CORRECTED``); a tick behind the watermark whose bar is still open is applied normally;
5. **bar update**: open / close are the trades with the smallest / largest ``(ts_event,
   tick_id)``, high, low, volume, price x size, trade count, quoted-spread sum and count.

The watermark is ``max(ts_event seen) - max_delay``; it advances at the end of a batch.
State lives in arrays (so a checkpoint is the arrays); bar slots are dense per session,
``(n_symbols, n_buckets)``.
"""

from __future__ import annotations

import numba as nb
import numpy as np

EMPTY = -1  # an empty slot of the id set (tick ids are >= 0)
# statuses
ACCEPTED, DUPLICATE, DEAD, QUARANTINED, CORRECTED = 0, 1, 2, 3, 4
# reasons (index into REASONS of mi_kernel.intraday.config)
R_NONE, R_NO_ID, R_KIND, R_SYMBOL, R_TIME, R_PRICE, R_SIZE, R_QUOTE = 0, 1, 2, 3, 4, 5, 6, 7
R_BAD_PRINT, R_CROSSED, R_LATE = 8, 9, 10
# bar fields (rows of the float state)
OPEN, HIGH, LOW, CLOSE, VOLUME, PV, SPREAD, FIRST_TS, LAST_TS, FIRST_ID, LAST_ID = range(11)
N_FLOAT = 11
# integer bar fields
TRADES, QUOTES, FILTERED = 0, 1, 2
N_INT = 3


@nb.njit(cache=True, nogil=True)
def _slot(table: np.ndarray, key: np.int64) -> np.int64:
    mask = table.size - 1
    # low 32 bits kept in order (feed sequence numbers: neighbours stay neighbours, so the
    # probes of a batch hit cache lines already loaded), high bits mixed in (Fibonacci)
    h = (key + (key >> 32) * np.int64(-7046029254386353131)) & mask
    while table[h] != EMPTY and table[h] != key:
        h = (h + 1) & mask
    return h


@nb.njit(cache=True, nogil=True)
def rehash(old: np.ndarray, size: int) -> np.ndarray:
    """Return a hash set of ``size`` slots (a power of two) holding ``old``'s ids."""
    table = np.full(size, EMPTY, np.int64)
    for key in old:
        if key != EMPTY:
            table[_slot(table, key)] = key
    return table


@nb.njit(cache=True, nogil=True)
def _check(kind: int, sym: int, n_sym: int, ts: int, t0: int, t1: int, price: float,
           size: float, bid: float, ask: float) -> int:  # fmt: skip
    if kind != 0 and kind != 1:
        return R_KIND
    if sym < 0 or sym >= n_sym:
        return R_SYMBOL
    if ts < t0 or ts >= t1:
        return R_TIME
    if kind == 0:
        if not (price > 0.0 and price < np.inf):
            return R_PRICE
        if not (size > 0.0 and size < np.inf):
            return R_SIZE
    elif not (bid > 0.0 and ask < np.inf):
        return R_QUOTE
    return R_NONE


@nb.njit(cache=True, nogil=True)
def _apply_trade(f: np.ndarray, c: np.ndarray, s: int, b: int, ts: int, tid: int,
                 price: float, size: float) -> None:  # fmt: skip
    if c[TRADES, s, b] == 0:
        f[OPEN, s, b] = f[HIGH, s, b] = f[LOW, s, b] = f[CLOSE, s, b] = price
        f[FIRST_TS, s, b] = f[LAST_TS, s, b] = ts
        f[FIRST_ID, s, b] = f[LAST_ID, s, b] = tid
    else:
        if ts < f[FIRST_TS, s, b] or (ts == f[FIRST_TS, s, b] and tid < f[FIRST_ID, s, b]):
            f[OPEN, s, b], f[FIRST_TS, s, b], f[FIRST_ID, s, b] = price, ts, tid
        if ts > f[LAST_TS, s, b] or (ts == f[LAST_TS, s, b] and tid > f[LAST_ID, s, b]):
            f[CLOSE, s, b], f[LAST_TS, s, b], f[LAST_ID, s, b] = price, ts, tid
        f[HIGH, s, b] = max(f[HIGH, s, b], price)
        f[LOW, s, b] = min(f[LOW, s, b], price)
    f[VOLUME, s, b] += size
    f[PV, s, b] += price * size
    c[TRADES, s, b] += 1


@nb.njit(cache=True, nogil=True)
def ingest(
    tick_id: np.ndarray,
    symbol: np.ndarray,
    kind: np.ndarray,
    ts_event: np.ndarray,
    price: np.ndarray,
    size: np.ndarray,
    bid: np.ndarray,
    ask: np.ndarray,
    seen: np.ndarray,
    f: np.ndarray,
    c: np.ndarray,
    ref: np.ndarray,
    clock: np.ndarray,
    params: np.ndarray,
    status: np.ndarray,
    reason: np.ndarray,
) -> int:
    """Process one batch; return the number of ids added to ``seen`` (see module docstring).

    ``clock`` = [max ts_event seen, buckets closed, ...] (the rest is the caller's);
    ``params`` (int64) = [session open, bar length, n_buckets, max_jump x 1e9].
    ``f`` (N_FLOAT, n_sym, n_buckets) and ``c`` (N_INT, n_sym, n_buckets) are the bar slots,
    ``ref`` the last accepted trade price per symbol (NaN before the first). ``status`` and
    ``reason`` are written per message.
    """
    t0, bar, n_buckets = params[0], params[1], params[2]
    max_jump = params[3] / 1e9
    t1 = t0 + bar * n_buckets
    n_sym = ref.size
    closed = clock[1]
    added = 0
    for i in range(tick_id.size):
        tid = tick_id[i]
        reason[i] = R_NONE
        if tid < 0:
            status[i], reason[i] = DEAD, R_NO_ID
            continue
        h = _slot(seen, tid)
        if seen[h] == tid:
            status[i] = DUPLICATE
            continue
        seen[h] = tid
        added += 1
        k, s, ts = kind[i], symbol[i], ts_event[i]
        why = _check(k, s, n_sym, ts, t0, t1, price[i], size[i], bid[i], ask[i])
        if why != R_NONE:
            status[i], reason[i] = DEAD, why
            continue
        if ts > clock[0]:
            clock[0] = ts
        b = (ts - t0) // bar
        if k == 0:
            p = price[i]
            r = ref[s]
            if r == r and abs(p / r - 1.0) > max_jump:
                status[i], reason[i] = QUARANTINED, R_BAD_PRINT
                c[FILTERED, s, b] += 1
                continue
            ref[s] = p
            _apply_trade(f, c, s, b, ts, tid, p, size[i])
        elif bid[i] >= ask[i]:
            status[i], reason[i] = QUARANTINED, R_CROSSED
            c[FILTERED, s, b] += 1
            continue
        else:
            f[SPREAD, s, b] += (ask[i] - bid[i]) / (ask[i] + bid[i]) * 2e4
            c[QUOTES, s, b] += 1
        if b < closed:
            status[i], reason[i] = CORRECTED, R_LATE
        else:
            status[i] = ACCEPTED
    return added
