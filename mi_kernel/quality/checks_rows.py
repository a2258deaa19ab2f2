"""Row-stage checks: each looks at every input row, in input order."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mi_kernel.quality._format import fmt_num, fmt_ts, fragment, join_parts
from mi_kernel.quality.prepare import PRICES
from mi_kernel.quality.registry import CheckContext, CheckOutput, Stage, flags, register_check
from mi_kernel.quality.types import Anomaly, Severity

_REL_TOL = 1e-9


def _raw(ctx: CheckContext, row_id: int, col: str) -> object:
    return ctx.raw[col].iloc[row_id] if col in ctx.raw.columns else None


def _keyed(bars: pd.DataFrame) -> pd.DataFrame:
    """Rows with a usable ts and symbol (the others are the missing_key check's)."""
    return bars[bars["ts"].notna() & bars["symbol"].notna()]


def _output(reasons: pd.Series, frame: pd.DataFrame) -> CheckOutput:
    ids = frame.loc[reasons.index, "row_id"].to_numpy()
    return CheckOutput(flagged=flags(ids, reasons.to_list()))


@register_check("missing_key", Stage.ROW)
def missing_key(ctx: CheckContext) -> CheckOutput:
    """Quarantine rows whose ts is not a date or whose symbol is missing."""
    b = ctx.bars
    bad = b[b["ts"].isna() | b["symbol"].isna()]
    reasons = []
    for rid, ts, sym in zip(bad["row_id"], bad["ts"], bad["symbol"], strict=True):
        parts = []
        if pd.isna(ts):
            parts.append(f"ts {_raw(ctx, rid, 'ts')!r} is missing or not a date")
        if sym is None:
            parts.append(f"symbol {_raw(ctx, rid, 'symbol')!r} is missing")
        reasons.append("; ".join(parts))
    return CheckOutput(flagged=flags(bad["row_id"].to_numpy(), reasons))


@register_check("unknown_symbol", Stage.ROW)
def unknown_symbol(ctx: CheckContext) -> CheckOutput:
    """Quarantine rows whose symbol is not in the expected universe."""
    if ctx.expected_symbols is None:
        return CheckOutput(applicable=False)
    b = ctx.bars[ctx.bars["symbol"].notna()]
    bad = b[~b["symbol"].isin(ctx.expected_symbols)]
    reasons = [f"symbol {s!r} is not in the expected universe" for s in bad["symbol"]]
    return CheckOutput(flagged=flags(bad["row_id"].to_numpy(), reasons))


@register_check("duplicates", Stage.ROW)
def duplicates(ctx: CheckContext) -> CheckOutput:
    """Keep the first row of each (ts, symbol) and quarantine the later copies."""
    b = _keyed(ctx.bars)
    dup = b.duplicated(["ts", "symbol"], keep="first")
    first = b.groupby(["ts", "symbol"], sort=False)["row_id"].transform("first")
    bad = b[dup]
    reasons = [
        f"duplicate of row {f} (same ts {fmt_ts(t)} and symbol {s!r})"
        for f, t, s in zip(first[dup], bad["ts"], bad["symbol"], strict=True)
    ]
    return CheckOutput(flagged=flags(bad["row_id"].to_numpy(), reasons))


@register_check("out_of_order", Stage.ROW)
def out_of_order(ctx: CheckContext) -> CheckOutput:
    """Quarantine rows whose ts is earlier than a preceding row of the same symbol."""
    b = _keyed(ctx.bars)
    prev_max = b.groupby("symbol")["ts"].cummax().groupby(b["symbol"]).shift(1)
    bad_mask = b["ts"] < prev_max
    bad = b[bad_mask]
    reasons = [
        f"ts {fmt_ts(t)} is earlier than {fmt_ts(p)} seen before it for {s!r} "
        "(rows out of time order)"
        for t, p, s in zip(bad["ts"], prev_max[bad_mask], bad["symbol"], strict=True)
    ]
    return CheckOutput(flagged=flags(bad["row_id"].to_numpy(), reasons))


def _missing_price_warning(col: str, symbols: list[str]) -> Anomaly:
    shown = ", ".join(repr(s) for s in symbols[:5]) + (" ..." if len(symbols) > 5 else "")
    return Anomaly(
        check="bad_price",
        severity=Severity.WARNING,
        symbol=symbols[0] if len(symbols) == 1 else None,
        ts=None,
        detail=f"source has no {col} prices for {len(symbols)} symbol(s) ({shown}); "
        f"{col} is left NaN",
        n_rows=len(symbols),
    )


@register_check("bad_price", Stage.ROW)
def bad_price(ctx: CheckContext) -> CheckOutput:
    """Quarantine NaN, infinite or non-positive prices (a NaN close always)."""
    b = ctx.bars
    parts, warnings = [], []
    for col in PRICES:
        v = b[col]
        present = v.notna().groupby(b["symbol"].fillna(""), sort=False).transform("any")
        nan = v.isna() & (present | (col == "close"))
        absent = sorted({s for s in b.loc[~present, "symbol"] if s is not None})
        if col != "close" and absent:
            warnings.append(_missing_price_warning(col, absent))
        raws: list[Any] = [_raw(ctx, r, col) for r in b.loc[nan, "row_id"]]
        texts = [f"{col} is NaN" if pd.isna(x) else f"{col} {x!r} is not a number" for x in raws]
        parts.append(fragment(nan, texts))
        bad = (v <= 0) | np.isinf(v)
        parts.append(
            fragment(bad, [f"{col} is {fmt_num(x)}, not a positive finite price" for x in v[bad]])
        )
    out = _output(join_parts(parts), b)
    return CheckOutput(flagged=out.flagged, warnings=tuple(warnings))


@register_check("ohlc_consistency", Stage.ROW)
def ohlc_consistency(ctx: CheckContext) -> CheckOutput:
    """Quarantine rows with high < low or close outside [low, high]."""
    b = ctx.bars
    h, lo, c = b["high"], b["low"], b["close"]
    tol = _REL_TOL * np.maximum(h.abs(), 1.0)
    hl = h < lo - tol
    out_range = ((c < lo - tol) | (c > h + tol)) & ~hl
    parts = [
        fragment(
            hl,
            [
                f"high {fmt_num(x)} is below low {fmt_num(y)}"
                for x, y in zip(h[hl], lo[hl], strict=True)
            ],
        ),
        fragment(
            out_range,
            [
                f"close {fmt_num(z)} is outside [low {fmt_num(y)}, high {fmt_num(x)}]"
                for x, y, z in zip(h[out_range], lo[out_range], c[out_range], strict=True)
            ],
        ),
    ]
    return _output(join_parts(parts), b)
