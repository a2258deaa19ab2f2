"""Formatting helpers for human-readable reasons."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd


def fmt_ts(ts: object) -> str:
    """Return a date for midnight timestamps, else the ISO timestamp."""
    if ts is None or pd.isna(ts):  # type: ignore[call-overload]
        return "NaT"
    t = pd.Timestamp(ts)  # type: ignore[arg-type]
    return t.strftime("%Y-%m-%d") if t == t.normalize() else t.isoformat()


def fmt_num(x: float) -> str:
    """Return ``x`` with up to 6 significant digits."""
    return f"{x:.6g}"


def fragment(mask: pd.Series, texts: Iterable[str]) -> pd.Series:
    """Return a Series aligned on ``mask``: ``texts`` (one per true row, in order), else ""."""
    out = pd.Series("", index=mask.index, dtype=object)
    values = list(texts)
    if values:
        out.loc[mask.to_numpy(dtype=bool)] = values  # type: ignore[call-overload]
    return out


def join_parts(parts: Sequence[pd.Series]) -> pd.Series:
    """Join aligned Series of reason fragments ("" = none) with "; ", keeping non-empty rows."""
    if not parts:
        return pd.Series(dtype=object)
    frame = pd.concat(parts, axis=1)
    frame = frame[(frame != "").any(axis=1)]
    if frame.empty:
        return pd.Series(dtype=object)
    return frame.apply(lambda r: "; ".join(p for p in r if p), axis=1)
