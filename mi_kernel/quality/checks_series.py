"""Series-stage checks: each sees the row-stage survivors, sorted by symbol then ts."""

from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd

from mi_kernel.quality._format import fmt_num, fmt_ts
from mi_kernel.quality.registry import CheckContext, CheckOutput, Stage, flags, register_check
from mi_kernel.quality.spikes import spike_mask
from mi_kernel.quality.types import Anomaly, Severity


def _groups(bars: pd.DataFrame) -> list[tuple[str, np.ndarray]]:
    """Return (symbol, positional indices) per symbol of a frame sorted by symbol, ts."""
    sym = bars["symbol"].to_numpy()
    if sym.size == 0:
        return []
    starts = np.flatnonzero(np.concatenate([[True], sym[1:] != sym[:-1]]))
    ends = np.append(starts[1:], sym.size)
    return [(str(sym[s]), np.arange(s, e)) for s, e in zip(starts, ends, strict=True)]


@register_check("return_spike", "series")
def return_spike(ctx: CheckContext) -> CheckOutput:
    """Quarantine closes whose log return has a robust z-score above z_max (NaN closes too)."""
    cfg, b = ctx.config, ctx.bars
    close = b["close"].to_numpy(dtype="float64")
    ids, reasons = [], []
    for sym, pos in _groups(b):
        c = close[pos]
        bad, r, z = spike_mask(c, cfg.z_window, cfg.z_min_periods, cfg.min_scale, cfg.z_max)
        for k in np.flatnonzero(bad):
            ids.append(int(b["row_id"].to_numpy()[pos[k]]))
            if not np.isfinite(c[k]) or c[k] <= 0:
                reasons.append(
                    f"close {fmt_num(c[k])} of {sym!r} is not a usable price (NaN spike)"
                )
            else:
                reasons.append(
                    f"close {fmt_num(c[k])} of {sym!r} is a spike: log return {r[k]:+.4f} has "
                    f"robust z {z[k]:+.1f} (|z| > {cfg.z_max:g})"
                )
    return CheckOutput(flagged=flags(ids, reasons))


@register_check("stale_price", Stage.SERIES)
def stale_price(ctx: CheckContext) -> CheckOutput:
    """Warn when a close stays unchanged for stale_days or more consecutive sessions."""
    b, k_min = ctx.bars, ctx.config.stale_days
    close, ts = b["close"].to_numpy(dtype="float64"), b["ts"]
    warnings = []
    for sym, pos in _groups(b):
        c = close[pos]
        same = np.concatenate([[False], c[1:] == c[:-1]])
        run_id = np.cumsum(~same)
        lengths = np.bincount(run_id, weights=same).astype(int)
        stale = np.flatnonzero(lengths >= k_min)
        if stale.size == 0:
            continue
        longest = stale[np.argmax(lengths[stale])]
        first = int(np.flatnonzero(run_id == longest)[0])
        n = int(lengths[longest])
        more = f"; {stale.size} stale runs in total" if stale.size > 1 else ""
        warnings.append(
            Anomaly(
                check="stale_price",
                severity=Severity.WARNING,
                symbol=sym,
                ts=cast(pd.Timestamp, ts.iat[pos[first]]),
                detail=f"close {fmt_num(c[first])} of {sym!r} unchanged for {n} consecutive "
                f"sessions from {fmt_ts(ts.iat[pos[first]])} to "
                f"{fmt_ts(ts.iat[pos[first + n]])}{more}",
                n_rows=int(lengths[stale].sum()),
            )
        )
    return CheckOutput(warnings=tuple(warnings))


@register_check("completeness", Stage.SERIES)
def completeness(ctx: CheckContext) -> CheckOutput:
    """Warn about sessions of the union calendar missing between a symbol's first and last bar."""
    b = ctx.bars
    naive = b["ts"].dt.tz_convert(None).to_numpy()
    cal = np.unique(naive)
    pos = np.searchsorted(cal, naive)
    warnings = []
    for sym, idx in _groups(b):
        p = pos[idx]
        expected = int(p.max() - p.min() + 1) if p.size else 0
        missing = expected - np.unique(p).size
        if missing <= 0:
            continue
        gaps = np.setdiff1d(np.arange(p.min(), p.max() + 1), p)
        dates = [fmt_ts(pd.Timestamp(cal[g], tz="UTC")) for g in gaps[:3]]
        warnings.append(
            Anomaly(
                check="completeness",
                severity=Severity.WARNING,
                symbol=sym,
                ts=pd.Timestamp(cal[gaps[0]], tz="UTC"),
                detail=f"{sym!r} misses {missing} of {expected} sessions of the union calendar "
                f"(e.g. {', '.join(dates)})",
                n_rows=int(missing),
            )
        )
    return CheckOutput(warnings=tuple(warnings))


@register_check("missing_volume", Stage.SERIES)
def missing_volume(ctx: CheckContext) -> CheckOutput:
    """Warn about NaN or non-positive volume (once for a source without any volume)."""
    b = ctx.bars
    v = b["volume"].to_numpy(dtype="float64")
    bad = ~(v > 0)
    if bad.size and bad.all():
        return CheckOutput(
            warnings=(
                Anomaly(
                    check="missing_volume",
                    severity=Severity.WARNING,
                    symbol=None,
                    ts=None,
                    detail=f"the source has no volume: all {bad.size} rows have NaN or "
                    "non-positive volume",
                    n_rows=int(bad.size),
                ),
            )
        )
    warnings = []
    for sym, pos in _groups(b):
        k = np.flatnonzero(bad[pos])
        if k.size == 0:
            continue
        first = pos[k[0]]
        warnings.append(
            Anomaly(
                check="missing_volume",
                severity=Severity.WARNING,
                symbol=sym,
                ts=cast(pd.Timestamp, b["ts"].iat[first]),
                detail=f"volume of {sym!r} is NaN or <= 0 on {k.size} of {pos.size} sessions "
                f"(first {fmt_ts(b['ts'].iat[first])}: {fmt_num(v[first])})",
                n_rows=int(k.size),
            )
        )
    return CheckOutput(warnings=tuple(warnings))
